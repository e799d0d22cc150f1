"""Coverage of a visit: plan-year visit counts, verification problems, auto-linking of
authorizations and referrals, and the claim-check view of a stored encounter."""

from __future__ import annotations

from datetime import date

import pytest

from clinicbill.domain.coverage.authorizations import add_authorization, add_referral
from clinicbill.domain.coverage.check import (
    AUTO,
    encounter_coverage_problems,
    policy_visit_status,
    visit_coverage,
)
from clinicbill.domain.coverage.verification import add_verification
from clinicbill.domain.errors import ClinicbillError
from clinicbill.domain.practice.lookup import find_patient, find_policy
from clinicbill.store.engine import transaction
from tests.factories import make_encounter

CHEN, CHEN_POLICY = 1, 1  # Cascade Health Plan (commercial: nothing required by profile)
BROOKS, BROOKS_POLICY = 5, 6  # workers' comp: referral and authorization required
REFERRING_NPI = "1679576722"


@pytest.fixture
def s(sample_db):
    with transaction(sample_db, "tester") as session:
        yield session


def note(s, policy_id=CHEN_POLICY, verified_at="2026-02-01", **values):
    values.setdefault("method", "phone")
    values.setdefault("verified_by", "dana")
    return add_verification(s, find_policy(s, policy_id), verified_at=verified_at, **values)


def visit(s, day, policy_id=CHEN_POLICY, patient_id=CHEN, code="97124", units=2, **link):
    enc = make_encounter(
        s, patient_id, 1, day, [{"code": code, "charge_cents": 3250, "units": units}], policy_id
    )
    enc.authorization_id = link.get("auth")
    enc.referral_id = link.get("referral")
    s.flush()
    return enc


def auth(s, number, start, end, policy_id=CHEN_POLICY, **values):
    return add_authorization(
        s, find_policy(s, policy_id), number=number, start_date=start, end_date=end, **values
    )


def referral(s, day, patient="P00001", **values):
    return add_referral(
        s,
        find_patient(s, patient),
        first_name="Helen",
        last_name="Park",
        npi=REFERRING_NPI,
        referral_date=day,
        **values,
    )


def check(s, day, codes=("97124",), patient_id=CHEN, policy_id=CHEN_POLICY, **kw):
    return visit_coverage(
        s, patient_id=patient_id, policy_id=policy_id, service_date=day, codes=codes, **kw
    )


def codes_of(result) -> set[str]:
    return {p.code for p in result.problems}


# --- plan-year visit counts ---------------------------------------------------------------


def test_visits_counted_within_the_plan_year_only(s):
    note(s, verified_at="2026-07-02", plan_year_start="2025-07-01", visit_limit="20")
    visit(s, date(2026, 6, 15))  # previous plan year (2025-07-01..2026-06-30)
    visit(s, date(2026, 7, 1))
    visit(s, date(2026, 8, 1))
    void = visit(s, date(2026, 8, 2))
    void.status = "void"
    visit(s, date(2026, 8, 3), policy_id=4, patient_id=3)  # another patient's policy
    s.flush()
    result = check(s, date(2026, 8, 20))
    assert result.visits_used_practice == 2
    assert result.visit_limit == 20 and result.visits_remaining == 18
    assert "2026-07-01..2026-06-30" not in " ".join(result.summary)
    assert "(2026-07-01..2027-06-30)" in result.summary[1]
    # a visit in the earlier plan year counts that year's visits only
    earlier = check(s, date(2026, 6, 30))
    assert earlier.visits_used_practice == 1


def test_payer_count_used_only_from_a_note_in_the_same_plan_year(s):
    note(
        s,
        verified_at="2026-06-20",
        plan_year_start="2025-07-01",
        visit_limit="20",
        visits_used="10",
    )
    visit(s, date(2026, 6, 1))
    same_year = check(s, date(2026, 6, 25))
    assert same_year.visits_used_payer == 10 and same_year.visits_used_practice == 1
    assert same_year.visits_remaining == 10  # 20 - max(1, 10)
    next_year = check(s, date(2026, 7, 15))
    assert next_year.visits_used_payer is None and next_year.visits_remaining == 20
    assert "verification-stale" in codes_of(next_year)  # the note is from the last plan year


def test_remaining_uses_the_larger_of_practice_and_payer_counts(s):
    note(s, plan_year_start="2026-01-01", visit_limit="5", visits_used="1")
    for day in (3, 4, 5):
        visit(s, date(2026, 2, day))
    result = check(s, date(2026, 2, 10))
    assert (result.visits_used_practice, result.visits_used_payer) == (3, 1)
    assert result.visits_remaining == 2 and "visit-limit" not in codes_of(result)
    visit(s, date(2026, 2, 6))
    visit(s, date(2026, 2, 7))
    reached = check(s, date(2026, 2, 10))
    assert reached.visits_remaining == 0 and "visit-limit" in codes_of(reached)


