"""The daily loop at a real terminal, second part (issue 16): free text that finishes on an
empty line, the diagnosis prompt's way back, packages drawn by default, acupuncture with
e-stim first, the signature. Driven with pexpect as in test_sessions_interactive.py."""

from __future__ import annotations

import json
import os

import pexpect
import pytest

from tests.cli.test_sessions_interactive import DOWN, ENTER, EXE, UP, answer, spawn
from tests.conftest import cli_subprocess

WHO = ["--patient", "P00001", "--provider", "Reyes", "--date", "2026-11-20"]
NO_TEMPLATE = [*WHO, "--template", "", "--line", "97124:minutes=38"]


@pytest.fixture
def sample_file(tmp_path) -> str:
    db = str(tmp_path / "tty.db")
    assert cli_subprocess("--db", db, "init", "--sample").returncode == 0
    return db


def show(db: str, ident: str = "1") -> dict:
    return json.loads(cli_subprocess("--db", db, "--json", "session", "show", ident).stdout)


def test_free_text_finishes_with_enter_on_an_empty_line(sample_file):
    child, transcript = spawn(sample_file, *NO_TEMPLATE)
    answer(child, "Bill to", ENTER)
    answer(child, "Diagnosis 1", "M54.50" + ENTER)
    answer(child, "Diagnosis 2", ENTER)
    # said at the prompt
    two_lines = "Low back tight." + ENTER + "Worse mornings." + ENTER + ENTER
    answer(child, "Subjective.*Enter on an empty line to finish", two_lines)
    child.expect("Pain before", timeout=5)  # two lines, then an empty line: finished
    child.send("6" + ENTER)
    answer(child, "Objective", ENTER)  # Enter on an empty answer: left blank
    answer(child, "Assessment", "Softer." + ENTER + ENTER)
    answer(child, "Pain after", "3" + ENTER)
    answer(child, "Plan", "Weekly." + ENTER + ENTER)
    answer(child, "Save this session", ENTER)  # the draft
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0, transcript.text
    data = show(sample_file)
    assert data["subjective"] == "Low back tight.\nWorse mornings."
    assert data["objective"] in (None, "") and data["plan"] == "Weekly."


def test_type_again_at_a_category_asks_the_diagnosis_again(sample_file):
    child, transcript = spawn(sample_file, *NO_TEMPLATE)
    answer(child, "Bill to", ENTER)
    answer(child, "Diagnosis 1", "M54.5" + ENTER)  # a category
    answer(child, "pick a code", UP + ENTER)  # (type again), the last choice
    answer(child, "Diagnosis 1", "M62.830" + ENTER)  # still the first diagnosis
    answer(child, "Diagnosis 2", ENTER)
    child.expect("Subjective")
    child.sendcontrol("c")
    child.expect(pexpect.EOF)
    child.close()
    assert "None" not in transcript.text and "(type again)  " not in transcript.text
    assert "A  M62.830" in transcript.text


def _walk_self_pay_massage(child) -> None:
    """A self-pay 60-minute massage for Sofia Haddad (no policy), note left blank."""
    answer(child, "Diagnosis 1", ENTER)  # none needed for self-pay
    answer(child, "Service", "97124" + ENTER)
    answer(child, "minutes", "60" + ENTER)
    answer(child, "modifiers", ENTER)
    answer(child, "Another service", ENTER)
    for prompt in ("Subjective", "Pain before", "Objective", "Assessment", "Pain after", "Plan"):
        answer(child, prompt, ENTER)


def test_a_cash_visit_pays_with_the_package_by_default(sample_file):
    sold = cli_subprocess(
        "--db", sample_file, "package", "add", "P00006", "--name", "10 massages",
        "--price", "850", "--visits", "10", "--method", "card", "--date", "2026-11-01",
    )  # fmt: skip
    assert sold.returncode == 0, sold.stderr
    who = ["--patient", "P00006", "--provider", "Reyes", "--date", "2026-11-20", "--template", ""]
    child, transcript = spawn(sample_file, *who)
    answer(child, "Pay with", ENTER)  # the package is the default
    _walk_self_pay_massage(child)
    child.expect("paid with  package 1: 10 massages \\(10 of 10 visits left")
    answer(child, "Save this session", ENTER)
    child.expect("9 of 10 visits left")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0, transcript.text
    rows = json.loads(cli_subprocess("--db", sample_file, "--json", "package", "list").stdout)
    assert rows[0]["visits_used"] == "1/10" and rows[0]["value_left"] == "765.00"


def test_package_add_at_a_terminal_asks_visits_and_expiry(sample_file):
    child = pexpect.spawn(
        EXE,
        ["--db", sample_file, "package", "add", "P00006", "--name", "Monthly", "--price", "120"],
        encoding="utf-8",
        timeout=30,
        dimensions=(50, 160),
        env={**os.environ, "PROMPT_TOOLKIT_NO_CPR": "1"},
    )
    answer(child, "Method", "card" + ENTER)
    answer(child, "Visits included", "lots" + ENTER)  # refused at the prompt
    child.expect("a number of visits 1-1000, or the word membership")
    child.send("\x15membership" + ENTER)
    answer(child, "Last day it can be used", ENTER)  # a membership needs an end
    child.expect("required")
    child.send("12/31/2027" + ENTER)
    child.expect("membership: any number of visits\\), expires 2027-12-31")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
    (row,) = json.loads(cli_subprocess("--db", sample_file, "--json", "package", "list").stdout)
    assert row["visits_used"] == "membership" and row["expires_on"] == "2027-12-31"


