"""`claim show` lists the clearinghouse's and payer's answers to the claim (999, 277CA):
date, source, result, the payer's claim number, the reason in words with the fix, the file;
`--json` gives them as `clearinghouse_answers` with the STC codes."""

from __future__ import annotations

import json

from tests.cli.test_acks import DATA, sent  # noqa: F401 (fixture)
from tests.conftest import cli_subprocess


def test_claim_show_lists_each_answer_with_its_reason_and_fix(sent, sample_run):  # noqa: F811
    for name in ("ack_999_accepted.x12", "ack_277ca_mixed.x12"):
        assert sample_run("ack", "import", str(DATA / name)).exit_code == 0
    shown = sample_run("--json", "claim", "show", "2")
    assert shown.exit_code == 0, shown.output
    answers = json.loads(shown.stdout)["clearinghouse_answers"]
    assert [(a["source"], a["result"]) for a in answers] == [
        ("999", "received"),
        ("277CA", "rejected"),
    ]
    rejected = answers[1]
    assert (rejected["category"], rejected["status_codes"], rejected["entity"]) == (
        "A7",
        "562",
        "82",
    )
    assert "562 entity's National Provider Identifier (NPI)" in rejected["reason"]
    assert "resubmit 2" in rejected["fix"]
    assert rejected["file"] == "ack_277ca_mixed.x12"
    assert rejected["batch"] == "batch.837"
    assert rejected["date"] <= answers[1]["imported_at"][:10]
    chen = json.loads(sample_run("--json", "claim", "show", "1").stdout)
    accepted = chen["clearinghouse_answers"][-1]
    assert (accepted["source"], accepted["result"]) == ("277CA", "accepted")
    assert accepted["payer_claim_number"] == "CAS2026031100017"


def test_claim_show_prints_the_answers_table(sent, sample_run):  # noqa: F811
    assert sample_run("ack", "import", str(DATA / "ack_999_rejected.x12")).exit_code == 0
    proc = cli_subprocess("--db", sent, "claim", "show", "2", env={"COLUMNS": "200"})
    assert proc.returncode == 0, proc.stderr
    text = proc.stdout
    assert "clearinghouse and payer answers" in text
    table = text[text.index("clearinghouse and payer answers") :]
    assert "999" in table and "rejected" in table and "ack_999_rejected.x12" in table
    assert "segment NM1 (position 35, loop 2010)" in table
    assert "fix: correct the segment named" in table


def test_a_claim_without_answers_shows_none(sent, sample_run):  # noqa: F811
    data = json.loads(sample_run("--json", "claim", "show", "1").stdout)
    assert data["clearinghouse_answers"] == []
    assert "clearinghouse and payer answers" not in sample_run("claim", "show", "1").output
