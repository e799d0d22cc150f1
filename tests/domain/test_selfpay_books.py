"""The books (`export ledger`): on a seeded year of visits, claims, remittances, patient
payments, packages, credits and refunds, plus memberships, a payment plan and a sliding-scale
tier, the beancount file passes beancount's own `bean-check`, its receivables tie to `aging`
and its period entries to `report revenue`, to the cent, for several periods."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from beancount import loader
from beancount.core import data

from clinicbill.app.selfpay import bill_new_session, billing_run, export_ledger
from clinicbill.dev.seed import seed_practice
from clinicbill.domain.ledger.payments import add_patient_payment, add_refund
from clinicbill.domain.practice.lookup import find_patient
from clinicbill.domain.reports.aging.report import aging_report
from clinicbill.domain.reports.revenue import revenue_report
from clinicbill.domain.selfpay import memberships
from clinicbill.domain.selfpay.payment_plans import add_plan
from clinicbill.domain.selfpay.tiers import add_tier, assign
from clinicbill.store.engine import transaction
from tests.factories import make_encounter
from tests.selfpay_data import assert_bean_check

PERIODS = [
    (date(2026, 1, 1), date(2026, 3, 31)),
    (date(2026, 4, 1), date(2026, 6, 30)),
    (date(2026, 5, 15), date(2026, 5, 20)),
    (date(2025, 7, 1), date(2026, 6, 30)),
]


@pytest.fixture(scope="module")
def books_db(tmp_path_factory, database_templates):
    from tests.pg import fresh_database_url

    url = fresh_database_url(tmp_path_factory.mktemp("books"), database_templates.url("sample"))
    with transaction(url, "tester") as session:
        seed_practice(
            session, years=1, providers=2, seed=3, end=date(2026, 6, 30), lines_per_year=500
        )
    with transaction(url, "tester") as session:
        _self_pay_history(session)
    return url


def _self_pay_history(session):
    member, tiered = find_patient(session, "P00006"), find_patient(session, "P00008")
    monthly = memberships.add_plan(
        session, "Monthly", 9900, "monthly", visits=2, member_rate_cents=6000
    )
    rolling = memberships.add_plan(
        session, "Quarterly", 24000, "quarterly", visits=3, rollover=True
    )
    first = memberships.enroll(session, member, monthly, date(2026, 1, 10))
    memberships.enroll(session, tiered, rolling, date(2026, 2, 1))
    tier = add_tier(session, "Tier B", 2500, [("97810", 5000)])
    assign(session, tiered, tier, date(2026, 1, 1), date(2026, 1, 1), date(2026, 12, 31))
    billing_run(session, date(2026, 3, 1), "tester")
    for patient, day in ((member, 12), (member, 20), (member, 25), (tiered, 14), (tiered, 21)):
        visit = make_encounter(
            session, patient.id, 1, date(2026, 2, day), [{"code": "97124", "charge_cents": 13000}]
        )
        bill_new_session(session, visit)
    memberships.cancel(session, first, date(2026, 4, 15))
    billing_run(session, date(2026, 6, 30), "tester")
    add_patient_payment(session, member, 15000, "card", received_on=date(2026, 3, 5))
    add_plan(session, tiered, 20000, 4, date(2026, 4, 1), "month", date(2026, 3, 20))
    add_patient_payment(session, tiered, 900000, "hsa", received_on=date(2026, 5, 17))
    add_refund(session, tiered, 1000, "check", on=date(2026, 5, 18))


def _export(url, tmp_path, start, end, fmt="beancount"):
    out = tmp_path / f"books-{start}-{end}.{fmt}"
    with transaction(url, "tester") as session:
        export_ledger(session, fmt, start, end, str(out))
    return out


def _balances(entries, through: date) -> dict[str, Decimal]:
    sums: dict[str, Decimal] = {}
    for entry in entries:
        if isinstance(entry, data.Transaction) and entry.date <= through:
            for p in entry.postings:
                sums[p.account] = sums.get(p.account, Decimal(0)) + p.units.number
    return sums


def _sum_kind(entries, kind: str, sign: int) -> int:
    total = Decimal(0)
    for entry in entries:
        if isinstance(entry, data.Transaction) and entry.meta.get("kind") == kind:
            total += sum(p.units.number for p in entry.postings if p.units.number * sign > 0)
    return int(total * 100) * sign


def cents(value: Decimal) -> int:
    return int(value * 100)


@pytest.mark.parametrize(("start", "end"), PERIODS)
def test_books_pass_bean_check_and_tie_to_aging_and_revenue(books_db, tmp_path, start, end):
    path = _export(books_db, tmp_path, start, end)
    assert_bean_check(path)
    assert oct(path.stat().st_mode & 0o777) == "0o600"
    entries, errors, _options = loader.load_file(str(path))
    assert not errors
    balances = _balances(entries, end)
    with transaction(books_db, "tester") as session:
        aging = aging_report(session, as_of=end)
        revenue = revenue_report(session, start, end).summary
    insurance = sum(r.total for r in aging.parties if r.payer_id is not None)
    patients = sum(r.total for r in aging.parties if r.payer_id is None)
    overpaid = sum(c.amount for c in aging.credits if c.kind == "overpaid line")
    unapplied = sum(c.amount for c in aging.credits if c.kind != "overpaid line")
    assert cents(balances.get("Assets:Receivable:Insurance", 0)) == insurance
    assert cents(balances.get("Assets:Receivable:Patients", 0)) == patients
    assert insurance + patients == aging.total
    assert -cents(balances.get("Liabilities:Credits:Overpaid-Lines", 0)) == overpaid
    held = balances.get("Liabilities:Patient-Credit", 0) + balances.get(
        "Liabilities:Deferred:Packages", 0
    )
    assert -cents(held) == unapplied
    assert _sum_kind(entries, "charge", 1) == revenue["charges"]
    assert _sum_kind(entries, "adjustment", 1) == revenue["adjustments"]
    assert _sum_kind(entries, "payment", 1) == revenue["payments"]
    assert revenue["charges"] > 0 or start == date(2026, 5, 15)


def test_membership_dues_are_deferred_until_earned(books_db, tmp_path):
    path = _export(books_db, tmp_path, date(2026, 2, 1), date(2026, 2, 28))
    entries, errors, _ = loader.load_file(str(path))
    assert not errors
    earned = [
        e for e in entries if isinstance(e, data.Transaction) and e.meta.get("kind") == "earned"
    ]
    assert earned, "included visits in February earn dues"
    deferred = _balances(entries, date(2026, 2, 28))["Liabilities:Deferred:Memberships"]
    assert deferred < 0  # dues billed but not yet earned are owed to members
    income = [a for a in _balances(entries, date(2026, 2, 28)) if a.startswith("Income:Services:")]
    assert income and all(len(a.split(":")) == 4 for a in income)  # by code and provider


def test_csv_has_balanced_entries(books_db, tmp_path):
    import csv

    path = _export(books_db, tmp_path, date(2026, 1, 1), date(2026, 6, 30), "csv")
    rows = list(csv.DictReader(path.open()))
    assert rows[0].keys() == {"date", "entry", "kind", "narration", "account", "debit", "credit"}
    by_entry: dict[str, Decimal] = {}
    for row in rows:
        amount = Decimal(row["debit"] or 0) - Decimal(row["credit"] or 0)
        by_entry[row["entry"]] = by_entry.get(row["entry"], Decimal(0)) + amount
    assert by_entry and all(v == 0 for v in by_entry.values())
    assert {r["kind"] for r in rows} >= {"charge", "payment", "adjustment", "receipt", "refund"}
