"""`claim status-request`: a 276 claim status inquiry for claims waiting for an answer."""

from __future__ import annotations

from typing import Annotated

import typer

from clinicbill.cli.common import Output
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

    from clinicbill.app.claim_status import request_claim_status
    from clinicbill.cli.eligibility import write_or_send

    write_or_send(
        lambda session, name: request_claim_status(
            session, claim_ids, older_than, date.today(), name
        ),
        output,
        send,
        force,
    )


def register(app: typer.Typer) -> None:
    """Add this module's commands to the `claim` group (cli/claims.py)."""
    from clinicbill.cli.claims import claim_app

    claim_app.command("status-request")(claim_status_request)
