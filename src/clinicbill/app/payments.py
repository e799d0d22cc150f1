"""Payment use cases that read: payments and refunds with how much of each is applied."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from clinicbill.domain.errors import ClinicbillError

SOURCES = ("patient", "insurance")


def check_source(source: str | None) -> str | None:
    if source not in (None, *SOURCES):
        raise ClinicbillError(f"source: '{source[:20]}' is not a source", "patient or insurance")
    return source


def list_payments(
    session,
    patient: str | None = None,
    source: str | None = None,
    start: date | None = None,
    end: date | None = None,
    limit: int = 200,
) -> list[tuple]:
    """(payment, patient account or None, cents applied) rows, newest first."""
    from sqlalchemy import func, select

    from clinicbill.domain.practice.lookup import find_patient
    from clinicbill.store.models import LedgerEntry, Patient, Payment

    check_source(source)
    used = (
        select(func.coalesce(func.sum(LedgerEntry.amount_cents), 0))
        .where(LedgerEntry.payment_id == Payment.id)
        .scalar_subquery()
    )
    wanted = [
        (patient, lambda: Payment.patient_id == find_patient(session, patient).id),
        (source, lambda: Payment.source == source),
        (start, lambda: Payment.received_on >= start),
        (end, lambda: Payment.received_on <= end),
    ]
    query = (
        select(Payment, Patient.account_number, used)
        .outerjoin(Patient, Patient.id == Payment.patient_id)
        .where(*[condition() for given, condition in wanted if given])
        .order_by(Payment.received_on.desc(), Payment.id.desc())
        .limit(limit)
    )
    return [tuple(row) for row in session.execute(query).all()]


@dataclass(frozen=True)
class Taken:
    account_number: str
    result: object  # domain.payments' result: payment, applied lines, credit


def take_payment(
    session,
    patient: str,
    cents: int,
    method: str,
    on: date,
    reference: str | None = None,
    session_id: int | None = None,
    note: str | None = None,
) -> Taken:
    """A patient payment applied to the oldest open patient balance (or one session); any
    overpayment stays on the account as credit."""
    from clinicbill.domain.ledger.payments import add_patient_payment
    from clinicbill.domain.practice.lookup import find_patient

    row = find_patient(session, patient)
    result = add_patient_payment(
        session, row, cents, method, on, reference, encounter_id=session_id, note=note
    )
    return Taken(row.account_number, result)


def apply_credit(session, patient: str, on: date, session_id: int | None = None):
    """Apply a patient's credit to their open balances, oldest first (or one session)."""
    from clinicbill.domain.ledger.payments import apply_credit as apply
    from clinicbill.domain.practice.lookup import find_patient

    return apply(session, find_patient(session, patient), on, encounter_id=session_id)


def post_paper_eob(session, claim: str, lines: list, on: date, **details) -> tuple:
    """(the posting outcome, the claim) of a paper EOB posted line by line like an 835."""
    from clinicbill.domain.claims.build import get_claim
    from clinicbill.domain.remittance.eob import post_eob

    row = get_claim(session, claim)
    return post_eob(session, row, lines, paid_on=on, **details), row


def adjust_balance(
    session,
    patient: str,
    cents: int,
    reason: str | None,
    on: date,
    session_id: int | None = None,
    line: int | None = None,
    note: str | None = None,
) -> list:
    """Write off part of a balance (a line, a session, or the oldest); the lines adjusted."""
    from clinicbill.domain.ledger.payments import add_adjustment
    from clinicbill.domain.practice.lookup import find_patient

    row = find_patient(session, patient)
    return add_adjustment(session, row, cents, reason, on, session_id, line, note=note)


@dataclass(frozen=True)
class Refunded:
    refund_id: int
    account_number: str
    credit_cents: int  # the credit left after it


def refund_credit(
    session, patient: str, cents: int, method: str, on: date, reference=None, note=None
) -> Refunded:
    """Refund a patient's credit (at most the credit on the account)."""
    from clinicbill.domain.ledger.balances import patient_credit
    from clinicbill.domain.ledger.payments import add_refund
    from clinicbill.domain.practice.lookup import find_patient

    row = find_patient(session, patient)
    payment = add_refund(session, row, cents, method, on, reference, note)
    return Refunded(payment.id, row.account_number, patient_credit(session, row.id))


@dataclass(frozen=True)
class Balances:
    account_number: str
    lines: list  # domain.ledger line details
    credit_cents: int
    totals: dict  # the lines' sums: charge, paid, adjusted, balance, insurance/patient due


def balances(session, patient: str, claim: str | None = None, everything=False) -> Balances:
    """Balances per service line (open ones unless `everything`), one claim's or all."""
    from clinicbill.domain.claims.build import get_claim
    from clinicbill.domain.ledger import balances as ledger
    from clinicbill.domain.practice.lookup import find_patient

    row = find_patient(session, patient)
    claim_id = get_claim(session, claim).id if claim else None
    lines = ledger.line_details(
        session, patient_id=row.id, claim_id=claim_id, open_only=not everything
    )
    credit = ledger.patient_credit(session, row.id)
    return Balances(row.account_number, lines, credit, ledger.totals(lines))
