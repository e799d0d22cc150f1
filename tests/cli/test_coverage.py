"""`verify`, `referral` and `auth` through the CLI: output, JSON, refusals that write nothing,
append-only notes, a real subprocess and a real terminal."""

from __future__ import annotations

import json
import sys
from datetime import date, timedelta
from pathlib import Path

import pexpect
from sqlalchemy import func, select

from clinicbill.store.engine import transaction
from clinicbill.store.models import AuditLog, Authorization, Referral, Verification
from tests.conftest import cli_subprocess
from tests.factories import make_encounter

EXE = str(Path(sys.executable).parent / "clinicbill")
FULL_NOTE = [
    "--method",
    "phone",
    "--representative",
    "Jordan",
    "--call-reference",
    "R-1001",
    "--in-network",
    "yes",
    "--massage-covered",
    "yes",
    "--acupuncture-covered",
    "no",
    "--visit-limit",
    "20",
    "--visits-used",
    "3",
    "--plan-year-start",
    "2026-01-01",
    "--deductible",
    "500",
    "--deductible-met",
    "120",
    "--oop-max",
    "3000",
    "--oop-met",
    "400.50",
    "--copay",
    "25",
    "--coinsurance",
    "20",
    "--preauth-required",
    "no",
    "--referral-required",
    "yes",
    "--exclusions",
    "no cupping",
    "--notes",
    "rep confirmed massage under PT benefit",
    "--reverify-by",
    "2027-01-01",
    "--verified-at",
    "2026-11-02",
]


def counts(db_url) -> tuple[int, ...]:
    with transaction(db_url, "tester") as s:
        return tuple(
            s.execute(select(func.count()).select_from(model)).scalar()
            for model in (Verification, Referral, Authorization, AuditLog)
        )


def test_verify_add_list_show(sample_run):
    added = sample_run("verify", "add", "1", *FULL_NOTE)
    assert added.exit_code == 0, added.output
    assert "verification 1 recorded for policy 1" in added.stdout
    assert "3 by our sessions" not in added.stdout and "payer reported 3" in added.stdout
    shown = json.loads(sample_run("--json", "verify", "show", "1").stdout)
    assert shown["deductible_met_cents"] == 12000 and shown["oop_met_cents"] == 40050
    assert shown["acupuncture_covered"] is False and shown["referral_required"] is True
    assert shown["verified_by"] == "tester" and shown["current"] is True
    assert shown["verified_at"].startswith("2026-11-02")
    text = sample_run("verify", "show", "1").stdout
    assert "$400.50" in text and "20%" in text and "R-1001" in text
    listed = json.loads(sample_run("--json", "verify", "list", "CHP884412001").stdout)
    assert [n["status"] for n in listed["notes"]] == ["current"]
    assert listed["visits"]["visit_limit"] == 20 and listed["visits"]["visits_remaining"] == 17
    table = sample_run("verify", "list", "1").stdout
    assert "R-1001" in table and "limit 20, 17 remaining" in table


def test_visits_remaining_follow_the_sessions(sample_run, sample_db):
    assert sample_run("verify", "add", "1", *FULL_NOTE).exit_code == 0
    with transaction(sample_db, "tester") as s:
        for day in (3, 10, 17, 24):
            make_encounter(s, 1, 1, date(2026, 11, day), [{"code": "97124", "charge_cents": 1}], 1)
    listed = json.loads(sample_run("--json", "verify", "list", "1").stdout)
    assert listed["visits"]["visits_used_practice"] == 4
    assert listed["visits"]["visits_remaining"] == 16  # 20 - max(4, 3)


def test_notes_are_append_only_from_the_cli(sample_run, sample_db):
    assert sample_run("verify", "add", "1", "--method", "portal").exit_code == 0
    for verb in ("edit", "delete", "remove", "update"):
        assert sample_run("verify", verb, "1").exit_code == 2
    helped = sample_run("verify", "--help").stdout
    assert "add" in helped and "edit" not in helped and "delete" not in helped
    fixed = sample_run(
        "verify", "add", "1", "--method", "portal", "--corrects", "1", "--copay", "30"
    )
    assert fixed.exit_code == 0 and "(corrects 1: changed copay)" in fixed.stdout
    notes = json.loads(sample_run("--json", "verify", "list", "1").stdout)["notes"]
    assert [n["status"] for n in notes] == ["corrected by 2", "current; corrects 1"]
    original = json.loads(sample_run("--json", "verify", "show", "1").stdout)
    assert original["copay_cents"] is None and original["corrected_by"] == 2


