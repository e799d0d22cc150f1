"""What a membership charge's PDF says: who billed whom, for which period, how much."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from clinicbill.domain.documents.superbill_data import (
    PatientBlock,
    PracticeBlock,
    patient_block,
    practice_block,
)
from clinicbill.store.models import Patient


@dataclass(frozen=True)
class ChargeNotice:
    practice: PracticeBlock
    patient: PatientBlock
    charge_id: int
    membership_id: int
    plan: str
    period_start: date
    period_end: date
    amount_cents: int
    session_id: int


def charge_notice(session, charge) -> ChargeNotice:
    """The notice of one posted charge (a PostedCharge)."""
    patient = session.get(Patient, charge.patient_id)
    return ChargeNotice(
        practice=practice_block(session),
        patient=patient_block(session, patient),
        charge_id=charge.charge_id,
        membership_id=charge.membership_id,
        plan=charge.plan,
        period_start=charge.period_start,
        period_end=charge.period_end,
        amount_cents=charge.amount_cents,
        session_id=charge.encounter_id,
    )
