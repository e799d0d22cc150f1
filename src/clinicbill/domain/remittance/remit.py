"""Remittance advice as frozen records: what an 835 or a paper EOB says a payer did.

formats/x12_835.py reads an 835 into these records; a manual EOB is typed into the same
records; domain/remittance/posting.py posts them (one posting function for both). Amounts are
integer
cents, negative in reversals (CLP02 22). Nothing here touches the database.
"""

from __future__ import annotations

from dataclasses import MISSING, dataclass, field, fields
from datetime import date
from decimal import Decimal
from functools import cache

# CAS groups in 5010 (DOMAIN.md §5): CO contractual, PR patient responsibility,
# OA other, PI payer-initiated reduction. CR was dropped in 5010.
ADJUSTMENT_GROUPS = ("CO", "PR", "OA", "PI")
# CLP02 claim status codes (DOMAIN.md §5).
CLAIM_STATUS_CODES = {
    "1": "processed as primary",
    "2": "processed as secondary",
    "3": "processed as tertiary",
    "4": "denied",
    "19": "processed as primary, forwarded to another payer",
    "20": "processed as secondary, forwarded to another payer",
    "21": "processed as tertiary, forwarded to another payer",
    "22": "reversal of previous payment",
    "23": "not our claim, forwarded",
    "25": "predetermination pricing only, no payment",
}
DENIED = "4"
REVERSAL = "22"
PROCESSED = ("1", "2", "3", "19", "20", "21")


@dataclass(frozen=True)
class Adjustment:
    """One CAS reason/amount: group (CO/PR/OA/PI), CARC, amount in cents."""

    group: str
    reason: str
    amount_cents: int
    quantity: Decimal | None = None

    @property
    def label(self) -> str:
        return f"{self.group}-{self.reason}"


@dataclass(frozen=True)
class ServicePayment:
    """One SVC loop (2110): what the payer did with one billed service line."""

    code: str
    charge_cents: int
    paid_cents: int
    modifiers: tuple[str, ...] = ()
    units: Decimal | None = None  # SVC05 (paid units); None means 1
    billed_code: str | None = None  # SVC06: the code as billed, when the payer changed it
    billed_modifiers: tuple[str, ...] = ()
    billed_units: Decimal | None = None  # SVC07
    service_date: date | None = None  # DTM*472 or DTM*150
    service_date_end: date | None = None  # DTM*151
    line_control_number: str | None = None  # REF*6R: our ClaimLine.id
    allowed_cents: int | None = None  # AMT*B6
    adjustments: tuple[Adjustment, ...] = ()
    remarks: tuple[str, ...] = ()  # LQ*HE RARCs
    position: int = 0  # segment number in the file (0: typed by hand)

    @property
    def matching_code(self) -> str:
        """The code we billed: SVC06 when the payer changed it, else SVC01."""
        return self.billed_code or self.code

    @property
    def matching_units(self) -> Decimal:
        units = self.billed_units if self.billed_units is not None else self.units
        return units if units is not None else Decimal(1)


@dataclass(frozen=True)
class ClaimPayment:
    """One CLP loop (2100): the payer's decision on one of our claims."""

    patient_control_number: str  # CLP01 = our CLM01
    status_code: str  # CLP02
    charge_cents: int  # CLP03
    paid_cents: int  # CLP04
    patient_resp_cents: int = 0  # CLP05
    filing_indicator: str | None = None  # CLP06
    payer_claim_control_number: str | None = None  # CLP07
    frequency: str | None = None  # CLP09
    adjustments: tuple[Adjustment, ...] = ()  # claim-level CAS
    remarks: tuple[str, ...] = ()  # MOA / MIA remark codes
    services: tuple[ServicePayment, ...] = ()
    service_date: date | None = None  # DTM*232 (claim statement from)
    service_date_end: date | None = None  # DTM*233
    position: int = 0

    @property
    def is_reversal(self) -> bool:
        return self.status_code == REVERSAL

    @property
    def is_denied(self) -> bool:
        return self.status_code == DENIED


@dataclass(frozen=True)
class ProviderLevelAdjustment:
    """One PLB reason/amount pair. A positive amount reduces the payment (DOMAIN.md §5)."""

    provider_identifier: str
    fiscal_period: date | None
    reason: str
    reference: str | None
    amount_cents: int


@dataclass(frozen=True)
class RemittanceAdvice:
    """One 835 transaction (ST..SE) or one paper EOB."""

    trace_number: str  # TRN02: check or EFT trace
    payer_identifier: str  # TRN03
    paid_cents: int  # BPR02
    handling_code: str | None = None  # BPR01
    credit_debit: str | None = None  # BPR03 C | D
    method: str | None = None  # BPR04 ACH | CHK | NON | FWT | BOP
    payment_date: date | None = None  # BPR16
    production_date: date | None = None  # DTM*405
    payer_name: str | None = None  # 1000A N1*PR
    payer_code: str | None = None  # 1000A N104 or REF*2U
    payee_name: str | None = None  # 1000B N1*PE
    payee_identifier: str | None = None  # 1000B N104 (NPI when N103 = XX)
    # issue 17 payer/payee checks (domain/remittance/payer_checks.py)
    payer_reference_id: str | None = None  # 1000A REF*2U (additional payer id)
    payee_id_qualifier: str | None = None  # 1000B N103: XX NPI, FI tax id
    payee_tax_id: str | None = None  # 1000B REF*TJ
    claims: tuple[ClaimPayment, ...] = ()
    provider_adjustments: tuple[ProviderLevelAdjustment, ...] = ()
    control_number: str | None = None  # ST02
    position: int = 0
    warnings: tuple[str, ...] = field(default=())

    @property
    def effective_date(self) -> date | None:
        """The date postings take effect: the check/EFT date, else the production date."""
        return self.payment_date or self.production_date


