"""`export ledger` through the CLI and as a subprocess: the file is written 0600, checked by
bean-check, never overwritten without --force; bad options are refused in one line."""

from __future__ import annotations

import json
from decimal import Decimal

from tests.conftest import cli_subprocess
from tests.selfpay_data import assert_bean_check, self_pay_visit


def _history(run):
    assert (
        run("membership", "plan", "add", "Monthly", "--price", "99", "--visits", "1").exit_code == 0
    )
    assert run("membership", "enroll", "P00006", "Monthly", "--start", "2026-01-05").exit_code == 0
    assert run("billing", "run", "--as-of", "2026-02-10").exit_code == 0
    out = run(*self_pay_visit("P00006", "2026-01-20"))
    assert out.exit_code == 0, out.output
    assert (
        run("payment", "add", "P00006", "150", "--method", "card", "--date", "2026-02-01").exit_code
        == 0
    )


def test_export_ledger_writes_checked_books(sample_run, tmp_path):
    _history(sample_run)
    path = tmp_path / "q1.beancount"
    out = sample_run(
        "--json", "export", "ledger", "--from", "2026-01-01", "--to", "2026-03-31", "-o", str(path)
    )
    assert out.exit_code == 0, out.output
    data = json.loads(out.output)
    assert_bean_check(path)
    aging = json.loads(sample_run("--json", "aging", "--as-of", "2026-03-31").output)
    rows = aging["sections"]["aging"]["rows"]
    patients = next(r["total"] for r in rows if r["party"] == "Patient responsibility")
    insured = sum(Decimal(r["total"]) for r in rows if r["party"] != "Patient responsibility")
    assert data["closing"]["Assets:Receivable:Patients"] == patients
    assert Decimal(data["closing"]["Assets:Receivable:Insurance"]) == insured
    assert (
        "Patients $" + patients
        in sample_run(
            "export", "ledger", "--from", "2026-01-01", "--to", "2026-03-31", "-o", str(path) + "2"
        ).output
    )
    again = sample_run(
        "export", "ledger", "--from", "2026-01-01", "--to", "2026-03-31", "-o", str(path)
    )
    assert again.exit_code == 1 and f"error: output: {path} already exists" in again.output
    forced = sample_run(
        "export",
        "ledger",
        "--from",
        "2026-01-01",
        "--to",
        "2026-03-31",
        "-o",
        str(path),
        "--force",
        "--format",
        "csv",
    )
    assert forced.exit_code == 0 and path.read_text().startswith("date,entry,kind")


def test_refusals(sample_run, tmp_path):
    out = sample_run("export", "ledger", "--from", "2026-03-01", "--to", "2026-01-01", "-o", "-")
    assert out.exit_code == 1 and "error: from: 2026-03-01 is after --to 2026-01-01" in out.output
    bad = sample_run(
        "export",
        "ledger",
        "--from",
        "2026-01-01",
        "--to",
        "2026-01-31",
        "-o",
        "-",
        "--format",
        "qif",
    )
    assert bad.exit_code == 1 and "error: format: 'qif' is not a books format" in bad.output
    link = tmp_path / "link"
    link.symlink_to(tmp_path / "elsewhere")
    sym = sample_run(
        "export", "ledger", "--from", "2026-01-01", "--to", "2026-01-31", "-o", str(link)
    )
    assert sym.exit_code == 1 and "is a symbolic link" in sym.output
    assert not (tmp_path / "elsewhere").exists()


def test_export_ledger_subprocess_to_stdout(sample_db, tmp_path):
    out = cli_subprocess(
        "--db",
        sample_db,
        "export",
        "ledger",
        "--from",
        "2026-01-01",
        "--to",
        "2026-12-01",
        "-o",
        "-",
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.startswith('option "title" "Willow Creek')
    (tmp_path / "b.beancount").write_text(out.stdout)
    assert_bean_check(tmp_path / "b.beancount")
