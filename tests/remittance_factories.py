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


def bulk_claims(session, count: int, first_day: date = date(2025, 1, 1)) -> list[int]:
    """`count` submitted two-line claims for Chen (97140 $90, 97124 x2 $160) written with Core
    executemany (fast, not audited): for volume tests of posting. Returns the claim ids."""
    from datetime import timedelta

    from sqlalchemy import func, insert

    from clinicbill.store.models import Encounter

    def next_id(model) -> int:
        return (session.execute(select(func.max(model.id))).scalar() or 0) + 1

    enc0, line0, claim0, cl0 = (next_id(m) for m in (Encounter, ServiceLine, Claim, ClaimLine))
    days = [first_day + timedelta(days=i % 365) for i in range(count)]
    conn = session.connection()
    conn.execute(
        insert(Encounter),
        [
            dict(
                id=enc0 + i,
                patient_id=1,
                provider_id=1,
                service_date=days[i],
                policy_id=1,
                status="signed",
            )
            for i in range(count)
        ],
    )
    conn.execute(
        insert(ServiceLine),
        [
            dict(
                id=line0 + 2 * i + k,
                encounter_id=enc0 + i,
                line_number=k + 1,
                code=("97140", "97124")[k],
                units=k + 1,
                charge_cents=(9000, 16000)[k],
            )
            for i in range(count)
            for k in (0, 1)
        ],
    )
    conn.execute(
        insert(Claim),
        [
            dict(
                id=claim0 + i,
                patient_control_number=f"BULK{claim0 + i:08d}",
                patient_id=1,
                policy_id=1,
                payer_id=2,
                provider_id=1,
                status="submitted",
                from_date=days[i],
                to_date=days[i],
                total_cents=25000,
                first_billed_on=days[i],
            )
            for i in range(count)
        ],
    )
    conn.execute(
        insert(ClaimLine),
        [
            dict(
                id=cl0 + 2 * i + k,
                claim_id=claim0 + i,
                service_line_id=line0 + 2 * i + k,
                line_number=k + 1,
                charge_cents=(9000, 16000)[k],
            )
            for i in range(count)
            for k in (0, 1)
        ],
    )
    return list(range(claim0, claim0 + count))
