"""Claims built straight through the models, and 835s for them, for the remittance and
payment tests (tests/domain/test_posting*.py, test_payments*.py, tests/cli/test_era*.py)."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from clinicbill.store.models import Claim, ClaimLine, ServiceLine
from tests.factories import make_encounter

_COUNTER = {"n": 0}


def make_claim(
    session,
    lines: list[dict],
    service_date: date = date(2026, 1, 5),
    patient_id: int = 1,
    policy_id: int = 1,
    payer_id: int = 2,
    provider_id: int = 1,
    status: str = "submitted",
    pcn: str | None = None,
) -> Claim:
    """A submitted claim over a new signed encounter. Each line: code, charge_cents, units,
    modifiers (see tests/factories.py make_encounter). Sample practice: patient 1 Chen with
    policy 1 at Cascade Health Plan (payer 2)."""
    encounter = make_encounter(
        session, patient_id, provider_id, service_date, lines, policy_id=policy_id
    )
    service_lines = (
        session.execute(
            select(ServiceLine)
            .where(ServiceLine.encounter_id == encounter.id)
            .order_by(ServiceLine.line_number)
        )
        .scalars()
        .all()
    )
    _COUNTER["n"] += 1
    claim = Claim(
        patient_control_number=pcn or f"T{encounter.id:07d}{_COUNTER['n']:04d}",
        patient_id=patient_id,
        policy_id=policy_id,
        payer_id=payer_id,
        provider_id=provider_id,
        status=status,
        from_date=service_date,
        to_date=service_date,
        total_cents=sum(x.charge_cents for x in service_lines),
        first_billed_on=service_date,
    )
    session.add(claim)
    session.flush()
    for number, sl in enumerate(service_lines, start=1):
        session.add(
            ClaimLine(
                claim_id=claim.id,
                service_line_id=sl.id,
                line_number=number,
                charge_cents=sl.charge_cents,
            )
        )
    session.flush()
    return claim


def massage_claim(session, service_date: date = date(2026, 1, 5), **kw) -> Claim:
    """97140 $90 + 97124 2 units $160."""
    return make_claim(
        session,
        [
            {"code": "97140", "charge_cents": 9000, "modifiers": "59"},
            {"code": "97124", "charge_cents": 16000, "units": 2},
        ],
        service_date,
        **kw,
    )
