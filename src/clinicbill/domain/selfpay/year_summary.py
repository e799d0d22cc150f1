"""The year-end HSA/FSA summary: each payment a patient made in a year, with the services it
paid for and whether each is eligible (IRS Publication 502 per the code catalog; massage only
with a letter of medical necessity on file: domain/account_documents.hsa_wording). A patient
gives it to their HSA or FSA administrator."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select

from clinicbill.domain.documents.account import HSA_LMN_ON_FILE, HSA_YES, Receipt, receipt
from clinicbill.domain.documents.superbill_data import (
    PatientBlock,
    PracticeBlock,
    patient_block,
    practice_block,
)
from clinicbill.domain.errors import ClinicbillError
from clinicbill.store.models import Patient, Payment


@dataclass(frozen=True)
class YearSummary:
    practice: PracticeBlock
    patient: PatientBlock
    year: int
    receipts: tuple[Receipt, ...]  # every payment and refund received in the year

    @property
    def paid(self) -> int:
        return sum(r.payment.amount for r in self.receipts)

    @property
    def eligible(self) -> int:
        sign = {False: 1, True: -1}
        return sum(
            sign[r.is_refund] * x.amount
            for r in self.receipts
            for x in r.lines
            if x.hsa in (HSA_YES, HSA_LMN_ON_FILE)
        )

    @property
    def unapplied(self) -> int:
        return sum(r.unapplied for r in self.receipts if not r.is_refund)


def check_year(year: int) -> int:
    if not 2000 <= year <= date.today().year:
        raise ClinicbillError(f"year: {year} is not a past or current year", "e.g. --year 2026")
    return year


def year_summary(session, patient, year: int) -> YearSummary:
    ids = session.execute(
        select(Payment.id)
        .where(
            Payment.patient_id == patient.id,
            Payment.source == "patient",
            Payment.received_on.between(date(year, 1, 1), date(year, 12, 31)),
        )
        .order_by(Payment.received_on, Payment.id)
    ).scalars()
    return YearSummary(
        practice=practice_block(session),
        patient=patient_block(session, patient, on=date(year, 12, 31)),
        year=year,
        receipts=tuple(receipt(session, pid) for pid in ids),
    )


def patients_paying_in(session, year: int) -> list[Patient]:
    """Every patient who paid (or was refunded) anything in the year."""
    return list(
        session.execute(
            select(Patient)
            .where(
                Patient.id.in_(
                    select(Payment.patient_id).where(
                        Payment.source == "patient",
                        Payment.received_on.between(date(year, 1, 1), date(year, 12, 31)),
                    )
                )
            )
            .order_by(Patient.account_number)
        ).scalars()
    )
