"""Patients (a table of its own: a patient listing defines no other model)."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Index
from sqlmodel import Field, SQLModel

from clinicbill.store.types import UTCDateTime, utcnow


class Patient(SQLModel, table=True):
    __table_args__ = (Index("ix_patient_name", "last_name", "first_name"),)
    id: int | None = Field(default=None, primary_key=True)
    account_number: str = Field(unique=True, index=True)
    first_name: str
    last_name: str
    middle_name: str | None = None
    dob: date
    sex: str  # F, M, U
    address1: str | None = None
    address2: str | None = None
    city: str | None = None
    state: str | None = None
    zip: str | None = None
    phone: str | None = None
    email: str | None = None
    signature_on_file: bool = True  # box 12 / CLM09
    assignment_on_file: bool = True  # box 13 / CLM08
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)

    @property
    def display_name(self) -> str:
        return f"{self.last_name}, {self.first_name}"
