"""Balances, derived from ledger entries; the charge = paid + adjustments + balance invariant.

Every service line's balance is its charge minus the entries that reduce it. Nothing stores a
balance, so nothing can drift. All sums run in SQL.

Entry kinds (store/models/billing.py LedgerEntry):
- insurance_payment, patient_payment, adjustment: reduce the balance (negative amounts reverse)
- patient_responsibility: moves part of the balance to the patient (PR); does not reduce it
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import case, func, select

from clinicbill.domain.errors import ClinicbillError
from clinicbill.store.models import Encounter, LedgerEntry, Payment, ServiceLine

INSURANCE_PAYMENT = "insurance_payment"
PATIENT_PAYMENT = "patient_payment"
ADJUSTMENT = "adjustment"
PATIENT_RESPONSIBILITY = "patient_responsibility"
REDUCING_KINDS = (INSURANCE_PAYMENT, PATIENT_PAYMENT, ADJUSTMENT)
KINDS = (*REDUCING_KINDS, PATIENT_RESPONSIBILITY)


def _sum_kind(kind: str):
    return func.coalesce(
        func.sum(case((LedgerEntry.kind == kind, LedgerEntry.amount_cents), else_=0)), 0
    )


def line_totals(as_of: date | None = None):
    """A subquery: per service line with postings, the sums by kind up to `as_of`.

    Columns: service_line_id, insurance_paid, patient_paid, adjusted, patient_responsibility.
    """
    query = select(
        LedgerEntry.service_line_id.label("service_line_id"),
        _sum_kind(INSURANCE_PAYMENT).label("insurance_paid"),
        _sum_kind(PATIENT_PAYMENT).label("patient_paid"),
        _sum_kind(ADJUSTMENT).label("adjusted"),
        _sum_kind(PATIENT_RESPONSIBILITY).label("patient_responsibility"),
    ).group_by(LedgerEntry.service_line_id)
    if as_of is not None:
        query = query.where(LedgerEntry.effective_date <= as_of)
    return query.subquery("line_totals")


def line_balance_query(as_of: date | None = None):
    """Select per service line: id, charge, paid/adjusted sums and balance (SQL only)."""
    totals = line_totals(as_of)
    paid_ins = func.coalesce(totals.c.insurance_paid, 0)
    paid_pat = func.coalesce(totals.c.patient_paid, 0)
    adjusted = func.coalesce(totals.c.adjusted, 0)
    return select(
        ServiceLine.id.label("service_line_id"),
        ServiceLine.charge_cents.label("charge"),
        paid_ins.label("insurance_paid"),
        paid_pat.label("patient_paid"),
        adjusted.label("adjusted"),
        func.coalesce(totals.c.patient_responsibility, 0).label("patient_responsibility"),
        (ServiceLine.charge_cents - paid_ins - paid_pat - adjusted).label("balance"),
    ).outerjoin(totals, totals.c.service_line_id == ServiceLine.id)


@dataclass(frozen=True)
class LineBalance:
    service_line_id: int
    charge: int
    insurance_paid: int
    patient_paid: int
    adjusted: int
    patient_responsibility: int
    balance: int

    def holds(self) -> bool:
        """charge = insurance paid + patient paid + adjustments + balance, to the cent."""
        return self.charge == (
            self.insurance_paid + self.patient_paid + self.adjusted + self.balance
        )


def line_balance(session, service_line_id: int, as_of: date | None = None) -> LineBalance:
    row = session.execute(
        line_balance_query(as_of).where(ServiceLine.id == service_line_id)
    ).one_or_none()
    if row is None:
        raise ClinicbillError(f"line: no service line {service_line_id}", "check the line id")
    return LineBalance(**row._mapping)


def line_balances(session, line_ids, as_of: date | None = None) -> dict[int, LineBalance]:
    ids = list(line_ids)
    if not ids:
        return {}
    rows = session.execute(line_balance_query(as_of).where(ServiceLine.id.in_(ids))).all()
    return {r.service_line_id: LineBalance(**r._mapping) for r in rows}


def assert_line_invariant(session, service_line_id: int) -> LineBalance:
    """The ledger invariant, checked in one place. A posting that would overdraw a line (a
    negative balance) or un-pay it below zero is refused by the posting code before this."""
    balance = line_balance(session, service_line_id)
    if not balance.holds():  # pragma: no cover - arithmetic identity; guards future edits
        raise ClinicbillError(f"ledger: line {service_line_id} does not balance", "report a bug")
    return balance


def patient_credit(session, patient_id: int, as_of: date | None = None) -> int:
    """Unapplied patient money: payments minus what was applied to lines, minus refunds."""
    received = select(func.coalesce(func.sum(Payment.amount_cents), 0)).where(
        Payment.patient_id == patient_id, Payment.source == "patient"
    )
    applied = (
        select(func.coalesce(func.sum(LedgerEntry.amount_cents), 0))
        .join(Payment, Payment.id == LedgerEntry.payment_id)
        .where(Payment.patient_id == patient_id, Payment.source == "patient")
    )
    if as_of is not None:
        received = received.where(Payment.received_on <= as_of)
        applied = applied.where(LedgerEntry.effective_date <= as_of)
    return int(session.execute(received).scalar()) - int(session.execute(applied).scalar())


def patient_summary(session, patient) -> dict:
    """Totals for `patient show`: charges, payments, adjustments, balance, credit."""
    lines = (
        line_balance_query()
        .join(Encounter, Encounter.id == ServiceLine.encounter_id)
        .where(Encounter.patient_id == patient.id, Encounter.status != "void")
        .subquery()
    )
    row = session.execute(
        select(
            func.coalesce(func.sum(lines.c.charge), 0),
            func.coalesce(func.sum(lines.c.insurance_paid), 0),
            func.coalesce(func.sum(lines.c.patient_paid), 0),
            func.coalesce(func.sum(lines.c.adjusted), 0),
            func.coalesce(func.sum(lines.c.balance), 0),
        )
    ).one()
    from clinicbill.domain.money import fmt

    charged, ins, pat, adj, bal = (int(x) for x in row)
    return {
        "charged": fmt(charged),
        "insurance_paid": fmt(ins),
        "patient_paid": fmt(pat),
        "adjusted": fmt(adj),
        "balance": fmt(bal),
        "credit": fmt(patient_credit(session, patient.id)),
    }
