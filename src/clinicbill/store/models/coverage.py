"""Benefit verification notes (append-only), referrals, prior authorizations."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Text
from sqlmodel import Field, SQLModel

from clinicbill.store.append_only import append_only
from clinicbill.store.types import UTCDateTime, utcnow


class Verification(SQLModel, table=True):
    """One benefit verification call/portal check. Never edited or deleted (SPEC §4.3)."""

    id: int | None = Field(default=None, primary_key=True)
    policy_id: int = Field(foreign_key="policy.id", index=True)
    verified_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    verified_by: str
    method: str  # phone | portal | 271
    representative: str | None = None
    call_reference: str | None = None
    in_network: bool | None = None
    massage_covered: bool | None = None
    acupuncture_covered: bool | None = None
    visit_limit: int | None = None  # per plan year
    visits_used_reported: int | None = None  # as the payer reported on this date
    plan_year_start: date | None = None
    deductible_cents: int | None = None
    deductible_met_cents: int | None = None
    oop_max_cents: int | None = None
    oop_met_cents: int | None = None
    copay_cents: int | None = None
    coinsurance_pct: int | None = None
    preauth_required: bool | None = None
    referral_required: bool | None = None
    exclusions: str | None = Field(default=None, sa_type=Text)
    notes: str | None = Field(default=None, sa_type=Text)
    reverify_by: date | None = None
    corrects_id: int | None = Field(default=None, foreign_key="verification.id")
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


def _refusal(note):
    """Verification notes are append-only (store/append_only.py): an update or delete through
    the ORM is refused, so the transaction rolls back (SPEC §4.3; a correction is a new note
    with corrects_id)."""
    from clinicbill.domain.errors import ClinicbillError

    return ClinicbillError(
        f"verification: note {note.id} cannot be changed or deleted",
        f"record a correction: clinicbill verify add {note.policy_id} --corrects {note.id} ...",
    )


append_only(Verification, _refusal)


class Referral(SQLModel, table=True):
    """A prescription or referral from a physician (box 17 / 2310A)."""

    id: int | None = Field(default=None, primary_key=True)
    patient_id: int = Field(foreign_key="patient.id", index=True)
    policy_id: int | None = Field(default=None, foreign_key="policy.id")
    first_name: str
    last_name: str
    npi: str
    qualifier: str = "DN"  # DN referring | DK ordering
    number: str | None = None  # referral number (2300 REF*9F)
    referral_date: date
    diagnoses: str | None = None  # comma-separated ICD-10-CM codes, normalised
    visits_ordered: int | None = None
    expires_on: date | None = None
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class Authorization(SQLModel, table=True):
    """A prior authorization (box 23 / REF*G1). Remaining visits are derived, never stored."""

    id: int | None = Field(default=None, primary_key=True)
    policy_id: int = Field(foreign_key="policy.id", index=True)
    number: str
    start_date: date
    end_date: date
    visits_authorized: int | None = None
    units_authorized: int | None = None
    codes: str | None = None  # comma-separated codes covered; NULL covers all
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
