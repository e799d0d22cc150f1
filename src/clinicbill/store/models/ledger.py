"""The ledger: one row per posting against a service line. Its own module, because nearly every
balance reads it while few commands need the claim and remittance tables."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Index
from sqlmodel import Field, SQLModel

from clinicbill.store.types import UTCDateTime, utcnow


class LedgerEntry(SQLModel, table=True):
    """One posting against a service line. Balances are derived from these
    (domain/ledger/balances.py).

    kinds: insurance_payment, patient_payment, adjustment (reduce the balance);
    patient_responsibility (moves the balance to the patient, does not reduce it).
    Reversals are entries with negated amounts; nothing is updated in place.
    """

    __table_args__ = (
        # Covers the per-line sums by kind up to a date (balances, aging): read from the
        # index alone, without visiting the table (tests/test_perf_indexes.py).
        Index("ix_ledger_line_kind", "service_line_id", "kind", "effective_date", "amount_cents"),
        Index("ix_ledger_effective", "effective_date"),
    )
    id: int | None = Field(default=None, primary_key=True)
    service_line_id: int = Field(foreign_key="serviceline.id")
    kind: str
    amount_cents: int
    effective_date: date
    claim_id: int | None = Field(default=None, foreign_key="claim.id", index=True)
    remittance_claim_id: int | None = Field(default=None, foreign_key="remittanceclaim.id")
    payment_id: int | None = Field(default=None, foreign_key="payment.id", index=True)
    group_code: str | None = None  # CO | PR | OA | PI
    reason_code: str | None = None  # CARC
    remark_codes: str | None = None  # RARC, comma-separated
    note: str | None = None
    posted_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
