"""Shipped code lists checked on the date of service: ICD-10-CM by fiscal year, the CMS
place-of-service list, and the profiles' diagnosis-to-service rules (with their scrub rules)."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import date, timedelta

import pytest

from clinicbill.domain.claims.scrub import codes, support
from clinicbill.domain.codesets import icd
from clinicbill.domain.codesets.icd_years import (
    billable_codes,
    check_on,
    fiscal_year,
    shipped_years,
)
from clinicbill.domain.codesets.pos import pos_name
from clinicbill.domain.errors import ClinicbillError
from clinicbill.domain.practice.profiles import PROFILE_NAMES, DiagnosisSupport, load_profile
from clinicbill.store.engine import transaction
from tests.claimkit import RECENT, bill, snapshot

ACUPUNCTURE = [
    {"code": "97810", "charge_cents": 8500, "units": 1, "minutes": 15},
    {"code": "97811", "charge_cents": 4000, "units": 1, "minutes": 15},
]


@pytest.fixture
def session(sample_db):
    with transaction(sample_db, "tester") as s:
        yield s


def test_fiscal_years_start_on_october_first():
    assert fiscal_year(date(2024, 9, 30)) == 2024
    assert fiscal_year(date(2024, 10, 1)) == 2025
    assert "M5136" in billable_codes(2021) and "M5136" not in billable_codes(2025)
    assert "M51360" in billable_codes(2025) and "S134XXA" in billable_codes(2026)


def test_every_fiscal_year_in_the_longest_timely_filing_window_is_shipped():
    years = shipped_years()
    assert years == tuple(range(years[0], years[-1] + 1)) and years[0] <= 2022
    # the official totals of each year's code set (CMS/CDC release notes)
    totals = {2022: 72750, 2023: 73674, 2024: 74044, 2025: 74260, 2026: 74719}
    assert {year: len(billable_codes(year)) for year in totals} == totals
    longest = max(load_profile(n).timely_filing_days for n in PROFILE_NAMES)
    newest_end = date(years[-1], 9, 30)
    assert fiscal_year(newest_end - timedelta(days=longest)) in years


def test_a_code_is_checked_against_the_set_in_force_on_its_date():
    assert check_on("M51.36", date(2021, 3, 1)).verdict == "ok"
    gone = check_on("M51.36", date(2025, 7, 15))
    assert gone.verdict == "error" and "FY2025" in gone.message
    early = check_on("M51.360", date(2021, 3, 1))
    assert early.verdict == "error"
    assert "FY2021" in early.message and "billable from FY2025 (2024-10-01..2025-09-30)" in (
        early.message
    )
    assert check_on("M51.360", date(2024, 10, 1)).verdict == "ok"
    # valid from 2024-10-01, used on 2024-07-15: the FY2024 set says no
    late = check_on("M51.360", date(2024, 7, 15))
    assert late.verdict == "error" and late.year == 2024
    assert "not a billable code in the FY2024 ICD-10-CM code set (in force on 2024-07-15)" in (
        late.message
    )
    assert check_on("M54.50", date(2021, 9, 30)).verdict == "error"  # M54.50 is FY2022's
    assert check_on("M54.50", date(2021, 10, 1)).verdict == "ok"
    assert check_on("M54.5", date(2021, 10, 1)).verdict == "error"
    assert check_on("M62.830", date(2023, 1, 5)).verdict == "ok"
    # before the oldest set: checked against it, a warning only
    assert check_on("M54.50", date(2019, 1, 5)).verdict == "warning"
    # after the newest set: checked against it, and the message says so
    newer = check_on("M51.36", date(2026, 11, 2))
    assert newer.verdict == "error" and newer.year == 2026
    assert "FY2026 ICD-10-CM code set (the newest shipped; FY2027 is in force" in newer.message


def test_entry_refuses_a_code_not_billable_on_the_date_of_service():
    with pytest.raises(ClinicbillError) as caught:
        icd.check_billable("M51.36", date(2025, 7, 15), "dx")
    assert "FY2025" in caught.value.message and "M51.360" in caught.value.hint
    assert icd.check_billable("M51.36", date(2021, 6, 1)) == "M51.36"
    with pytest.raises(ClinicbillError) as caught:
        icd.check_billable("M51.360", date(2024, 7, 15), "dx")
    assert caught.value.message.startswith("dx: M51.360 is not a billable code in the FY2024")
    assert icd.check_billable("M51.360", date(2024, 10, 1)) == "M51.360"
    assert icd.year_warning("M54.50", date(2019, 1, 5)) is not None
    assert icd.year_warning("M51.360", date(2025, 7, 15)) is None


def test_scrub_checks_each_diagnosis_on_its_date_of_service(session):
    bad = snapshot(session, bill(session, diagnoses=("M51.36",), day=RECENT))
    [error] = codes.diagnoses_valid(bad)  # FY2027 ships no set: the refusal names FY2026
    assert error.severity == "error" and "FY2026" in error.message and "M51.360" in error.hint
    old = snapshot(session, bill(session, diagnoses=("M51.36",), day=date(2021, 6, 1)))
    assert [f for f in codes.diagnoses_valid(old) if f.severity == "error"] == []
    fy25 = snapshot(session, bill(session, diagnoses=("M51.36",), day=date(2025, 7, 15)))
    [found] = [f for f in codes.diagnoses_valid(fy25) if f.severity == "error"]
    assert "FY2025" in found.message and found.box == "21"
    fy24 = snapshot(session, bill(session, diagnoses=("M51.360",), day=date(2024, 7, 15)))
    [found] = codes.diagnoses_valid(fy24)
    assert found.severity == "error" and "FY2024" in found.message


@pytest.mark.parametrize("name", [n for n in PROFILE_NAMES if n != "self-pay"])
def test_every_code_in_every_shipped_profile_is_billable(name):
    profile = load_profile(name)
    latest = max(shipped_years())
    for code in profile.acupuncture.get("covered_diagnoses", ()):
        assert code.replace(".", "") in billable_codes(latest), f"{name}: {code}"
    for rule in profile.diagnosis_support:
        for prefix in (*rule.supported_by, *rule.not_supported_by):
            assert icd.lookup(prefix) is not None, f"{name}: {prefix} is no ICD-10-CM code"


def test_place_of_service_list():
    assert pos_name("11") == "Office" and pos_name("02") and pos_name("99")
    assert pos_name("85") is None and pos_name("00") is None and pos_name("30") is None


def test_unlisted_place_of_service_is_a_scrub_error(session):
    s = snapshot(session, bill(session))
    assert support.place_of_service_listed(s) == []
    bad = replace(s, lines=tuple(replace(line, place_of_service="85") for line in s.lines))
    [found] = support.place_of_service_listed(bad)
    assert found.severity == "error" and found.box == "24B" and "85" in found.message


def test_acupuncture_pointed_only_at_a_wellness_code_is_refused(session):
    claim = bill(session, patient_id=7, policy_id=7, lines=ACUPUNCTURE, diagnoses=("Z00.00",))
    found = support.diagnosis_supports_service(snapshot(session, claim))
    assert [f.line for f in found] == [1, 2] and all(f.severity == "error" for f in found)
    assert "Z00.00: only wellness/screening codes" in found[0].message


def test_acupuncture_with_a_condition_is_supported(session):
    lines = [dict(line, pointers="1,2") for line in ACUPUNCTURE]
    claim = bill(session, patient_id=7, policy_id=7, lines=lines, diagnoses=("Z00.00", "M54.50"))
    assert support.diagnosis_supports_service(snapshot(session, claim)) == []


def test_a_profile_can_require_supporting_diagnoses(session):
    s = snapshot(session, bill(session, diagnoses=("M62.830",)))
    rule = DiagnosisSupport("back only", ("97124",), supported_by=("M54",))
    strict = replace(s, profile=replace(s.profile, diagnosis_support=(rule,)))
    [found] = support.diagnosis_supports_service(strict)
    assert "none supports it" in found.message and "back only" in found.message
    fine = replace(strict, diagnoses=("M54.50",))
    assert support.diagnosis_supports_service(fine) == []


def test_entry_refuses_unlisted_pos_and_a_code_not_in_force(sample_run):
    base = ["session", "add", "--patient", "P00001", "--provider", "Reyes", "--line", "97124"]
    pos = sample_run(*base, "--dx", "M54.50", "--pos", "85")
    assert pos.exit_code == 1
    assert "place-of-service: 85 is not on the CMS place-of-service list" in pos.output
    assert "hint: use an assigned code: 11 office" in pos.output
    dx = sample_run(*base, "--dx", "M51.36", "--date", "2025-07-15")
    assert dx.exit_code == 1 and "FY2025 ICD-10-CM code set" in dx.output
    fy24 = sample_run(*base, "--dx", "M51.360", "--date", "2024-07-15")
    assert fy24.exit_code == 1 and "M51.360 is not a billable code in the FY2024" in fy24.output
    assert json.loads(sample_run("--json", "session", "list").stdout) == []  # nothing written