def test_acupuncture_asks_e_stim_first_and_records_its_settings(sample_file):
    who = ["--patient", "Whitfield", "--provider", "Lin", "--date", "2026-11-21"]
    child, transcript = spawn(sample_file, *who, "--dx", "M54.50")
    answer(child, "Bill to", DOWN + ENTER)  # self-pay (its choice used to store its title)
    answer(child, "Note template", ENTER)  # acupuncture, for an LAc
    answer(child, "Electrical stimulation used", "y")  # the first acupuncture question
    answer(child, "E-stim frequency", "2 Hz dense-disperse" + ENTER)
    answer(child, "E-stim points", "BL23-BL25 bilateral" + ENTER)
    answer(child, "Face-to-face minutes", "40" + ENTER)
    answer(child, "re-inserted after the first 15", ENTER)
    child.expect("units: 97813 1 \\(the first 15 minutes\\) \\+ 97814 2 \\(25 more minutes")
    answer(child, "Another service", ENTER)
    for prompt in ("TCM pattern", "Tongue", "Pulse", "Points needled"):
        answer(child, prompt, ENTER)
    answer(child, "Needle count", "10" + ENTER)
    answer(child, "Needle retention", "25" + ENTER)
    answer(child, "removed and counted", ENTER)
    for prompt in ("Subjective", "Pain before", "Objective", "Assessment", "Pain after", "Plan"):
        answer(child, prompt, ENTER)
    answer(child, "Save this session", ENTER)
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0, transcript.text
    assert "Electrical stimulation used (on any needle)" in transcript.text
    assert transcript.text.index("Electrical stimulation") < transcript.text.index("Points")
    data = show(sample_file)
    assert [(x["code"], x["units"]) for x in data["lines"]] == [("97813", 1), ("97814", 2)]
    assert data["details"]["estim"] is True
    assert data["details"]["estim_frequency"] == "2 Hz dense-disperse"
    assert data["details"]["estim_points"] == "BL23-BL25 bilateral"
    note = cli_subprocess("--db", sample_file, "session", "show", "1").stdout
    assert "Electrical stimulation: yes (2 Hz dense-disperse; BL23-BL25 bilateral)" in note


def test_everyday_words_find_the_usual_codes(sample_file):
    child, transcript = spawn(sample_file, *NO_TEMPLATE)
    answer(child, "Bill to", ENTER)
    answer(child, "Diagnosis 1", "chronic low back" + ENTER)  # no description says this
    child.expect("Diagnosis:")
    child.expect("M54.50")
    child.send(ENTER)  # the first: M54.50, from the synonym table
    answer(child, "Diagnosis 2", "stiff neck" + ENTER)
    answer(child, "Diagnosis:", ENTER)
    answer(child, "Diagnosis 3", ENTER)
    child.expect("Subjective")
    child.sendcontrol("c")
    child.expect(pexpect.EOF)
    child.close()
    assert "A  M54.50  Low back pain, unspecified" in transcript.text
    assert "B  M54.2  Cervicalgia" in transcript.text
    assert "no billable code matches" not in transcript.text


def test_medicare_acupuncture_counts_the_90_days_and_offers_the_credential_fixes(sample_file):
    earlier = ["--patient", "P00002", "--provider", "Lin", "--dx", "M54.50", "--template", ""]
    for day in ("2026-09-15", "2026-10-20"):
        added = cli_subprocess(
            "--db", sample_file, "session", "add", *earlier, "--date", day, "--line", "97810"
        )
        assert added.returncode == 0, added.stderr
    who = ["--patient", "P00002", "--provider", "Lin", "--date", "2026-11-21", "--template", ""]
    child, transcript = spawn(sample_file, *who, "--dx", "M54.50")
    child.expect("billed to: Medicare Part B Oregon.*as at the last visit")
    answer(child, "Service", "97810" + ENTER)
    answer(child, "97810 Acupuncture", ENTER)
    answer(child, "Another service", ENTER)
    for prompt in ("Subjective", "Pain before", "Objective", "Assessment", "Pain after", "Plan"):
        answer(child, prompt, ENTER)
    child.expect("acupuncture: visit 3 of 12 in the 90 days 2026-08-24..2026-11-21; 3 of 20")
    child.expect("this payer accepts them only from a DO/MD/NP/PA provider")
    child.expect("Save this session")
    child.expect("Bill under the supervising provider \\(save a draft; add them first\\)")
    child.expect("Cancel")
    child.send(DOWN + DOWN + ENTER)  # from the draft: self-pay, with an ABN
    child.expect("clinicbill abn PATIENT --code 97810")
    answer(child, "Save this session", ENTER)  # the summary again: the draft is the default
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0, transcript.text
    assert "billed to  self-pay" in transcript.text
    data = show(sample_file, "3")
    assert data["policy_id"] is None and data["status"] == "draft"
