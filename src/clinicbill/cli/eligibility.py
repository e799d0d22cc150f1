"""`eligibility request` (a 270 for the day's sessions or named patients) and `eligibility
import` (271 answers as verification notes)."""

from __future__ import annotations

from typing import Annotated

import typer

from clinicbill.cli.common import Output, read, unit_of_work
from clinicbill.cli.parse import day_or_today

Opt = typer.Option
# the options of both X12 inquiries (270 here, 276 in cli/claims_status.py)
OverwriteOpt = Annotated[bool, Opt("--force", help="Overwrite the output file.")]
SendOpt = Annotated[bool, Opt("--send", help="Upload it to the clearinghouse (clearinghouse set).")]
eligibility_app = typer.Typer(help="Electronic eligibility checks: 270 out, 271 in.")


@eligibility_app.command("request")
def eligibility_request(
    day: Annotated[str | None, Opt("--date", help="Sessions of this day (default today).")] = None,
    patient: Annotated[
        list[str] | None, Opt("--patient", help="Patient account, id or name (repeatable).")
    ] = None,
    output: Output = None,
    force: OverwriteOpt = False,
    send: SendOpt = False,
) -> None:
    """Write a 270 eligibility inquiry (005010X279A1) for the policies of a day's sessions or
    of the named patients, asking for the service types of their visits (massage as physical
    medicine AE, acupuncture 64, chiropractic 33, and general coverage 30). With --send it is
    uploaded; the 271 answers come back through 'clinicbill inbox fetch'.

    Example: clinicbill eligibility request --date 2026-12-04 -o eligibility.270
    """
    from clinicbill.app.eligibility import request_eligibility

    on = day_or_today(day, "date")
    write_or_send(
        lambda session, name: request_eligibility(session, on, patient, name), output, send, force
    )


def write_or_send(request, output: str | None, send: bool, force: bool) -> None:
    """A 270 or 276: `request(session, file name of -o or None)` writes and records it (an app/
    use case returning an app.submission.RequestBatch); it is kept at -o (or its default name),
    or with --send uploaded after the commit and confirmed. Says which, and what it asks."""
    from pathlib import Path

    from clinicbill.app.submission import keep_batch
    from clinicbill.cli.render import done

    remote = read(remote_if, send)  # refused before anything is recorded
    with unit_of_work() as session:
        made = request(session, output and Path(output).name)
        path = keep_batch(made, output, send, force)
        summary = {
            "path": str(path) if path else None,
            "interchange_control_number": made.batch.interchange_control_number,
            **made.details(),
        }
        batch_id, name = made.batch.id, made.batch.file_name
    what = f"interchange {summary['interchange_control_number']}, {made.counted()}"
    if remote is not None:
        summary["remote_path"] = send_batch(remote, batch_id, name, made.content)
        done(f"sent {name} to {remote.name} ({what})", summary)
        return
    done(f"wrote {path} ({what})", summary)


def remote_if(session, send: bool):
    """The clearinghouse connection when sending (refused if none is set up), else None."""
    if not send:
        return None
    from clinicbill.app.submission import remote_for

    return remote_for(session)


def send_batch(remote, batch_id: int, name: str, content: str) -> str:
    """Upload a recorded 270/276 and confirm it in its own transaction once it arrived."""
    from clinicbill.app.submission import send_recorded
    from clinicbill.cli.parse import today

    return send_recorded(unit_of_work, remote, batch_id, name, content, today())


@eligibility_app.command("import")
def eligibility_import(
    file: Annotated[str, typer.Argument(help="The 271 eligibility response file.")],
) -> None:
    """Import a 271: each answer becomes a new verification note (method 271, the trace number
    as reference) on its policy, and what changed since the last note is printed.

    Example: clinicbill eligibility import 271-0904.x12
    """
    from clinicbill.app.eligibility import import_eligibility
    from clinicbill.cli.context import STATE
    from clinicbill.cli.render import done

    with unit_of_work() as session:
        result = import_eligibility(session, file)
    if result.already:
        done(
            f"{result.file_name}: already {result.already}; nothing changed",
            {"file": result.file_name, "already": result.already},
        )
        return
    if not STATE.json:
        for answer in result.answers:
            typer.echo(f"policy {answer.policy_id}: verification {answer.note_id}")
            for line in answer.summary.splitlines():
                typer.echo(f"  {line}")
            if answer.first:
                typer.echo("  first verification of this policy")
            elif answer.changed:
                typer.echo("  changed since the last note:")
                for line in answer.changed:
                    typer.echo(f"    {line}")
            else:
                typer.echo("  nothing changed since the last note")
        for warning in result.warnings:
            typer.echo(f"warning: {warning}", err=True)
    done(
        f"imported {len(result.answers)} answer(s) from {result.file_name}",
        {
            "file": result.file_name,
            "answers": [
                {
                    "policy": a.policy_id,
                    "verification": a.note_id,
                    "trace": a.trace,
                    "active": a.active,
                    "changed": a.changed,
                }
                for a in result.answers
            ],
            "warnings": result.warnings,
        },
    )


def register(app: typer.Typer) -> None:
    app.add_typer(eligibility_app, name="eligibility")
