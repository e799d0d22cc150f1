"""Medicare therapy threshold (domain/claims/scrub/therapy.py): past the year's KX amount in the
Medicare profile, a therapy line without KX is an error; with KX, or below it, none."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from clinicbill.domain.cases.necessity import states_medical_necessity
from clinicbill.domain.claims.scrub.therapy import kx_past_threshold, necessity_documented
from clinicbill.domain.practice.profiles import load_profile
from clinicbill.store.engine import transaction
from tests.claimkit import bill, snapshot

MEDICARE_PATIENT, MEDICARE_POLICY = 2, 2


@pytest.fixture
def session(sample_db):
    with transaction(sample_db, "tester") as s:
        yield s


def _therapy(session, day, cents, modifiers="GP"):
    lines = [{"code": "97110", "charge_cents": cents, "minutes": 15, "modifiers": modifiers}]
    claim = bill(
        session, patient_id=MEDICARE_PATIENT, policy_id=MEDICARE_POLICY, day=day, lines=lines
    )
    return snapshot(session, claim, as_of=date(2026, 4, 1))


def test_the_medicare_profile_has_the_years_threshold():
    assert load_profile("medicare").therapy_threshold["amounts"]["2026"] == 2480
    assert load_profile("commercial").therapy_threshold == {}


def test_below_the_threshold_no_kx_is_needed(session):
    assert kx_past_threshold(_therapy(session, date(2026, 3, 1), 240000)) == []


def test_past_the_threshold_without_kx_is_an_error(session):
    _therapy(session, date(2026, 3, 1), 240000)
    [found] = kx_past_threshold(_therapy(session, date(2026, 3, 10), 10000))
    assert found.severity == "error" and found.box == "24D" and found.line == 1
    assert "$2,500.00" in found.message and "$2,480.00 KX threshold" in found.message


def test_past_the_threshold_with_kx_is_clean_and_a_new_year_starts_over(session):
    _therapy(session, date(2026, 3, 1), 240000)
    assert kx_past_threshold(_therapy(session, date(2026, 3, 10), 10000, "GP,KX")) == []
    _therapy(session, date(2025, 3, 1), 10000)  # 2025 counts on its own
    assert kx_past_threshold(_therapy(session, date(2025, 3, 10), 10000)) == []


def _note(session, claim, plan=None, addendum=None):
    from clinicbill.store.models import Addendum, ClaimLine, Encounter, ServiceLine

    line = session.execute(
        select(ServiceLine).join(ClaimLine).where(ClaimLine.claim_id == claim.id)
    ).scalar_one()
    if plan is not None:
        session.get(Encounter, line.encounter_id).plan = plan
    if addendum is not None:
        session.add(Addendum(encounter_id=line.encounter_id, text=addendum, author="tester"))
    session.flush()
    return line.encounter_id


def _past(session, modifiers="GP,KX"):
    _therapy(session, date(2026, 3, 1), 240000)
    lines = [{"code": "97110", "charge_cents": 10000, "minutes": 15, "modifiers": modifiers}]
    return bill(
        session,
        patient_id=MEDICARE_PATIENT,
        policy_id=MEDICARE_POLICY,
        day=date(2026, 3, 10),
        lines=lines,
    )


def test_a_statement_of_medical_necessity_is_found_and_a_negation_is_not():
    assert states_medical_necessity("Continued therapy is medically necessary to regain gait.")
    assert states_medical_necessity("Medical necessity: reach overhead for dressing")
    assert states_medical_necessity("Services are reasonable and necessary per POC.")
    assert not states_medical_necessity("Not medically necessary; discharge to home program.")
    assert not states_medical_necessity("Continue weekly.") and not states_medical_necessity(None)


def test_past_the_threshold_a_note_without_medical_necessity_is_an_error(session):
    claim = _past(session)
    s = snapshot(session, claim, as_of=date(2026, 4, 1))
    assert kx_past_threshold(s) == []  # KX is there
    [found] = necessity_documented(s)
    assert found.severity == "error" and found.box == "24D" and found.line == 1
    assert "documents no medical necessity" in found.message and "$2,480.00" in found.message
    assert found.hint.startswith("clinicbill session addendum ")


def test_medical_necessity_in_the_plan_or_an_addendum_is_documentation(session):
    claim = _past(session)
    _note(session, claim, plan="Continue 2x/week: skilled therapy is medically necessary.")
    assert necessity_documented(snapshot(session, claim, as_of=date(2026, 4, 1))) == []
    other = _past(session)
    _note(session, other, addendum="Not medically necessary? No: gains continue.")
    assert necessity_documented(snapshot(session, other, as_of=date(2026, 4, 1)))
    _note(session, other, addendum="Reasonable and necessary: strength 3/5 -> 4/5 expected.")
    assert necessity_documented(snapshot(session, other, as_of=date(2026, 4, 1))) == []


def test_below_the_threshold_no_statement_is_needed(session):
    s = _therapy(session, date(2026, 3, 1), 10000)
    assert necessity_documented(s) == [] and kx_past_threshold(s) == []


def test_claim_check_reports_both_past_the_threshold(sample_run, sample_db):
    import json

    with transaction(sample_db, "tester") as s:
        claim_id = _past(s, modifiers="GP").id
    out = sample_run("--json", "claim", "check", str(claim_id))
    rules = {f["rule"] for f in json.loads(out.stdout)["findings"] if f["severity"] == "error"}
    assert {"kx_past_threshold", "necessity_documented"} <= rules
