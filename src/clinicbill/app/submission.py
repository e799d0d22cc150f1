"""`claim submit`: scrub, build the 837P as `claim export` does (app/claim_batches.py), upload
it to the clearinghouse, and only then mark the claims submitted.

Three steps, two transactions, so that nothing is marked sent that was not: `prepare` records
the batch (the claims stay ready) and commits; `upload` sends the file with no transaction
open; `confirm` marks the batch uploaded and its claims submitted. A failed or interrupted
upload leaves the claims ready. Before preparing, earlier batches whose upload was never
confirmed are looked for on the server: one that arrived is confirmed instead of sent again.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select

from clinicbill.domain.errors import ClinicbillError
from clinicbill.store.models import Claim, ExportBatch, X12Batch, X12BatchClaim

SENT = ("submitted", "accepted", "paid", "partially-paid", "denied", "appealed", "closed")


def remote_for(session):
    from clinicbill.app.sftp import Remote
    from clinicbill.domain.clearinghouse.settings import required

    s = required(session)
    return Remote(
        s.name, s.host, s.port, s.username, s.key_path, s.host_key, s.outbound_dir, s.inbound_dir
    )


def unconfirmed(session) -> list[X12Batch]:
    """Batches written for upload whose upload was never confirmed (837P, 270)."""
    return list(
        session.execute(
            select(X12Batch)
            .where(X12Batch.uploaded_at.is_(None), X12Batch.remote_name.is_not(None))
            .order_by(X12Batch.id)
        ).scalars()
    )


@dataclass(frozen=True)
class Prepared:
    batch_id: int
    file_name: str
    content: str
    claim_ids: tuple[int, ...]


def prepare(
    session,
    claim_refs: list[str] | None,
    ready: bool,
    again: bool,
    today: date,
    now: datetime | None = None,
) -> Prepared:
    """Select and scrub the claims, write and record the 837P (claims stay ready)."""
    from clinicbill.app.claim_batches import build_837p, refuse_errors, scrub, select_claims

    claims = select_claims(session, claim_refs, ready)
    sent = [c for c in claims if c.status in SENT]
    if sent and not again:
        raise ClinicbillError(
            f"submit: claim {sent[0].id} was already sent ({sent[0].status})",
            "a payer may deny a second copy as a duplicate; give --again to send it anyway",
        )
    snapshots, errors = scrub(session, claims, today)
    refuse_errors(errors)
    built = build_837p(session, claims, snapshots, now=now)
    name = f"clinicbill-{built.x12.interchange_control_number:09d}.837"
    built.x12.file_name = name
    built.x12.remote_name = name  # pending: set before the upload, confirmed after
    built.export.path = f"sftp:{name}"
    session.flush()
    return Prepared(built.x12.id, name, built.content, tuple(c.id for c in claims))


def confirm(session, batch_id: int, remote_path: str, today: date) -> list[int]:
    """The upload arrived: mark the batch uploaded and its claims submitted."""
    from clinicbill.domain.claims.actions import finish_export
    from clinicbill.store.types import utcnow

    batch = session.get(X12Batch, batch_id)
    batch.uploaded_at = utcnow()
    batch.remote_name = remote_path
    ids = list(
        session.execute(
            select(X12BatchClaim.claim_id).where(X12BatchClaim.batch_id == batch.id)
        ).scalars()
    )
    claims = list(
        session.execute(select(Claim).where(Claim.id.in_(ids)).order_by(Claim.id)).scalars()
    )
    if batch.export_batch_id is not None:
        finish_export(
            session,
            session.get(ExportBatch, batch.export_batch_id),
            claims,
            f"sftp:{remote_path}",
            today,
        )
    return ids


def abandon(session, batch_id: int) -> None:
    """The upload failed and the file is not on the server: the batch was never sent."""
    batch = session.get(X12Batch, batch_id)
    batch.remote_name = None
    if batch.export_batch_id is not None:
        session.get(ExportBatch, batch.export_batch_id).path = None  # nothing was exported


@dataclass(frozen=True)
class RequestBatch(ABC):
    """A 270 or 276 written and recorded (app/eligibility.py, app/claim_status.py): its batch
    and its text, and what it asks about."""

    batch: X12Batch
    content: str

    @abstractmethod
    def details(self) -> dict:
        """What it asks about, as the command's JSON shows it."""

    @abstractmethod
    def counted(self) -> str:
        """How many it asks about, e.g. '3 claim(s)'."""


