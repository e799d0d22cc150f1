"""Statement and receipt data: what a patient owes and what they paid (SPEC §4.7, DOMAIN.md
§14, §15). Balances come from the ledger (domain/ledger/balances.py); a fixed number of queries
each."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import func, or_, select

from clinicbill.domain.documents.superbill_data import (
    PatientBlock,
    PracticeBlock,
    code_descriptions,
    patient_block,
    practice_block,
    providers_by_id,
)
from clinicbill.domain.errors import ClinicbillError
from clinicbill.domain.fields import from_row
from clinicbill.domain.reports.aging.query import BUCKET_LABELS, bucket_index
from clinicbill.store.models import Encounter, LedgerEntry, Payment, ServiceLine

RECENT_PAYMENT_DAYS = 90
METHOD_LABELS = {
    "cash": "Cash",
    "card": "Card",
    "check": "Check",
    "hsa": "HSA card",
    "fsa": "FSA card",
    "eft": "Electronic transfer",
    "ach": "ACH transfer",
}


def bucket_label(age_days: int) -> str:
    """The aging bucket (domain/reports/aging/query.py's, DOMAIN.md §14) of a balance `age_days`
    old."""
    return BUCKET_LABELS[bucket_index(age_days)]


def bucket_labels() -> tuple[str, ...]:
    return BUCKET_LABELS


# --- statement -----------------------------------------------------------------------------


@dataclass(frozen=True)
class StatementLine:
    service_date: date
    provider: str
    code: str
    description: str
    charge: int
    insurance_paid: int
    patient_paid: int
    adjusted: int
    balance: int
    patient_due: int  # the part the patient owes now
    pending_insurance: int  # still with the payer (not yet answered)
    # an overpaid line (negative balance) owes nothing: patient_due = pending_insurance = 0
    age_days: int


@dataclass(frozen=True)
class PaymentEntry:
    id: int
    received_on: date
    method: str
    reference: str | None
    amount: int  # negative for a refund


@dataclass(frozen=True)
class Statement:
    practice: PracticeBlock
    patient: PatientBlock
    as_of: date
    lines: tuple[StatementLine, ...]
    payments: tuple[PaymentEntry, ...]
    aging: tuple[tuple[str, int], ...]  # patient-due balance per bucket
    balance: int
    pending_insurance: int
    patient_due: int
    credit: int
    installments: tuple = ()  # payment-plan installments due, late or next (InstallmentState)

    @property
    def amount_due(self) -> int:
        return max(0, self.patient_due - self.credit)

    @property
    def payments_total(self) -> int:
        return sum(p.amount for p in self.payments)


def statement(session, patient, as_of: date | None = None) -> Statement:
    """Open balances by date of service as of a date: nothing posted later counts. Who owes
    each balance is the one rule of domain/ledger/responsibility.py (through
    domain/ledger/balances.py
    responsibility_query, as the aging sees it): the patient for self-pay visits and for
    lines the payer has answered; the payer until then. Buckets are the aging's."""
    from clinicbill.domain.ledger.balances import patient_credit, responsibility_query

    as_of = as_of or date.today()
    own = select(ServiceLine.id).join(Encounter).where(Encounter.patient_id == patient.id)
    resp = responsibility_query(as_of, lines=own).subquery("resp")
    rows = session.execute(
        select(resp, Encounter.provider_id, ServiceLine.description)
        .join(Encounter, Encounter.id == resp.c.encounter_id)
        .join(ServiceLine, ServiceLine.id == resp.c.service_line_id)
        .where(resp.c.patient_id == patient.id, resp.c.balance != 0)
        .order_by(resp.c.service_date, resp.c.encounter_id, resp.c.line_number)
    ).all()
    lines = _statement_lines(session, rows, as_of)
    aging = dict.fromkeys(bucket_labels(), 0)
    for line in lines:
        aging[bucket_label(line.age_days)] += line.patient_due
    return Statement(
        practice=practice_block(session),
        patient=patient_block(session, patient, on=as_of),
        as_of=as_of,
        lines=tuple(lines),
        payments=tuple(_payment_entry(p) for p in _recent_payments(session, patient.id, as_of)),
        aging=tuple(aging.items()),
        balance=sum(x.balance for x in lines),
        pending_insurance=sum(x.pending_insurance for x in lines),
        patient_due=sum(x.patient_due for x in lines),
        credit=patient_credit(session, patient.id, as_of),
        installments=tuple(_installments(session, patient.id, as_of)),
    )


def _service_columns(row, providers, words) -> dict:
    """What a statement or receipt line says of its service: date, provider, code and words
    (the line's own description, else the catalog's)."""
    return dict(
        service_date=row.service_date,
        provider=providers[row.provider_id].display_name,
        code=row.code,
        description=row.description or words.get(row.code, ""),
    )


def _statement_lines(session, rows, as_of: date) -> list[StatementLine]:
    """The open lines as printed, each with its age on the statement date."""
    providers = providers_by_id(session, (r.provider_id for r in rows))
    words = code_descriptions(session, (r.code for r in rows if not r.description))
    return [
        from_row(  # charge, paid, adjusted, balance, patient due: the row's own
            StatementLine,
            r,
            **_service_columns(r, providers, words),
            pending_insurance=r.insurance_due,
            age_days=(as_of - r.service_date).days,
        )
        for r in rows
    ]


def _recent_payments(session, patient_id: int, as_of: date):
    """The patient's own payments of the last RECENT_PAYMENT_DAYS up to the statement date."""
    return session.execute(
        select(Payment)
        .where(
            Payment.patient_id == patient_id,
            Payment.source == "patient",
            Payment.received_on <= as_of,
            Payment.received_on > as_of - timedelta(days=RECENT_PAYMENT_DAYS),
        )
        .order_by(Payment.received_on, Payment.id)
    ).scalars()


def _installments(session, patient_id: int, as_of: date):
    from clinicbill.domain.selfpay.payment_plans import statement_installments

    return statement_installments(session, patient_id, as_of)


def _payment_entry(payment: Payment) -> PaymentEntry:
    sign = -1 if payment.kind == "refund" else 1
    return PaymentEntry(
        id=payment.id,
        received_on=payment.received_on,
        method=METHOD_LABELS.get(payment.method, payment.method),
        reference=payment.reference,
        amount=sign * payment.amount_cents,
    )


# --- receipt -------------------------------------------------------------------------------

HSA_YES = "Yes"
HSA_WITH_LMN = "Yes, with a letter of medical necessity"
HSA_LMN_ON_FILE = "Yes (medical necessity on file)"
HSA_NO = "No"
HSA_ASK = "Ask your plan"


@dataclass(frozen=True)
class ReceiptLine:
    service_date: date
    provider: str
    code: str
    description: str
    amount: int  # applied from this payment
    hsa: str  # one of the HSA_* wordings


@dataclass(frozen=True)
class Receipt:
    practice: PracticeBlock
    patient: PatientBlock
    payment: PaymentEntry
    is_refund: bool
    lines: tuple[ReceiptLine, ...]
    unapplied: int  # kept as a credit on the account
    package: str | None  # "10 massages" when the payment bought a package
    medical_necessity: str | None  # "referral from Dr ... dated ..." when on file

    @property
    def hsa_eligible_total(self) -> int:
        return sum(x.amount for x in self.lines if x.hsa in (HSA_YES, HSA_LMN_ON_FILE))


def hsa_wording(code: str, necessity_on_file: bool) -> str:
    """HSA/FSA eligibility per the code catalog (IRS Pub. 502, DOMAIN.md §15): acupuncture is
    eligible; massage when it treats a condition, with a letter of medical necessity."""
    from clinicbill.domain.codesets.cpt import entry

    item = entry(code)
    if item is None:
        return HSA_ASK
    if item.hsa_eligible is True:
        return HSA_YES
    if item.hsa_eligible is False:
        return HSA_NO
    return HSA_LMN_ON_FILE if necessity_on_file else HSA_WITH_LMN


def _medical_necessity(session, patient_id: int, on: date) -> str | None:
    """A physician's referral/prescription in effect on the date, as the plan administrator's
    letter of medical necessity (DOMAIN.md §15)."""
    from clinicbill.store.models import Referral

    ref = session.execute(
        select(Referral)
        .where(
            Referral.patient_id == patient_id,
            Referral.referral_date <= on,
            or_(Referral.expires_on.is_(None), Referral.expires_on >= on),
        )
        .order_by(Referral.referral_date.desc())
        .limit(1)
    ).scalar()
    if ref is None:
        return None
    return f"referral from {ref.first_name} {ref.last_name} dated {ref.referral_date:%m/%d/%Y}"


def _applied_lines(session, payment_id: int):
    """The service lines a payment was applied to, with the net amount (none netted to 0)."""
    rows = session.execute(
        select(
            Encounter.service_date,
            Encounter.provider_id,
            ServiceLine.code,
            ServiceLine.description,
            func.sum(LedgerEntry.amount_cents).label("amount"),
        )
        .join(ServiceLine, ServiceLine.id == LedgerEntry.service_line_id)
        .join(Encounter, Encounter.id == ServiceLine.encounter_id)
        .where(LedgerEntry.payment_id == payment_id)
        .group_by(
            ServiceLine.id,
            Encounter.service_date,
            Encounter.provider_id,
            ServiceLine.code,
            ServiceLine.description,
        )
        .order_by(Encounter.service_date, ServiceLine.id)
    ).all()
    return [r for r in rows if r.amount != 0]


def receipt(session, payment_id: int) -> Receipt:
    """A patient payment (or refund) with the services it paid for."""
    from clinicbill.domain.practice.lookup import get_or_refuse
    from clinicbill.store.models import Package, Patient

    payment = get_or_refuse(session, Payment, payment_id, "payment")
    if payment.source != "patient" or payment.patient_id is None:
        raise ClinicbillError(
            f"payment: {payment.id} is an insurance payment",
            "receipts are for patient payments; see 'clinicbill payment list'",
        )
    patient = session.get(Patient, payment.patient_id)
    rows = _applied_lines(session, payment.id)
    providers = providers_by_id(session, (r.provider_id for r in rows))
    words = code_descriptions(session, (r.code for r in rows if not r.description))
    necessity = _medical_necessity(session, patient.id, payment.received_on)
    package = session.execute(
        select(Package.name).where(Package.payment_id == payment.id).limit(1)
    ).scalar()
    entry = _payment_entry(payment)
    applied = sum(r.amount for r in rows)
    return Receipt(
        practice=practice_block(session),
        patient=patient_block(session, patient, on=payment.received_on),
        payment=entry,
        is_refund=payment.kind == "refund",
        lines=tuple(
            ReceiptLine(
                **_service_columns(r, providers, words),
                amount=r.amount,
                hsa=hsa_wording(r.code, necessity is not None),
            )
            for r in rows
        ),
        unapplied=0 if payment.kind == "refund" else payment.amount_cents - applied,
        package=package,
        medical_necessity=necessity,
    )
