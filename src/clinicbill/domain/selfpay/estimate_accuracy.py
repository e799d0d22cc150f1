"""How good the check-in estimates are: what `session add` told insured patients to pay
(VisitEstimate, domain/selfpay/insured_estimate.py) against the patient responsibility the
payer's remittance set, per payer (`report estimates`)."""

from __future__ import annotations

from datetime import date

from sqlalchemy import case, func, select

from clinicbill.domain.ledger.balances import INSURANCE_PAYMENT, PATIENT_RESPONSIBILITY
from clinicbill.domain.reports.table import COUNT, MONEY, PAYER, Column, Report, Section
from clinicbill.store.models import Encounter, LedgerEntry, Payer, ServiceLine, VisitEstimate

CLOSE_CENTS = 500  # an estimate within $5 of the actual counts as close


def estimate_pairs(session, date_from: date, date_to: date) -> dict[str, list[tuple[int, int]]]:
    """payer name -> (estimated, actual) cents of each estimated visit in the period whose
    claim the payer has answered (an insurance posting or a patient-responsibility entry)."""
    answered = (
        select(
            ServiceLine.encounter_id.label("encounter_id"),
            func.sum(
                case(
                    (LedgerEntry.kind == PATIENT_RESPONSIBILITY, LedgerEntry.amount_cents), else_=0
                )
            ).label("actual"),
        )
        .join(LedgerEntry, LedgerEntry.service_line_id == ServiceLine.id)
        .where(LedgerEntry.kind.in_((INSURANCE_PAYMENT, PATIENT_RESPONSIBILITY)))
        .group_by(ServiceLine.encounter_id)
        .subquery()
    )
    rows = session.execute(
        select(Payer.name, VisitEstimate.estimate_cents, answered.c.actual)
        .join(answered, answered.c.encounter_id == VisitEstimate.encounter_id)
        .join(Encounter, Encounter.id == VisitEstimate.encounter_id)
        .join(Payer, Payer.id == VisitEstimate.payer_id)
        .where(Encounter.service_date.between(date_from, date_to), Encounter.status != "void")
    ).all()
    by_payer: dict[str, list[tuple[int, int]]] = {}
    for name, estimate, actual in rows:
        by_payer.setdefault(name, []).append((int(estimate), int(actual or 0)))
    return by_payer


def accuracy_row(name: str, pairs: list[tuple[int, int]]) -> tuple:
    off = [abs(e - a) for e, a in pairs]
    return (
        name,
        len(pairs),
        sum(e for e, _a in pairs),
        sum(a for _e, a in pairs),
        sum(a - e for e, a in pairs),
        sum(off) // len(pairs),
        sum(1 for d in off if d <= CLOSE_CENTS),
    )


def estimate_accuracy_report(session, date_from: date, date_to: date) -> Report:
    """Estimated vs actual patient share per payer, visits dated in the period."""
    from clinicbill.domain.reports.revenue import period

    by_payer = estimate_pairs(session, date_from, date_to)
    section = Section(
        key="estimates",
        title="Estimated vs actual patient share, by payer",
        columns=(
            PAYER,
            Column("visits", "Visits", COUNT),
            Column("estimated", "Estimated", MONEY),
            Column("actual", "Actual (PR)", MONEY),
            Column("difference", "Actual - estimated", MONEY),
            Column("mean_miss", "Mean miss per visit", MONEY),
            Column("within_5", "Within $5", COUNT),
        ),
        rows=tuple(accuracy_row(name, by_payer[name]) for name in sorted(by_payer)),
        empty="no estimated visit has been adjudicated in this period",
    )
    return Report(
        name="estimates",
        title="Estimate accuracy",
        parameters=period(date_from, date_to),
        sections=(section,),
        notes=(
            "Estimated: what session add said to collect at check-in (from the verification "
            "note). Actual: the patient responsibility (PR) the payer's remittance set.",
        ),
    )
