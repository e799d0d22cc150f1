"""`payment …`, `adjust`, `refund`, `package …`, `balance`: through the real CLI, then the
database."""

from __future__ import annotations

import json
from datetime import date

import pytest
from sqlalchemy import func, select

from clinicbill.domain.ledger import balances as ledger
from clinicbill.store.engine import transaction
from clinicbill.store.models import LedgerEntry, Payment
from tests.conftest import cli_subprocess
from tests.factories import make_encounter
from tests.remittance_factories import make_claim


@pytest.fixture
def visits(sample_run):
    """Two self-pay massage visits for Sofia Haddad (P00006): $90 and $120."""
    with transaction(sample_run.db_url, "tester") as session:
        ids = [
            make_encounter(
                session, 6, 1, date(2026, 2, day), [{"code": "97124", "charge_cents": c}]
            ).id
            for day, c in ((3, 9000), (10, 12000))
        ]
    return ids


def money(db_url):
    with transaction(db_url, "tester") as session:
        return (
            session.execute(select(func.count(Payment.id))).scalar(),
            session.execute(select(func.count(LedgerEntry.id))).scalar(),
        )


def totals(run, patient="P00006"):
    result = run("--json", "balance", patient, "--all")
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)["totals"]


def test_payment_applies_oldest_first_and_overpayment_is_credit(sample_run, visits):
    result = sample_run("payment", "add", "P00006", "100", "--method", "cash", "--ref", "R1")
    assert result.exit_code == 0, result.stderr
    assert "applied $100.00, credit now $0.00" in result.stdout
    t = totals(sample_run)
    assert (t["patient_paid"], t["balance"], t["patient_due"]) == ("100.00", "110.00", "110.00")
    over = sample_run("payment", "add", "Haddad", "130", "--method", "hsa")
    assert "applied $110.00, credit now $20.00" in over.stdout
    assert totals(sample_run)["credit"] == "20.00"
    listed = json.loads(sample_run("--json", "payment", "list", "P00006").stdout)
    assert [(p["amount"], p["applied"], p["method"]) for p in listed] == [
        ("130.00", "110.00", "hsa"),
        ("100.00", "100.00", "cash"),
    ]


def test_payment_for_one_session(sample_run, visits):
    result = sample_run(
        "payment", "add", "P00006", "50", "--method", "card", "--session", str(visits[1])
    )
    assert result.exit_code == 0, result.stderr
    with transaction(sample_run.db_url, "tester") as session:
        first, second = ledger.line_details(session, patient_id=6)
    assert (first.patient_paid, second.patient_paid) == (0, 5000)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["payment", "add", "P00006", "NaN", "--method", "cash"], "amount: 'NaN' is not an amount"),
        (["payment", "add", "P00006", "0", "--method", "cash"], "must be more than 0"),
        (["payment", "add", "P00006", "5.001", "--method", "cash"], "more than two decimals"),
        (["payment", "add", "P00006", "5", "--method", "iou"], "is not a payment method"),
        (["payment", "add", "nobody", "5", "--method", "cash"], "patient: no patient matches"),
        (["refund", "P00006", "1", "--method", "cash"], "more than the patient's credit"),
        (["adjust", "P00006", "500", "--reason", "courtesy"], "more than the open balance"),
        (["adjust", "P00006", "5", "--reason", "mood"], "is not an adjustment reason"),
        (["adjust", "P00006", "5"], "reason"),
        (["package", "use", "9", "1"], "package: no package 9"),
    ],
)
def test_refusals_write_nothing(sample_run, visits, args, message):
    before = money(sample_run.db_url)
    result = sample_run(*args)
    assert result.exit_code == 1
    assert message in result.stderr
    assert "hint:" in result.stderr
    assert money(sample_run.db_url) == before


def test_a_missing_method_is_a_usage_error_and_nothing_to_apply_is_success(sample_run, visits):
    """issue 15: `refund P00001 5` names --method; `payment apply` with nothing to do exits 0."""
    for args in (["payment", "add", "P00006", "5"], ["refund", "P00006", "5"]):
        result = sample_run(*args)
        assert result.exit_code == 2
        assert "method: a value is required" in result.stderr and "--method" in result.stderr
    before = money(sample_run.db_url)
    result = sample_run("payment", "apply", "P00006")
    assert result.exit_code == 0, result.output
    assert "nothing to apply: no credit" in result.stdout
    assert money(sample_run.db_url) == before


def test_adjust_refund_and_apply(sample_run, visits):
    sample_run("payment", "add", "P00006", "200", "--method", "check")
    adjusted = sample_run("adjust", "P00006", "10", "--reason", "small-balance", "--note", "tiny")
    assert adjusted.exit_code == 0 and "adjusted $10.00 (small-balance)" in adjusted.stdout
    t = totals(sample_run)
    assert (t["balance"], t["adjusted"]) == ("0.00", "10.00")
    assert t["credit"] == "0.00"
    sample_run("payment", "add", "P00006", "10", "--method", "check")
    assert totals(sample_run)["credit"] == "10.00"
    refunded = sample_run("refund", "P00006", "10", "--method", "check", "--ref", "1043")
    assert refunded.exit_code == 0 and "credit now $0.00" in refunded.stdout
    assert totals(sample_run)["credit"] == "0.00"


