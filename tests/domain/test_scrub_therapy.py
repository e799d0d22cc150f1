"""Medicare therapy threshold (domain/claims/scrub/therapy.py): past the year's KX amount in the
Medicare profile, a therapy line without KX is an error; with KX, or below it, none."""

from __future__ import annotations

from datetime import date

import pytest

from clinicbill.domain.claims.scrub.therapy import kx_past_threshold
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
