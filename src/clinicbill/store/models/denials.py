"""Follow-up calls to payers about a claim (append-only, like verification notes)."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Index, Text, event
from sqlalchemy.orm import object_session
from sqlmodel import Field, SQLModel

from clinicbill.store.types import UTCDateTime, utcnow


class ClaimCall(SQLModel, table=True):
    """One call to the payer about a claim: who answered, the call reference, what was said,
    and when to act next. Never edited or deleted; a correction is a new call entry."""

    __table_args__ = (Index("ix_claimcall_claim_date", "claim_id", "called_on", "id"),)
    id: int | None = Field(default=None, primary_key=True)
    claim_id: int = Field(foreign_key="claim.id")
    called_on: date
    representative: str
    reference: str
    note: str = Field(sa_type=Text)
    next_action_on: date | None = None
    user: str | None = None
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


def _refuse_change(_mapper, _connection, call) -> None:
    """Call notes are append-only: an update or delete through the ORM is refused, so the
    transaction rolls back."""
    from clinicbill.domain.errors import ClinicbillError

    session = object_session(call)
    if session is not None and call in session.dirty and not session.is_modified(call):
        return  # touched but nothing changed
    raise ClinicbillError(
        f"call: note {call.id} cannot be changed or deleted",
        f"record another call: clinicbill claim call {call.claim_id} --rep NAME ...",
    )


event.listen(ClaimCall, "before_update", _refuse_change)
event.listen(ClaimCall, "before_delete", _refuse_change)
