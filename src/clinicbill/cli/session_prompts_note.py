"""The services and note steps of the interactive `session add` (see session_prompts.py)."""

from __future__ import annotations

import typer

from clinicbill.cli.common import questions as _q

SOAP_LABELS = {
    "subjective": "Subjective (what the patient reports)",
    "objective": "Objective (findings)",
    "assessment": "Assessment (response to treatment)",
    "plan": "Plan (frequency, home care, next visit)",
}
MULTILINE = "Enter on an empty line to finish"


def _finish_on_empty_line():
    """Key bindings for free text: Enter starts a new line; Enter on an empty last line (or
    on an empty answer) finishes. Esc then Enter still finishes at once."""
    from prompt_toolkit.key_binding import KeyBindings

    bindings = KeyBindings()

    @bindings.add("enter")
    def _enter(event) -> None:
        buffer = event.current_buffer
        document = buffer.document
        if document.is_cursor_at_the_end and not document.current_line.strip():
            buffer.text = buffer.text.rstrip()
            buffer.validate_and_handle()
        else:
            buffer.newline(copy_margin=False)

    return bindings


def ask_text(label: str, default: str = "", validate=None) -> str:
    """A free-text answer (several lines allowed) that finishes with Enter on an empty line."""
    return (
        _q()
        .text(
            label,
            default=default,
            multiline=True,
            instruction=f"({MULTILINE})",
            validate=validate,
            key_bindings=_finish_on_empty_line(),
        )
        .unsafe_ask()
        .strip()
    )


def _whole(low: int, high: int, blank: bool = True):
    def check(text: str):
        text = text.strip()
        if blank and not text:
            return True
        if text.isdigit() and low <= int(text) <= high:
            return True
        return f"a whole number {low}-{high}" + (" (or Enter to skip)" if blank else "")

    return check


def _show_units(lines, rule: str) -> None:
    from clinicbill.domain.codesets.cpt import is_timed
    from clinicbill.domain.sessions.units import units_for_minutes

    timed = {}
    for n, line in enumerate(lines, start=1):
        if is_timed(line.code) and line.minutes and line.units is None:
            timed[line.code if line.code not in timed else f"{line.code} (line {n})"] = line.minutes
    if timed:
        typer.echo("  units: " + units_for_minutes(timed, rule).explanation)


def _ask_one(code: str, minutes=None, units=None, modifiers=(), ask_modifiers=True):
    """One service: minutes for timed codes, units otherwise. None when skipped."""
    from clinicbill.domain.codesets.cpt import entry
    from clinicbill.domain.sessions.entry import LineInput

    found = entry(code)
    label = f"{code} {found.description}" if found else f"{code} (not in the catalog)"
    if found and found.is_acupuncture_initial:
        if not _q().confirm(f"{label}?", default=True).unsafe_ask():
            return None
        return LineInput(code=code, modifiers=tuple(modifiers))
    if found and found.timed:
        text = (
            _q()
            .text(
                f"{label}: minutes (0 to skip):",
                default=str(minutes or ""),
                validate=_whole(0, 600),
            )
            .unsafe_ask()
        )
        if not text.strip() or int(text) == 0:
            return None
        values = {"minutes": int(text)}
    else:
        text = (
            _q()
            .text(f"{label}: units (0 to skip):", default=str(units or 1), validate=_whole(0, 99))
            .unsafe_ask()
        )
        if not text.strip() or int(text) == 0:
            return None
        values = {"units": int(text)}
    if ask_modifiers:
        typical = ", ".join(found.typical_modifiers) if found and found.typical_modifiers else ""
        text = (
            _q()
            .text(
                "  modifiers" + (f" (often {typical})" if typical else "") + ":",
                default=",".join(modifiers),
            )
            .unsafe_ask()
        )
        modifiers = tuple(m.strip().upper() for m in text.split(",") if m.strip())
    return LineInput(code=code, modifiers=tuple(modifiers), **values)


ACUPUNCTURE_CODES = {False: ("97810", "97811"), True: ("97813", "97814")}


def _is_acupuncture(code: str) -> bool:
    from clinicbill.domain.codesets.cpt import entry

    found = entry(code)
    return bool(found and found.acupuncture)


def ask_acupuncture(template, details: dict) -> list:
    """Acupuncture, e-stim first: it decides 97813/97814 or 97810/97811 (DOMAIN.md §8); its
    settings go in the note; the face-to-face minutes (not needle retention) give the add-on
    units, which need re-insertion."""
    from clinicbill.domain.sessions.entry import LineInput
    from clinicbill.domain.sessions.units import acupuncture_add_on_units

    estim = _q().confirm("Electrical stimulation used (on any needle)?", default=False).unsafe_ask()
    details["estim"] = "yes" if estim else "no"
    for key in ("estim_frequency", "estim_points"):
        prompt = template.prompt(key)
        if prompt is not None:
            details[key] = _ask_detail(prompt) if estim else ""
    initial, add_on = ACUPUNCTURE_CODES[estim]
    text = (
        _q()
        .text(
            "Face-to-face minutes with the patient (not needle retention):",
            validate=_whole(1, 600, blank=False),
        )
        .unsafe_ask()
    )
    extra = int(text) - 15
    units = acupuncture_add_on_units(extra) if extra > 0 else 0
    if units and template.prompt("reinsertion") is not None:
        again = _q().confirm("Needles re-inserted after the first 15 minutes?", default=True)
        details["reinsertion"] = "yes" if again.unsafe_ask() else "no"
        units = units if details["reinsertion"] == "yes" else 0
    lines = [LineInput(code=initial)]
    shown = f"  units: {initial} 1 (the first 15 minutes)"
    if units:
        lines.append(LineInput(code=add_on, minutes=extra))
        shown += f" + {add_on} {units} ({extra} more minutes with re-insertion)"
    typer.echo(shown)
    return lines


