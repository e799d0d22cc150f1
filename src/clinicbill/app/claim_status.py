"""`claim status-request`: a 276 (005010X212) for submitted claims without an answer; the
277 answers come back through `ack import` (matched by the patient control number)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from clinicbill.app.submission import RequestBatch


@dataclass(frozen=True)
class StatusRequest(RequestBatch):
    claims: tuple[int, ...]

    def details(self) -> dict:
        return {"claims": list(self.claims)}

    def counted(self) -> str:
        return f"{len(self.claims)} claim(s)"


def request_claim_status(
    session,
    claim_refs: list[str] | None,
    older_than: int | None,
    today: date,
    file_name: str | None = None,
    now: datetime | None = None,
) -> StatusRequest:
    from clinicbill.app.eligibility import new_interchange, record_request
    from clinicbill.domain.claims.build import get_claim
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
    practice, receiver, envelope = new_interchange(session, now)
    content = write_276(asked, receiver, practice.submitter_id or "", envelope)
    name = file_name or f"claim-status-{envelope.control_number}.276"
    batch = record_request(session, "276", content, name, envelope)
    return StatusRequest(batch, content, tuple(c.id for c in claims))
