"""The demo's payer (`clinicbill demo`, cli/era_demo.py): an 835 answering the submitted
claims, one transaction per payer, as a payer would write it. It is posted through
`era import` (app/remittance.py), like any payer's file. Never used outside the demo."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from sqlalchemy import select

from clinicbill.store.models import Claim, Payer, Practice


def demo_835(session, paid_on: date) -> str:
    """One 835 for the submitted (or accepted) primary claims: one claim in three denied as
    not medically necessary (CO-50, N130), the others allowed 80% (CO-45) with 20% patient
    coinsurance (PR-2). Each payer named in N1*PR and REF*2U, addressed to the practice's
    NPI."""
    from clinicbill.domain.remittance.match import load_billed_claims
    from clinicbill.formats.x12_835_write import (
        Outcome,
        advice_for,
        claim_payment,
        patients_of,
        write_835,
    )

    ids = session.execute(
        select(Claim.id)
        .where(Claim.status.in_(("submitted", "accepted")), Claim.primary_claim_id.is_(None))
        .order_by(Claim.id)
    ).scalars()
    billed = load_billed_claims(session, ids=list(ids))
    by_payer: dict[int, list] = {}
    for number, claim in enumerate(billed.values()):
        if number % 3 == 2:  # one claim in three: denied as not medically necessary
            outcome = Outcome(kind="denied", remarks=("N130",))
        else:  # allowed 80% (CO-45), patient coinsurance 20% (PR-2)
            outcome = Outcome(coinsurance_percent=20)
        by_payer.setdefault(claim.payer_id, []).append(claim_payment(claim, outcome))
    npi = session.execute(select(Practice.npi)).scalar()
    advices = []
    for payer_id, payments in by_payer.items():
        payer = session.get(Payer, payer_id)
        advices.append(
            advice_for(
                payments,
                trace_number=f"DEMO{paid_on:%Y%m%d}{payer_id}",
                payment_date=paid_on,
                payer_name=payer.name.upper(),
                payer_reference_id=payer.payer_id,
                payee_npi=npi,
            )
        )
    return write_835(advices, patients=patients_of(billed))


def first_denied_claim(session) -> int | None:
    """The claim the demo's payer denied (the one the demo appeals)."""
    return session.execute(
        select(Claim.id).where(Claim.status == "denied").order_by(Claim.id)
    ).scalar()


def write_demo_835(session, folder: Path, paid_on: date) -> Path:
    """Write the demo payer's 835 (demo_835) into the demo folder, private, replacing the file
    of an earlier run of the same day; return its path."""
    from clinicbill.store.files import write_private

    text = demo_835(session, paid_on)
    return write_private(folder / f"remittance-{paid_on:%Y-%m-%d}.835", text, force=True)


def patient_owes(session, account_number: str) -> int:
    """What a demo patient owes after insurance, in cents (what the demo's card payment pays)."""
    from clinicbill.domain.ledger.balances import line_details
    from clinicbill.domain.practice.lookup import find_patient

    patient = find_patient(session, account_number)
    return sum(x.patient_due for x in line_details(session, patient_id=patient.id))
