"""Claims, control numbers, remittances, payments, packages, estimates (the ledger entries are
in models/ledger.py)."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Index, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from clinicbill.store.types import UTCDateTime, utcnow


class Claim(SQLModel, table=True):
    __table_args__ = (
        Index("ix_claim_status_payer", "status", "payer_id"),
        # aging --as-of asks whether anything was billed or created after the date: a seek
        Index("ix_claim_first_billed_on", "first_billed_on"),
        Index("ix_claim_created_at", "created_at"),
    )
    id: int | None = Field(default=None, primary_key=True)
    patient_control_number: str = Field(unique=True, index=True)  # CLM01 / box 26, <= 20 chars
    patient_id: int = Field(foreign_key="patient.id", index=True)
    policy_id: int = Field(foreign_key="policy.id")
    payer_id: int = Field(foreign_key="payer.id", index=True)
    provider_id: int = Field(foreign_key="provider.id")  # rendering
    priority: str = "primary"  # which policy of the patient this claim bills
    frequency: str = "1"  # CLM05-3: 1 original, 7 replacement, 8 void
    original_claim_id: int | None = Field(default=None, foreign_key="claim.id")
    primary_claim_id: int | None = Field(default=None, foreign_key="claim.id")  # for secondaries
    payer_claim_control_number: str | None = None  # CLP07; REF*F8 on replacements
    status: str = "draft"
    from_date: date
    to_date: date
    total_cents: int = 0
    authorization_id: int | None = Field(default=None, foreign_key="authorization.id")
    referral_id: int | None = Field(default=None, foreign_key="referral.id")
    first_billed_on: date | None = None  # first submission (aging --basis billed)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class ClaimLine(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("claim_id", "line_number", name="uq_claim_line"),)
    id: int | None = Field(default=None, primary_key=True)
    claim_id: int = Field(foreign_key="claim.id", index=True)
    service_line_id: int = Field(foreign_key="serviceline.id", index=True)
    line_number: int  # LX, 1..50
    charge_cents: int


class ClaimStatusEvent(SQLModel, table=True):
    """Dated lifecycle history of a claim."""

    # A claim's status on a past date (aging --as-of) is its last event on or before it:
    # one index seek per claim, no sort (benchmarks/, tests/test_perf_indexes.py).
    __table_args__ = (
        Index("ix_claimstatusevent_claim_date", "claim_id", "on_date", "id"),
        Index("ix_claimstatusevent_on_date", "on_date"),  # any change after a date: a seek
    )
    id: int | None = Field(default=None, primary_key=True)
    claim_id: int = Field(foreign_key="claim.id")
    status: str
    on_date: date
    at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    user: str | None = None
    note: str | None = None


class ControlCounter(SQLModel, table=True):
    """Monotonic counters: ISA13 interchange numbers, patient control numbers."""

    name: str = Field(primary_key=True)
    value: int = 0


class ExportBatch(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    format: str
    interchange_control_number: int | None = None
    claim_ids: str = ""  # comma-separated
    path: str | None = None
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class Remittance(SQLModel, table=True):
    """One 835 transaction (or a manually posted paper EOB)."""

    __table_args__ = (UniqueConstraint("trace_number", "payer_identifier", name="uq_remit_trace"),)
    id: int | None = Field(default=None, primary_key=True)
    trace_number: str  # TRN02
    payer_identifier: str  # TRN03
    payer_name: str | None = None
    payer_id: int | None = Field(default=None, foreign_key="payer.id")
    handling_code: str | None = None  # BPR01
    method: str | None = None  # BPR04
    paid_cents: int = 0  # BPR02
    payment_date: date | None = None  # BPR16
    file_sha256: str | None = Field(default=None, index=True)
    source: str = "835"  # 835 | manual
    imported_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class RemittanceClaim(SQLModel, table=True):
    """One CLP of a remittance, matched to our claim when possible."""

    id: int | None = Field(default=None, primary_key=True)
    remittance_id: int = Field(foreign_key="remittance.id", index=True)
    claim_id: int | None = Field(default=None, foreign_key="claim.id", index=True)
    patient_control_number: str
    status_code: str
    charge_cents: int
    paid_cents: int
    patient_resp_cents: int = 0
    payer_claim_control_number: str | None = None
    remark_codes: str | None = None
    unmatched_reason: str | None = None


class ProviderAdjustment(SQLModel, table=True):
    """PLB: provider-level adjustments recorded at the remittance level."""

    id: int | None = Field(default=None, primary_key=True)
    remittance_id: int = Field(foreign_key="remittance.id", index=True)
    provider_identifier: str
    fiscal_period: date | None = None
    reason: str
    reference: str | None = None
    amount_cents: int


class Payment(SQLModel, table=True):
    """Money received (or refunded, kind='refund') from a patient or a payer."""

    id: int | None = Field(default=None, primary_key=True)
    kind: str = "payment"  # payment | refund
    source: str = "patient"  # patient | insurance
    patient_id: int | None = Field(default=None, foreign_key="patient.id", index=True)
    payer_id: int | None = Field(default=None, foreign_key="payer.id")
    remittance_id: int | None = Field(default=None, foreign_key="remittance.id")
    method: str  # cash | card | check | hsa | fsa | eft | ach
    amount_cents: int
    received_on: date = Field(index=True)
    reference: str | None = None
    note: str | None = None
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class Package(SQLModel, table=True):
    """Prepaid package or membership drawn down by sessions (e.g. 10 massages)."""

    id: int | None = Field(default=None, primary_key=True)
    patient_id: int = Field(foreign_key="patient.id", index=True)
    name: str
    visits: int | None = None
    price_cents: int
    payment_id: int | None = Field(default=None, foreign_key="payment.id", index=True)
    purchased_on: date
    expires_on: date | None = None
    voided_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    void_reason: str | None = None


class Estimate(SQLModel, table=True):
    """A Good Faith Estimate (No Surprises Act); kept 6 years."""

    id: int | None = Field(default=None, primary_key=True)
    patient_id: int = Field(foreign_key="patient.id", index=True)
    provider_id: int = Field(foreign_key="provider.id")
    issued_on: date
    service_date: date | None = None
    visits: int = 1
    diagnoses: str | None = None
    items_json: str = Field(sa_type=Text)
    total_cents: int
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