def test_plan_year_defaults_to_the_calendar_year(s):
    note(s, verified_at="2026-01-05", visit_limit="12")
    visit(s, date(2025, 12, 30))
    visit(s, date(2026, 1, 2))
    result = check(s, date(2026, 1, 20))
    assert result.visits_used_practice == 1 and result.visits_remaining == 11


def test_policy_status_matches_visit_coverage(s):
    note(s, verified_at="2026-03-01", plan_year_start="2026-01-01", visit_limit="20")
    for day in (5, 12, 19):
        visit(s, date(2026, 3, day))
    on = date(2026, 3, 25)
    status = policy_visit_status(s, CHEN_POLICY, on)
    entry = check(s, on)
    assert status.visits_used_practice == entry.visits_used_practice == 3
    assert status.visits_remaining == entry.visits_remaining == 17
    assert status.flags == ()


# --- verification problems ------------------------------------------------------------------


def test_no_verification_then_stale_then_not_covered(s):
    assert codes_of(check(s, date(2026, 3, 2))) == {"no-verification"}
    note(s, verified_at="2026-01-10", reverify_by="2026-03-01", massage_covered="no")
    stale = check(s, date(2026, 3, 2), codes=("97124", "97810"))
    assert codes_of(stale) == {"verification-stale", "not-covered"}
    problem = next(p for p in stale.problems if p.code == "not-covered")
    assert "97124" in problem.message and "97810" not in problem.message


def test_a_later_call_in_the_same_plan_year_documents_an_earlier_visit(s):
    note(s, verified_at="2026-03-10", plan_year_start="2026-01-01")
    assert check(s, date(2026, 3, 2)).verification_id is not None
    assert "no-verification" in codes_of(check(s, date(2025, 12, 20)))


def test_self_pay_has_no_problems_and_no_summary(s):
    result = check(s, date(2026, 3, 2), patient_id=6, policy_id=None)
    assert result.problems == () and result.summary == () and result.authorization_id is None


# --- authorizations: auto-linking, expiry, exhaustion --------------------------------------


def test_auto_link_prefers_the_covering_auth_that_ends_first(s):
    note(s)
    late = auth(s, "LATE", "2026-01-01", "2026-12-31", visits_authorized="10")
    early = auth(s, "EARLY", "2026-02-01", "2026-06-30", visits_authorized="10")
    auth(s, "OTHER", "2026-01-01", "2026-12-31", visits_authorized="10", codes="97810")
    auth(s, "PAST", "2025-01-01", "2025-12-31", visits_authorized="10")
    assert check(s, date(2026, 3, 2)).authorization_id == early.id
    assert check(s, date(2026, 8, 2)).authorization_id == late.id
    acupuncture = auth(s, "ACU", "2026-03-01", "2026-03-31", visits_authorized="5", codes="97810")
    assert check(s, date(2026, 3, 2), codes=("97810",)).authorization_id == acupuncture.id


def test_auto_link_skips_an_exhausted_auth_for_one_with_visits_left(s):
    note(s)
    small = auth(s, "SMALL", "2026-01-01", "2026-03-31", visits_authorized="2")
    big = auth(s, "BIG", "2026-01-01", "2026-06-30", visits_authorized="10")
    assert check(s, date(2026, 2, 1)).authorization_id == small.id
    visit(s, date(2026, 1, 10), auth=small.id)
    visit(s, date(2026, 1, 17), auth=small.id)
    result = check(s, date(2026, 2, 1))
    assert result.authorization_id == big.id and result.problems == ()


def test_forcing_an_auth_or_none(s):
    note(s)
    covering = auth(s, "A1", "2026-01-01", "2026-12-31", visits_authorized="10")
    assert check(s, date(2026, 2, 1), authorization_id=None).authorization_id is None
    assert check(s, date(2026, 2, 1), authorization_id=covering.id).authorization_id == covering.id
    other = auth(s, "B1", "2026-01-01", "2026-12-31", policy_id=4, visits_authorized="3")
    with pytest.raises(ClinicbillError, match="not an authorization of policy 1"):
        check(s, date(2026, 2, 1), authorization_id=other.id)


