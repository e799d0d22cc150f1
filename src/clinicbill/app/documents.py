"""Document use cases: build a superbill, statement, receipt or Good Faith Estimate, draw it
and write it where `-o` says (store/files.py: 0600, never over a file unless `force`).

Each returns the document it drew and the written target (`label`, `to_stdout`, `str()` the
path) plus any warnings; none prints.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from clinicbill.domain.errors import ClinicbillError


@dataclass(frozen=True)
class Written:
    # what was drawn (domain/documents/superbill_data.py, account.py, estimates.py)
    doc: object
    target: object  # store.files.Output
    warnings: list[str] = field(default_factory=list)


def superbill_name(doc, session_id: int | None, ranged: bool) -> str:
    """One name per scope, so a session's, a range's and the latest day's superbill never
    share a file: DATE, DATE-session-N, FIRST_LAST (even when FIRST is LAST)."""
    start = doc.from_date.isoformat()
    if session_id is not None:
        span = f"{start}-session-{session_id}"
    elif ranged:
        span = f"{start}_{doc.to_date.isoformat()}"
    else:
        span = start if doc.to_date == doc.from_date else f"{start}_{doc.to_date.isoformat()}"
    return f"superbill-{doc.patient.account_number}-{span}.pdf"


def check_superbill_scope(session_id: int | None, from_date, to_date) -> None:
    if session_id is not None and (from_date or to_date):
        raise ClinicbillError(
            "session: --session and --from/--to were both given", "give one or the other"
        )


def write_superbill(
    session,
    patient: str,
    session_id: int | None = None,
    from_date: date | None = None,
    to_date: date | None = None,
    output: str | None = None,
    force: bool = False,
) -> Written:
    """A superbill for one session, a date range, or (neither) the latest day of service."""
    from clinicbill.domain.documents.superbill_data import superbill
    from clinicbill.domain.practice.lookup import find_patient
    from clinicbill.formats.superbill import render_superbill
    from clinicbill.store.files import resolve_output

    check_superbill_scope(session_id, from_date, to_date)
    row = find_patient(session, patient)
    doc = superbill(session, row, encounter_id=session_id, from_date=from_date, to_date=to_date)
    name = superbill_name(doc, session_id, ranged=bool(from_date or to_date))
    target = resolve_output(output, name, force=force)
    render_superbill(doc, target)
    return Written(doc, target)


def write_statement(
    session, patient: str, as_of: date | None = None, output=None, force=False
) -> Written:
    """A patient statement as of a day (default today), with estimate warnings."""
    from clinicbill.domain.documents.account import statement
    from clinicbill.domain.documents.estimates import estimate_warnings
    from clinicbill.domain.practice.lookup import find_patient
    from clinicbill.formats.statement import render_statement
    from clinicbill.store.files import resolve_output

    row = find_patient(session, patient)
    doc = statement(session, row, as_of)
    warnings = estimate_warnings(session, row.id)
    name = f"statement-{doc.patient.account_number}-{doc.as_of.isoformat()}.pdf"
    target = resolve_output(output, name, force=force)
    render_statement(doc, target)
    return Written(doc, target, list(warnings))


def write_receipt(session, payment_id: str, output=None, force=False) -> Written:
    from clinicbill.domain.documents.account import receipt
    from clinicbill.formats.receipt import render_receipt
    from clinicbill.store.files import resolve_output

    doc = receipt(session, payment_id)
    target = resolve_output(output, f"receipt-{doc.payment.id}.pdf", force=force)
    render_receipt(doc, target)
    return Written(doc, target)


def create_estimate(
    session,
    patient: str,
    codes: list[str],
    visits: int = 1,
    service_date: date | None = None,
    provider: str | None = None,
    diagnoses: list[str] | None = None,
    service: str | None = None,
    frequency: str | None = None,
    output=None,
    force=False,
) -> Written:
    """Store a Good Faith Estimate and write its PDF."""
    from clinicbill.domain.documents.estimates import create_estimate as store_estimate
    from clinicbill.domain.documents.estimates import estimate_document
    from clinicbill.domain.practice.lookup import find_patient, find_provider
    from clinicbill.formats.estimate import render_estimate
    from clinicbill.store.files import resolve_output

    row = find_patient(session, patient)
    estimate, warnings = store_estimate(
        session,
        row,
        codes=list(codes),
        visits=visits,
        provider=find_provider(session, provider) if provider else None,
        service_date=service_date,
        diagnoses=list(diagnoses or []),
        primary_service=service,
        frequency=frequency,
    )
    doc = estimate_document(session, estimate)
    target = resolve_output(output, f"estimate-{estimate.id}.pdf", force=force)
    render_estimate(doc, target)
    return Written(doc, target, list(warnings))


def compare_estimates(session, patient: str | None = None) -> list:
    """Estimates (one patient's or all) with what was billed since
    (domain/documents/estimates.py)."""
    from clinicbill.domain.documents.estimates import compare_estimates as compare
    from clinicbill.domain.practice.lookup import find_patient

    return compare(session, find_patient(session, patient).id if patient else None)


def _estimate(session, estimate_id: str):
    from clinicbill.domain.practice.lookup import get_or_refuse
    from clinicbill.store.models import Estimate

    return get_or_refuse(session, Estimate, estimate_id, "estimate")


def show_estimate(session, estimate_id: str) -> tuple[object, object]:
    """(the estimate's document, its comparison with what was billed)."""
    from clinicbill.domain.documents.estimates import compare_estimates as compare
    from clinicbill.domain.documents.estimates import estimate_document

    estimate = _estimate(session, estimate_id)
    doc = estimate_document(session, estimate)
    comparison = next(c for c in compare(session, estimate.patient_id) if c.id == estimate.id)
    return doc, comparison


def write_estimate_pdf(session, estimate_id: str, output=None, force=False) -> Written:
    """A stored estimate's PDF again (it is kept for six years)."""
    from clinicbill.domain.documents.estimates import estimate_document
    from clinicbill.formats.estimate import render_estimate
    from clinicbill.store.files import resolve_output

    estimate = _estimate(session, estimate_id)
    target = resolve_output(output, f"estimate-{estimate.id}.pdf", force=force)
    doc = estimate_document(session, estimate)
    render_estimate(doc, target)
    return Written(doc, target)


def latest_patient_payment(session) -> int | None:
    """The newest patient payment's id (the demo prints its receipt)."""
    from sqlalchemy import select

    from clinicbill.store.models import Payment

    return session.execute(
        select(Payment.id)
        .where(Payment.source == "patient", Payment.kind == "payment")
        .order_by(Payment.id.desc())
        .limit(1)
    ).scalar()
