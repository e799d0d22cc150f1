"""The 835 writer used by tests, the demo and the benchmarks: pyx12-valid, balanced, and read
back by our own reader into the same records it was given."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from hypothesis import given, settings
from hypothesis import strategies as st

from clinicbill.domain.remittance.match import BilledClaim, BilledLine
from clinicbill.domain.remittance.remit import ProviderLevelAdjustment, advice_balance_problems
from clinicbill.formats.x12_835 import parse_835
from clinicbill.formats.x12_835_write import (
    Outcome,
    advice_for,
    claim_payment,
    reversal_of,
    write_835,
)
from tests.x12check import validate


def billed(charges, units=None, claim_id=7, pcn="CB00000007") -> BilledClaim:
    units = units or [1] * len(charges)
    lines = tuple(
        BilledLine(
            claim_line_id=100 + n,
            claim_id=claim_id,
            line_number=n,
            service_line_id=200 + n,
            code=("97140", "97124", "97810", "97811")[(n - 1) % 4],
            modifiers=("59",) if n == 1 else (),
            units=u,
            service_date=date(2026, 3, 2),
            charge_cents=c,
        )
        for n, (c, u) in enumerate(zip(charges, units, strict=True), start=1)
    )
    return BilledClaim(
        claim_id,
        pcn,
        1,
        2,
        "submitted",
        sum(charges),
        date(2026, 3, 2),
        lines,
        "CHEN",
        "MAYA",
        "M1",
    )


def _strip(advice):
    """Positions and warnings are file facts, not content."""
    return replace(
        advice,
        position=0,
        control_number=None,
        warnings=(),
        claims=tuple(
            replace(c, position=0, services=tuple(replace(s, position=0) for s in c.services))
            for c in advice.claims
        ),
    )


def test_paid_partial_denied_reversed_file_is_valid_and_reads_back():
    paid = claim_payment(billed([9000, 16000], [1, 2]), Outcome(coinsurance_percent=20))
    partial = claim_payment(
        billed([9000, 8000], claim_id=8, pcn="CB00000008"),
        Outcome(deny_lines=(2,), copay_cents=2500, deductible_cents=1000),
    )
    denied = claim_payment(
        billed([10000], claim_id=9, pcn="CB00000009"), Outcome(kind="denied", remarks=("N130",))
    )
    advice = advice_for(
        [paid, partial, denied, reversal_of(paid)],
        trace_number="EFT123",
        payment_date=date(2026, 4, 1),
    )
    advice = replace(
        advice,
        provider_adjustments=(
            ProviderLevelAdjustment("1234567893", date(2026, 12, 31), "L6", "INT1", -125),
        ),
        paid_cents=advice.paid_cents + 125,
    )
    assert advice_balance_problems(advice) == []
    text = write_835([advice], control_number=42)
    ok, messages = validate(text)
    assert ok, messages
    back = parse_835(text.encode()).advices[0]
    assert _strip(back) == _strip(advice)
    assert back.claims[3].status_code == "22" and back.claims[3].paid_cents == -paid.paid_cents


def test_outcome_arithmetic():
    claim = billed([10000, 5000])
    cp = claim_payment(
        claim, Outcome(allowed_percent=80, deductible_cents=3000, coinsurance_percent=20)
    )
    first, second = cp.services
    # line 1: allowed 80.00; deductible 30.00; coinsurance 20% of 50.00 = 10.00; paid 40.00
    assert [a.label for a in first.adjustments] == ["CO-45", "PR-1", "PR-2"]
    assert [a.amount_cents for a in first.adjustments] == [2000, 3000, 1000]
    assert first.paid_cents == 4000
    # line 2: allowed 40.00, coinsurance 8.00, paid 32.00
    assert second.paid_cents == 3200
    assert cp.patient_resp_cents == 3000 + 1000 + 800
    assert cp.paid_cents == 7200


@settings(max_examples=25, deadline=None)
@given(
    charges=st.lists(st.integers(1, 500_000), min_size=1, max_size=6),
    allowed=st.integers(0, 100),
    coinsurance=st.integers(0, 100),
    copay=st.integers(0, 5000),
    deductible=st.integers(0, 50_000),
    denied=st.booleans(),
)
def test_generated_claims_balance_and_validate(
    charges, allowed, coinsurance, copay, deductible, denied
):
    outcome = Outcome(
        kind="denied" if denied else "paid",
        allowed_percent=allowed,
        coinsurance_percent=coinsurance,
        copay_cents=copay,
        deductible_cents=deductible,
    )
    cp = claim_payment(billed(charges), outcome)
    advice = advice_for([cp], trace_number="T", payment_date=date(2026, 5, 5))
    assert advice_balance_problems(advice) == []
    assert all(s.paid_cents >= 0 for s in cp.services)
    text = write_835([advice])
    assert _strip(parse_835(text.encode()).advices[0]) == _strip(advice)
    ok, messages = validate(text)
    assert ok, messages
