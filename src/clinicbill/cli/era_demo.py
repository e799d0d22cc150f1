"""`clinicbill demo` steps of cli/era.py that play the payer: an 835 per payer for the
submitted claims (app/payer_demo.py), posted with `era import` like any payer's file, then an
appeal of the denied claim."""

from __future__ import annotations

from pathlib import Path


def demo_remittance(target: Path) -> list[str]:
    """Play the payers for the demo's claims: write their 835 into the demo folder and return
    the import command (the one 835 use case, app/remittance.py)."""
    from datetime import date

    from clinicbill.app.payer_demo import write_demo_835
    from clinicbill.store.engine import transaction

    with transaction(str(target / "clinicbill-demo.db"), "demo") as session:
        path = write_demo_835(session, target, date.today())
    return ["era", "import", str(path)]


def demo_appeal(target: Path) -> list[str]:
    """Appeal the claim the demo's payer denied, writing the packet into the demo folder."""
    from clinicbill.app.payer_demo import first_denied_claim
    from clinicbill.store.engine import transaction

    with transaction(str(target / "clinicbill-demo.db"), "demo") as session:
        denied = first_denied_claim(session)
    out = str(target / f"appeal-{denied}.pdf")
    return ["claim", "appeal", str(denied), "--letter", "-o", out, "--force"]


def demo_payment(target: Path) -> list[str]:
    """Chen pays what she owes after insurance (her coinsurance), by card."""
    from clinicbill.app.payer_demo import patient_owes
    from clinicbill.domain.money import to_decimal
    from clinicbill.store.engine import transaction

    with transaction(str(target / "clinicbill-demo.db"), "demo") as session:
        owed = patient_owes(session, "P00001")
    amount = str(to_decimal(owed or 2000))
    return ["payment", "add", "P00001", amount, "--method", "card", "--ref", "demo-4417"]
