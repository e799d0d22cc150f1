"""`verify add` at a real terminal (pexpect) and with flags: the patient's name finds the
policy, a review before saving warns on unlikely values and changes any answer, and a
correction starts from the corrected note's values."""

from __future__ import annotations

import json
import os

import pexpect
import pytest

from tests.cli.test_sessions_interactive import DOWN, ENTER, EXE, answer
from tests.conftest import cli_subprocess

CLEAR = "\x15"


@pytest.fixture
def sample_file(tmp_path) -> str:
    db = str(tmp_path / "verify.db")
    assert cli_subprocess("--db", db, "init", "--sample").returncode == 0
    return db


def spawn_verify(db: str, *args: str):
    child = pexpect.spawn(
        EXE,
        ["--db", db, "verify", "add", *args],
        encoding="utf-8",
        timeout=30,
        dimensions=(50, 160),
        env={**os.environ, "PROMPT_TOOLKIT_NO_CPR": "1"},
    )
    child.logfile_read = log = _Log()
    return child, log


class _Log(list):
    def write(self, text):
        self.append(text)

    def flush(self):
        pass


def notes(db: str) -> list[dict]:
    listed = cli_subprocess("--db", db, "--json", "verify", "list", "1").stdout
    return json.loads(listed)["notes"]


LABELS = [
    "Verified how", "Representative", "Call reference", "In network", "Massage covered",
    "Acupuncture covered", "Visit limit", "Visits used", "Plan year starts", "Deductible \\(",
    "Deductible met", "Out-of-pocket maximum", "Out-of-pocket met", "Copay", "Coinsurance",
    "Pre-authorization", "Referral/prescription", "Exclusions", "Notes", "Re-verify by",
]  # fmt: skip


def enter_until_review(child, after: str) -> None:
    """Enter at each prompt after `after` (their defaults), up to the review."""
    for label in LABELS[LABELS.index(after) + 1 :]:
        answer(child, label + ".*:", ENTER)
    child.expect("Save this verification")


def test_verify_by_name_reviews_warns_and_changes_an_answer(sample_file):
    child, log = spawn_verify(sample_file, "Chen")
    child.expect("policy: Cascade Health Plan")  # Maya Chen's only policy
    for prompt, typed in (
        ("Verified how", "phone"),
        ("Representative", "Jo"),
        ("Call reference", "R1"),
        ("In network", "yes"),
        ("Massage covered", "yes"),
        ("Acupuncture covered", ""),
        ("Visit limit", "20"),
        ("Visits used", "3"),
        ("Plan year starts", ""),
        ("Deductible \\(", "1500"),
        ("Deductible met", ""),
        ("Out-of-pocket maximum", "1000"),  # below the deductible: misheard
    ):
        answer(child, prompt, typed + ENTER)
    enter_until_review(child, "Out-of-pocket maximum")
    text = "".join(log)
    assert "Out-of-pocket maximum" in text and "warning: oop-max: the out-of-pocket maximum" in text
    child.send(DOWN + ENTER)  # Change an answer
    answer(child, "Change which answer", DOWN * 11 + ENTER)  # the out-of-pocket maximum
    answer(child, "Out-of-pocket maximum", CLEAR + "3000" + ENTER)
    child.expect("Save this verification")
    child.send(ENTER)  # Save, the default
    child.expect("verification 1 recorded for policy 1")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0, "".join(log)
    (note,) = notes(sample_file)
    assert note["limit"] == 20 and note["method"] == "phone"
    shown = json.loads(cli_subprocess("--db", sample_file, "--json", "verify", "show", "1").stdout)
    assert "3000" in json.dumps(shown) and "warning: oop-max" not in "".join(log).split("3000")[-1]


def test_a_correction_starts_from_the_corrected_note(sample_file):
    first = cli_subprocess(
        "--db", sample_file, "verify", "add", "1", "--method", "phone", "--representative", "Jo",
        "--call-reference", "R1", "--visit-limit", "20", "--copay", "25",
    )  # fmt: skip
    assert first.returncode == 0, first.stderr
    child, log = spawn_verify(sample_file, "P00001", "--corrects", "1")
    answer(child, "Verified how", "phone" + ENTER)
    child.expect("Representative")
    child.expect("Jo")  # prefilled from note 1
    child.send(ENTER)
    answer(child, "Call reference", ENTER)
    answer(child, "In network", ENTER)
    answer(child, "Massage covered", ENTER)
    answer(child, "Acupuncture covered", ENTER)
    answer(child, "Visit limit", "")
    child.expect("20")  # prefilled
    child.send(CLEAR + "24" + ENTER)
    enter_until_review(child, "Visit limit")
    child.send(ENTER)
    child.expect("corrects 1: changed visit-limit\\)")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0, "".join(log)


def test_verify_add_by_patient_with_flags_warns_after_saving(sample_run):
    result = sample_run(
        "verify", "add", "Chen", "--method", "portal", "--deductible", "1500", "--oop-max", "500",
    )  # fmt: skip
    assert result.exit_code == 0, result.stderr
    assert "verification 1 recorded for policy 1" in result.stdout
    assert "warning: oop-max: the out-of-pocket maximum $500.00 is below" in result.stderr
    two = sample_run("verify", "add", "P00002", "--method", "portal")  # Medicare + Evergreen
    assert (
        two.exit_code == 1 and "has 2 policies" in two.stderr and "give the policy id" in two.stderr
    )
    unknown = sample_run("verify", "add", "Nobody", "--method", "portal")
    assert unknown.exit_code == 1 and "policy" in unknown.stderr
