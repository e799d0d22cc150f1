"""Injury and illness cases: workers' compensation, auto (PIP / no-fault / med-pay), other
accidents, illness episodes. A session billed under a case carries its dates, claim number and
accident facts onto the claim (CMS-1500 boxes 10a-c, 11b, 14; 837P CLM11, DTP*439/431, REF*Y4)."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Index
from sqlmodel import Field, SQLModel

from clinicbill.store.types import UTCDateTime, utcnow


class InjuryCase(SQLModel, table=True):
    __tablename__ = "injury_case"
    __table_args__ = (Index("ix_injury_case_patient_status", "patient_id", "status"),)
    id: int | None = Field(default=None, primary_key=True)
    patient_id: int = Field(foreign_key="patient.id")
    policy_id: int | None = Field(default=None, foreign_key="policy.id", index=True)
    kind: str  # workers-comp | auto | other-accident | illness
    injury_date: date
    onset_date: date | None = None
    state: str | None = None  # where an auto accident happened (box 10b, CLM11-4)
    employer: str | None = None
    claim_number: str | None = None  # property-and-casualty claim number (box 11b, REF*Y4)
    adjuster: str | None = None
    adjuster_phone: str | None = None
    attorney: str | None = None
    pip_limit_cents: int | None = None
    status: str = "open"  # open | closed
    closed_on: date | None = None
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class AdvanceBeneficiaryNotice(SQLModel, table=True):
    """An ABN (CMS-R-131) given to a Medicare patient before services Medicare may not pay
    for: its lines carry GA; a line expected to be denied without one carries GZ."""

    __tablename__ = "abn"
    id: int | None = Field(default=None, primary_key=True)
    patient_id: int = Field(foreign_key="patient.id", index=True)
    codes: str  # comma-separated CPT/HCPCS codes
    reason: str
    estimated_cost_cents: int | None = None
    issued_on: date
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
