"""`export-all DIR`: every table as CSV and JSON, a manifest with row counts and sha256."""

from __future__ import annotations

import csv
import hashlib
import json
import stat
from datetime import date

from clinicbill.store.engine import transaction
from tests.conftest import cli_subprocess
from tests.store.helpers import counts, table_rows


def _manifest(directory):
    return json.loads((directory / "manifest.json").read_text())


def test_every_table_with_counts_and_checksums(sample_run, sample_db, tmp_path):
    from tests.factories import make_encounter

    with transaction(sample_db, "tester") as session:
        make_encounter(
            session, 2, 2, date(2026, 2, 3), [{"code": "97810", "charge_cents": 7500}], policy_id=1
        )
    out = tmp_path / "export"
    result = sample_run("export-all", str(out))
    assert result.exit_code == 0, result.output
    assert str(out / "manifest.json") in result.stdout
    manifest = _manifest(out)
    expected = counts(sample_db)
    assert {t["table"]: t["rows"] for t in manifest["tables"]} == expected
    from clinicbill.store.schema_version import HEAD_REVISION

    assert manifest["schema_revision"] == HEAD_REVISION
    for entry in manifest["tables"]:
        for kind in ("csv", "json"):
            path = out / entry[kind]["name"]
            data = path.read_bytes()
            assert hashlib.sha256(data).hexdigest() == entry[kind]["sha256"]
            assert len(data) == entry[kind]["bytes"]
            assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(out.stat().st_mode) == 0o700


def test_csv_and_json_carry_the_same_rows(sample_run, sample_db, tmp_path):
    out = tmp_path / "x"
    edit = sample_run("patient", "edit", "P00001", "--address2", 'Apt "B", rear; Ünit 5')
    assert edit.exit_code == 0, edit.output
    assert sample_run("export-all", str(out)).exit_code == 0
    rows_json = json.loads((out / "patient.json").read_text())
    with open(out / "patient.csv", newline="", encoding="utf-8") as fh:
        rows_csv = list(csv.DictReader(fh))
    assert len(rows_json) == len(rows_csv) == 8
    for a, b in zip(rows_json, rows_csv, strict=True):
        assert {k: "" if v is None else str(v).lower() for k, v in a.items()} == {
            k: v.lower() for k, v in b.items()
        }
    first = next(r for r in rows_json if r["account_number"] == "P00001")
    assert first["address2"] == 'Apt "B", rear; Ünit 5'
    db_patients = table_rows(sample_db)["patient"]
    assert [r["id"] for r in rows_json] == [r[0] for r in db_patients]


def test_money_is_exported_as_integer_cents(sample_run, sample_db, tmp_path):
    out = tmp_path / "x"
    assert sample_run("export-all", str(out)).exit_code == 0
    fees = json.loads((out / "feeschedule.json").read_text())
    cents = [v for row in fees for k, v in row.items() if k.endswith("_cents") and v is not None]
    assert cents and all(isinstance(v, int) for v in cents)


def test_refuses_a_non_empty_directory_and_needs_force_to_replace(sample_run, tmp_path):
    busy = tmp_path / "busy"
    busy.mkdir()
    (busy / "thesis.txt").write_text("mine")
    result = sample_run("export-all", str(busy))
    assert result.exit_code == 1 and "not empty" in result.stderr
    assert sorted(p.name for p in busy.iterdir()) == ["thesis.txt"]

    out = tmp_path / "again"
    assert sample_run("export-all", str(out)).exit_code == 0
    second = sample_run("export-all", str(out))
    assert second.exit_code == 1 and "--force" in second.stderr
    assert sample_run("export-all", str(out), "--force").exit_code == 0


def test_a_file_or_nul_in_the_path_is_refused(sample_run, tmp_path):
    a_file = tmp_path / "f"
    a_file.write_text("x")
    assert sample_run("export-all", str(a_file)).exit_code == 1
    result = sample_run("export-all", "bad\x00dir")
    assert result.exit_code == 1 and "Traceback" not in result.output


def test_relative_path_with_dots_is_resolved(sample_run, tmp_path, monkeypatch):
    (tmp_path / "a").mkdir()
    monkeypatch.chdir(tmp_path / "a")
    result = sample_run("--json", "export-all", "../b/./export")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["directory"] == str(tmp_path / "b" / "export")


def test_export_all_subprocess(sample_db, tmp_path):
    result = cli_subprocess("--db", sample_db, "export-all", str(tmp_path / "e"))
    assert result.returncode == 0, result.stderr
    manifest = _manifest(tmp_path / "e")
    assert any(t["table"] == "patient" and t["rows"] == 8 for t in manifest["tables"])
