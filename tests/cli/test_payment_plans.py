"""`payment plan add|list` through the CLI: exact installment splits, `billing run` marking
installments due once, payments applied to the plan's lines first, late installments on the
follow-up worklist and the statement (PDF read back)."""

from __future__ import annotations

import json

from tests.conftest import cli_subprocess
from tests.documents_data import pdf_words
from tests.selfpay_data import self_pay_visit


def _visit(run, day: str, charge: str) -> None:
    out = run(*self_pay_visit("P00006", day, f"97124:minutes=60:charge={charge}"))
    assert out.exit_code == 0, out.output


def test_plan_splits_to_the_cent_and_payments_go_to_its_lines_first(sample_run):
    _visit(sample_run, "2026-03-02", "100")
    out = sample_run(
        "--json",
        "payment",
        "plan",
        "add",
        "P00006",
        "--total",
        "100",
        "--installments",
        "3",
        "--start",
        "2026-04-01",
    )
    assert out.exit_code == 0, out.output
    plan = json.loads(out.output)
    assert [(i["due_on"], i["amount"]) for i in plan["installments"]] == [
        ("2026-04-01", "33.33"),
        ("2026-05-01", "33.33"),
        ("2026-06-01", "33.34"),
    ]
    _visit(sample_run, "2026-02-10", "80")  # an older balance, not on the plan
    paid = sample_run(
        "--json", "payment", "add", "P00006", "40", "--method", "card", "--date", "2026-04-02"
    )
    applied = json.loads(paid.output)["applied"]
    assert [(a["date"], a["amount"]) for a in applied] == [("2026-03-02", "40.00")]
    rows = json.loads(
        sample_run("--json", "payment", "plan", "list", "P00006", "--as-of", "2026-05-02").output
    )
    assert [(r["number"], r["paid"], r["state"]) for r in rows] == [
        (1, "33.33", "paid"),
        (2, "6.67", "late"),
        (3, "0.00", "upcoming"),
    ]


def test_refusals(sample_run):
    _visit(sample_run, "2026-03-02", "100")
    over = sample_run("payment", "plan", "add", "P00006", "--total", "150", "--installments", "3")
    assert over.exit_code == 1
    assert "error: total: $150.00 is more than the open patient balance" in over.output
    assert "hint: give --total 100.00 or less" in over.output
    every = sample_run(
        "payment",
        "plan",
        "add",
        "P00006",
        "--total",
        "50",
        "--installments",
        "2",
        "--every",
        "fortnight",
    )
    assert every.exit_code == 1 and "error: every: 'fortnight' is not a schedule" in every.output
    assert (
        sample_run(
            "payment", "plan", "add", "P00006", "--total", "100", "--installments", "2"
        ).exit_code
        == 0
    )
    again = sample_run("payment", "plan", "add", "P00006", "--total", "1", "--installments", "1")
    assert again.exit_code == 1 and "not yet on a plan ($0.00)" in again.output


def test_billing_run_marks_due_once_followup_and_statement_show_late(sample_run, tmp_path):
    _visit(sample_run, "2026-03-02", "90")
    assert (
        sample_run(
            "payment",
            "plan",
            "add",
            "P00006",
            "--total",
            "90",
            "--installments",
            "3",
            "--start",
            "2026-04-01",
        ).exit_code
        == 0
    )
    first = json.loads(sample_run("--json", "billing", "run", "--as-of", "2026-05-01").output)
    assert [(i["number"], i["due_on"]) for i in first["installments_due"]] == [
        (1, "2026-04-01"),
        (2, "2026-05-01"),
    ]
    second = json.loads(sample_run("--json", "billing", "run", "--as-of", "2026-05-01").output)
    assert second["installments_due"] == []
    report = json.loads(sample_run("--json", "report", "followup", "--as-of", "2026-05-01").output)
    late = report["sections"]["installments"]["rows"]
    assert len(late) == 1 and late[0]["installment"] == 1 and late[0]["days_late"] == 30
    pdf = tmp_path / "s.pdf"
    out = sample_run("statement", "P00006", "--as-of", "2026-05-01", "-o", str(pdf))
    assert out.exit_code == 0, out.output
    words = pdf_words(pdf)
    assert "Payment plan" in words
    assert "04/01/2026 $30.00 $0.00 late" in words and "05/01/2026 $30.00 $0.00 due" in words


def test_payment_plan_subprocess(sample_db):
    out = cli_subprocess(
        "--db", sample_db, *self_pay_visit("P00006", "2026-03-02", "97124:minutes=60:charge=60")
    )
    assert out.returncode == 0, out.stderr
    out = cli_subprocess(
        "--db",
        sample_db,
        "payment",
        "plan",
        "add",
        "P00006",
        "--total",
        "60",
        "--installments",
        "2",
        "--start",
        "2026-04-01",
        "--every",
        "2 weeks",
    )
    assert out.returncode == 0, out.stderr
    assert "1. 2026-04-01 $30.00" in out.stdout and "2. 2026-04-15 $30.00" in out.stdout
