"""The audit log table (store/audit.py writes it; a read-only command never loads the rest)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, Text
from sqlmodel import Field, SQLModel

from clinicbill.store.types import UTCDateTime, utcnow


class AuditLog(SQLModel, table=True):
    """Every insert, update and delete, hash-chained so an edited or deleted row is detected."""

    __tablename__ = "audit_log"
    __table_args__ = (Index("ix_audit_entity", "entity", "entity_id"),)
    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, index=True)
    user: str
    action: str  # insert | update | delete
    entity: str
    entity_id: int | None = None
    patient_id: int | None = Field(default=None, index=True)
    before: str | None = Field(default=None, sa_type=Text)
    after: str | None = Field(default=None, sa_type=Text)
    prev_hash: str
    hash: str
