"""Payment use cases that read: payments and refunds with how much of each is applied."""

from __future__ import annotations

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

    from clinicbill.domain.lookup import find_patient
    from clinicbill.store.models import LedgerEntry, Patient, Payment

    check_source(source)
    applied = (
        select(LedgerEntry.payment_id, func.sum(LedgerEntry.amount_cents).label("used"))
        .where(LedgerEntry.payment_id.is_not(None))
        .group_by(LedgerEntry.payment_id)
        .subquery()
    )
    query = (
        select(Payment, Patient.account_number, func.coalesce(applied.c.used, 0))
        .outerjoin(Patient, Patient.id == Payment.patient_id)
        .outerjoin(applied, applied.c.payment_id == Payment.id)
        .order_by(Payment.received_on.desc(), Payment.id.desc())
        .limit(limit)
    )
    if patient:
        query = query.where(Payment.patient_id == find_patient(session, patient).id)
    if source:
        query = query.where(Payment.source == source)
    if start:
        query = query.where(Payment.received_on >= start)
    if end:
        query = query.where(Payment.received_on <= end)
    return [tuple(row) for row in session.execute(query).all()]