def test_refusals_write_nothing(sample_run, sample_db):
    assert sample_run("verify", "add", "1", *FULL_NOTE).exit_code == 0
    before = counts(sample_db)
    attempts = [
        (["verify", "add", "1", "--method", "phone", "--coinsurance", "150"], "coinsurance: 150"),
        (
            [
                "verify",
                "add",
                "1",
                "--method",
                "phone",
                "--deductible",
                "1",
                "--deductible-met",
                "2",
            ],
            "deductible-met",
        ),
        (["verify", "add", "1"], "method: a value is required"),
        (["verify", "add", "99", "--method", "phone"], "policy: no policy matches"),
        (["verify", "add", "1", "--method", "phone", "--corrects", "42"], "corrects: '42'"),
        (
            [
                "auth",
                "add",
                "1",
                "--number",
                "A",
                "--start",
                "2026-05-01",
                "--end",
                "2026-04-01",
                "--visits",
                "4",
            ],
            "end: 2026-04-01 is before start",
        ),
        (
            ["auth", "add", "1", "--number", "A", "--start", "2026-05-01", "--end", "2026-06-01"],
            "visits: a value is required",
        ),
        (
            [
                "referral",
                "add",
                "Chen",
                "--first-name",
                "A",
                "--last-name",
                "B",
                "--npi",
                "1234567890",
                "--date",
                "2026-10-01",
            ],
            "npi: '1234567890' is not a valid NPI",
        ),
        (
            [
                "referral",
                "add",
                "Chen",
                "--first-name",
                "A",
                "--last-name",
                "B",
                "--npi",
                "1679576722",
                "--date",
                "2026-10-01",
                "--dx",
                "M54.5",
            ],
            "M54.50, M54.51, M54.59",
        ),
    ]
    for args, message in attempts:
        result = sample_run(*args)
        missing = "a value is required" in message  # a usage error (exit 2)
        assert result.exit_code == (2 if missing else 1), args
        assert message in result.stderr, (args, result.stderr)
        assert "Traceback" not in result.output
    assert counts(sample_db) == before


def test_auth_add_list_show(sample_run, sample_db):
    today = date.today()
    soon = (today + timedelta(days=10)).isoformat()
    later = (today + timedelta(days=200)).isoformat()
    start = (today - timedelta(days=30)).isoformat()
    added = sample_run(
        "auth", "add", "1", "--number", "pa-77", "--start", start, "--end", soon,
        "--visits", "6", "--codes", "97124, 97140",
    )  # fmt: skip
    assert added.exit_code == 0, added.output
    assert "authorization 1 (PA-77) recorded for policy 1: 6 visits" in added.stdout
    sample_run("auth", "add", "1", "--number", "PA-78", "--start", start, "--end", later,
               "--units", "40")  # fmt: skip
    sample_run("auth", "add", "4", "--number", "PA-79", "--start", start, "--end", later,
               "--visits", "3")  # fmt: skip
    with transaction(sample_db, "tester") as s:
        enc = make_encounter(
            s, 3, 1, today - timedelta(days=3), [{"code": "97124", "charge_cents": 1}], 4
        )
        enc.authorization_id = 3
    rows = json.loads(sample_run("--json", "auth", "list").stdout)
    assert [r["number"] for r in rows] == ["PA-77", "PA-78", "PA-79"]  # by end date, id
    expiring = json.loads(sample_run("--json", "auth", "list", "--expiring", "30").stdout)
    assert {r["number"]: r["flags"] for r in expiring} == {
        "PA-77": ["expiring"],
        "PA-79": ["nearly-exhausted"],
    }
    text = sample_run("auth", "list", "--expiring", "5").stdout
    assert "PA-79" in text and "PA-77" not in text and "nearly-exhausted" in text
    only = json.loads(sample_run("--json", "auth", "list", "--policy", "CHP77310002").stdout)
    assert [r["number"] for r in only] == ["PA-79"]
    shown = json.loads(sample_run("--json", "auth", "show", "3").stdout)
    assert shown["visits_remaining"] == 2 and shown["sessions"][0]["session"] == enc.id
    assert "linked sessions" in sample_run("auth", "show", "3").stdout
    assert sample_run("auth", "show", "9").exit_code == 1
    assert sample_run("auth", "list", "--expiring", "-1").exit_code == 2


