"""`ack import`: clearinghouse acknowledgements (TA1, 999, 277CA) and claim status (277)."""

from __future__ import annotations

from typing import Annotated

import typer

from clinicbill.cli.common import unit_of_work

ack_app = typer.Typer(help="Clearinghouse acknowledgements: TA1, 999, 277CA and 277 files.")


@ack_app.command("import")
def ack_import(
    files: Annotated[list[str], typer.Argument(help="TA1, 999, 277CA or 277 files.")],
) -> None:
    """Import acknowledgements downloaded from the clearinghouse: each file in its own
    transaction; a file imported before changes nothing. Rejected claims show in
    'report followup' with the reason and the fix.

    Example: clinicbill ack import 999-0001.x12 277ca-0001.x12
    """
    from clinicbill.app.acknowledgements import import_ack_file
    from clinicbill.cli.render import done
    from clinicbill.domain.errors import ClinicbillError

    results, failed = [], None
    for name in files:
        try:
            with unit_of_work() as session:
                result = import_ack_file(session, name)
        except ClinicbillError as exc:
            if len(files) == 1:
                raise
            typer.echo(f"error: {exc.message}", err=True)
            failed = failed or exc
            continue
        results.append(result)
        print_ack_result(result)
    summary = [
        {
            "file": r.file_name,
            "kinds": list(r.kinds),
            "already": r.already,
            "accepted": r.accepted,
            "rejected": r.rejected,
            "received": r.received,
            "other": r.other,
            "warnings": r.warnings,
        }
        for r in results
    ]
    if failed is not None:
        raise ClinicbillError(
            f"ack import: {len(files) - len(results)} of {len(files)} file(s) refused",
            "the others were imported; fix or re-download the refused ones",
        )
    rejected = sum(len(r.rejected) for r in results)
    done(
        f"imported {len(results)} file(s): {rejected} claim(s) rejected"
        + ("; see clinicbill report followup" if rejected else ""),
        {"files": summary},
    )


def print_ack_result(result) -> None:
    from clinicbill.cli.context import STATE

    if STATE.json:
        return
    if result.already:
        typer.echo(f"{result.file_name}: already {result.already}; nothing changed")
        return
    typer.echo(f"{result.file_name} ({', '.join(result.kinds)}):")
    for line in result.lines:
        typer.echo(f"  {line}")
    for warning in result.warnings:
        typer.echo(f"warning: {warning}", err=True)


def register(app: typer.Typer) -> None:
    app.add_typer(ack_app, name="ack")
