"""Packages drawn by default for self-pay visits, `package edit` and `package void`: through
the real CLI (Typer's runner and a subprocess), then the database."""

from __future__ import annotations

import json

from pypdf import PdfReader

from tests.conftest import cli_subprocess

SELF_PAY = [
    "session", "add", "--patient", "P00006", "--provider", "Reyes", "--self-pay",
    "--template", "", "--line", "97124:minutes=60",
]  # fmt: skip


def sell(run, *extra: str):
    result = run(
        "package", "add", "P00006", "--name", "10 massages", "--price", "850",
        "--method", "card", "--date", "2026-11-01", *extra,
    )  # fmt: skip
    assert result.exit_code == 0, result.stderr
    return result


def package_row(run, ident: int) -> dict:
    rows = json.loads(run("--json", "package", "list", "P00006").stdout)
    return next(r for r in rows if r["id"] == ident)


def test_a_self_pay_visit_draws_from_the_package_by_default(sample_run):
    sell(sample_run, "--visits", "10")
    added = sample_run(*SELF_PAY, "--date", "2026-11-20")
    assert added.exit_code == 0, added.stderr
    assert "package 1 (10 massages): $85.00 drawn; 9 of 10 visits left" in added.stdout
    opted_out = sample_run(*SELF_PAY, "--date", "2026-11-21", "--no-package")
    assert opted_out.exit_code == 0 and "drawn" not in opted_out.stdout
    row = package_row(sample_run, 1)
    assert (row["visits_used"], row["visits_left"], row["value_left"]) == ("1/10", 9, "765.00")
    balance = json.loads(sample_run("--json", "balance", "P00006").stdout)["totals"]
    assert balance["patient_due"] == "130.00"  # only the visit billed with --no-package


def test_a_package_bought_after_the_visit_or_expired_is_not_drawn(sample_run):
    sell(sample_run, "--visits", "10", "--expires", "2026-11-15")
    late = sample_run(*SELF_PAY, "--date", "2026-11-20")
    assert late.exit_code == 0 and "drawn" not in late.stdout
    early = sample_run(*SELF_PAY, "--date", "2026-10-20")  # before the purchase
    assert early.exit_code == 0 and "drawn" not in early.stdout
    assert package_row(sample_run, 1)["visits_used"] == "0/10"


def test_package_edit_is_refused_when_it_would_not_fit_the_visits_used(sample_run):
    sell(sample_run, "--visits", "10")
    assert sample_run(*SELF_PAY, "--date", "2026-11-20").exit_code == 0
    below = sample_run("package", "edit", "1", "--expires", "2026-11-10")
    assert below.exit_code == 1
    assert "error: expires: session 1 used package 1 on 2026-11-20" in below.stderr
    edited = sample_run("package", "edit", "1", "--visits", "1", "--name", "Closed early")
    assert edited.exit_code == 0, edited.stderr
    assert "package 1: name, visits; 0 of 1 visit left" in edited.stdout
    assert sample_run("package", "edit", "1", "--visits", "0").exit_code == 1
    later = sample_run(*SELF_PAY, "--date", "2026-11-22")  # nothing left: billed
    assert "drawn" not in later.stdout
    audit = sample_run("--json", "audit", "--entity", "package")
    assert audit.exit_code == 0 and "Closed early" in audit.stdout


def test_package_void_keeps_the_money_as_credit_and_is_refused_once_used(sample_run):
    sell(sample_run, "--visits", "10")
    assert sample_run(*SELF_PAY, "--date", "2026-11-20").exit_code == 0
    used = sample_run("package", "void", "1", "--reason", "sold in error")
    assert used.exit_code == 1 and "paid for session 1" in used.stderr
    assert "package edit 1 --visits 1" in used.stderr
    assert sample_run("package", "void", "1").exit_code == 2  # the reason is required
    result = sample_run(
        "package", "add", "P00006", "--name", "Monthly", "--price", "100", "--method", "card",
        "--date", "2026-11-01", "--expires", "2027-01-01",
    )  # fmt: skip
    assert "membership" in result.stdout and "expires 2027-01-01" in result.stdout
    credit_before = json.loads(sample_run("--json", "balance", "P00006").stdout)["totals"]
    voided = sample_run("package", "void", "2", "--reason", "sold in error")
    assert voided.exit_code == 0, voided.stderr
    assert "payment 2 stays as the patient's credit" in voided.stdout
    row = package_row(sample_run, 2)
    assert row["status"] == "void" and row["value_left"] == "0.00"
    credit_after = json.loads(sample_run("--json", "balance", "P00006").stdout)["totals"]
    assert credit_after["credit"] == credit_before["credit"]  # the money is still there
    again = sample_run("package", "void", "2", "--reason", "again")
    assert again.exit_code == 1 and "is void" in again.stderr
    drawn = sample_run(*SELF_PAY, "--date", "2026-11-21", "--package", "2")
    assert drawn.exit_code == 1 and "is void" in drawn.stderr
    # a new package gets a new id: the voided one is kept
    sell(sample_run, "--visits", "5")
    assert package_row(sample_run, 3)["visits_left"] == 5


