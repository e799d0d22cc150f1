"""What a 271 eligibility response says about a policy, as a verification note (method 271,
the trace number as its reference), and what changed since the policy's last note."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from clinicbill.domain.clearinghouse import codes
from clinicbill.domain.money import fmt

ACTIVE, INACTIVE = ("1", "2", "3", "4", "5"), ("6", "7", "8")
REMAINING = ("29", "33")  # EB06 time period: remaining, lifetime remaining
VISITS, USED = "VS", "99"  # EB09 quantity qualifier: visits, quantity used


@dataclass(frozen=True)
class Benefit:
    """One EB segment (2110C/D) with its messages."""

    code: str  # EB01
    coverage_level: str = ""  # EB02: IND, FAM ...
    service_types: tuple[str, ...] = ()  # EB03 (repeating)
    plan: str = ""  # EB05
    period: str = ""  # EB06
    amount_cents: int | None = None  # EB07
    percent: Decimal | None = None  # EB08 (0.2 = 20%)
    quantity_qualifier: str = ""  # EB09
    quantity: Decimal | None = None  # EB10
    authorization: str = ""  # EB11: Y required, N not, U unknown
    network: str = ""  # EB12: Y in network, N out of network, W both, U unknown
    messages: tuple[str, ...] = ()


@dataclass(frozen=True)
class EligibilityAnswer:
    """One subscriber/dependent of a 271 (2000C/D)."""

    trace: str  # TRN*2 (ours, echoed from the 270)
    payer_trace: str  # TRN*1 (the payer's own), if any
    member_id: str
    plan_begin: date | None
    plan_end: date | None
    benefits: tuple[Benefit, ...]
    rejections: tuple[str, ...] = ()  # AAA03 reject reason codes

    @property
    def active(self) -> bool | None:
        for benefit in self.benefits:
            if benefit.code in ACTIVE:
                return True
            if benefit.code in INACTIVE:
                return False
        return None


def _pick(benefits, code: str, types: tuple[str, ...], test=lambda b: True) -> Benefit | None:
    """The benefit of a kind for the first service type asked that has one (in-network and
    individual first; a benefit without a service type counts as general coverage)."""
    found = [b for b in benefits if b.code == code and test(b)]
    for wanted in (*types, "30", ""):
        matches = [b for b in found if wanted in (b.service_types or ("",))]
        matches.sort(key=lambda b: (b.network == "N", b.coverage_level not in ("IND", "")))
        if matches:
            return matches[0]
    return None


def _money(cents: int | None) -> Decimal | None:
    return None if cents is None else Decimal(cents) / 100


def note_values(answer: EligibilityAnswer, types: tuple[str, ...]) -> dict:
    """Verification note values (domain/coverage/verification.py field names) from a 271."""
    b = answer.benefits
    values: dict = {"method": "271", "call_reference": (answer.trace or answer.payer_trace)[:50]}
    not_remaining = lambda e: e.period not in REMAINING  # noqa: E731
    remaining = lambda e: e.period in REMAINING  # noqa: E731
    for code, total, met in (("C", "deductible", "deductible_met"), ("G", "oop_max", "oop_met")):
        whole = _pick(b, code, types, lambda e: not_remaining(e) and e.amount_cents is not None)
        left = _pick(b, code, types, lambda e: remaining(e) and e.amount_cents is not None)
        if whole is not None:
            values[total] = _money(whole.amount_cents)
            if left is not None and left.amount_cents <= whole.amount_cents:
                values[met] = _money(whole.amount_cents - left.amount_cents)
    copay = _pick(b, "B", types, lambda e: e.amount_cents is not None)
    if copay is not None:
        values["copay"] = _money(copay.amount_cents)
    coins = _pick(b, "A", types, lambda e: e.percent is not None)
    if coins is not None and 0 <= coins.percent <= 1:
        values["coinsurance"] = int((coins.percent * 100).to_integral_value())
    limit = _pick(b, "F", types, lambda e: e.quantity_qualifier == VISITS and not_remaining(e))
    if limit is not None and limit.quantity is not None:
        values["visit_limit"] = int(limit.quantity)
        used = _pick(b, "F", types, lambda e: e.quantity_qualifier == USED)
        left = _pick(b, "F", types, lambda e: e.quantity_qualifier == VISITS and remaining(e))
        if used is not None and used.quantity is not None:
            values["visits_used"] = int(used.quantity)
        elif left is not None and left.quantity is not None and left.quantity <= limit.quantity:
            values["visits_used"] = int(limit.quantity - left.quantity)
    for kind, key in (("AE", "massage_covered"), ("64", "acupuncture_covered")):
        said = [e for e in b if kind in e.service_types]
        if any(e.code == "I" for e in said):
            values[key] = False
        elif said and answer.active:
            values[key] = True
    auth = [e.authorization for e in b if e.authorization in ("Y", "N")]
    if auth:
        values["preauth_required"] = "Y" in auth
    networks = {e.network for e in b if e.network in ("Y", "N")}
    if networks == {"N"}:
        values["in_network"] = False
    elif networks == {"Y"} and answer.active:
        values["in_network"] = True
    if answer.plan_begin is not None:
        values["plan_year_start"] = answer.plan_begin
    excluded = [e for e in b if e.code in ("E", "I")]
    if excluded:
        values["exclusions"] = "; ".join(_benefit_text(e) for e in excluded)[:2000]
    values["notes"] = summary(answer)[:4000]
    return values


def _benefit_text(e: Benefit) -> str:
    parts = [codes.text("benefit", e.code) or e.code]
    if e.service_types:
        parts.append("for " + ", ".join(codes.words("service_type", t) for t in e.service_types))
    if e.coverage_level:
        parts.append(e.coverage_level)
    if e.amount_cents is not None:
        parts.append(fmt(e.amount_cents))
    if e.percent is not None:
        parts.append(f"{(e.percent * 100).normalize():f}%")
    if e.quantity is not None:
        unit = {VISITS: "visits", USED: "used"}.get(e.quantity_qualifier, e.quantity_qualifier)
        parts.append(f"{e.quantity.normalize():f} {unit}")
    if e.period:
        parts.append(codes.text("time_period", e.period) or e.period)
    if e.network in ("Y", "N"):
        parts.append("in network" if e.network == "Y" else "out of network")
    if e.authorization == "Y":
        parts.append("authorization required")
    text = " ".join(parts)
    if e.messages:
        text += " (" + "; ".join(e.messages) + ")"
    return text


def summary(answer: EligibilityAnswer) -> str:
    """The whole answer in words: coverage, plan dates, each benefit, rejections."""
    state = {True: "coverage ACTIVE", False: "coverage INACTIVE", None: "coverage not stated"}
    lines = [f"271 trace {answer.trace or answer.payer_trace}: {state[answer.active]}"]
    if answer.plan_begin or answer.plan_end:
        lines.append(f"plan {answer.plan_begin or '?'} to {answer.plan_end or '?'}")
    lines += [
        _benefit_text(e)
        for e in answer.benefits
        if e.code not in ACTIVE + INACTIVE or e.plan or e.messages
    ]
    lines += [f"request rejected: {codes.words('reject_reason', r)}" for r in answer.rejections]
    return "\n".join(lines)


COMPARED = (
    ("in_network", "in network"),
    ("massage_covered", "massage covered"),
    ("acupuncture_covered", "acupuncture covered"),
    ("visit_limit", "visit limit"),
    ("visits_used_reported", "visits used"),
    ("plan_year_start", "plan year start"),
    ("deductible_cents", "deductible"),
    ("deductible_met_cents", "deductible met"),
    ("oop_max_cents", "out-of-pocket maximum"),
    ("oop_met_cents", "out-of-pocket met"),
    ("copay_cents", "copay"),
    ("coinsurance_pct", "coinsurance %"),
    ("preauth_required", "authorization required"),
)


def changes(before, after) -> list[str]:
    """`deductible met: $200.00 -> $300.00` for each field two notes differ in."""
    out = []
    for column, label in COMPARED:
        old, new = getattr(before, column), getattr(after, column)
        if old != new and new is not None:
            show = fmt if column.endswith("_cents") else str
            was = "not recorded" if old is None else show(old)
            out.append(f"{label}: {was} -> {show(new)}")
    return out