def record_builder(cls):
    """A fast constructor for one of the frozen records above, from a dict of its fields
    (those missing take their defaults): the 835 reader builds several records per claim,
    and a frozen dataclass's __init__ sets each field through object.__setattr__, which was
    most of the reader's time. The record is equal to `cls(**values)` (tests/formats check);
    the values are not checked, so give only the record's own fields. The record takes the
    dict as its own (give a fresh one, and do not change it afterwards)."""
    defaults = {f.name: f.default for f in fields(cls) if f.default is not MISSING}
    complete = len(fields(cls))
    new = object.__new__
    set_state = object.__setattr__  # the record is frozen: its __dict__ is set under it

    def build(values: dict):
        record = new(cls)
        set_state(record, "__dict__", values if len(values) >= complete else defaults | values)
        return record

    return build


def claim_balance_problems(claim: ClaimPayment) -> list[str]:
    """Balancing rules that hold in a well-formed 835 (DOMAIN.md §5). Problems are warnings:
    balances are derived from what is posted, so a payer's arithmetic slip cannot break them."""
    problems = []
    adjusted = 0
    for svc in claim.services:
        line_cas = 0
        for a in svc.adjustments:
            line_cas += a.amount_cents
        adjusted += line_cas
        if svc.charge_cents - line_cas != svc.paid_cents:
            problems.append(
                f"claim {claim.patient_control_number} line {svc.code}: charge - adjustments"
                f" != paid ({svc.charge_cents - line_cas} != {svc.paid_cents} cents)"
            )
    if claim.services:
        for a in claim.adjustments:
            adjusted += a.amount_cents
        if claim.charge_cents - adjusted != claim.paid_cents:
            problems.append(
                f"claim {claim.patient_control_number}: charge - adjustments != paid"
                f" ({claim.charge_cents - adjusted} != {claim.paid_cents} cents)"
            )
    return problems


class BalanceCheck:
    """`advice_balance_problems` one claim at a time, for a remittance read as a stream."""

    def __init__(self):
        self.paid = 0
        self.claim_problems: list[str] = []

    def add(self, claim: ClaimPayment) -> None:
        self.paid += claim.paid_cents
        self.claim_problems.extend(claim_balance_problems(claim))

    def problems(self, advice: RemittanceAdvice) -> list[str]:
        """Given the advice's header and PLB (its claims were given to `add`)."""
        expected = self.paid - sum(p.amount_cents for p in advice.provider_adjustments)
        problems = []
        if expected != advice.paid_cents:
            problems.append(
                f"trace {advice.trace_number}: BPR02 {advice.paid_cents} cents != claims paid"
                f" minus provider adjustments ({expected} cents)"
            )
        return problems + self.claim_problems


def advice_balance_problems(advice: RemittanceAdvice) -> list[str]:
    """BPR02 = sum(CLP04) - sum(PLB amounts), plus every claim's own balancing."""
    check = BalanceCheck()
    for claim in advice.claims:
        check.add(claim)
    return check.problems(advice)


# --- CARC / RARC descriptions (data/carc.toml, data/rarc.toml) ---------------------------


@cache
def _codes(name: str) -> dict[str, str]:
    import tomllib  # here: the 835 reader imports this module and never needs the texts

    from clinicbill.resources import data_path

    with open(data_path(f"{name}.toml"), "rb") as fh:
        return {str(k): str(v) for k, v in tomllib.load(fh)["codes"].items()}


def carc_text(code: str) -> str:
    """Short description of a Claim Adjustment Reason Code; unknown codes say so."""
    return _codes("carc").get(code.strip().upper(), "unknown reason code")


def rarc_text(code: str) -> str:
    """Short description of a Remittance Advice Remark Code; unknown codes say so."""
    return _codes("rarc").get(code.strip().upper(), "unknown remark code")


def group_text(group: str) -> str:
    return {
        "CO": "contractual obligation",
        "PR": "patient responsibility",
        "OA": "other adjustment",
        "PI": "payer-initiated reduction",
    }.get(group, "unknown group")


def describe_adjustment(group: str | None, reason: str | None) -> str:
    """`CO-45 charge exceeds fee schedule/contracted amount` for people."""
    if not reason:
        return ""
    if group:
        return f"{group}-{reason} {carc_text(reason)}"
    return reason


def describe_remarks(codes) -> str:
    return "; ".join(f"{c} {rarc_text(c)}" for c in codes if c)
