"""The daily loop at a real terminal, second part (issue 16): free text that finishes on an
empty line, the diagnosis prompt's way back, packages drawn by default, acupuncture with
e-stim first, the signature. Driven with pexpect as in test_sessions_interactive.py."""

from __future__ import annotations

import json

import pexpect
import pytest

from tests.cli.test_sessions_interactive import ENTER, UP, answer, spawn
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
