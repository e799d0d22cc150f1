"""`eligibility request` (270) and `eligibility import` (hand-written 271s in tests/data/x12/
elig_*): the day's policies and service types asked, notes recorded with method 271 and the
trace, what changed since the last note, inactive members, idempotence."""

from __future__ import annotations

import json
import stat
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from clinicbill.domain.coverage.verification import add_verification
from clinicbill.store.engine import transaction
from clinicbill.store.models import EligibilityRequest, Policy, Verification
from tests.claimkit import RECENT
from tests.conftest import cli_subprocess
from tests.factories import make_encounter
from tests.x12check import assert_valid, assert_valid_sdk
from tests.x12maps import map_path

DATA = Path(__file__).resolve().parents[1] / "data" / "x12"
DAY = RECENT - timedelta(days=3)
MASSAGE = {"code": "97124", "charge_cents": 6500, "units": 2, "minutes": 30}
ACUPUNCTURE = {"code": "97810", "charge_cents": 7500, "units": 1, "minutes": 15}


@pytest.fixture
def asked(sample_db, sample_run, tmp_path):
    """Chen (policy 1, massage) and Okafor (policy 4, acupuncture) seen on DAY; 270 written."""
    with transaction(sample_db, "tester") as s:
        make_encounter(s, 1, 1, DAY, [MASSAGE], 1)
        make_encounter(s, 3, 2, DAY, [ACUPUNCTURE], 4)
    out = tmp_path / "day.270"
    result = sample_run("eligibility", "request", "--date", DAY.isoformat(), "-o", str(out))
    assert result.exit_code == 0, result.output
    return sample_db, out


def _segments(text: str) -> list[str]:
    return [s.strip() for s in text.split("~") if s.strip()]


def test_request_asks_each_policy_for_its_visits_service_types(asked):
    db_url, out = asked
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    assert_valid_sdk(out)  # the 5010 270 model (x12sdk)
    assert_valid(out, map_path())  # pyx12 has no 5010 270 map: see tests/x12maps.py
    segs = _segments(out.read_text())
    assert segs[1].startswith("GS*HS*WILLOWCREEK01*CLEARINGHOUSE*")
    assert segs[1].endswith("*1*X*005010X279A1")
    assert "ST*270*0001*005010X279A1" in segs
    chen = segs.index("TRN*1*1-1*1931234567")
    assert segs[chen + 1] == "NM1*IL*1*CHEN*MAYA****MI*CHP884412001"
    assert segs[chen + 3 : chen + 6] == [
        f"DTP*291*D8*{DAY:%Y%m%d}",
        "EQ*30",
        "EQ*AE",
    ]
    okafor = segs.index("TRN*1*1-4*1931234567")  # dependent: 2000D after the subscriber
    assert segs[okafor - 1] == "HL*5*4*23*0"
    assert segs[okafor + 1] == "NM1*03*1*OKAFOR*LUCAS"
    assert "EQ*64" in segs[okafor:]
    assert segs[-3].startswith("SE*") and int(segs[-3].split("*")[1]) == len(segs) - 4
    with transaction(db_url, "tester") as s:
        traces = s.execute(select(EligibilityRequest.trace_number)).scalars().all()
    assert sorted(traces) == ["1-1", "1-4"]
    again = cli_subprocess(
        "--db", db_url, "eligibility", "request", "--date", DAY.isoformat(), "-o", str(out)
    )
    assert again.returncode == 1 and "already exists" in again.stderr


def test_import_active_plan_records_a_271_note(asked, sample_run):
    db_url, _ = asked
    result = sample_run("eligibility", "import", str(DATA / "elig_271_active.x12"))
    assert result.exit_code == 0, result.output
    assert "coverage ACTIVE" in result.output and "first verification" in result.output
    with transaction(db_url, "tester") as s:
        note = s.execute(select(Verification).where(Verification.policy_id == 1)).scalar_one()
        assert (note.method, note.call_reference) == ("271", "1-1")
        assert (note.deductible_cents, note.deductible_met_cents) == (50000, 15000)
        assert (note.oop_max_cents, note.oop_met_cents) == (300000, 55000)
        assert (note.copay_cents, note.coinsurance_pct) == (2500, 20)
        assert (note.visit_limit, note.visits_used_reported) == (20, 5)
        assert note.plan_year_start.isoformat() == "2026-01-01"
        assert note.massage_covered and note.acupuncture_covered
        assert note.preauth_required is True
        # benefits listed for both networks say nothing of the practice's own status; the
        # in-network deductible (500, not the out-of-network 1,500) is the one recorded
        assert note.in_network is None
        assert (
            "deductible for 30 health benefit plan coverage IND $1,500.00 calendar year "
            "out of network" in note.notes
        )
        assert "ACUPUNCTURE REQUIRES PRIOR AUTHORIZATION" in note.notes
        request = s.execute(
            select(EligibilityRequest).where(EligibilityRequest.trace_number == "1-1")
        ).scalar_one()
        assert request.answered_at is not None


def test_import_prints_what_changed_since_the_last_note(asked, sample_run):
    db_url, _ = asked
    with transaction(db_url, "tester") as s:
        add_verification(
            s,
            s.get(Policy, 1),
            method="phone",
            verified_by="frontdesk",
            deductible="500",
            deductible_met="100",
            copay="25",
        )
    result = sample_run("eligibility", "import", str(DATA / "elig_271_active.x12"))
    assert result.exit_code == 0, result.output
    assert "deductible met: $100.00 -> $150.00" in result.output
    assert "visit limit: not recorded -> 20" in result.output
    assert "copay:" not in result.output  # unchanged
    with transaction(db_url, "tester") as s:
        methods = (
            s.execute(
                select(Verification.method)
                .where(Verification.policy_id == 1)
                .order_by(Verification.id)
            )
            .scalars()
            .all()
        )
    assert methods == ["phone", "271"]  # append-only: the phone note stays


def test_inactive_member_and_idempotent_import(asked, sample_run):
    db_url, _ = asked
    path = str(DATA / "elig_271_inactive.x12")
    result = sample_run("--json", "eligibility", "import", path)
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["answers"][0]["policy"] == 4 and data["answers"][0]["active"] is False
    with transaction(db_url, "tester") as s:
        note = s.execute(select(Verification).where(Verification.policy_id == 4)).scalar_one()
        assert "coverage INACTIVE" in note.notes and "2026-10-31" in note.notes
    again = sample_run("eligibility", "import", path)
    assert again.exit_code == 0 and "already imported" in again.output
    with transaction(db_url, "tester") as s:
        assert len(s.execute(select(Verification)).scalars().all()) == 1


def test_a_truncated_271_is_refused_and_writes_nothing(asked, sample_run, tmp_path):
    db_url, _ = asked
    text = (DATA / "elig_271_active.x12").read_text()
    cut = tmp_path / "cut.271"
    cut.write_text(text[: text.index("EB*F*")])
    result = sample_run("eligibility", "import", str(cut))
    assert result.exit_code == 1 and result.output.startswith("error: cut.271: ")
    with transaction(db_url, "tester") as s:
        assert s.execute(select(Verification)).first() is None


def test_eligibility_import_as_a_subprocess(asked):
    db_url, _ = asked
    proc = cli_subprocess(
        "--db", db_url, "eligibility", "import", str(DATA / "elig_271_active.x12")
    )
    assert proc.returncode == 0, proc.stderr
    assert "imported 1 answer(s)" in proc.stdout
