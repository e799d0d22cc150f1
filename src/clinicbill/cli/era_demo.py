"""`clinicbill demo` steps of cli/era.py that play the payer: an 835 per payer for the
submitted claims, then an appeal of the denied one."""

from __future__ import annotations

from pathlib import Path


def demo_remittance(target: Path) -> list[str]:
    """Play the payers for the demo's claims: write one 835 (a transaction per payer, each
    naming its payer in N1*PR and REF*2U, addressed to the practice's NPI) and return the
    import command."""
    from datetime import date

    from sqlalchemy import select

    from clinicbill.domain.remittance.match import load_billed_claims
    from clinicbill.formats.x12_835_write import (
        Outcome,
        advice_for,
        claim_payment,
        patients_of,
        write_835,
    )
    from clinicbill.store.engine import transaction
    from clinicbill.store.models import Claim, Payer, Practice

    paid_on = date.today()
    with transaction(str(target / "clinicbill-demo.db"), "demo") as session:
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
    from clinicbill.store.files import write_private

    path = write_private(
        target / f"remittance-{paid_on:%Y-%m-%d}.835",
        write_835(advices, patients=patients_of(billed)),
        force=True,
    )
    return ["era", "import", str(path)]


def demo_appeal(target: Path) -> list[str]:
    """Appeal the claim the demo's payer denied, writing the packet into the demo folder."""
    from sqlalchemy import select

    from clinicbill.store.engine import transaction
    from clinicbill.store.models import Claim

    with transaction(str(target / "clinicbill-demo.db"), "demo") as session:
        denied = session.execute(
            select(Claim.id).where(Claim.status == "denied").order_by(Claim.id)
        ).scalar()
    out = str(target / f"appeal-{denied}.pdf")
    return ["claim", "appeal", str(denied), "--letter", "-o", out, "--force"]
