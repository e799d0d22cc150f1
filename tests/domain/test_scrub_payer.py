"""Scrubber rules, part 2: modifiers, payer profiles, coverage, duplicates, secondaries. Each
rule: a claim that trips it and one that does not."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from clinicbill.domain.claims.actions import secondary_claim
from clinicbill.domain.claims.scrub import coverage, lines, modifiers, payer
from clinicbill.domain.practice.records import add_provider
from clinicbill.store.engine import transaction
from clinicbill.store.models import Referral, Verification
from tests.claimkit import RECENT, bill, post_primary, snapshot
from tests.factories import make_encounter

MASSAGE = {"code": "97124", "charge_cents": 6500, "units": 2, "minutes": 30}
MANUAL = {"code": "97140", "charge_cents": 3800, "minutes": 15}
TODAY = date.today()


@pytest.fixture
def session(sample_db):
    with transaction(sample_db, "tester") as s:
        yield s


def codes_of(findings):
    return [(f.severity, f.box, f.line) for f in findings]


def test_ncci_97140_with_97124_needs_59_on_97140(session):
    s = snapshot(session, bill(session, lines=[MASSAGE, MANUAL]))
    assert codes_of(modifiers.ncci_distinct(s)) == [("error", "24D", 2)]
    ok = snapshot(session, bill(session, 7, 1, [MASSAGE, {**MANUAL, "modifiers": "59"}], 7))
    assert modifiers.ncci_distinct(ok) == []
    xs = snapshot(session, bill(session, 4, 1, [MASSAGE, {**MANUAL, "modifiers": "XS"}], 5))
    assert modifiers.ncci_distinct(xs) == []


def test_ncci_modifier_on_the_wrong_code_warns(session):
    s = snapshot(session, bill(session, lines=[{**MASSAGE, "modifiers": "59"}, MANUAL]))
    assert sorted(codes_of(modifiers.ncci_distinct(s))) == [
        ("error", "24D", 2),
        ("warning", "24D", 1),
    ]


def test_ncci_97530_pair(session):
    therapy = {"code": "97530", "charge_cents": 3700, "minutes": 15}
    s = snapshot(session, bill(session, lines=[therapy, MANUAL]))
    assert "97530" in modifiers.ncci_distinct(s)[0].message


def test_gp_where_the_profile_requires_it(session):
    s = snapshot(session, bill(session, patient_id=5, policy_id=6, lines=[MANUAL]))
    assert codes_of(modifiers.gp_modifier(s)) == [("error", "24D", 1)]
    ok = [{**MANUAL, "modifiers": "GP"}]
    assert (
        modifiers.gp_modifier(snapshot(session, bill(session, 5, 1, ok, 6, RECENT - timedelta(1))))
        == []
    )
    commercial = snapshot(session, bill(session, lines=[MANUAL]))
    assert modifiers.gp_modifier(commercial) == []


def test_em_with_acupuncture_needs_25(session):
    visit = [{"code": "99213", "charge_cents": 9000}, {"code": "97810", "charge_cents": 7500}]
    s = snapshot(session, bill(session, provider_id=2, lines=visit))
    found = modifiers.em_with_acupuncture(s)
    assert codes_of(found) == [("error", "24D", 1)] and "25" in found[0].message
    visit[0]["modifiers"] = "25"
    ok = snapshot(session, bill(session, 7, 2, visit, 7))
    assert modifiers.em_with_acupuncture(ok) == []


def test_timely_filing_by_payer_profile(session):
    late = snapshot(session, bill(session, 4, 1, [MASSAGE], 5, TODAY - timedelta(days=100)))
    assert codes_of(payer.timely_filing(late)) == [("error", "24A", 1)]
    near = snapshot(session, bill(session, 4, 1, [MASSAGE], 5, TODAY - timedelta(days=70)))
    assert codes_of(payer.timely_filing(near)) == [("warning", "24A", 1)]
    fresh = snapshot(session, bill(session, 4, 1, [MASSAGE], 5, TODAY - timedelta(days=5)))
    assert payer.timely_filing(fresh) == []


@pytest.fixture
def physician(session):
    return add_provider(
        session,
        first_name="Rosa",
        last_name="Park",
        credential="MD",
        npi="1003000126",
        taxonomy="207Q00000X",
    )


def acupuncture_visits(session, provider, days, dx=("M54.50",)):
    return [
        make_encounter(
            session, 2, provider.id, day, [{"code": "97810", "charge_cents": 7500}], 2, dx
        )
        for day in days
    ]


def test_medicare_acupuncture_only_for_chronic_low_back_pain(session, physician):
    bad = bill(
        session,
        2,
        physician.id,
        [{"code": "97810", "charge_cents": 7500}],
        2,
        diagnoses=("M62.830",),
    )
    found = payer.medicare_acupuncture(snapshot(session, bad))
    assert codes_of(found) == [("error", "21", 1)] and "low back pain" in found[0].message
    ok = bill(
        session,
        2,
        physician.id,
        [{"code": "97810", "charge_cents": 7500}],
        2,
        day=RECENT - timedelta(days=1),
    )
    assert payer.medicare_acupuncture(snapshot(session, ok)) == []


def test_medicare_acupuncture_12_visits_in_90_days(session, physician):
    days = [RECENT - timedelta(days=6 * i) for i in range(13)]  # 13 visits in 73 days
    acupuncture_visits(session, physician, days[1:])
    claim = bill(session, 2, physician.id, [{"code": "97810", "charge_cents": 7500}], 2, days[0])
    found = payer.medicare_acupuncture(snapshot(session, claim))
    assert any("visit 13 in the 90 days" in f.message for f in found if f.severity == "error")


def test_medicare_acupuncture_20_a_year_and_kx_after_12(session, physician):
    days = [date(2025, 1, 2) + timedelta(days=8 * i) for i in range(21)]  # 12 per 90 days max
    acupuncture_visits(session, physician, days[:12] + days[13:20])
    kx = bill(session, 2, physician.id, [{"code": "97810", "charge_cents": 7500}], 2, days[12])
    found = payer.medicare_acupuncture(snapshot(session, kx, as_of=days[12]))
    assert codes_of(found) == [("warning", "24D", 1)] and "KX" in found[0].message
    over = bill(session, 2, physician.id, [{"code": "97810", "charge_cents": 7500}], 2, days[20])
    found = payer.medicare_acupuncture(snapshot(session, over, as_of=days[20]))
    assert [f.message for f in found if f.severity == "error"] == [
        "acupuncture visit 21 in 2025; the limit is 20 a year"
    ]


def test_acupuncture_code_combinations(session):
    both = [{"code": "97810", "charge_cents": 7500}, {"code": "97813", "charge_cents": 8500}]
    s = snapshot(session, bill(session, provider_id=2, lines=both))
    assert codes_of(payer.acupuncture_combinations(s)) == [("error", "24D", 1)]
    ok = [{"code": "97810", "charge_cents": 7500}, {"code": "97811", "charge_cents": 4500}]
    assert payer.acupuncture_combinations(snapshot(session, bill(session, 7, 2, ok, 7))) == []
    mixed = [{"code": "97810", "charge_cents": 7500}, {"code": "97814", "charge_cents": 5000}]
    s = snapshot(session, bill(session, 4, 2, mixed, 5))
    assert codes_of(payer.acupuncture_combinations(s)) == [("warning", "24D", 1)]


def test_coverage_conditions_from_the_coverage_rules(session):
    wc = snapshot(session, bill(session, 5, 1, [{**MANUAL, "modifiers": "GP"}], 6))
    found = coverage.coverage_conditions(wc)
    assert ("error", "23", 1) in codes_of(found)  # workers' comp needs an authorization
    session.add(
        Verification(
            policy_id=1,
            verified_by="front desk",
            method="phone",
            in_network=True,
            massage_covered=True,
            acupuncture_covered=True,
            reverify_by=TODAY + timedelta(days=90),
        )
    )
    session.flush()
    ok = snapshot(session, bill(session))
    assert [f for f in coverage.coverage_conditions(ok) if f.severity == "error"] == []


def test_missing_verification_is_only_a_warning(session):
    s = snapshot(session, bill(session, patient_id=7, policy_id=7))
    found = coverage.coverage_conditions(s)
    assert found and {f.severity for f in found} == {"warning"}


def test_referral_must_cover_the_dates(session):
    referral = Referral(
        patient_id=1,
        policy_id=1,
        first_name="Helen",
        last_name="Cho",
        npi="1234567893",
        referral_date=RECENT - timedelta(days=60),
        expires_on=RECENT - timedelta(days=1),
    )
    session.add(referral)
    session.flush()
    claim = bill(session, referral_id=referral.id)
    assert codes_of(coverage.referral_dates(snapshot(session, claim))) == [("error", "17", None)]
    referral.expires_on = RECENT + timedelta(days=30)
    session.flush()
    assert coverage.referral_dates(snapshot(session, claim)) == []


def test_duplicate_lines_in_and_across_claims(session):
    twice = snapshot(session, bill(session, lines=[MASSAGE, MASSAGE]))
    assert codes_of(lines.duplicates(twice)) == [("error", "24D", 1), ("error", "24D", 2)]
    bill(session, 7, 1, [MASSAGE], 7)
    again = snapshot(session, bill(session, 7, 2, [MASSAGE], 7))  # same day, code, payer
    found = lines.duplicates(again)
    assert "already billed on claim" in found[0].message
    assert lines.duplicates(snapshot(session, bill(session, 4, 1, [MASSAGE], 5))) == []


def test_secondary_lines_must_balance_against_the_primary(session):
    primary = bill(session, 2, 1, [MASSAGE], 2)
    post_primary(session, primary, {1: 4000}, [(1, "adjustment", "CO", "45", 1500)])
    unbalanced = snapshot(session, secondary_claim(session, primary, TODAY))
    assert codes_of(lines.secondary_balances(unbalanced)) == [("error", "24F", 1)]
    other = bill(session, 2, 1, [MASSAGE], 2, RECENT - timedelta(days=3))
    post_primary(
        session,
        other,
        {1: 4000},
        [(1, "adjustment", "CO", "45", 1500), (1, "patient_responsibility", "PR", "2", 1000)],
    )
    balanced = snapshot(session, secondary_claim(session, other, TODAY))
    assert lines.secondary_balances(balanced) == []
    assert lines.secondary_balances(snapshot(session, bill(session))) == []
