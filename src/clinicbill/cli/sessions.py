"""`session add|list|show|edit|sign|addendum|void|note`: the visit and its SOAP note."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated

import typer

from clinicbill.cli.common import Force, Output, unit_of_work, with_options
from clinicbill.cli.session_flags import (
    SESSION_OPTIONS,
    CaseOpt,
    NoPackageOpt,
    PackageOpt,
    PatientOpt,
    ProviderOpt,
    edit_changes,
    flag_inputs,
    needs_prompts,
)

Opt = typer.Option
session_app = typer.Typer(
    help="Sessions (visits): SOAP note, diagnoses, services.", no_args_is_help=True
)
SessionId = Annotated[str, typer.Argument(help="Session id.")]


@session_app.command("add")
@with_options(SESSION_OPTIONS)
def session_add(
    case: CaseOpt = None,
    package: PackageOpt = None,
    no_package: NoPackageOpt = False,
    sign: Annotated[bool, Opt("--sign", help="Sign the note right away.")] = False,
    **fields,
) -> None:
    """Record a session. On a terminal, asks for whatever the flags did not give.

    Units of timed codes come from minutes by the payer's unit rule; charges from the fee
    schedule; the authorization and referral covering the visit are linked automatically.
    A self-pay visit draws from the patient's prepaid package unless --no-package.

    Example: clinicbill session add --patient P00001 --provider Reyes --dx M54.50
      --line 97124:minutes=38 --subjective "Low back tight" --sign
    """
    from clinicbill.app.sessions import add_session
    from clinicbill.cli.context import STATE, tty

    inputs = flag_inputs(**fields, case=case)
    inputs["package"] = "none" if no_package else package
    asked = tty() and needs_prompts(inputs)
    if asked:
        from clinicbill.cli.session_summary import ask_session

        inputs, sign = ask_session(inputs, sign)
    package = inputs.pop("package")
    with unit_of_work() as session:
        added = add_session(session, inputs, package, sign, STATE.user, asked)
    # Printed only now that the session is committed (STYLE.md: one transaction, then one message).
    _print_added(added, asked)


def _print_added(added, asked: bool) -> None:
    """What `session add` says once saved: the package drawn, the summary (unless the
    walk-through showed it before saving), notices, billing; then what to do next."""
    from clinicbill.cli.context import STATE
    from clinicbill.cli.render import done
    from clinicbill.cli.session_view import plan_data, plan_lines_text, print_notices

    if STATE.json:
        data = {"id": added.id, "status": added.status, **plan_data(added.plan)}
        done("", {**data, "billing": [*added.drawn, *added.billing]})
        return
    typer.echo(f"session {added.id} added ({added.status})")
    for note in added.drawn:
        typer.echo(note)
    if not asked:
        for text in plan_lines_text(added.plan, added.names):
            typer.echo(text)
        print_notices(added.plan)
    for note in added.billing:
        typer.echo(note)
    if added.finish:  # saved as a draft above: ask what the signature still needs
        from clinicbill.cli.session_prompts_note import finish_note

        finish_note(added.id)
    elif added.status == "draft":
        typer.echo(f"sign it when the note is complete: clinicbill session sign {added.id}")


@session_app.command("edit")
@with_options(SESSION_OPTIONS)
def session_edit(
    ident: SessionId,
    remove_line: Annotated[
        list[str] | None,
        Opt("--remove-line", metavar="CODE", help="Remove the session's line of this code."),
    ] = None,
    replace_lines: Annotated[
        bool,
        Opt("--replace-lines", help="--line gives the whole list: lines not named are removed."),
    ] = False,
    case: CaseOpt = None,
    **fields,
) -> None:
    """Change an unsigned session. --dx replaces the whole list; --line changes the line of its
    code or adds one (the others stay), --remove-line CODE removes one.

    Example: clinicbill session edit 12 --assessment "Improved range of motion" --pain-after 2
    """
    from clinicbill.app.sessions import edit_session
    from clinicbill.cli.common import changed_message
    from clinicbill.cli.context import tty
    from clinicbill.cli.render import done
    from clinicbill.cli.session_view import print_notices

    changes = edit_changes({**fields, "case": case})
    coverage_flags = any(fields[k] for k in ("self_pay", "auth", "referral", "policy"))
    if not changes and not (remove_line or coverage_flags) and tty():
        from clinicbill.cli.session_summary import edit_at_terminal

        return edit_at_terminal(ident)
    with unit_of_work() as session:
        edited = edit_session(session, ident, changes, remove_line or (), replace_lines)
    changed = edited.changed
    done(
        _lines_message(changed_message("session", edited.id, changed), changed), _jsonable(changed)
    )
    if edited.plan is not None:
        print_notices(edited.plan)


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
    from clinicbill.app.sessions import session_note
    from clinicbill.cli.context import STATE
    from clinicbill.cli.render import emit_json
    from clinicbill.cli.session_view import session_data

    with unit_of_work() as session:
        note = session_note(session, ident, with_record=STATE.json)
        data = session_data(note.record) if note.record is not None else None
    if data is not None:
        emit_json({**data, "note": note.text})
    else:
        typer.echo(note.text.rstrip("\n"))
        typer.echo(f"\nsession {note.id}: {note.status}")


@session_app.command("sign")
def session_sign(ident: SessionId) -> None:
    """Sign the note: it is locked from then on (changes go in as addenda).

    Example: clinicbill session sign 12
    """
    from clinicbill.app.sessions import sign_session
    from clinicbill.cli.context import STATE
    from clinicbill.cli.render import done

    with unit_of_work() as session:
        signed = sign_session(session, ident, STATE.user)
    done(
        f"session {signed.id} signed by {signed.signature}",
        {"id": signed.id, "signed_by": signed.signed_by, "at": signed.at},
    )


@session_app.command("addendum")
def session_addendum(
    ident: SessionId,
    text: Annotated[str | None, Opt(help="The addendum (asked for on a terminal).")] = None,
) -> None:
    """Append a dated addendum to a signed note (the signed text never changes).

    Example: clinicbill session addendum 12 --text "Patient called: soreness resolved next day."
    """
    from clinicbill.app.sessions import add_addendum
    from clinicbill.cli.context import STATE, tty
    from clinicbill.cli.render import done

    if text is None and tty():
        from clinicbill.cli.session_prompts_note import ask_text

        text = ask_text("Addendum:")
    with unit_of_work() as session:
        data = add_addendum(session, ident, text, STATE.user)
    done(f"addendum {data['id']} added to session {data['session']}", data)


@session_app.command("void")
def session_void(
    ident: SessionId,
    reason: Annotated[str | None, Opt(help="Why (required).")] = None,
) -> None:
    """Void a session: kept for the record, never billed. A visit drawn from a prepaid
    package goes back to the package (its value is the patient's prepaid credit again).

    Example: clinicbill session void 12 --reason "Entered for the wrong patient"
    """
    from clinicbill.app.sessions import void_session
    from clinicbill.cli.render import done

    with unit_of_work() as session:
        voided = void_session(session, ident, reason)
    done("\n".join(voided.lines()), voided.data())


@session_app.command("note")
def session_note(ident: SessionId, output: Output = None, force: Force = False) -> None:
    """Write the note as a PDF (the signed text and its addenda).

    Example: clinicbill session note 12 -o note.pdf
    """
    from clinicbill.app.sessions import write_note
    from clinicbill.cli.render import done

    with unit_of_work() as session:
        target = write_note(session, ident, output, force)
    done(target.label, {"path": str(target)}, err=target.to_stdout)


def _demo_sessions(_dir: Path) -> list[str]:
    from clinicbill.cli.demo import demo_day

    return [
        "session", "add", "--patient", "P00001", "--provider", "Reyes",
        "--date", demo_day(-3), "--dx", "M54.50", "--dx", "M62.830",
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
    from clinicbill.cli.demo import demo_day

    return [
        "session", "add", "--patient", "P00007", "--provider", "Lin",
        "--date", demo_day(-2), "--dx", "M54.50",
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
