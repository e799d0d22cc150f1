"""`clinicbill init` at a real terminal: questionary prompts driven through a pseudo-terminal."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pexpect

from tests.conftest import cli_subprocess

EXE = str(Path(sys.executable).parent / "clinicbill")


def _answer(child, prompt: str, text: str) -> None:
    child.expect(prompt)
    child.sendline(text)


def test_init_prompts_for_each_missing_value(tmp_path):
    db = str(tmp_path / "tty.db")
    child = pexpect.spawn(
        EXE,
        ["--db", db, "init", "--name", "Quiet Pines Massage"],
        encoding="utf-8",
        timeout=30,
        dimensions=(40, 120),
    )
    _answer(child, "Billing NPI", "1234567893")
    _answer(child, "Tax id", "12-3456789")
    _answer(child, "Taxonomy", "225700000X")
    _answer(child, "Street address", "12 Main St")
    _answer(child, "City", "Bend")
    _answer(child, "State", "OR")
    _answer(child, "ZIP", "97701-1234")
    _answer(child, "Phone", "541-555-0100")
    child.expect("recorded")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
    shown = json.loads(cli_subprocess("--db", db, "--json", "practice", "show").stdout)
    assert shown["name"] == "Quiet Pines Massage" and shown["tax_id"] == "123456789"


def test_ctrl_c_at_a_prompt_writes_nothing(tmp_path):
    db = str(tmp_path / "tty.db")
    child = pexpect.spawn(
        EXE, ["--db", db, "init"], encoding="utf-8", timeout=30, dimensions=(40, 120)
    )
    _answer(child, "Practice name", "Half Done Clinic")
    child.expect("Billing NPI")
    child.sendcontrol("c")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 1
    out = cli_subprocess("--db", db, "practice", "show")
    assert out.returncode == 1 and "not set up yet" in out.stderr


def test_without_a_tty_a_missing_value_names_the_option(tmp_path):
    out = cli_subprocess("--db", str(tmp_path / "x.db"), "init", "--name", "X", input="")
    assert out.returncode == 2  # a missing value is a usage error, all of them named at once
    assert "npi, tax-id," in out.stderr and "values are required" in out.stderr
    assert "--npi" in out.stderr and "--phone" in out.stderr


def _spawn(db: str, *args: str):
    import os

    return pexpect.spawn(
        EXE,
        ["--db", db, *args],
        encoding="utf-8",
        timeout=30,
        dimensions=(40, 120),
        env={**os.environ, "PROMPT_TOOLKIT_NO_CPR": "1"},
    )


def _retype(child, text: str) -> None:
    child.send("\x15" + text + "\r")  # Ctrl-U clears the refused answer


def test_init_checks_each_answer_at_its_prompt_and_asks_again(tmp_path):
    db = str(tmp_path / "tty.db")
    child = _spawn(db, "init", "--name", "Quiet Pines Massage")
    _answer(child, "Billing NPI", "1234567890")  # bad check digit
    child.expect("check digit")  # the reason, at the prompt; nothing is lost
    _retype(child, "1234567893")
    _answer(child, "Tax id", "12-3456789")
    _answer(child, "Taxonomy", "2257")
    child.expect("not a provider taxonomy code")
    _retype(child, "225700000X")
    _answer(child, "Street address", "12 Main St")
    _answer(child, "City", "Bend")
    _answer(child, "State", "Oregan")  # a typo is refused
    child.expect("is not a US state")
    _retype(child, "OREGON")  # the full name is accepted
    _answer(child, "ZIP", "97701-1234")
    _answer(child, "Phone", "541-555-0100")
    child.expect("recorded")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
    shown = json.loads(cli_subprocess("--db", db, "--json", "practice", "show").stdout)
    assert shown["npi"] == "1234567893" and shown["state"] == "OR"


def test_patient_add_accepts_us_dates_and_reasks_a_bad_one(tmp_path):
    db = str(tmp_path / "tty.db")
    assert cli_subprocess("--db", db, "init", "--sample").returncode == 0
    child = _spawn(db, "patient", "add")
    _answer(child, "First name", "Maya")
    _answer(child, "Last name", "Quillfeather")
    _answer(child, "Date of birth", "13/14/1986")
    child.expect("dob: ")  # refused at the prompt with the reason
    _retype(child, "03/14/1986")
    _answer(child, "Sex", "X")
    child.expect("sex: ")
    _retype(child, "F")
    child.expect("added")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
    found = json.loads(
        cli_subprocess("--db", db, "--json", "patient", "find", "Quillfeather").stdout
    )
    assert "1986-03-14" in [p["dob"] for p in found if p["first_name"] == "Maya"]