def test_required_auth_missing_expired_or_exhausted(s):
    note(s, policy_id=BROOKS_POLICY, verified_at="2026-08-20", referral_required="no")
    day = date(2026, 9, 15)
    missing = check(s, day, patient_id=BROOKS, policy_id=BROOKS_POLICY)
    assert codes_of(missing) == {"auth-required"}
    lapsed = auth(s, "WC-1", "2026-08-14", "2026-09-10", BROOKS_POLICY, visits_authorized="6")
    expired = check(s, day, patient_id=BROOKS, policy_id=BROOKS_POLICY)
    assert codes_of(expired) == {"auth-expired"} and expired.authorization_id is None
    forced = check(s, day, patient_id=BROOKS, policy_id=BROOKS_POLICY, authorization_id=lapsed.id)
    assert codes_of(forced) == {"auth-expired"}
    current = auth(s, "WC-2", "2026-09-11", "2026-12-31", BROOKS_POLICY, visits_authorized="2")
    for d in (12, 13):
        visit(s, date(2026, 9, d), BROOKS_POLICY, BROOKS, auth=current.id)
    used_up = check(s, day, patient_id=BROOKS, policy_id=BROOKS_POLICY)
    assert used_up.authorization_id == current.id and codes_of(used_up) == {"auth-exhausted"}
    assert "0 of 2 visits remaining" in " ".join(used_up.summary)


def test_units_authorized_are_checked(s):
    note(s)
    units = auth(s, "U1", "2026-01-01", "2026-12-31", units_authorized="6", codes="97124")
    visit(s, date(2026, 2, 1), units=4, auth=units.id)
    ok = check(s, date(2026, 2, 8), units={"97124": 2})
    assert ok.authorization_id == units.id and ok.problems == ()
    over = check(s, date(2026, 2, 8), units={"97124": 3})
    assert codes_of(over) == {"auth-exhausted"} and "this visit bills 3" in over.problems[0].message


def test_stored_encounters_are_checked_in_visit_order(s):
    note(s)
    three = auth(s, "T3", "2026-01-01", "2026-12-31", visits_authorized="3")
    visits = [visit(s, date(2026, 4, d), auth=three.id) for d in (1, 8, 15, 22)]
    assert [encounter_coverage_problems(s, e.id) for e in visits[:3]] == [[], [], []]
    assert [p.code for p in encounter_coverage_problems(s, visits[3].id)] == ["auth-exhausted"]
    visits[1].status = "void"  # a void visit gives its slot back
    s.flush()
    assert encounter_coverage_problems(s, visits[3].id) == []
    assert encounter_coverage_problems(s, visits[1].id) == []


def test_stored_encounter_without_its_required_auth_names_the_one_to_link(s):
    note(s, policy_id=BROOKS_POLICY, verified_at="2026-08-20", referral_required="no")
    wc = auth(s, "WC-9", "2026-08-14", "2026-12-31", BROOKS_POLICY, visits_authorized="6")
    enc = visit(s, date(2026, 9, 1), BROOKS_POLICY, BROOKS)
    problems = encounter_coverage_problems(s, enc.id)
    assert [p.code for p in problems] == ["auth-required"]
    assert f"link authorization {wc.id}" in problems[0].hint


def test_a_note_overrides_the_profile_requirements(s):
    note(s, preauth_required="yes", referral_required="yes")
    assert codes_of(check(s, date(2026, 3, 2))) == {"auth-required", "referral-required"}


# --- referrals -------------------------------------------------------------------------------


def test_referral_auto_link_expiry_and_exhaustion(s):
    note(s, referral_required="yes")
    old = referral(s, "2025-06-01", expires_on="2025-12-31")
    expired = check(s, date(2026, 3, 2))
    assert expired.referral_id is None and codes_of(expired) == {"referral-expired"}
    new = referral(s, "2026-02-01", visits_ordered="2", expires_on="2026-08-01")
    linked = check(s, date(2026, 3, 2))
    assert linked.referral_id == new.id and linked.problems == ()
    visit(s, date(2026, 2, 10), referral=new.id)
    visit(s, date(2026, 2, 17), referral=new.id)
    used = check(s, date(2026, 3, 2))
    assert used.referral_id == new.id and codes_of(used) == {"referral-exhausted"}
    forced = check(s, date(2026, 3, 2), referral_id=old.id)
    assert codes_of(forced) == {"referral-expired"}
    assert check(s, date(2026, 3, 2), referral_id=None).referral_id is None


def test_referral_of_another_patient_is_refused_at_entry(s):
    note(s)
    theirs = referral(s, "2026-02-01", patient="P00003")
    with pytest.raises(ClinicbillError, match="not a referral of patient 1"):
        check(s, date(2026, 3, 2), referral_id=theirs.id)
    enc = visit(s, date(2026, 3, 2), referral=theirs.id)
    assert [p.code for p in encounter_coverage_problems(s, enc.id)] == ["referral-wrong-patient"]


def test_auto_is_the_default(s):
    note(s)
    a = auth(s, "A", "2026-01-01", "2026-12-31", visits_authorized="4")
    r = referral(s, "2026-01-01")
    result = check(s, date(2026, 3, 2), authorization_id=AUTO, referral_id=AUTO)
    assert (result.authorization_id, result.referral_id) == (a.id, r.id)
    assert check(s, date(2026, 3, 2)).authorization_id == a.id
