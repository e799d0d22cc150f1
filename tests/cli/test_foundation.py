"""The foundation commands through Typer's runner and as a real subprocess."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

from tests.conftest import cli_subprocess


def test_init_sample_then_lists(run):
    result = run("init", "--sample")
    assert result.exit_code == 0, result.output
    assert "8 patients" in result.output
    out = run("--json", "patient", "list")
    rows = json.loads(out.stdout)
    assert [r["account_number"] for r in rows][:2] == ["P00002", "P00008"] or len(rows) == 8
    assert {r["last_name"] for r in rows} >= {"Chen", "Okafor", "Natarajan"}


def test_patient_add_show_edit(run):
    assert (
        run(
            "patient",
            "add",
            "--first-name",
            "Ada",
            "--last-name",
            "Lovelace",
            "--dob",
            "1990-01-02",
            "--sex",
            "f",
        ).exit_code
        == 0
    )
    shown = json.loads(run("--json", "patient", "show", "Lovelace").stdout)
    assert shown["sex"] == "F" and shown["account_number"] == "P00001"
    result = run("patient", "edit", "P00001", "--phone", "(503) 555-0100")
    assert result.exit_code == 0 and "phone" in result.output
    assert json.loads(run("--json", "patient", "show", "1").stdout)["phone"] == "5035550100"


def test_bad_npi_refused_and_nothing_written(run):
    run("init", "--sample")
    before = run("--json", "provider", "list").stdout
    result = run(
        "provider",
        "add",
        "--first-name",
        "X",
        "--last-name",
        "Y",
        "--credential",
        "LMT",
        "--npi",
        "1234567890",
        "--taxonomy",
        "225700000X",
    )
    assert result.exit_code == 1
    assert "npi: '1234567890' is not a valid NPI" in result.stderr
    assert "Traceback" not in result.output
    assert run("--json", "provider", "list").stdout == before


def test_ambiguous_name_lists_matches(sample_run):
    result = sample_run("patient", "show", "a")
    assert result.exit_code == 1
    assert "matches" in result.stderr and "P00001 (M.C.)" in result.stderr
    assert "Chen" not in result.stderr  # no patient names in error lines


def test_unknown_patient_is_clean_error(sample_run):
    result = sample_run("patient", "show", "999999")
    assert result.exit_code == 1
    assert result.stderr.startswith("error: patient:")


def test_dependent_policy_needs_subscriber(sample_run):
    result = sample_run(
        "policy",
        "add",
        "Kowalski",
        "--payer",
        "Cascade",
        "--member-id",
        "X1",
        "--relationship",
        "child",
    )
    assert result.exit_code == 1
    assert "--subscriber-first-name" in result.stderr


def test_db_file_is_private(tmp_path):
    db = tmp_path / "sub" / "clinic.db"
    result = cli_subprocess("--db", str(db), "patient", "list")
    assert result.returncode == 0, result.stderr
    assert stat.S_IMODE(db.stat().st_mode) == 0o600
    assert stat.S_IMODE(db.parent.stat().st_mode) == 0o700


def test_subprocess_init_and_json(tmp_path):
    db = str(tmp_path / "c.db")
    assert cli_subprocess("--db", db, "init", "--sample").returncode == 0
    out = cli_subprocess("--db", db, "--json", "payer", "show", "Medicare")
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    assert data["profile"] == "medicare" and data["rule_timely_filing_days"] == 365


def test_env_var_selects_database(tmp_path):
    db = tmp_path / "env.db"
    result = cli_subprocess("init", "--sample", env={"CLINICBILL_DB": str(db)})
    assert result.returncode == 0, result.stderr
    assert db.exists()


def test_default_database_location(tmp_path):
    env = {"XDG_DATA_HOME": str(tmp_path / "xdg"), "HOME": str(tmp_path)}
    env.pop("CLINICBILL_DB", None)
    clean = {k: v for k, v in os.environ.items() if k != "CLINICBILL_DB"}
    clean.update(env)
    result = cli_subprocess("patient", "list", env=clean)
    assert result.returncode == 0, result.stderr
    assert (Path(tmp_path) / "xdg" / "clinicbill" / "clinicbill.db").exists()
