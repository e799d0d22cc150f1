"""What the clearinghouse readers (formats/x12_999.py, x12_277.py, x12_271.py) produce: plain
frozen records, so the rules that apply them start from literals in tests."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date


@dataclass(frozen=True)
class ElementError:
    """IK4: an element of a segment in error."""

    position: str  # IK401 (element[:component[:repeat]])
    reference: str  # IK402 data element reference number
    code: str  # IK403
    bad_value: str = ""  # IK404 (never shown: it may be patient data)


@dataclass(frozen=True)
class SegmentError:
    """IK3 (with its CTX context and IK4s): a segment of our transaction set in error."""

    segment_id: str  # IK301
    position: int  # IK302: position in the transaction set (ST = 1)
    loop: str  # IK303
    code: str  # IK304
    elements: tuple[ElementError, ...] = ()
    claim_reference: str | None = None  # CTX*CLM01:<patient control number>


@dataclass(frozen=True)
class TransactionAck:
    """AK2..IK5: one of our transaction sets accepted or rejected."""

    transaction_code: str  # AK201 (837, 270, 276)
    control_number: str  # AK202 (our ST02)
    result: str  # IK501: A, E, R, M, W, X
    reasons: tuple[str, ...] = ()  # IK502-IK506
    errors: tuple[SegmentError, ...] = ()

    @property
    def rejected(self) -> bool:
        return self.result not in ("A", "E")


@dataclass(frozen=True)
class GroupAck:
    """AK1..AK9: one of our functional groups."""

    functional_id: str  # AK101 (HC, HS, HR)
    control_number: str  # AK102 (our GS06)
    result: str  # AK901: A, E, P, R, M, W, X
    transactions: tuple[TransactionAck, ...] = ()
    reasons: tuple[str, ...] = ()  # AK905-AK909
    received: int | None = None  # AK903
    accepted: int | None = None  # AK904


@dataclass(frozen=True)
class InterchangeAck:
    """TA1: our interchange (ISA13) accepted or rejected."""

    control_number: str  # TA101
    on: date | None
    result: str  # TA104: A, E, R
    note: str  # TA105


@dataclass(frozen=True)
class StatusCode:
    """One STC composite: category, status, entity."""

    category: str
    status: str = ""
    entity: str = ""


@dataclass(frozen=True)
class LineStatus:
    procedure: str  # SVC01 (HC:97124)
    codes: tuple[StatusCode, ...]
    line_reference: str = ""  # REF*FJ


@dataclass(frozen=True)
class ClaimStatus:
    """2200D/E of a 277CA or 277: one claim's status."""

    reference: str  # TRN02: our CLM01 (patient control number) or 276 trace
    codes: tuple[StatusCode, ...]
    on: date | None = None  # STC02
    action: str = ""  # STC03: WQ accept, U reject
    charge_cents: int | None = None  # STC04
    payer_claim_number: str = ""  # REF*1K
    patient_account: str = ""  # REF*EJ (276/277)
    lines: tuple[LineStatus, ...] = ()
    messages: tuple[str, ...] = ()  # STC12 free text


@dataclass(frozen=True)
class BatchStatus:
    """A 277CA status above the claims: 2200B (information receiver: the whole batch we sent,
    TRN02 = our BHT03) or 2200C (billing provider: every claim of that provider in it). A
    rejection there answers claims the file does not list one by one."""

    level: str  # receiver | provider
    batch_reference: str  # the 2200B TRN02 the status falls under: our BHT03
    codes: tuple[StatusCode, ...]
    on: date | None = None
    provider_id: str = ""  # 2100C NM109 (NPI) at the provider level
    messages: tuple[str, ...] = ()


@dataclass(frozen=True)
class ResponseFile:
    """One response interchange, every acknowledgement and status in it."""

    name: str
    sha256: str
    sender: str
    control_number: str  # its own ISA13
    sent_on: date | None  # GS04 (or ISA09)
    interchange_acks: tuple[InterchangeAck, ...] = ()
    group_acks: tuple[GroupAck, ...] = ()
    claim_statuses: tuple[tuple[str, ClaimStatus], ...] = ()  # (277CA | 277, status)
    batch_references: tuple[str, ...] = ()  # 277CA 2200B TRN02 = our BHT03
    batch_statuses: tuple[BatchStatus, ...] = ()  # 277CA 2200B/2200C STC
    kinds: tuple[str, ...] = field(default=())
