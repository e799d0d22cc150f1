"""`session add|list|show|edit|sign|addendum|void|note`: the visit and its SOAP note."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path
from typing import Annotated

import typer

from clinicbill.cli.common import Force, Output, unit_of_work

Opt = typer.Option
session_app = typer.Typer(
    help="Sessions (visits): SOAP note, diagnoses, services.", no_args_is_help=True
)
SessionId = Annotated[str, typer.Argument(help="Session id.")]

# Options shared by `session add` and `session edit`.
PatientOpt = Annotated[str | None, Opt(help="Id, account or name.")]
ProviderOpt = Annotated[str | None, Opt(help="Rendering provider: id, NPI or name.")]
DateOpt = Annotated[str | None, Opt("--date", help="Date of service (default today).")]
PosOpt = Annotated[str | None, Opt("--pos", help="Place of service (default 11 office).")]
PolicyOpt = Annotated[
    str | None, Opt(help="Policy id or member id (default: primary policy in effect).")
]
SelfPayOpt = Annotated[bool, Opt("--self-pay", help="Bill the patient, not insurance.")]
DxOpt = Annotated[
    list[str] | None, Opt("--dx", help="ICD-10-CM diagnosis, in order (repeat, up to 12).")
]
LineOpt = Annotated[
    list[str] | None,
    Opt(
        "--line",
        help="Service: CODE[:minutes=N][:units=N][:mod=59,GP][:ptr=1,2][:charge=65] (repeat).",
    ),
]
TotalOpt = Annotated[str | None, Opt(help="Minutes of the whole visit.")]
TemplateOpt = Annotated[
    str | None, Opt(help="Note template: massage, acupuncture, combined (default from codes).")
]
DetailOpt = Annotated[
    list[str] | None, Opt("--detail", help='Template answer key=value (repeat), e.g. areas="neck".')
]
TextOpt = Annotated[str | None, Opt()]
PainOpt = Annotated[str | None, Opt(help="0-10.")]
AuthOpt = Annotated[str | None, Opt("--auth", help="Authorization id, or none (default: auto).")]
ReferralOpt = Annotated[str | None, Opt(help="Referral id, or none (default: auto).")]
CaseOpt = Annotated[
    str | None,
    Opt("--case", help="Injury case id, or none (default: the only open case for the policy)."),
]


def _link(value: str | None, label: str):
    from clinicbill.domain.errors import ClinicbillError
    from clinicbill.domain.sessions.entry import AUTO

    if value is None or value.strip().lower() == "auto":
        return AUTO
    if value.strip().lower() == "none":
        return None
    if not value.strip().isdigit():
        raise ClinicbillError(f"{label}: '{value[:20]}' is not an id", "give an id, auto or none")
    return int(value)


def _refuse_unsignable(missing: list[str]) -> None:
    """`session add --sign` of an incomplete note: nothing is saved, so the refusal must not
    point at a session id that the rollback takes away again."""
    from clinicbill.domain.errors import ClinicbillError

    if missing:
        raise ClinicbillError(
            "sign: the note is incomplete (missing " + ", ".join(missing) + "); nothing was saved",
            "give " + " ... ".join(missing) + " ..., or leave out --sign to save a draft",
        )


def _inputs(**flags) -> dict:
    """Flag values as plan_session inputs (None: not given)."""
    from clinicbill.domain.sessions.entry import AUTO, parse_line
    from clinicbill.domain.sessions.notes import parse_detail

    soap = {k: flags[k] for k in ("subjective", "objective", "assessment", "plan")}
    flags["date"] = flags.get("date_")
    policy = AUTO if flags["policy"] is None else flags["policy"]
    if flags["self_pay"] or str(flags["policy"]).strip().lower() == "self-pay":
        policy = None
    return {
        "patient": flags["patient"],
        "provider": flags["provider"],
        "service_date": flags["date"],
        "place_of_service": flags["pos"],
        "policy": policy,
        "total_minutes": flags["total_minutes"],
        "template": flags["template"],
        "diagnoses": list(flags["dx"]) if flags["dx"] else None,
        "lines": [parse_line(x) for x in flags["line"]] if flags["line"] else None,
        "modality": dict(parse_detail(d) for d in flags["detail"]) if flags["detail"] else None,
        "soap": {k: v for k, v in soap.items() if v is not None} or None,
        "pain_before": flags["pain_before"],
        "pain_after": flags["pain_after"],
        "authorization_id": _link(flags["auth"], "auth"),
        "referral_id": _link(flags["referral"], "referral"),
        "case": _case_ref(flags.get("case")),
    }


def _case_ref(value):
    from clinicbill.domain.sessions.entry import AUTO

    if value is None or value.strip().lower() == "auto":
        return AUTO
    return None if value.strip().lower() == "none" else value


def _needs_prompts(inputs: dict) -> bool:
    """Interactive when a required value is missing (a diagnosis unless billed as self-pay)."""
    missing = any(inputs[k] is None for k in ("patient", "provider", "lines"))
    return missing or (inputs["diagnoses"] is None and inputs["policy"] is not None)


@session_app.command("add")
def session_add(
    patient: PatientOpt = None,
    provider: ProviderOpt = None,
    date_: DateOpt = None,
    pos: PosOpt = None,
    policy: PolicyOpt = None,
    self_pay: SelfPayOpt = False,
    dx: DxOpt = None,
    line: LineOpt = None,
    total_minutes: TotalOpt = None,
    template: TemplateOpt = None,
    detail: DetailOpt = None,
    subjective: TextOpt = None,
    objective: TextOpt = None,
    assessment: TextOpt = None,
    plan: TextOpt = None,
    pain_before: PainOpt = None,
    pain_after: PainOpt = None,
    auth: AuthOpt = None,
    referral: ReferralOpt = None,
    case: CaseOpt = None,
    package: Annotated[
        str | None,
        Opt(
            "--package",
            help="Prepaid package id this self-pay visit draws from (default: the patient's"
            " package in use, soonest to expire).",
        ),
    ] = None,
    no_package: Annotated[
        bool, Opt("--no-package", help="Bill this self-pay visit; draw from no package.")
    ] = False,
    sign: Annotated[bool, Opt("--sign", help="Sign the note right away.")] = False,
) -> None:
    """Record a session. On a terminal, asks for whatever the flags did not give.

    Units of timed codes come from minutes by the payer's unit rule; charges from the fee
    schedule; the authorization and referral covering the visit are linked automatically.
    A self-pay visit draws from the patient's prepaid package unless --no-package.

    Example: clinicbill session add --patient P00001 --provider Reyes --dx M54.50
      --line 97124:minutes=38 --subjective "Low back tight" --sign
    """
    flags = dict(locals())
    flags.pop("package"), flags.pop("no_package")
    from clinicbill.cli.context import STATE, tty
    from clinicbill.cli.render import done
    from clinicbill.cli.session_view import plan_data, plan_lines_text, print_notices
    from clinicbill.domain.sessions.entry import plan_session, write_session
    from clinicbill.domain.sessions.record import missing_for_signature, sign_session
    from clinicbill.store.engine import current_user

    inputs = _inputs(**flags)
    inputs["package"] = "none" if no_package else package
    asked = tty() and _needs_prompts(inputs)
    if asked:
        from clinicbill.cli.session_summary import ask_session

        inputs, sign = ask_session(inputs, sign)
    package = inputs.pop("package")
    with unit_of_work() as session:
        planned = plan_session(session, **inputs)
        encounter = write_session(session, planned)
        from clinicbill.app.selfpay import bill_new_session  # memberships, tiers
        from clinicbill.domain.ledger.packages import draw_for_session

        drawn = draw_for_session(session, encounter, package)
        billing = bill_new_session(session, encounter)
        finish = asked and sign and bool(missing_for_signature(session, encounter))
        if sign and not finish:
            _refuse_unsignable(missing_for_signature(session, encounter))
            sign_session(session, encounter, STATE.user or current_user())
        saved_id, status = encounter.id, encounter.status
        # the interactive walk-through showed the summary before saving
        summary = [] if asked or STATE.json else plan_lines_text(session, planned)
    # Printed only now that the session is committed (STYLE.md: one transaction, then one message).
    if STATE.json:
        data = {"id": saved_id, "status": status, **plan_data(planned)}
        done("", {**data, "billing": [*drawn, *billing.notes]})
        return
    typer.echo(f"session {saved_id} added ({status})")
    for note in drawn:
        typer.echo(note)
    for text in summary:
        typer.echo(text)
    if not asked:
        print_notices(planned)
    for note in billing.notes:
        typer.echo(note)
    if finish:  # saved as a draft above: ask what the signature still needs
        from clinicbill.cli.session_prompts_note import finish_note

        finish_note(saved_id)
    elif status == "draft":
        typer.echo(f"sign it when the note is complete: clinicbill session sign {saved_id}")


@session_app.command("edit")
def session_edit(
    ident: SessionId,
    patient: PatientOpt = None,
    provider: ProviderOpt = None,
    date_: DateOpt = None,
    pos: PosOpt = None,
    policy: PolicyOpt = None,
    self_pay: SelfPayOpt = False,
    dx: DxOpt = None,
    line: LineOpt = None,
    total_minutes: TotalOpt = None,
    template: TemplateOpt = None,
    detail: DetailOpt = None,
    subjective: TextOpt = None,
    objective: TextOpt = None,
    assessment: TextOpt = None,
    plan: TextOpt = None,
    pain_before: PainOpt = None,
    pain_after: PainOpt = None,
    auth: AuthOpt = None,
    referral: ReferralOpt = None,
    remove_line: Annotated[
        list[str] | None,
        Opt("--remove-line", metavar="CODE", help="Remove the session's line of this code."),
    ] = None,
    replace_lines: Annotated[
        bool,
        Opt("--replace-lines", help="--line gives the whole list: lines not named are removed."),
    ] = False,
    case: CaseOpt = None,
) -> None:
    """Change an unsigned session. --dx replaces the whole list; --line changes the line of its
    code or adds one (the others stay), --remove-line CODE removes one.

    Example: clinicbill session edit 12 --assessment "Improved range of motion" --pain-after 2
    """
    flags = {k: v for k, v in locals().items() if k not in ("remove_line", "replace_lines")}
    from clinicbill.cli.common import changed_message
    from clinicbill.cli.context import tty
    from clinicbill.cli.render import done
    from clinicbill.cli.session_view import print_notices
    from clinicbill.domain.sessions.entry import AUTO, get_session
    from clinicbill.domain.sessions.record import edit_session, plan_stored

    inputs = _inputs(**flags)
    changes = {k: v for k, v in inputs.items() if v is not None and v is not AUTO}
    if not changes and not (remove_line or self_pay or auth or referral or policy) and tty():
        from clinicbill.cli.session_summary import edit_at_terminal

        return edit_at_terminal(ident)
    if self_pay or str(policy).strip().lower() == "self-pay":
        changes["policy"] = "self-pay"
    for key in ("authorization_id", "referral_id"):
        if (auth if key == "authorization_id" else referral) is not None:
            changes[key] = inputs[key]
    if case is not None:
        changes["case"] = case.strip()  # "none" detaches the session from its case
    with unit_of_work() as session:
        encounter = get_session(session, ident)
        changed = edit_session(
            session,
            encounter,
            remove_lines=tuple(remove_line or ()),
            replace_lines=replace_lines,
            **changes,
        )
        message = _lines_message(changed_message("session", encounter.id, changed), changed)
        plan = plan_stored(session, encounter) if changed else None
    done(message, _jsonable(changed))
    if plan is not None:
        print_notices(plan)


def _lines_message(message: str, changed: dict) -> str:
    """`... updated plan, lines` says which lines: added, changed, removed."""
    lines = changed.get("lines")
    if not lines:
        return message
    parts = [f"{what} {', '.join(codes)}" for what, codes in lines.items() if codes]
    return message.replace("lines", f"lines ({'; '.join(parts) or 'recomputed'})", 1)


def _jsonable(changed: dict) -> dict:
    return {k: (v.isoformat() if isinstance(v, date) else v) for k, v in changed.items()}


@session_app.command("list")
def session_list(
    patient: PatientOpt = None,
    provider: ProviderOpt = None,
    from_: Annotated[str | None, Opt("--from", help="First date of service.")] = None,
    to: Annotated[str | None, Opt("--to", help="Last date of service.")] = None,
    unsigned: Annotated[bool, Opt("--unsigned", help="Only notes not yet signed.")] = False,
    unbilled: Annotated[bool, Opt("--unbilled", help="Only signed, insured, unbilled.")] = False,
    limit: Annotated[int, Opt(help="At most this many (newest first).")] = 200,
) -> None:
    """List sessions, newest first.

    Example: clinicbill session list --patient Chen --from 2026-11-01 --unsigned
    """
    from clinicbill.cli.render import table
    from clinicbill.domain.sessions.listing import COLUMNS, list_sessions

    with unit_of_work() as session:
        rows = list_sessions(
            session,
            patient=patient,
            provider=provider,
            start=from_,
            end=to,
            unsigned=unsigned,
            unbilled=unbilled,
            limit=limit,
        )
    table(rows, COLUMNS, "sessions", right=["units", "charge"])


@session_app.command("show")
def session_show(ident: SessionId) -> None:
    """Print the full note (with addenda), or every field with --json.

    Example: clinicbill session show 12
    """
    from clinicbill.cli.context import STATE
    from clinicbill.cli.render import emit_json
    from clinicbill.cli.session_view import session_data
    from clinicbill.domain.sessions.entry import get_session
    from clinicbill.domain.sessions.record import render_note

    with unit_of_work() as session:
        encounter = get_session(session, ident)
        text = render_note(session, encounter)
        data = session_data(session, encounter) if STATE.json else None
    if data is not None:
        emit_json({**data, "note": text})
    else:
        typer.echo(text.rstrip("\n"))
        typer.echo(f"\nsession {encounter.id}: {encounter.status}")


@session_app.command("sign")
def session_sign(ident: SessionId) -> None:
    """Sign the note: it is locked from then on (changes go in as addenda).

    Example: clinicbill session sign 12
    """
    from clinicbill.cli.context import STATE
    from clinicbill.cli.render import done
    from clinicbill.domain.sessions.entry import get_session
    from clinicbill.domain.sessions.notes import signature_text
    from clinicbill.domain.sessions.record import sign_session
    from clinicbill.store.engine import current_user

    with unit_of_work() as session:
        encounter = get_session(session, ident)
        sign_session(session, encounter, STATE.user or current_user())
        message = f"session {encounter.id} signed by {signature_text(session, encounter)}"
        data = {"id": encounter.id, "signed_by": encounter.signed_by, "at": encounter.signed_at}
    done(message, data)


@session_app.command("addendum")
def session_addendum(
    ident: SessionId,
    text: Annotated[str | None, Opt(help="The addendum (asked for on a terminal).")] = None,
) -> None:
    """Append a dated addendum to a signed note (the signed text never changes).

    Example: clinicbill session addendum 12 --text "Patient called: soreness resolved next day."
    """
    from clinicbill.cli.context import STATE, tty
    from clinicbill.cli.render import done
    from clinicbill.domain.sessions.entry import get_session
    from clinicbill.domain.sessions.record import add_addendum
    from clinicbill.store.engine import current_user

    if text is None and tty():
        from clinicbill.cli.session_prompts_note import ask_text

        text = ask_text("Addendum:")
    with unit_of_work() as session:
        encounter = get_session(session, ident)
        item = add_addendum(session, encounter, text, STATE.user or current_user())
        message = f"addendum {item.id} added to session {encounter.id}"
        data = {"id": item.id, "session": encounter.id, "at": item.created_at}
    done(message, data)


@session_app.command("void")
def session_void(
    ident: SessionId,
    reason: Annotated[str | None, Opt(help="Why (required).")] = None,
) -> None:
    """Void a session: kept for the record, never billed.

    Example: clinicbill session void 12 --reason "Entered for the wrong patient"
    """
    from clinicbill.cli.render import done
    from clinicbill.domain.sessions.entry import get_session
    from clinicbill.domain.sessions.record import void_session

    with unit_of_work() as session:
        encounter = get_session(session, ident)
        void_session(session, encounter, reason)
        message, data = (
            f"session {encounter.id} void: {encounter.void_reason}",
            {"id": encounter.id},
        )
    done(message, data)


@session_app.command("note")
def session_note(ident: SessionId, output: Output = None, force: Force = False) -> None:
    """Write the note as a PDF (the signed text and its addenda).

    Example: clinicbill session note 12 -o note.pdf
    """
    from clinicbill.cli.render import done
    from clinicbill.domain.sessions.entry import get_session
    from clinicbill.domain.sessions.record import render_note
    from clinicbill.store.files import resolve_output

    with unit_of_work() as session:
        encounter = get_session(session, ident)
        text = render_note(session, encounter)
        status, day = encounter.status, encounter.service_date
    from clinicbill.formats.note_pdf import write_note_pdf

    target = resolve_output(output, f"note-{encounter.id}-{day.isoformat()}.pdf", force=force)
    write_note_pdf(target, title=f"Session note {encounter.id}", note_text=text, status=status)
    done(target.label, {"path": str(target)}, err=target.to_stdout)


def _demo_sessions(_dir: Path) -> list[str]:
    day = date.today() - timedelta(days=3)
    return [
        "session", "add", "--patient", "P00001", "--provider", "Reyes",
        "--date", day.isoformat(), "--dx", "M54.50", "--dx", "M62.830",
        "--line", "97124:minutes=38", "--line", "97140:minutes=15:mod=59:ptr=1,2",
        "--template", "massage", "--detail", "areas=low back, gluteals",
        "--detail", "techniques=Swedish, myofascial release", "--detail", "pressure=firm",
        "--subjective", "Low back tightness after gardening; worse in the morning.",
        "--objective", "Hypertonic lumbar paraspinals, limited flexion.",
        "--assessment", "Tissue softened; flexion improved.",
        "--plan", "Weekly for 4 weeks; home stretches.",
        "--pain-before", "6", "--pain-after", "3", "--sign",
    ]  # fmt: skip


def _demo_acupuncture(_dir: Path) -> list[str]:
    day = date.today() - timedelta(days=2)
    return [
        "session", "add", "--patient", "P00007", "--provider", "Lin",
        "--date", day.isoformat(), "--dx", "M54.50",
        "--line", "97810", "--line", "97811:units=1", "--template", "acupuncture",
        "--detail", "points=BL23, BL25, BL40, GB30", "--detail", "needle_count=12",
        "--detail", "retention_minutes=20", "--detail", "estim=no",
        "--detail", "reinsertion=yes",
        "--subjective", "Chronic low back pain, 5 months.",
        "--objective", "Tender BL23/BL25 bilaterally.",
        "--assessment", "Pain reduced after treatment.",
        "--plan", "Twice weekly for 3 weeks.",
        "--pain-before", "7", "--pain-after", "4", "--sign",
    ]  # fmt: skip


# Steps this module adds to `clinicbill demo` (see cli/demo.py).
DEMO_STEPS: list = [
    ("A massage session (97124 + 97140 with 59), signed", _demo_sessions),
    ("An acupuncture session (97810 + 97811), signed", _demo_acupuncture),
    ("Sessions on record", ["session", "list"]),
    ("The signed massage note", ["session", "show", "1"]),
    ("The note as a PDF", ["session", "note", "1", "-o", "{dir}/note-1.pdf"]),
]


def register(app: typer.Typer) -> None:
    app.add_typer(session_app, name="session")