def test_manual_eob_posting(sample_run):
    with transaction(sample_run.db_url, "tester") as session:
        claim = make_claim(
            session,
            [{"code": "97140", "charge_cents": 9000}, {"code": "97124", "charge_cents": 8000}],
        )
        pcn = claim.patient_control_number
    args = [
        "payment",
        "post-eob",
        pcn,
        "--ref",
        "EOB-77",
        "--date",
        "2026-02-01",
        "--line",
        "1 paid=57.60 CO-45=18 PR-2=14.40",
        "--line",
        "2 paid=0 CO-50=80 remark=N130",
    ]
    result = sample_run(*args)
    assert result.exit_code == 0, result.stderr
    assert "status partially-paid" in result.stdout and "CO-50" in result.stdout
    again = sample_run(*args)
    assert again.exit_code == 1 and "was posted before" in again.stderr
    bad = sample_run("payment", "post-eob", pcn, "--line", "7 paid=1")
    assert bad.exit_code == 1 and "has no line 7" in bad.stderr
    t = totals(sample_run, "P00001")
    assert (t["insurance_paid"], t["adjusted"], t["patient_due"]) == ("57.60", "18.00", "14.40")
    listed = json.loads(sample_run("--json", "era", "list").stdout)
    assert listed[0]["source"] == "manual"


def test_packages(sample_run, visits):
    added = sample_run(
        "package",
        "add",
        "P00006",
        "--name",
        "10 massages",
        "--price",
        "850",
        "--visits",
        "10",
        "--method",
        "card",
    )
    assert added.exit_code == 0, added.stderr
    assert "package 1: 10 massages for $850.00, 10 visits" in added.stdout
    used = sample_run("package", "use", "1", str(visits[0]))
    assert used.exit_code == 0 and "$85.00 drawn from package 1" in used.stdout
    again = sample_run("package", "use", "1", str(visits[0]))
    assert again.exit_code == 1 and "already drew" in again.stderr
    (row,) = json.loads(sample_run("--json", "package", "list", "P00006").stdout)
    assert (row["visits_used"], row["visits_left"], row["value_left"]) == ("1/10", 9, "765.00")
    t = totals(sample_run)
    assert t["credit"] == "765.00"  # prepaid, listed apart
    assert t["balance"] == "120.00"  # the second visit is still open


def test_payment_and_balance_as_a_real_process(sample_run, visits):
    url = sample_run.db_url
    paid = cli_subprocess("--db", url, "payment", "add", "P00006", "90", "--method", "card")
    assert paid.returncode == 0, paid.stderr
    shown = cli_subprocess("--db", url, "balance", "P00006")
    assert shown.returncode == 0
    assert "patient owes $120.00" in shown.stdout
    refused = cli_subprocess("--db", url, "refund", "P00006", "5", "--method", "card")
    assert refused.returncode == 1 and "credit" in refused.stderr


def test_session_add_draws_from_a_package(sample_run):
    sample_run("fee", "set", "97124", "30")
    added = sample_run(
        "package",
        "add",
        "P00006",
        "--name",
        "5 massages",
        "--price",
        "250",
        "--visits",
        "5",
        "--method",
        "card",
    )
    assert added.exit_code == 0, added.stderr
    result = sample_run(
        "session",
        "add",
        "--patient",
        "P00006",
        "--provider",
        "Reyes",
        "--date",
        "2026-11-02",
        "--self-pay",
        "--dx",
        "M62.830",
        "--line",
        "97124:minutes=60",
        "--subjective",
        "Tight shoulders",
        "--objective",
        "Trapezius trigger points",
        "--assessment",
        "Improving",
        "--plan",
        "Weekly",
        "--package",
        "1",
        "--sign",
    )
    assert result.exit_code == 0, result.stderr
    (row,) = json.loads(sample_run("--json", "package", "list", "P00006").stdout)
    assert (row["visits_used"], row["visits_left"], row["value_left"]) == ("1/5", 4, "200.00")
    refused = sample_run(
        "session",
        "add",
        "--patient",
        "P00001",
        "--provider",
        "Reyes",
        "--date",
        "2026-11-02",
        "--dx",
        "M62.830",
        "--line",
        "97124:minutes=30",
        "--subjective",
        "x",
        "--package",
        "1",
    )
    assert refused.exit_code == 1 and "package" in refused.stderr
    listed = json.loads(sample_run("--json", "session", "list", "--patient", "P00001").stdout)
    assert listed == []  # the refused session was not written