def keep_batch(made: RequestBatch, output: str | None, send: bool, force: bool):
    """Inside the unit of work: write the recorded 270/276 to -o (or its default name) unless it
    is only sent; a batch to send is marked pending until its upload lands. Returns the path."""
    from clinicbill.store.files import resolve_output

    batch, path = made.batch, None
    if output or not send:
        path = resolve_output(output, batch.file_name, force=force).write(made.content)
    if send:
        batch.remote_name = batch.file_name  # pending until the upload lands
    return path


def settle_earlier(unit_of_work, remote, today: date) -> list[str]:
    """Batches whose upload was never confirmed: confirmed if the file is on the server, else
    forgotten (their claims are still ready). Each step in its own `unit_of_work()`; returns
    a note per batch that had arrived after all."""
    from clinicbill.app.sftp import exists

    with unit_of_work() as session:
        pending = [(b.id, b.remote_name) for b in unconfirmed(session)]
    if not pending:
        return []
    on_server = exists(remote, [name for _id, name in pending])
    notes = []
    with unit_of_work() as session:
        for batch_id, name in pending:
            if name in on_server:
                ids = confirm(session, batch_id, f"{remote.outbound.rstrip('/')}/{name}", today)
                notes.append(f"batch {name} had arrived after all: claims {ids} marked submitted")
            else:
                abandon(session, batch_id)
    return notes


@dataclass(frozen=True)
class Submitted:
    file_name: str
    clearinghouse: str  # the connection's name
    remote_path: str
    claim_ids: list[int]


def submit_claims(
    unit_of_work, claim_refs, ready: bool, again: bool, today: date, said=None
) -> Submitted:
    """`claim submit`: settle earlier unconfirmed batches (each note told to `said`), prepare
    the 837P, upload it with no transaction open, and confirm it (claims submitted) only once
    it arrived. A failed upload leaves the claims ready: refused, the batch forgotten when the
    file is known not to be on the server."""
    from clinicbill.app.sftp import exists, upload

    with unit_of_work() as session:
        remote = remote_for(session)
    for note in settle_earlier(unit_of_work, remote, today):
        if said is not None:
            said(note)
    with unit_of_work() as session:
        prepared = prepare(session, claim_refs, ready, again, today)
    try:
        path = upload(remote, prepared.file_name, prepared.content.encode("ascii"))
    except ClinicbillError as exc:
        try:
            arrived = prepared.file_name in exists(remote, [prepared.file_name])
        except ClinicbillError:
            arrived = None  # unknown: the next submit checks again before sending
        if not arrived:
            if arrived is False:
                with unit_of_work() as session:
                    abandon(session, prepared.batch_id)
            ids = ", ".join(map(str, prepared.claim_ids))
            raise ClinicbillError(
                f"{exc.message}; claims {ids} stay ready (not submitted)",
                "run 'clinicbill claim submit' again once the connection works; a batch that "
                "did arrive is never sent twice",
            ) from None
        path = f"{remote.outbound.rstrip('/')}/{prepared.file_name}"
    with unit_of_work() as session:
        ids = confirm(session, prepared.batch_id, path, today)
    return Submitted(prepared.file_name, remote.name, path, ids)


def send_recorded(unit_of_work, remote, batch_id: int, name: str, content: str, today: date):
    """Upload a recorded 270/276 and confirm it in its own unit of work once it arrived;
    returns where it went on the server."""
    from clinicbill.app.sftp import upload

    try:
        remote_path = upload(remote, name, content.encode("ascii"))
    except ClinicbillError as exc:
        raise ClinicbillError(
            f"{exc.message}; {name} was not sent", "run it again once the connection works"
        ) from None
    with unit_of_work() as session:
        confirm(session, batch_id, remote_path, today)
    return remote_path