def test_package_edit_and_void_in_a_subprocess(sample_db):
    db = sample_db
    add = ("package", "add", "P00006", "--name", "5 visits", "--price", "400", "--method", "cash")
    assert cli_subprocess("--db", db, *add, "--visits", "5").returncode == 0
    edited = cli_subprocess("--db", db, "package", "edit", "1", "--expires", "2027-12-31")
    assert edited.returncode == 0 and "expires 2027-12-31" in edited.stdout
    voided = cli_subprocess("--db", db, "package", "void", "1", "--reason", "duplicate sale")
    assert voided.returncode == 0 and "package 1 void" in voided.stdout


def test_voiding_a_session_gives_the_visit_back_to_its_package(sample_run, tmp_path):
    sell(sample_run, "--visits", "10")
    for day in ("2026-11-20", "2026-11-21"):
        assert sample_run(*SELF_PAY, "--date", day).exit_code == 0
    assert package_row(sample_run, 1)["visits_used"] == "2/10"
    voided = sample_run("session", "void", "2", "--reason", "entered twice")
    assert voided.exit_code == 0, voided.stderr
    assert voided.stdout.splitlines() == [
        "session 2 void: entered twice",
        "package 1 (10 massages): visit given back, $85.00 back to prepaid credit;"
        " 9 of 10 visits left",
    ]
    row = package_row(sample_run, 1)
    assert (row["visits_used"], row["visits_left"], row["value_left"]) == ("1/10", 9, "765.00")
    totals = json.loads(sample_run("--json", "balance", "P00006").stdout)["totals"]
    assert totals["credit"] == "765.00" and totals["patient_due"] == "0.00"
    audit = sample_run("--json", "audit", "--entity", "ledgerentry")
    assert audit.exit_code == 0 and "session 2 void: package 1 given back" in audit.stdout
    pdf = tmp_path / "superbill.pdf"
    month = ("--from", "2026-11-01", "--to", "2026-11-30", "-o", str(pdf))
    billed = sample_run("superbill", "P00006", *month)
    assert billed.exit_code == 0 and "(1 visit, charged $130.00, balance $0.00)" in billed.stdout
    text = "\n".join(page.extract_text() for page in PdfReader(pdf).pages)
    assert "11/20/2026" in text and "11/21/2026" not in text  # the void visit is not billed
    assert "Paid by patient\n$85.00" in text
    # with nothing drawn any more, the package can be voided: its money is ordinary credit
    assert sample_run("session", "void", "1", "--reason", "wrong patient").exit_code == 0
    voided_package = sample_run("package", "void", "1", "--reason", "sold in error")
    assert voided_package.exit_code == 0, voided_package.stderr
    again = sample_run("session", "void", "1", "--reason", "again")
    assert again.exit_code == 1 and "error: session: 1 is already void" in again.stderr


def test_session_void_of_a_package_visit_in_a_subprocess(sample_db):
    db = sample_db
    add = ("package", "add", "P00006", "--name", "5 visits", "--price", "400", "--method", "cash")
    assert cli_subprocess("--db", db, *add, "--visits", "5", "--date", "2026-11-01").returncode == 0
    added = cli_subprocess("--db", db, *SELF_PAY, "--date", "2026-11-20")
    assert added.returncode == 0 and "$80.00 drawn; 4 of 5 visits left" in added.stdout
    voided = cli_subprocess("--db", db, "--json", "session", "void", "1", "--reason", "mistake")
    assert voided.returncode == 0, voided.stderr
    data = json.loads(voided.stdout)
    assert data["package"] == {
        "id": 1,
        "value_back_cents": 8000,
        "discount_reversed_cents": 5000,
        "remaining": "5 of 5 visits left",
    }


def test_voiding_a_paid_session_gives_the_payment_back_as_credit(sample_run):
    """No package: the patient paid at checkout, then the visit was voided. The money is the
    patient's credit again (refundable), not lost with the void visit."""
    added = sample_run(*SELF_PAY, "--date", "2026-11-20")
    assert added.exit_code == 0, added.stderr
    paid = sample_run("payment", "add", "P00006", "50", "--method", "cash", "--session", "1")
    assert paid.exit_code == 0, paid.stderr
    voided = sample_run("session", "void", "1", "--reason", "entered for the wrong patient")
    assert voided.exit_code == 0, voided.stderr
    assert voided.stdout.splitlines() == [
        "session 1 void: entered for the wrong patient",
        "$50.00 paid on it is the patient's credit again",
    ]
    totals = json.loads(sample_run("--json", "balance", "P00006").stdout)["totals"]
    assert (totals["credit"], totals["patient_due"]) == ("50.00", "0.00")
    refund = sample_run("refund", "P00006", "50", "--method", "cash")
    assert refund.exit_code == 0, refund.stderr
    data = json.loads(sample_run("--json", "session", "void", "1", "--reason", "x").stdout or "{}")
    assert data == {}  # already void: refused, nothing printed on stdout
