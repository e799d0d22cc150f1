"""Encounters (the CLI calls them sessions), diagnoses, service lines, addenda."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Index, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from clinicbill.store.types import UTCDateTime, utcnow


class Encounter(SQLModel, table=True):
    """One visit with its SOAP note. Signed encounters are locked; void keeps the record."""

    __table_args__ = (
        Index("ix_encounter_patient_date", "patient_id", "service_date"),
        Index("ix_encounter_voided_at", "voided_at"),  # voids after a date (aging --as-of)
    )
    id: int | None = Field(default=None, primary_key=True)
    patient_id: int = Field(foreign_key="patient.id")
    provider_id: int = Field(foreign_key="provider.id", index=True)
    service_date: date = Field(index=True)
    place_of_service: str = "11"
    policy_id: int | None = Field(
        default=None, foreign_key="policy.id", index=True
    )  # None: self-pay
    total_minutes: int | None = None
    template: str | None = None
    subjective: str | None = Field(default=None, sa_type=Text)
    objective: str | None = Field(default=None, sa_type=Text)
    assessment: str | None = Field(default=None, sa_type=Text)
    plan: str | None = Field(default=None, sa_type=Text)
    pain_before: int | None = None
    pain_after: int | None = None
    modality_json: str | None = Field(default=None, sa_type=Text)  # template answers
    note_text: str | None = Field(default=None, sa_type=Text)  # rendered note, frozen at signing
    authorization_id: int | None = Field(default=None, foreign_key="authorization.id")
    referral_id: int | None = Field(default=None, foreign_key="referral.id")
    package_id: int | None = Field(default=None, foreign_key="package.id")
    case_id: int | None = Field(default=None, foreign_key="injury_case.id", index=True)
    status: str = "draft"  # draft | signed | void
    signed_by: str | None = None
    signed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    void_reason: str | None = None
    voided_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class Diagnosis(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("encounter_id", "position", name="uq_dx_position"),)
    id: int | None = Field(default=None, primary_key=True)
    encounter_id: int = Field(foreign_key="encounter.id", index=True)
    position: int  # 1..12 (box 21 A..L)
    code: str  # normalised with dot, e.g. M54.50


class ServiceLine(SQLModel, table=True):
    """A billed procedure. Its balance comes from the ledger (domain/ledger/balances.py)."""

    __table_args__ = (UniqueConstraint("encounter_id", "line_number", name="uq_line_number"),)
    id: int | None = Field(default=None, primary_key=True)
    encounter_id: int = Field(foreign_key="encounter.id", index=True)
    line_number: int
    code: str = Field(index=True)
    modifiers: str = ""  # comma-separated, up to 4
    minutes: int | None = None
    units: int = 1
    charge_cents: int
    pointers: str = "1"  # comma-separated diagnosis positions, up to 4
    description: str | None = None


class Addendum(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    encounter_id: int = Field(foreign_key="encounter.id", index=True)
    text: str = Field(sa_type=Text)
    author: str
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
