"""Sliding-scale fee tiers: a percent off the standard fee, or the tier's own per-code fee.

Every session is charged the standard fee (one fee schedule for everyone); a self-pay session
of a patient on a tier then gets the difference written off as a `sliding-scale` adjustment,
recorded per session with its tier (TierDiscount) so `report revenue` can show the discount
given by tier. A patient's tier is append-only history: the latest assignment is in force,
with the date the proof (of income) was seen and the date it must be reviewed; a session after
the review date still gets the tier, with a warning.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from sqlalchemy import func, select

from clinicbill.domain.errors import ClinicbillError
from clinicbill.domain.ledger import balances as ledger
from clinicbill.domain.ledger.balances import ADJUSTMENT
from clinicbill.domain.money import parse_amount
from clinicbill.domain.validate import required_text
from clinicbill.store.models import (
    Encounter,
    FeeTier,
    FeeTierAmount,
    LedgerEntry,
    PatientTier,
    ServiceLine,
    TierDiscount,
)
from clinicbill.store.query import added

TIER_REASON = "sliding-scale"


def parse_percent(text) -> int:
    """'25' or '12.5' (percent off) -> basis points."""
    try:
        value = Decimal(str(text).strip().rstrip("%"))
    except InvalidOperation:
        value = Decimal(-1)
    if not value.is_finite() or not 0 < value <= 100 or value != value.quantize(Decimal("0.01")):
        raise ClinicbillError(
            f"percent: '{str(text)[:20]}' is not a percent between 0 and 100", "e.g. --percent 25"
        )
    return int(value * 100)


def parse_code_amount(text: str) -> tuple[str, int]:
    """'97124=45' -> ('97124', 4500): the tier's fee per unit of a code."""
    code, sep, amount = str(text).partition("=")
    code = code.strip().upper()
    if not sep or not code or len(code) > 8 or not code.isalnum():
        raise ClinicbillError(
            f"code: '{str(text)[:30]}' is not CODE=DOLLARS", "e.g. --code 97124=45"
        )
    return code, parse_amount(amount, f"code {code}")


def add_tier(session, name: str, percent_bp: int = 0, amounts=()) -> FeeTier:
    title = required_text(name, "name", 60)
    if not percent_bp and not amounts:
        raise ClinicbillError(
            "tier: give --percent or at least one --code CODE=DOLLARS", "e.g. --percent 25"
        )
    if session.execute(select(FeeTier.id).where(func.lower(FeeTier.name) == title.lower())).first():
        raise ClinicbillError(f"name: a tier named '{title}' exists", "choose another name")
    tier = FeeTier(name=title, percent_off_bp=percent_bp)
    added(session, tier)
    codes = set()
    for code, cents in amounts:
        if code in codes:
            raise ClinicbillError(f"code: {code} is given twice", "one amount per code")
        codes.add(code)
        session.add(FeeTierAmount(tier_id=tier.id, code=code, amount_cents=cents))
    session.flush()
    return tier


def find_tier(session, ref) -> FeeTier:
    from clinicbill.domain.selfpay.memberships import find_named

    return find_named(session, FeeTier, ref, "tier", "see 'clinicbill fee tier list'")


def tier_amounts(session, tier_id: int) -> dict[str, int]:
    rows = session.execute(
        select(FeeTierAmount.code, FeeTierAmount.amount_cents).where(
            FeeTierAmount.tier_id == tier_id
        )
    ).all()
    return dict(rows)


def assign(
    session, patient, tier: FeeTier | None, on: date, proof_seen_on, review_by
) -> PatientTier:
    """Put a patient on a tier (None: off the sliding scale) from `on`."""
    if tier is not None and proof_seen_on is None:
        raise ClinicbillError(
            "proof-seen: the date the proof of income was seen is required",
            "e.g. --proof-seen 2026-01-05",
        )
    if proof_seen_on is not None and review_by is not None and review_by <= proof_seen_on:
        raise ClinicbillError(
            f"review-by: {review_by} is not after the proof date {proof_seen_on}",
            "give a later date",
        )
    row = PatientTier(
        patient_id=patient.id,
        tier_id=tier.id if tier else None,
        proof_seen_on=proof_seen_on,
        review_by=review_by,
        assigned_on=on,
    )
    return added(session, row)


def current_tier(session, patient_id: int, on: date) -> tuple[PatientTier, FeeTier] | None:
    """The patient's assignment in force on `on` (its latest assigned on or before)."""
    row = session.execute(
        select(PatientTier)
        .where(PatientTier.patient_id == patient_id, PatientTier.assigned_on <= on)
        .order_by(PatientTier.assigned_on.desc(), PatientTier.id.desc())
        .limit(1)
    ).scalar()
    if row is None or row.tier_id is None:
        return None
    return row, session.get(FeeTier, row.tier_id)


def tier_fee(tier: FeeTier, amounts: dict[str, int], code: str, units: int, charge: int) -> int:
    """What the tier charges for a line: its own fee for the code per unit, else the standard
    charge less the percent (rounded half up to the cent); never more than the charge."""
    if code in amounts:
        return min(amounts[code] * units, charge)
    off = (Decimal(charge) * tier.percent_off_bp / 10000).quantize(Decimal(1), ROUND_HALF_UP)
    return charge - int(off)


