"""`claim submit`: the 837P built as `claim export` does, uploaded to the clearinghouse."""

from __future__ import annotations

from typing import Annotated

import typer

from clinicbill.cli.common import unit_of_work

Opt = typer.Option


def claim_submit(
    claim_ids: Annotated[list[str] | None, typer.Argument(help="Claim ids.")] = None,
    ready: Annotated[bool, Opt("--ready", help="Every claim with status ready.")] = False,
    again: Annotated[bool, Opt("--again", help="Send claims that were already sent.")] = False,
) -> None:
    """Send claims to the clearinghouse: scrub, build the 837P, upload it over SFTP (a
    temporary name, then renamed), and mark the claims submitted only once it arrived. A
    failed upload leaves them ready.

    Example: clinicbill claim submit --ready
    """
    from clinicbill.app.submission import submit_claims
    from clinicbill.cli.parse import today
    from clinicbill.cli.render import done

    sent = submit_claims(unit_of_work, claim_ids, ready, again, today(), said=typer.echo)
    done(
        f"sent {sent.file_name} to {sent.clearinghouse} ({len(sent.claim_ids)} claim(s) submitted)",
        {"file": sent.file_name, "remote_path": sent.remote_path, "claims": sent.claim_ids},
    )


def register(app: typer.Typer) -> None:
    """Add this module's commands to the `claim` group (cli/claims.py)."""
    from clinicbill.cli.claims import claim_app

    claim_app.command("submit")(claim_submit)
