"""`claim status-request`: a 276 claim status inquiry for claims waiting for an answer."""

from __future__ import annotations

from typing import Annotated

import typer

from clinicbill.cli.common import Output, read, unit_of_work
from clinicbill.cli.eligibility import OverwriteOpt, SendOpt

Opt = typer.Option


def claim_status_request(
    claim_ids: Annotated[list[str] | None, typer.Argument(help="Claim ids.")] = None,
    older_than: Annotated[
        int | None,
        Opt("--older-than", min=0, help="Claims first billed more than DAYS ago (default 30)."),
    ] = None,
    output: Output = None,
    force: OverwriteOpt = False,
    send: SendOpt = False,
) -> None:
    """Write a 276 claim status request (005010X212) for submitted claims with no 277 or 835
    answer; import the payer's 277 with 'clinicbill ack import' (or 'inbox fetch' after
    --send).

    Example: clinicbill claim status-request --older-than 30 -o status.276
    """
    from datetime import date
    from pathlib import Path

    from clinicbill.app.claim_status import request_claim_status
    from clinicbill.app.submission import keep_batch
    from clinicbill.cli.eligibility import finish_batch, remote_if

    remote = read(remote_if, send)  # refused before anything is recorded
    with unit_of_work() as session:
        made = request_claim_status(
            session, claim_ids, older_than, date.today(), output and Path(output).name
        )
        path = keep_batch(made.batch, made.content, output, send, force)
        summary = {
            "path": str(path) if path else None,
            "interchange_control_number": made.batch.interchange_control_number,
            "claims": list(made.claims),
        }
        batch_id, name = made.batch.id, made.batch.file_name
    what = f"interchange {summary['interchange_control_number']}, {len(made.claims)} claim(s)"
    finish_batch(remote, batch_id, name, made.content, path, summary, what)


def register(app: typer.Typer) -> None:
    """Add this module's commands to the `claim` group (cli/claims.py)."""
    from clinicbill.cli.claims import claim_app

    claim_app.command("status-request")(claim_status_request)