def ask_lines(template, rule: str, current=None, details: dict | None = None) -> list:
    """Services: the current lines (when changing them) or the template's suggestions first,
    each prefilled, then any other codes. A template's acupuncture suggestions are asked as
    ask_acupuncture does (e-stim first), its answers put in `details`."""
    lines = []
    suggested = current or (template.suggest if template else ())
    if not current and any(_is_acupuncture(item.code) for item in suggested):
        lines.extend(ask_acupuncture(template, details if details is not None else {}))
        suggested = [item for item in suggested if not _is_acupuncture(item.code)]
    for item in suggested:
        line = _ask_one(item.code, item.minutes, item.units, item.modifiers, ask_modifiers=False)
        if line is not None:
            lines.append(line)
            _show_units(lines, rule)
    while True:
        typed = (
            _q()
            .text(
                "Another service (code or words; Enter when done):"
                if lines
                else "Service (code or words, e.g. massage, e-stim):"
            )
            .unsafe_ask()
            .strip()
        )
        if not typed:
            if lines:
                return lines
            typer.echo("  a session needs at least one service")
            continue
        code = _pick_service(typed)
        line = _ask_one(code) if code else None
        if line is not None:
            lines.append(line)
            _show_units(lines, rule)


def _pick_service(typed: str) -> str | None:
    """A catalog code from a code or words; an unknown code is refused with the nearest
    codes (97183 -> 97140, 97124 ...)."""
    import difflib

    from clinicbill.domain.codesets.cpt import catalog, entry, search

    if entry(typed.upper()):
        return typed.upper()
    hits = search(typed)[:15]
    if not hits:
        near = difflib.get_close_matches(typed.upper(), sorted(catalog()), n=5, cutoff=0.6)
        typer.echo(
            f"  '{typed[:20]}' is not in the code catalog"
            + ("" if near else "; try words such as massage, manual, acupuncture, e-stim")
        )
        hits = [entry(c) for c in near]
        if not hits:
            return None
    Choice = _q().Choice
    options = [Choice(f"{h.code}  {h.description}", value=h.code) for h in hits]
    options.append(Choice("(type again)", value=""))  # a None value would be the title
    return _q().select("Service:", options).unsafe_ask() or None


# --- note ----------------------------------------------------------------------------------


def _ask_detail(prompt):
    label = prompt.label + (f" ({prompt.help})" if prompt.help else "") + ":"
    if prompt.kind == "bool":
        default = bool(prompt.default) if prompt.default is not None else False
        return "yes" if _q().confirm(label, default=default).unsafe_ask() else "no"
    if prompt.kind == "choice":
        Choice = _q().Choice
        options = [Choice(c, value=c) for c in prompt.choices] + [Choice("(skip)", value="")]
        return _q().select(label, options).unsafe_ask()
    if prompt.kind == "int":
        low = prompt.min if prompt.min is not None else 0
        high = prompt.max if prompt.max is not None else 100_000
        return _q().text(label, validate=_whole(low, high)).unsafe_ask()
    return _q().text(label, default=str(prompt.default or "")).unsafe_ask()


def ask_details(template, given: dict | None) -> dict:
    answers = dict(given or {})
    for prompt in template.prompts if template else ():
        if prompt.key not in answers:
            answers[prompt.key] = _ask_detail(prompt)
    return {k: v for k, v in answers.items() if str(v).strip()}


def ask_soap(given: dict | None, pain_before, pain_after) -> tuple[dict, object, object]:
    soap = dict(given or {})
    pain = _whole(0, 10)
    for name, label in SOAP_LABELS.items():
        if soap.get(name) is None:
            soap[name] = ask_text(label + ":")
        if name == "subjective" and pain_before is None:
            pain_before = _q().text("Pain before treatment (0-10):", validate=pain).unsafe_ask()
        if name == "assessment" and pain_after is None:
            pain_after = _q().text("Pain after treatment (0-10):", validate=pain).unsafe_ask()
    return soap, pain_before or None, pain_after or None


def finish_note(ident: int) -> None:
    """ "Save and sign" on an incomplete note: the visit is already saved as a draft (nothing
    typed is lost); ask for the missing parts now and sign. Ctrl-C keeps the draft."""
    from clinicbill.app.sessions import edit_session, missing_note_fields
    from clinicbill.cli.common import answer_check, read, unit_of_work
    from clinicbill.cli.context import STATE

    missing = read(missing_note_fields, str(ident), list(SOAP_LABELS))
    typer.echo(
        f"session {ident} saved as a draft; to sign it the note still needs "
        f"{', '.join(missing)} (Ctrl-C keeps the draft)"
    )
    try:
        soap = {
            name: ask_text(SOAP_LABELS[name] + ":", validate=answer_check(required=True))
            for name in missing
        }
    except KeyboardInterrupt:
        typer.echo(f"kept as a draft: finish it with clinicbill session edit {ident}", err=True)
        raise typer.Exit(1) from None
    with unit_of_work() as session:
        edit_session(session, str(ident), {"soap": soap}, sign=True, user=STATE.user)
    typer.echo(f"session {ident} signed")
