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
