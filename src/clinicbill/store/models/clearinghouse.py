"""Clearinghouse round trip: the X12 batches we send (837P, 270, 276) with the claims and
segments each transaction set holds, the response files imported (999/TA1, 277CA/277, 271),
each claim's answers, eligibility requests, the SFTP settings and the inbox."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Index, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from clinicbill.store.types import UTCDateTime, utcnow


class X12Batch(SQLModel, table=True):
    """One interchange we wrote: ISA13 = GS06 (one group); ST02s in X12BatchClaim."""

    __table_args__ = (UniqueConstraint("kind", "interchange_control_number", name="uq_x12batch"),)
    id: int | None = Field(default=None, primary_key=True)
    kind: str  # 837p | 270 | 276
    export_batch_id: int | None = Field(default=None, foreign_key="exportbatch.id")
    file_name: str
    interchange_control_number: int  # ISA13
    group_control_number: int  # GS06
    transaction_count: int = 1
    sender_id: str
    receiver_id: str
    sha256: str
    uploaded_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    remote_name: str | None = None
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class X12BatchClaim(SQLModel, table=True):
    """A claim in a batch: its transaction set (ST02) and the segment positions it spans there
    (ST = 1, as a 999's IK302 counts), so an error maps to the claim it is in."""

    __table_args__ = (Index("ix_x12batchclaim_batch_st", "batch_id", "transaction_control_number"),)
    id: int | None = Field(default=None, primary_key=True)
    batch_id: int = Field(foreign_key="x12batch.id")
    claim_id: int = Field(foreign_key="claim.id", index=True)
    transaction_control_number: str  # ST02
    first_segment: int
    last_segment: int


class X12Response(SQLModel, table=True):
    """One imported response file (an interchange): never imported twice (same content, or the
    same sender and ISA13)."""

    __table_args__ = (
        UniqueConstraint("sender_id", "interchange_control_number", name="uq_x12response_isa"),
    )
    id: int | None = Field(default=None, primary_key=True)
    kind: str  # 999 | TA1 | 277CA | 277 | 271 (several joined by +)
    file_name: str
    sha256: str = Field(unique=True)
    sender_id: str
    interchange_control_number: str
    summary: str = Field(default="", sa_type=Text)
    imported_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class ClaimResponse(SQLModel, table=True):
    """What a clearinghouse or payer said about one claim (or a whole batch it was in)."""

    id: int | None = Field(default=None, primary_key=True)
    response_id: int = Field(foreign_key="x12response.id", index=True)
    claim_id: int = Field(foreign_key="claim.id", index=True)
    batch_id: int | None = Field(default=None, foreign_key="x12batch.id")
    source: str  # TA1 | 999 | 277CA | 277
    result: str  # accepted | rejected | pending | finalized | info
    on_date: date
    category_code: str | None = None  # STC01-1
    status_codes: str | None = None  # STC01-2 (several comma-separated)
    entity_code: str | None = None  # STC01-3
    payer_claim_number: str | None = None  # REF*1K
    reason: str = Field(default="", sa_type=Text)  # in words
    fix: str | None = Field(default=None, sa_type=Text)


class EligibilityRequest(SQLModel, table=True):
    """One 270 inquiry (2000C/D TRN02 trace), answered by a 271 carrying the same trace."""

    id: int | None = Field(default=None, primary_key=True)
    batch_id: int = Field(foreign_key="x12batch.id")
    policy_id: int = Field(foreign_key="policy.id", index=True)
    trace_number: str = Field(unique=True)
    service_types: str  # EQ01 codes, comma-separated
    service_date: date
    answered_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class ClearinghouseSetting(SQLModel, table=True):
    """Where claims go and answers come from (SFTP). Never a password: that comes from the
    environment (CLINICBILL_SFTP_PASSWORD)."""

    id: int | None = Field(default=None, primary_key=True)
    name: str
    host: str
    port: int = 22
    username: str
    key_path: str
    outbound_dir: str = "outbound"
    inbound_dir: str = "inbound"
    host_key: str  # SHA256:... fingerprint of the server's host key
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class InboxFile(SQLModel, table=True):
    """A response file fetched from the clearinghouse's inbound directory (fetched once)."""

    id: int | None = Field(default=None, primary_key=True)
    remote_name: str = Field(unique=True)
    size: int
    sha256: str
    local_path: str
    kind: str | None = None
    result: str | None = Field(default=None, sa_type=Text)
    fetched_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