@dataclass(frozen=True)
class TierApplied:
    tier: str
    standard_cents: int
    tier_cents: int
    review_overdue: date | None  # the review date, when it has passed


def apply_tier(session, encounter: Encounter) -> TierApplied | None:
    """Charge a self-pay session at the patient's tier: write off the difference."""
    if encounter.policy_id is not None or encounter.package_id is not None:
        return None
    if encounter.status == "void" or encounter.template == "membership":
        return None
    found = current_tier(session, encounter.patient_id, encounter.service_date)
    if found is None:
        return None
    assignment, tier = found
    if session.execute(
        select(TierDiscount.id).where(TierDiscount.encounter_id == encounter.id)
    ).first():
        return None
    amounts = tier_amounts(session, tier.id)
    units = dict(
        session.execute(
            select(ServiceLine.id, ServiceLine.units).where(
                ServiceLine.encounter_id == encounter.id
            )
        ).all()
    )
    standard = discount = 0
    for line in ledger.line_details(session, encounter_id=encounter.id):
        fee = tier_fee(tier, amounts, line.code, units[line.service_line_id], line.charge)
        off = min(line.charge - fee, max(line.balance, 0))
        standard += line.charge
        if off > 0:
            discount += off
            session.add(
                LedgerEntry(
                    service_line_id=line.service_line_id,
                    kind=ADJUSTMENT,
                    amount_cents=off,
                    effective_date=encounter.service_date,
                    reason_code=TIER_REASON,
                    note=f"sliding scale: {tier.name}",
                )
            )
    added(
        session,
        TierDiscount(
            encounter_id=encounter.id,
            tier_id=tier.id,
            standard_cents=standard,
            discount_cents=discount,
        ),
    )
    overdue = assignment.review_by
    late = overdue if overdue is not None and overdue < encounter.service_date else None
    return TierApplied(tier.name, standard, standard - discount, late)


def tier_list(session) -> list[dict]:
    from clinicbill.domain.money import fmt

    rows = []
    for tier in session.execute(select(FeeTier).order_by(FeeTier.id)).scalars():
        amounts = tier_amounts(session, tier.id)
        rows.append(
            {
                "id": tier.id,
                "name": tier.name,
                "percent_off": f"{Decimal(tier.percent_off_bp) / 100:g}%"
                if tier.percent_off_bp
                else "",
                "code_fees": ", ".join(f"{c} {fmt(a)}" for c, a in sorted(amounts.items())),
            }
        )
    return rows


def patients_on_tiers(session, on: date) -> list[dict]:
    """Each patient's tier in force on `on`, with proof and review dates (overdue flagged)."""
    from clinicbill.store.models import Patient

    rows = session.execute(
        select(PatientTier, FeeTier.name, Patient.account_number)
        .outerjoin(FeeTier, FeeTier.id == PatientTier.tier_id)
        .join(Patient, Patient.id == PatientTier.patient_id)
        .where(PatientTier.assigned_on <= on)
        .order_by(PatientTier.assigned_on, PatientTier.id)
    ).all()
    latest = {row.patient_id: (row, name, account) for row, name, account in rows}
    rows = sorted((x for x in latest.values() if x[0].tier_id is not None), key=lambda x: x[2])
    return [
        {
            "patient": account,
            "tier": name,
            "since": row.assigned_on,
            "proof_seen": row.proof_seen_on,
            "review_by": row.review_by or "",
            "review": "OVERDUE" if row.review_by and row.review_by < on else "",
        }
        for row, name, account in rows
    ]


def discount_by_tier_section(session, date_from: date, date_to: date):
    """`report revenue`: the sliding-scale discount given per tier, by date of service (None
    when no tier discount was given in the period)."""
    from clinicbill.domain.reports.table import COUNT, MONEY, Column, Section, column_totals

    rows = session.execute(
        select(
            FeeTier.name,
            func.count(TierDiscount.id),
            func.sum(TierDiscount.standard_cents),
            func.sum(TierDiscount.discount_cents),
        )
        .join(FeeTier, FeeTier.id == TierDiscount.tier_id)
        .join(Encounter, Encounter.id == TierDiscount.encounter_id)
        .where(Encounter.service_date.between(date_from, date_to), Encounter.status != "void")
        .group_by(FeeTier.name)
        .order_by(FeeTier.name)
    ).all()
    if not rows:
        return None
    body = tuple(
        (name, int(n), int(std), int(off), int(std) - int(off)) for name, n, std, off in rows
    )
    total = ("Total", *column_totals(body, range(1, 5)))
    return Section(
        key="tiers",
        title="Sliding-scale discount by tier",
        columns=(
            Column("tier", "Tier"),
            Column("sessions", "Sessions", COUNT),
            Column("standard", "Standard fees", MONEY),
            Column("discount", "Discount", MONEY),
            Column("charged", "Charged at tier", MONEY),
        ),
        rows=body,
        total=total,
    )
