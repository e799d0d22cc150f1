"""`claim status-request`: a 276 (005010X212) for submitted claims without an answer; the
277 answers come back through `ack import` (matched by the patient control number)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime

from clinicbill.store.models import X12Batch


@dataclass(frozen=True)
class StatusRequest:
    batch: X12Batch
    content: str
    claims: tuple[int, ...]


def request_claim_status(
    session,
    claim_refs: list[str] | None,
    older_than: int | None,
    today: date,
    file_name: str | None = None,
    now: datetime | None = None,
) -> StatusRequest:
    from clinicbill.app.eligibility import envelope_for
    from clinicbill.domain.claims.actions import INTERCHANGE_COUNTER
    from clinicbill.domain.claims.build import get_claim, next_control_numbers
    from clinicbill.domain.clearinghouse.batches import record_batch
    from clinicbill.domain.clearinghouse.status import status_inquiry, unanswered
    from clinicbill.domain.errors import NothingChosen
    from clinicbill.formats.x12_276 import write_276

    if claim_refs and older_than is not None:  # the filter would be ignored: say so
        raise NothingChosen(
            "claims: give claim ids or --older-than, not both", "ids ask about those claims"
        )
    ids = [get_claim(session, ref).id for ref in claim_refs or []]
    claims = unanswered(session, ids or None, older_than, today)
    asked = [status_inquiry(session, claim) for claim in claims]
    control = next_control_numbers(session, INTERCHANGE_COUNTER)[0]
    practice, receiver, envelope = envelope_for(session, now or datetime.now(UTC), control)
    content = write_276(asked, receiver, practice.submitter_id or "", envelope)
    batch = record_batch(
        session,
        "276",
        content,
        file_name or f"claim-status-{control}.276",
        control,
        envelope.sender,
        envelope.receiver,
    )
    return StatusRequest(batch, content, tuple(c.id for c in claims))
