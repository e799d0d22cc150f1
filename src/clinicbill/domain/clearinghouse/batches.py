"""The X12 batches we send, recorded so a 999/TA1/277CA answer maps back to its claims: file
name, ISA13, GS06, and per claim its ST02 and segment span."""

from __future__ import annotations

import hashlib

from sqlalchemy import select

from clinicbill.store.models import Claim, X12Batch, X12BatchClaim, X12Response
from clinicbill.store.query import added


def record_batch(
    session,
    kind: str,
    content: str,
    file_name: str,
    control_number: int,
    sender: str,
    receiver: str,
    spans=(),
    export_batch_id: int | None = None,
) -> X12Batch:
    """Record an interchange we wrote (ISA13 = GS06 = control_number). `spans` are
    formats.x12_batch_map.ClaimSpan-like (ST02, CLM01, first, last) for an 837P."""
    batch = X12Batch(
        kind=kind,
        export_batch_id=export_batch_id,
        file_name=file_name,
        interchange_control_number=control_number,
        group_control_number=control_number,
        transaction_count=max(1, len({s.transaction_control_number for s in spans})),
        sender_id=sender,
        receiver_id=receiver,
        sha256=hashlib.sha256(content.encode("ascii", "replace")).hexdigest(),
    )
    added(session, batch)
    numbers = [s.patient_control_number for s in spans]
    ids = (
        dict(
            session.execute(
                select(Claim.patient_control_number, Claim.id).where(
                    Claim.patient_control_number.in_(numbers)
                )
            ).all()
        )
        if numbers
        else {}
    )
    for span in spans:
        session.add(
            X12BatchClaim(
                batch_id=batch.id,
                claim_id=ids[span.patient_control_number],
                transaction_control_number=span.transaction_control_number,
                first_segment=span.first_segment,
                last_segment=span.last_segment,
            )
        )
    session.flush()
    return batch


def find_batch(session, kind: str | None, control_number: str) -> X12Batch | None:
    """Our batch with this ISA13/GS06 (kind 837p, 270 or 276; any kind when None)."""
    text = (control_number or "").strip()
    if not text.isdigit() or len(text) > 9:
        return None
    query = select(X12Batch).where(X12Batch.interchange_control_number == int(text))
    if kind:
        query = query.where(X12Batch.kind == kind)
    return session.execute(query.order_by(X12Batch.id.desc())).scalars().first()


def batch_claims(session, batch: X12Batch, st02: str | None = None) -> list[X12BatchClaim]:
    query = select(X12BatchClaim).where(X12BatchClaim.batch_id == batch.id)
    if st02 is not None:
        query = query.where(X12BatchClaim.transaction_control_number == st02.strip())
    return list(session.execute(query.order_by(X12BatchClaim.first_segment)).scalars())


def claims_at(rows: list[X12BatchClaim], position: int) -> list[X12BatchClaim]:
    """The claim whose span holds a segment position; every claim of the transaction set when
    the position is in its header (before the first claim) or beyond its end."""
    hit = [row for row in rows if row.first_segment <= position <= row.last_segment]
    return hit or rows


def imported_before(session, sha256: str, sender: str, control_number: str) -> X12Response | None:
    """The earlier import of a response file: the same content, or the same sender's ISA13."""
    from sqlalchemy import or_

    return (
        session.execute(
            select(X12Response).where(
                or_(
                    X12Response.sha256 == sha256,
                    (X12Response.sender_id == sender)
                    & (X12Response.interchange_control_number == control_number),
                )
            )
        )
        .scalars()
        .first()
    )
