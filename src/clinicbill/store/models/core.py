"""Practice, providers, payers, fee schedule, policies (patients: patient.py; the audit log:
audit_log.py, each its own module so a command defines only the tables it uses)."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import UniqueConstraint
from sqlmodel import Field, SQLModel

from clinicbill.store.types import UTCDateTime, utcnow


class Practice(SQLModel, table=True):
    """The billing provider (box 33): the practice (type-2 NPI) or a solo practitioner."""

    id: int | None = Field(default=None, primary_key=True)
    name: str
    npi: str
    tax_id: str  # digits only
    tax_id_type: str = "EIN"  # EIN | SSN
    taxonomy: str
    address1: str
    address2: str | None = None
    city: str
    state: str
    zip: str  # digits, 5 or 9
    phone: str  # 10 digits
    email: str | None = None
    submitter_id: str | None = None  # ISA06 / 1000A NM109 (clearinghouse-assigned)
    receiver_id: str | None = None  # ISA08 / 1000B NM109
    receiver_name: str | None = None
    contact_name: str | None = None  # 1000A PER02
    signature_image: str | None = None  # path to a PNG used on superbills
    x12_usage: str = "T"  # ISA15: T test, P production
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class Provider(SQLModel, table=True):
    """A rendering practitioner."""

    id: int | None = Field(default=None, primary_key=True)
    first_name: str
    last_name: str
    credential: str  # LMT, LAc, DC, MD, DPT ...
    npi: str = Field(index=True, unique=True)
    taxonomy: str
    license: str | None = None
    license_state: str | None = None
    active: bool = True
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)

    @property
    def display_name(self) -> str:
        return f"{self.first_name} {self.last_name}, {self.credential}"


class Payer(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(index=True)
    payer_id: str | None = None  # electronic payer id (2010BB NM109)
    type: str = "commercial"  # commercial, medicare, medicare-advantage, medicaid, workers-comp ...
    profile: str = "commercial"  # rule profile name (data/profiles/*.toml)
    timely_filing_days: int | None = None  # overrides the profile when set
    address1: str | None = None
    city: str | None = None
    state: str | None = None
    zip: str | None = None
    phone: str | None = None
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class FeeSchedule(SQLModel, table=True):
    """Standard charge per code (payer_id NULL) or a payer's contracted (expected) amount."""

    __table_args__ = (UniqueConstraint("code", "payer_id", name="uq_fee_code_payer"),)
    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(index=True)
    payer_id: int | None = Field(default=None, foreign_key="payer.id")
    amount_cents: int
    description: str | None = None


class Policy(SQLModel, table=True):
    """A patient's insurance coverage with one payer."""

    id: int | None = Field(default=None, primary_key=True)
    patient_id: int = Field(foreign_key="patient.id", index=True)
    payer_id: int = Field(foreign_key="payer.id", index=True)
    priority: str = "primary"  # primary | secondary | tertiary
    member_id: str
    group_number: str | None = None
    plan_name: str | None = None
    relationship: str = "self"  # patient to subscriber: self | spouse | child | other
    subscriber_first_name: str | None = None  # None when relationship is self
    subscriber_last_name: str | None = None
    subscriber_dob: date | None = None
    subscriber_sex: str | None = None
    subscriber_address1: str | None = None
    subscriber_city: str | None = None
    subscriber_state: str | None = None
    subscriber_zip: str | None = None
    effective_from: date | None = None
    effective_to: date | None = None
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
