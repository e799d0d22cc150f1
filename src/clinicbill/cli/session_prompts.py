"""The interactive `session add` (questionary, only on a terminal).

Each answer fills the same inputs the flags fill, so an interactive session and the same
session typed as flags are stored identically. Look-ups use short read transactions (the
database is never locked while someone types); nothing is written until the final confirm,
so Ctrl-C at any point leaves the database unchanged.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import typer

from clinicbill.cli.common import questions as _q
from clinicbill.cli.common import read as _read
from clinicbill.cli.session_prompts_note import ask_lines


def _say_refusal(exc) -> None:
    typer.echo(f"  error: {exc.message}")
    if exc.hint:
        typer.echo(f"  hint: {exc.hint}")


# --- who, when, billed to ---------------------------------------------------------------------


def ask_patient(ref) -> int:
    from clinicbill.app.session_prompts import patient_choices, patient_id
    from clinicbill.domain.errors import ClinicbillError

    if ref is not None:
        return _read(patient_id, ref)
    choices = _read(patient_choices)
    while True:
        answer = (
            _q()
            .autocomplete("Patient (type part of a name or account):", list(choices))
            .unsafe_ask()
            .strip()
        )
        if answer in choices:
            return choices[answer]
        try:
            return _read(patient_id, answer)
        except ClinicbillError as exc:
            _say_refusal(exc)


def ask_provider(ref, usual: int | None = None) -> tuple[int, str]:
    from clinicbill.app.session_prompts import provider_by_ref, provider_choices

    if ref is not None:
        found = _read(provider_by_ref, ref)
        return found.id, found.credential
    rows = _read(provider_choices)
    if len(rows) == 1:
        typer.echo(f"  provider: {rows[0].display_name}")
        return rows[0].id, rows[0].credential
    Choice = _q().Choice
    options = [Choice(p.display_name, value=p) for p in rows]
    default = next((o for o in options if o.value.id == usual), options[0])
    picked = _q().select("Provider:", options, default=default).unsafe_ask()
    return picked.id, picked.credential


def _valid_date(text: str):
    from clinicbill.domain.errors import ClinicbillError
    from clinicbill.domain.validate import parse_date

    try:
        parse_date(text, "date", allow_future=False)
    except ClinicbillError as exc:
        return exc.message
    return True


def ask_date(value, default: date | None = None) -> date:
    from clinicbill.domain.validate import parse_date

    if value is None:
        value = (
            _q()
            .text(
                "Date of service:",
                default=(default or date.today()).isoformat(),
                validate=_valid_date,
            )
            .unsafe_ask()
        )
    return parse_date(value, "date", allow_future=False)


def ask_policy(value, patient_id: int, on: date, usual: int | None = None):
    """AUTO/None/ref as given; otherwise a choice of the policies in effect, or self-pay.
    Not asked when the policy of the last visit (`usual`) is still the one in effect: it is
    said, and changed at the summary if need be."""
    from clinicbill.app.session_prompts import policy_choices
    from clinicbill.domain.sessions.entry import AUTO

    if value is not AUTO:
        return value
    choices, current = _read(policy_choices, patient_id, on)
    if not choices:
        typer.echo("  billed to: self-pay (no policy in effect that day)")
        return None
    if usual is not None and usual == current:
        label = next(text for text, ident in choices if ident == current)
        typer.echo(f"  billed to: {label}, as at the last visit (change it at the summary)")
        return current
    Choice = _q().Choice
    options = [Choice(label, value=ident) for label, ident in choices]
    # questionary returns a choice's title for a None value: self-pay is "" here, None below
    options.append(Choice("Self-pay (bill the patient)", value=""))
    default = next((o for o in options if o.value == current), options[0])
    return _q().select("Bill to:", options, default=default).unsafe_ask() or None


def ask_template(value, credential: str):
    from clinicbill.domain.sessions.notes import load_template, template_names

    if value is not None:
        return value
    names = template_names()
    guess = "acupuncture" if credential.upper() in ("LAC", "DIPLAC") else "massage"
    Choice = _q().Choice
    options = [Choice(f"{n}: {load_template(n).description}", value=n) for n in names]
    options.append(Choice("none (SOAP only)", value=""))
    default = next((o for o in options if o.value == guess), options[0])
    return _q().select("Note template:", options, default=default).unsafe_ask()


# --- diagnoses --------------------------------------------------------------------------------


def _pick_code(answer: str, on: date) -> str | None:
    """A billable code from what was typed: a code, a header's child, or a word search."""
    import re

    from clinicbill.domain.codesets import icd
    from clinicbill.domain.errors import ClinicbillError

    Choice = _q().Choice
    looks_like_code = re.fullmatch(r"[A-Za-z]\d[0-9A-Za-z.]{0,6}", answer.strip()) is not None
    try:
        return icd.check_billable(answer, on, field="dx")
    except ClinicbillError as exc:
        hit = icd.lookup(answer) if looks_like_code else None
        if hit is not None and not hit.billable:
            children = icd.billable_children(answer)[:30]
            options = [Choice(f"{c.code:<8} {c.description}", value=c.code) for c in children]
            options.append(Choice("(type again)", value=""))  # a None value would be the title
            title = f"{hit.code} is a category; pick a code:"
            return _q().select(title, options).unsafe_ask() or None
        if looks_like_code:
            _say_refusal(exc)
            return None
    hits = [h for h in icd.search(answer, limit=40) if h.billable][:15]
    if not hits:
        typer.echo(f"  no billable code matches '{answer[:40]}'; try other words or a code")
        return None
    options = [Choice(f"{h.code:<8} {h.description}", value=h.code) for h in hits]
    options.append(Choice("(search again)", value=""))
    return _q().select("Diagnosis:", options).unsafe_ask() or None


