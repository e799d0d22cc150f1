"""`claim submit`: the 837P built as `claim export` does, uploaded to the clearinghouse."""

from __future__ import annotations

from typing import Annotated

import typer

from clinicbill.cli.common import unit_of_work

Opt = typer.Option


def _settle_earlier(remote) -> list[str]:
    """Batches whose upload was never confirmed: confirmed if the file is on the server,
    else forgotten (their claims are still ready)."""
    from datetime import date

    from clinicbill.app.sftp import exists
    from clinicbill.app.submission import abandon, confirm, unconfirmed

    with unit_of_work() as session:
        pending = [(b.id, b.remote_name) for b in unconfirmed(session)]
    if not pending:
        return []
    on_server = exists(remote, [name for _id, name in pending])
    notes = []
    with unit_of_work() as session:
        for batch_id, name in pending:
            if name in on_server:
                ids = confirm(
                    session, batch_id, f"{remote.outbound.rstrip('/')}/{name}", date.today()
                )
                notes.append(f"batch {name} had arrived after all: claims {ids} marked submitted")
            else:
                abandon(session, batch_id)
    return notes


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
    from datetime import date

    from clinicbill.app import submission
    from clinicbill.app.sftp import exists, upload
    from clinicbill.cli.render import done
    from clinicbill.domain.errors import ClinicbillError

    with unit_of_work() as session:
        remote = submission.remote_for(session)
    for note in _settle_earlier(remote):
        typer.echo(note)
    with unit_of_work() as session:
        prepared = submission.prepare(session, claim_ids, ready, again, date.today())
    try:
        path = upload(remote, prepared.file_name, prepared.content.encode("ascii"))
    except ClinicbillError as exc:
        try:
            arrived = prepared.file_name in exists(remote, [prepared.file_name])
        except ClinicbillError:
            arrived = None  # unknown: the next submit checks again before sending
        if arrived:
            path = f"{remote.outbound.rstrip('/')}/{prepared.file_name}"
        else:
            if arrived is False:
                with unit_of_work() as session:
                    submission.abandon(session, prepared.batch_id)
            ids = ", ".join(map(str, prepared.claim_ids))
            raise ClinicbillError(
                f"{exc.message}; claims {ids} stay ready (not submitted)",
                "run 'clinicbill claim submit' again once the connection works; a batch that "
                "did arrive is never sent twice",
            ) from None
    with unit_of_work() as session:
        ids = submission.confirm(session, prepared.batch_id, path, date.today())
    done(
        f"sent {prepared.file_name} to {remote.name} ({len(ids)} claim(s) submitted)",
        {"file": prepared.file_name, "remote_path": path, "claims": ids},
    )


def register(app: typer.Typer) -> None:
    """Add this module's commands to the `claim` group (cli/claims.py)."""
    from clinicbill.cli.claims import claim_app

    claim_app.command("submit")(claim_submit)
