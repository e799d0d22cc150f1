"""Scrubber rules for injury cases (domain/claims/scrub/injury.py): each trips and stays quiet."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from clinicbill.domain.claims.scrub import scrub
from clinicbill.store.engine import transaction
from clinicbill.store.models import Policy
from tests.casekit import INJURY, WC_PATIENT, WC_POLICY, auto_policy, case_claim, open_case
from tests.claimkit import bill, snapshot

AS_OF = date(2026, 11, 10)


@pytest.fixture
def session(sample_db):
    with transaction(sample_db, "tester") as s:
        yield s


def rule_findings(s, rule: str) -> list:
    return [f for f in scrub(s) if f.rule == rule]


@pytest.fixture
def wc(session):
    case = open_case(
        session,
        WC_PATIENT,
        session.get(Policy, WC_POLICY),
        kind="workers-comp",
        injury_date=INJURY,
        claim_number="WC-55123",
    )
    return snapshot(session, case_claim(session, case, date(2026, 11, 2)), as_of=AS_OF)


@pytest.fixture
def auto(session):
    case = open_case(
        session,
        4,
        auto_policy(session),
        kind="auto",
        injury_date=date(2026, 9, 30),
        state="OR",
        claim_number="AU-1",
        pip_limit="200",
    )
    return snapshot(session, case_claim(session, case, date(2026, 11, 3)), as_of=AS_OF)


def test_a_clean_case_claim_has_no_injury_findings(wc, auto):
    for s in (wc, auto):
        for rule in ("case_required", "accident_state", "service_after_injury", "pip_limit"):
            assert rule_findings(s, rule) == [], rule


def test_workers_comp_claim_without_a_case_is_an_error(session):
    claim = bill(session, patient_id=WC_PATIENT, policy_id=WC_POLICY, day=date(2026, 11, 2))
    [finding] = rule_findings(snapshot(session, claim, as_of=AS_OF), "case_required")
    assert finding.severity == "error" and finding.box == "10a"
    assert "no injury case" in finding.message


def test_auto_claim_without_a_case_is_an_error(auto):
    [finding] = rule_findings(replace(auto, case=None), "case_required")
    assert finding.severity == "error" and finding.box == "10b"


def test_case_without_claim_number_is_an_error(wc):
    [finding] = rule_findings(
        replace(wc, case=replace(wc.case, claim_number=None)), "case_required"
    )
    assert finding.box == "11b" and "claim number" in finding.message


def test_case_of_the_wrong_kind_is_an_error(wc):
    found = rule_findings(replace(wc, case=replace(wc.case, kind="auto")), "case_required")
    assert [f.box for f in found] == ["10a"] and "auto case" in found[0].message


def test_auto_case_without_state_is_an_error(auto):
    [finding] = rule_findings(replace(auto, case=replace(auto.case, state=None)), "accident_state")
    assert finding.severity == "error" and finding.box == "10b"


def test_service_before_the_injury_is_an_error(wc):
    later = replace(wc.case, injury_date=date(2026, 11, 5))
    [finding] = rule_findings(replace(wc, case=later), "service_after_injury")
    assert finding.severity == "error" and finding.line == 1
    assert "2026-11-02 is before the injury on 2026-11-05" in finding.message


def test_claim_past_the_pip_limit_warns_with_the_amount_left(auto):
    assert auto.total_cents == 9750  # $97.50 within the $200 limit
    over = replace(auto, case=replace(auto.case, billed_elsewhere_cents=15000))
    [finding] = rule_findings(over, "pip_limit")
    assert finding.severity == "warning"
    assert "$50.00 of $200.00" in finding.message