def ask_diagnoses(patient_id: int, on: date, insured: bool, ask_same: bool = True) -> list[str]:
    from clinicbill.app.session_prompts import last_diagnoses
    from clinicbill.domain.codesets.icd import description

    previous = _read(last_diagnoses, patient_id) if ask_same else []
    if previous:
        shown = "; ".join(f"{c} {description(c) or ''}".strip() for c in previous)
        if _q().confirm(f"Same diagnoses as last visit ({shown})?", default=True).unsafe_ask():
            return previous
    codes: list[str] = []
    while len(codes) < 12:
        answer = (
            _q()
            .text(f"Diagnosis {len(codes) + 1} (code or words; Enter when done):")
            .unsafe_ask()
            .strip()
        )
        if not answer:
            if codes or not insured:
                break
            typer.echo("  at least one diagnosis is needed to bill insurance")
            continue
        code = _pick_code(answer, on)
        if code and code not in codes:
            codes.append(code)
            typer.echo(f"  {'ABCDEFGHIJKL'[len(codes) - 1]}  {code}  {description(code)}")
    return codes


# --- the whole walk-through -------------------------------------------------------------------


def _preview(inputs: dict):
    from clinicbill.cli.session_view import print_plan
    from clinicbill.domain.sessions.entry import plan_session

    def run(session):
        plan = plan_session(session, **plan_inputs(inputs))
        typer.echo("\nSession to save:")
        print_plan(session, plan)
        if plan.policy_id is None and inputs.get("package") not in (None, "none"):
            from clinicbill.app.packages import package_remaining

            ident, name, status = package_remaining(session, inputs["package"])
            typer.echo(f"  paid with  package {ident}: {name} ({status} before this)")
        return plan

    return _read(run)


def plan_inputs(out: dict) -> dict:
    """The answers plan_session takes (the package is drawn after the session is written)."""
    return {k: v for k, v in out.items() if k != "package"}


@dataclass(frozen=True)
class Context:
    """What the prompts derive from the answers so far."""

    on: date
    credential: str
    template: object
    rule: str
    insured: bool


def context(out: dict) -> Context:
    from clinicbill.app.session_prompts import policy_choices, provider_credential, unit_rule
    from clinicbill.domain.sessions.entry import AUTO
    from clinicbill.domain.sessions.notes import load_template

    on = date.fromisoformat(out["service_date"])
    credential = _read(provider_credential, out["provider"])
    insured = out["policy"] is not None and (
        out["policy"] is not AUTO or _read(policy_choices, out["patient"], on)[1] is not None
    )
    return Context(
        on=on,
        credential=credential,
        template=load_template(out["template"]) if out["template"] else None,
        rule=_read(unit_rule, out["policy"] if out["policy"] is not AUTO else None),
        insured=insured,
    )


def _offer_last_visit(out: dict, last) -> None:
    """ "Same as last visit": its diagnoses, lines (with minutes), template details and plan,
    to adjust at the summary (Change an answer)."""
    codes = " ".join(
        line.code + (f" {line.minutes} min" if line.minutes else "") for line in last.lines
    )
    label = f"Same as last visit ({last.service_date}: {codes}; dx {', '.join(last.diagnoses)})?"
    if not _q().confirm(label, default=True).unsafe_ask():
        return
    out["template"] = last.template
    out["diagnoses"] = list(last.diagnoses)
    out["lines"] = list(last.lines)
    from clinicbill.domain.sessions.notes import load_template

    template = load_template(last.template) if last.template else None
    skipped = {p.key: "" for p in template.prompts} if template else {}  # left blank last time
    out["modality"] = {**skipped, **last.details, **(out["modality"] or {})}
    if last.plan:
        out["soap"] = {"plan": last.plan, **(out["soap"] or {})}


def _checked_preview(out: dict):
    """The plan shown before saving; a refusal asks again for the services or diagnoses."""
    from clinicbill.domain.errors import ClinicbillError

    while True:
        try:
            return _preview(out)
        except ClinicbillError as exc:
            _say_refusal(exc)
            again = _q().select("Change what?", ["services", "diagnoses", "cancel"]).unsafe_ask()
            if again == "cancel":
                raise KeyboardInterrupt from None
            ctx = context(out)
            if again == "services":
                out["lines"] = ask_lines(ctx.template, ctx.rule)
            else:
                out["diagnoses"] = ask_diagnoses(out["patient"], ctx.on, ctx.insured)
