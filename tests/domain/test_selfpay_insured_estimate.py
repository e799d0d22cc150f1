"""What an insured patient will owe: the share rules (examples and a property), the estimate
`session add` records at check-in, and the estimate-vs-actual comparison after an 835."""

from __future__ import annotations

from datetime import UTC, date, datetime

from hypothesis import given
from hypothesis import strategies as st

from clinicbill.domain.coverage.verification import add_verification
from clinicbill.domain.remittance.match import load_billed_claims
from clinicbill.domain.remittance.posting import post_remittance
from clinicbill.domain.selfpay.estimate_accuracy import estimate_accuracy_report
from clinicbill.domain.selfpay.insured_estimate import (
    Benefits,
    ServiceFee,
    estimate_session,
    share_of_visits,
)
from clinicbill.formats.x12_835_write import Outcome, advice_for, claim_payment
from clinicbill.store.engine import transaction
from clinicbill.store.models import Encounter, Policy
from tests.remittance_factories import make_claim

MASSAGE = ServiceFee("97124", 4, 13000, 11200, True)


def test_deductible_first_then_coinsurance_then_the_visit_limit():
    benefits = Benefits(True, 6000, None, None, 20, 1)
    first, second = share_of_visits([MASSAGE], benefits, 2)
    assert (first.allowed, first.deductible, first.cost_share, first.patient) == (
        11200,
        6000,
        1040,
        7040,
    )
    assert second.not_covered == 13000 and second.patient == 13000
    assert "beyond the visits remaining" in second.note


def test_copay_out_of_network_not_covered_and_the_oop_maximum():
    copay = share_of_visits([MASSAGE], Benefits(True, 0, None, 2500, 20, None), 1)[0]
    assert copay.patient == 2500
    oon = share_of_visits([MASSAGE], Benefits(False, 0, None, None, 40, None), 1)[0]
    assert oon.allowed == 13000 and oon.patient == 5200 and "out of network" in oon.note
    excluded = ServiceFee("97810", 1, 7500, 6200, False)
    mixed = share_of_visits([MASSAGE, excluded], Benefits(True, 0, None, None, 10, None), 1)[0]
    assert mixed.not_covered == 7500 and mixed.patient == 1120 + 7500
    capped = share_of_visits([MASSAGE], Benefits(True, 20000, 15000, None, 0, None), 3)
    assert [v.patient for v in capped] == [11200, 3800, 0]


fees = st.builds(
    ServiceFee,
    code=st.just("97124"),
    units=st.integers(1, 4),
    standard=st.integers(0, 40000),
    contracted=st.one_of(st.none(), st.integers(0, 40000)),
    covered=st.booleans(),
)
benefits = st.builds(
    Benefits,
    in_network=st.sampled_from([True, False, None]),
    deductible_left=st.integers(0, 300000),
    oop_left=st.one_of(st.none(), st.integers(0, 500000)),
    copay=st.one_of(st.none(), st.integers(0, 10000)),
    coinsurance_pct=st.one_of(st.none(), st.integers(0, 100)),
    visits_left=st.one_of(st.none(), st.integers(0, 10)),
)


@given(services=st.lists(fees, min_size=1, max_size=3), b=benefits, visits=st.integers(1, 12))
def test_a_share_is_never_negative_nor_more_than_the_fees(services, b, visits):
    shares = share_of_visits(services, b, visits)
    assert len(shares) == visits
    worst = sum(max(s.standard, s.contracted or 0) for s in services)
    for v in shares:
        assert 0 <= v.patient <= max(v.allowed + v.not_covered, 0) <= worst
        assert v.deductible + v.cost_share <= v.allowed
    assert sum(v.deductible for v in shares) <= b.deductible_left
    if b.oop_left is not None:
        assert sum(v.patient - v.not_covered for v in shares) <= b.oop_left


def test_check_in_estimate_then_actual_from_the_835(sample_db):
    with transaction(sample_db, "tester") as session:
        add_verification(
            session,
            session.get(Policy, 1),
            verified_at=datetime(2026, 1, 2, tzinfo=UTC),
            method="phone",
            in_network="yes",
            massage_covered="yes",
            deductible="100",
            deductible_met="100",
            coinsurance="20",
            plan_year_start="2026-01-01",
            verified_by="tester",
        )
        claim = make_claim(session, [{"code": "97124", "charge_cents": 13000, "units": 4}])
        encounter = session.get(Encounter, _encounter_of(session, claim.id))
        note_id, share = estimate_session(session, encounter)
        assert share.allowed == 11200 and share.patient == 2240
    with transaction(sample_db, "tester") as session:
        billed = load_billed_claims(session, ids=[claim.id])
        outcome = Outcome(allowed_percent=86, coinsurance_percent=20)
        post_remittance(
            session,
            advice_for(
                [claim_payment(billed[claim.id], outcome)],
                payment_date=date(2026, 2, 1),
                trace_number="T1",
            ),
        )
    with transaction(sample_db, "tester") as session:
        report = estimate_accuracy_report(session, date(2026, 1, 1), date(2026, 1, 31))
    [row] = report.section("estimates").dicts()
    assert row["visits"] == 1 and row["estimated"] == 2240
    assert row["actual"] > 0 and row["difference"] == row["actual"] - 2240


def _encounter_of(session, claim_id):
    from clinicbill.domain.ledger import balances as ledger

    return ledger.line_details(session, claim_id=claim_id)[0].encounter_id
