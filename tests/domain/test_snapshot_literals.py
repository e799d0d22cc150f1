"""A claim snapshot built from literals, with no database (STYLE.md "The next shape"): the
pure builder (domain/claims/snapshot_build.py), a scrub rule and the 837P writer run on it the
way beancount tests a plugin from a few lines of ledger text."""

from __future__ import annotations

import time
from dataclasses import replace
from datetime import UTC, date, datetime
from types import SimpleNamespace as Row

import pytest

from clinicbill.domain.claims.scrub import has_errors, scrub
from clinicbill.domain.claims.scrub.codes import units_match_minutes
from clinicbill.domain.claims.snapshot_build import SnapshotSources, build_snapshots
from clinicbill.formats.x12_837 import write_837p
from tests.x12check import assert_valid

DOS = date(2026, 3, 2)

PRACTICE = Row(
    name="Willow Creek Bodywork LLC",
    npi="1928374655",
    tax_id="931234567",
    tax_id_type="EIN",
    taxonomy="225700000X",
    address1="2100 SE Division St",
    address2=None,
    city="Portland",
    state="OR",
    zip="972021234",
    phone="5035550142",
    email=None,
    submitter_id="WILLOWCREEK01",
    receiver_id="CLEARINGHOUSE",
    receiver_name="Example Clearinghouse",
    contact_name="Dana Ortiz",
    x12_usage="T",
)
PROVIDER = Row(
    id=1,
    first_name="Ana",
    last_name="Reyes",
    credential="LMT",
    npi="1746503824",
    taxonomy="225700000X",
    license="MT-22871",
    license_state="OR",
)
PAYER = Row(
    id=1,
    name="Cascade Health Plan",
    payer_id="CHP01",
    type="commercial",
    address1="500 NE Multnomah St",
    city="Portland",
    state="OR",
    zip="972322000",
    profile="commercial",
    timely_filing_days=None,
)
PATIENT = Row(
    id=1,
    last_name="Alvarez",
    first_name="Maria",
    middle_name=None,
    dob=date(1984, 5, 17),
    sex="F",
    address1="14 Oak St",
    address2=None,
    city="Portland",
    state="OR",
    zip="97214",
    phone="5035550100",
    account_number="P00001",
    signature_on_file=True,
    assignment_on_file=True,
)
POLICY = Row(
    id=1,
    patient_id=1,
    payer_id=1,
    priority="primary",
    member_id="CHP123456789",
    group_number="G-100",
    plan_name="Cascade PPO",
    relationship="self",
    effective_from=date(2026, 1, 1),
    effective_to=None,
)
CLAIM = Row(
    id=7,
    patient_id=1,
    policy_id=1,
    payer_id=1,
    provider_id=1,
    patient_control_number="CB7",
    status="ready",
    frequency="1",
    priority="primary",
    from_date=DOS,
    to_date=DOS,
    authorization_id=None,
    referral_id=None,
    original_claim_id=None,
)


def _line(number: int, code: str, units: int, minutes: int | None, charge_cents: int):
    claim_line = Row(id=number, claim_id=7, line_number=number, charge_cents=charge_cents)
    service_line = Row(
        id=number,
        encounter_id=3,
        code=code,
        modifiers="GP",
        units=units,
        minutes=minutes,
        pointers="1,2",
        description=None,
    )
    return (claim_line, service_line, DOS, "11", None)


def sources(*lines) -> SnapshotSources:
    return SnapshotSources(
        practice=PRACTICE,
        providers={1: PROVIDER},
        payers={1: PAYER},
        patients={1: PATIENT},
        policies={1: POLICY},
        claims=[CLAIM],
        line_rows=list(lines),
        dx_by_encounter={3: [(1, "M54.50"), (2, "M62.830")]},
    )


def one_snapshot(*lines):
    (snapshot,) = build_snapshots(sources(*lines), as_of=date(2026, 3, 5))
    return snapshot


def test_the_builder_turns_plain_rows_into_a_snapshot():
    snapshot = one_snapshot(_line(1, "97124", 2, 30, 9000), _line(2, "97140", 1, 15, 5000))
    assert snapshot.claim_id == 7
    assert snapshot.diagnoses == ("M54.50", "M62.830")
    assert [(x.code, x.units, x.pointers, x.modifiers) for x in snapshot.lines] == [
        ("97124", 2, (1, 2), ("GP",)),
        ("97140", 1, (1, 2), ("GP",)),
    ]
    assert snapshot.total_cents == 14000
    assert snapshot.coverage.member_id == "CHP123456789"
    assert snapshot.coverage.subscriber.last_name == "Alvarez"  # self: the patient
    assert snapshot.rendering.npi == "1746503824"
    assert snapshot.profile.name == "commercial"
    assert snapshot.other_coverage is None and snapshot.referral is None


def test_a_scrub_rule_runs_on_a_literal_snapshot():
    # 97124 and 97140 for 20 + 10 minutes: 30 minutes allow 2 units in all (8-minute rule).
    right = one_snapshot(_line(1, "97124", 1, 20, 4500), _line(2, "97140", 1, 10, 5000))
    assert units_match_minutes(right) == []
    over = one_snapshot(_line(1, "97124", 3, 20, 13500), _line(2, "97140", 1, 10, 5000))
    (finding,) = units_match_minutes(over)
    assert finding.severity == "error" and finding.box == "24G" and finding.line == 1
    assert "97124: 3 unit(s) billed" in finding.message


def test_the_whole_scrubber_passes_a_clean_literal_claim_and_stops_a_bad_code():
    clean = one_snapshot(_line(1, "97124", 2, 30, 9000))
    assert not has_errors(scrub(clean)), scrub(clean)
    bad = replace(clean, diagnoses=("M54.5",))  # not billable after the FY2022 split
    assert any(f.box.startswith("21") and f.severity == "error" for f in scrub(bad))


def test_the_837p_is_written_from_a_literal_snapshot_and_validates():
    snapshot = one_snapshot(_line(1, "97124", 2, 30, 9000), _line(2, "97140", 1, 15, 5000))
    text = write_837p([snapshot], 42, datetime(2026, 3, 5, 9, 30))
    assert_valid(text)
    segments = text.replace("\n", "").split("~")
    assert "CLM*CB7*140***11:B:1*Y*A*Y*Y" in segments
    assert "SV1*HC:97124:GP*90*UN*2***1:2" in segments
    assert "NM1*IL*1*ALVAREZ*MARIA****MI*CHP123456789" in segments


@pytest.fixture
def chicago(monkeypatch):
    monkeypatch.setenv("TZ", "America/Chicago")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


def test_interchange_times_are_the_practices_local_time(chicago):
    """ISA09/10, GS04/05 and BHT04/05 carry the sender's local time: a UTC-aware moment is
    converted (15:30 UTC on 2 March 2026 is 09:30 in Chicago, CST)."""
    snapshot = one_snapshot(_line(1, "97124", 2, 30, 9000))
    text = write_837p([snapshot], 42, datetime(2026, 3, 2, 15, 30, tzinfo=UTC))
    isa, gs, _st, bht = text.replace("\n", "").split("~")[:4]
    assert isa.split("*")[9:11] == ["260302", "0930"]
    assert gs.split("*")[4:6] == ["20260302", "0930"]
    assert bht.split("*")[4:6] == ["20260302", "0930"]
    assert_valid(text)
