"""Self-pay revenue: membership plans and members, their period charges and drawn visits,
payment plans with their installments (domain/selfpay/)."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import UniqueConstraint
from sqlmodel import Field, SQLModel

from clinicbill.store.types import UTCDateTime, utcnow


class MembershipPlan(SQLModel, table=True):
    """What a membership costs each period and what it includes."""

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(unique=True)
    price_cents: int
    period: str  # monthly | quarterly | yearly
    visits: int = 0  # included visits per period
    rollover: bool = False  # unused included visits carry to the next periods
    member_rate_cents: int | None = None  # a visit beyond the included ones; None: full fee
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class Membership(SQLModel, table=True):
    """A patient enrolled in a plan from `start_on`; periods are counted from that day."""

    id: int | None = Field(default=None, primary_key=True)
    patient_id: int = Field(foreign_key="patient.id", index=True)
    plan_id: int = Field(foreign_key="membershipplan.id", index=True)
    provider_id: int = Field(foreign_key="provider.id")  # whose income the dues are
    start_on: date
    cancelled_on: date | None = None  # no period starting on or after it is billed
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class MembershipPause(SQLModel, table=True):
    """A pause: periods starting on paused_on .. resumed_on (exclusive) are not billed."""

    id: int | None = Field(default=None, primary_key=True)
    membership_id: int = Field(foreign_key="membership.id", index=True)
    paused_on: date
    resumed_on: date | None = None


class MembershipCharge(SQLModel, table=True):
    """One billed period of a member. The unique key makes `billing run` post it once, even
    when two runs race (insert-or-ignore, not check-then-insert)."""

    __table_args__ = (
        UniqueConstraint("membership_id", "period_start", name="uq_membership_period"),
    )
    id: int | None = Field(default=None, primary_key=True)
    membership_id: int = Field(foreign_key="membership.id", index=True)
    period_start: date
    period_end: date  # last day of the period
    amount_cents: int
    service_line_id: int | None = Field(default=None, foreign_key="serviceline.id")
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class MembershipVisit(SQLModel, table=True):
    """A member's self-pay visit: an included one (written off) or one at the member rate."""

    id: int | None = Field(default=None, primary_key=True)
    membership_id: int = Field(foreign_key="membership.id", index=True)
    encounter_id: int = Field(foreign_key="encounter.id", unique=True)
    period_start: date
    included: bool


class PaymentPlan(SQLModel, table=True):
    """An open patient balance spread into dated installments."""

    id: int | None = Field(default=None, primary_key=True)
    patient_id: int = Field(foreign_key="patient.id", index=True)
    total_cents: int
    installments: int
    start_on: date
    every: str = "month"  # month | 2 weeks | week
    created_on: date
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class PaymentPlanLine(SQLModel, table=True):
    """The part of a service line's balance that a payment plan covers."""

    id: int | None = Field(default=None, primary_key=True)
    plan_id: int = Field(foreign_key="paymentplan.id", index=True)
    service_line_id: int = Field(foreign_key="serviceline.id", index=True)
    amount_cents: int


class PlanInstallment(SQLModel, table=True):
    """One dated installment; `billing run` marks it due once its date has come."""

    __table_args__ = (UniqueConstraint("plan_id", "number", name="uq_plan_installment"),)
    id: int | None = Field(default=None, primary_key=True)
    plan_id: int = Field(foreign_key="paymentplan.id", index=True)
    number: int  # 1..N
    due_on: date
    amount_cents: int
    marked_due_on: date | None = None


class FeeTier(SQLModel, table=True):
    """A sliding-scale tier: a percent off the standard fee, and/or fixed per-code amounts."""

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(unique=True)
    percent_off_bp: int = 0  # basis points off the standard fee (2500 = 25%)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class FeeTierAmount(SQLModel, table=True):
    """A tier's own fee for one code, per unit (instead of the percent)."""

    __table_args__ = (UniqueConstraint("tier_id", "code", name="uq_tier_code"),)
    id: int | None = Field(default=None, primary_key=True)
    tier_id: int = Field(foreign_key="feetier.id", index=True)
    code: str
    amount_cents: int


class PatientTier(SQLModel, table=True):
    """A patient's tier from a date, with when the proof (income) was seen and when it must be
    reviewed. Append-only: the patient's latest row is in force (tier_id None: no tier)."""

    id: int | None = Field(default=None, primary_key=True)
    patient_id: int = Field(foreign_key="patient.id", index=True)
    tier_id: int | None = Field(default=None, foreign_key="feetier.id")
    proof_seen_on: date | None = None
    review_by: date | None = None
    assigned_on: date
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class TierDiscount(SQLModel, table=True):
    """The sliding-scale discount given on one self-pay session (report revenue by tier)."""

    id: int | None = Field(default=None, primary_key=True)
    encounter_id: int = Field(foreign_key="encounter.id", unique=True)
    tier_id: int = Field(foreign_key="feetier.id", index=True)
    standard_cents: int
    discount_cents: int


class VisitEstimate(SQLModel, table=True):
    """What `session add` told an insured patient to pay ("collect $X today"), kept to compare
    with what the payer's 835 made the patient's responsibility."""

    id: int | None = Field(default=None, primary_key=True)
    encounter_id: int = Field(foreign_key="encounter.id", unique=True)
    payer_id: int = Field(foreign_key="payer.id", index=True)
    verification_id: int | None = Field(default=None, foreign_key="verification.id")
    estimate_cents: int
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