def test_referral_add_list(sample_run):
    result = sample_run(
        "referral", "add", "Chen", "--first-name", "Helen", "--last-name", "Park",
        "--npi", "1679576722", "--qualifier", "dk", "--date", "2026-10-01",
        "--dx", "M54.50,m62830", "--visits", "12", "--expires", "2027-04-01",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "referral 1 recorded for patient 1: Helen Park (DK) 2026-10-01" in result.stdout
    rows = json.loads(sample_run("--json", "referral", "list", "Chen").stdout)
    assert rows[0]["diagnoses"] == "M54.50,M62.830" and rows[0]["status"] == "active"
    assert rows[0]["visits_remaining"] == 12
    assert json.loads(sample_run("--json", "referral", "list", "Okafor").stdout) == []


def test_demo_steps_run_in_order(sample_run, tmp_path):
    from clinicbill.cli.coverage import DEMO_STEPS

    for heading, step in DEMO_STEPS:
        args = step(tmp_path) if callable(step) else step
        result = sample_run(*args)
        assert result.exit_code == 0, (heading, result.output)
    rows = json.loads(sample_run("--json", "auth", "list").stdout)
    assert rows[0]["policy_id"] == 1 and rows[0]["visits_remaining"] == 8


def test_real_subprocess(sample_db):
    db = sample_db
    out = cli_subprocess("--db", db, "verify", "add", "1", "--method", "271", "--visit-limit", "12")
    assert out.returncode == 0, out.stderr
    out = cli_subprocess("--db", db, "--json", "verify", "list", "1")
    assert json.loads(out.stdout)["visits"]["visits_remaining"] == 12
    out = cli_subprocess("--db", db, "verify", "add", "1", "--method", "fax")
    assert out.returncode == 1 and out.stderr.startswith("error: method: 'fax' is not accepted")
    assert "Traceback" not in out.stderr


def test_verify_add_at_a_terminal_asks_in_call_order(sample_db):
    child = pexpect.spawn(
        EXE,
        ["--db", sample_db, "verify", "add", "1", "--in-network", "yes"],
        encoding="utf-8",
        timeout=30,
        dimensions=(40, 120),
    )
    answers = [
        ("Verified how", "fax"),  # refused at the prompt, asked again
        ("is not accepted", "phone"),
        ("Representative", "Jo"),
        ("Call reference", "R77"),
        ("Massage covered", "yes"),
        ("Acupuncture covered", "no"),
        ("Visit limit", "20"),
        ("Visits used", "2"),
        ("Plan year starts", "2026-01-01"),
        ("Deductible \\(", "500"),
        ("Deductible met", "100"),
        ("Out-of-pocket maximum", ""),
        ("Out-of-pocket met", ""),
        ("Copay", "25"),
        ("Coinsurance", "150"),
        ("more than 100", "20"),
        ("Pre-authorization", "no"),
        ("Referral/prescription", "yes"),
        ("Exclusions", ""),
        ("Notes", "called at 9am"),
        ("Re-verify by", "2027-01-01"),
    ]
    for prompt, text in answers:
        child.expect(prompt)
        if text == "" or prompt in ("is not accepted", "more than 100"):
            child.sendcontrol("u")  # clear the refused answer first
        child.sendline(text)
    child.expect("Save this verification")  # the review: Save is the default
    child.sendline("")
    child.expect("verification 1 recorded")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
    shown = json.loads(cli_subprocess("--db", sample_db, "--json", "verify", "show", "1").stdout)
    assert shown["in_network"] is True and shown["call_reference"] == "R77"
    assert shown["coinsurance_pct"] == 20 and shown["oop_max_cents"] is None
    assert shown["notes"] == "called at 9am" and shown["visit_limit"] == 20


def test_ctrl_c_at_a_verify_prompt_writes_nothing(sample_db):
    before = counts(sample_db)
    child = pexpect.spawn(
        EXE, ["--db", sample_db, "verify", "add", "1"], encoding="utf-8", timeout=30
    )
    child.expect("Verified how")
    child.sendline("phone")
    child.expect("Representative")
    child.sendcontrol("c")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 1
    assert counts(sample_db) == before
