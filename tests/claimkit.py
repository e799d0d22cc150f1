"""Builders for claim tests: bill encounters into claims, read snapshots, post a primary's
adjudication straight into the ledger (the way the 835 posting does), on the sample practice.

Sample ids: patients 1 Chen (policy 1, Cascade), 2 Alvarez (policy 2 Medicare, 3 Evergreen
secondary), 3 Okafor (policy 4, Cascade, child of the subscriber), 4 Natarajan (policy 5,
Evergreen, spouse), 5 Brooks (policy 6, workers' comp from 2026-08-14), 6 Haddad (self-pay),
7 Whitfield (policy 7, Cascade). Providers 1 Ana Reyes LMT, 2 Wei Lin LAC.
"""

from __future__ import annotations

from datetime import date, timedelta

from clinicbill.store.models import Claim, LedgerEntry
from tests.factories import make_encounter

RECENT = date.today() - timedelta(days=10)


def massage_lines(count: int = 2, charge_cents: int = 6500) -> list[dict]:
    """`count` 97124 lines (distinct modifiers keep them from being duplicates)."""
    return [
        {"code": "97124", "charge_cents": charge_cents, "units": 1, "minutes": 15}
        for _ in range(count)
    ]


def bill(
    session,
    patient_id: int = 1,
    provider_id: int = 1,
    lines: list[dict] | None = None,
    policy_id: int | None = 1,
    day: date = RECENT,
    diagnoses: tuple[str, ...] = ("M54.50",),
    **encounter,
) -> Claim:
    """One signed encounter billed into one claim (returns the claim)."""
    from clinicbill.domain.claims.build import create_claims

    if lines is None:
        lines = [{"code": "97124", "charge_cents": 6500, "units": 2, "minutes": 30}]
    links = {k: encounter.pop(k) for k in ("authorization_id", "referral_id") if k in encounter}
    visit = make_encounter(
        session,
        patient_id,
        provider_id,
        day,
        lines,
        policy_id=policy_id,
        diagnoses=diagnoses,
        **encounter,
    )
    for key, value in links.items():
        setattr(visit, key, value)
    session.flush()
    result = create_claims(session, [visit])
    assert len(result.claims) == 1
    return result.claims[0]


def snapshot(session, claim: Claim, as_of: date | None = None):
    from clinicbill.domain.claims.snapshot_load import load_snapshot

    return load_snapshot(session, claim.id, as_of=as_of)


def post_primary(
    session,
    claim: Claim,
    paid: dict[int, int],
    adjustments: list[tuple[int, str, str, str, int]] = (),
    on: date | None = None,
    payer_claim_control_number: str = "PAYER123456",
    status: str = "partially-paid",
) -> None:
    """Post the primary's adjudication: paid cents per claim line number and adjustments
    (line number, kind, group, reason, cents), like the 835 posting would."""
    from sqlalchemy import select

    from clinicbill.domain.claims.build import record_status
    from clinicbill.store.models import ClaimLine

    on = on or date.today()
    by_number = {
        cl.line_number: cl.service_line_id
        for cl in session.execute(select(ClaimLine).where(ClaimLine.claim_id == claim.id))
        .scalars()
        .all()
    }
    for number, cents in paid.items():
        session.add(
            LedgerEntry(
                service_line_id=by_number[number],
                kind="insurance_payment",
                amount_cents=cents,
                effective_date=on,
                claim_id=claim.id,
            )
        )
    for number, kind, group, reason, cents in adjustments:
        session.add(
            LedgerEntry(
                service_line_id=by_number[number],
                kind=kind,
                amount_cents=cents,
                effective_date=on,
                claim_id=claim.id,
                group_code=group,
                reason_code=reason,
            )
        )
    claim.payer_claim_control_number = payer_claim_control_number
    if claim.status in ("draft", "ready"):
        record_status(session, claim, "submitted", on)
    record_status(session, claim, status, on)
    session.flush()
