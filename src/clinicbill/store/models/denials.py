"""Follow-up calls to payers about a claim (append-only, like verification notes)."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Index, Text
from sqlmodel import Field, SQLModel

from clinicbill.store.append_only import append_only
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


def _refusal(call):
    """Call notes are append-only (store/append_only.py): a correction is another call."""
    from clinicbill.domain.errors import ClinicbillError

    return ClinicbillError(
        f"call: note {call.id} cannot be changed or deleted",
        f"record another call: clinicbill claim call {call.claim_id} --rep NAME ...",
    )


append_only(ClaimCall, _refusal)
