"""The shared report-table helpers (domain/reports/table.py) and a line's money fields
(domain/ledger/balances.py LineMoney): the sums every report's totals row is built from."""

from __future__ import annotations

from datetime import date

from hypothesis import given
from hypothesis import strategies as st

from clinicbill.domain.ledger.balances import LINE_MONEY, LineBalance, LineDetail, totals
from clinicbill.domain.reports.table import (
    CLAIM_COLUMNS,
    POLICY_COLUMNS,
    column_totals,
)

cents = st.integers(min_value=-(10**9), max_value=10**9)
rows_of_four = st.lists(st.tuples(st.text(max_size=5), cents, cents, cents), max_size=20)


@given(rows_of_four)
def test_column_totals_add_each_chosen_column(rows):
    sums = column_totals(rows, (1, 3))
    assert sums == (sum(r[1] for r in rows), sum(r[3] for r in rows))
    assert all(isinstance(s, int) for s in sums)  # cents stay integers, never float


@given(rows_of_four)
def test_column_totals_add_up_to_every_cell(rows):
    assert sum(column_totals(rows, range(1, 4))) == sum(sum(r[1:]) for r in rows)


def test_column_totals_of_no_rows_are_zero():
    assert column_totals((), range(1, 5)) == (0, 0, 0, 0)


def test_who_columns_name_the_claim_then_the_patient_then_the_payer():
    assert [c.key for c in CLAIM_COLUMNS] == ["claim", "patient", "account", "payer"]
    assert [c.key for c in POLICY_COLUMNS] == ["patient", "account", "payer"]


money = st.fixed_dictionaries({name: cents for name in LINE_MONEY})
# a line's facts beside its money (LineDetail)
LINE = dict(
    service_line_id=1,
    encounter_id=2,
    patient_id=3,
    service_date=date(2026, 11, 2),
    line_number=1,
    code="97140",
    policy_id=None,
)


@given(money)
def test_line_balance_and_detail_share_the_invariant(amounts):
    balance = LineBalance(service_line_id=1, **amounts)
    detail = LineDetail(**LINE, patient_due=0, insurance_due=0, **amounts)
    paid_and_owed = sum(amounts[k] for k in ("insurance_paid", "patient_paid", "adjusted"))
    expected = amounts["charge"] == paid_and_owed + amounts["balance"]
    assert balance.holds() is expected
    assert detail.holds() is expected


def test_totals_sum_every_money_field_of_the_lines():
    line = dict(
        LINE,
        charge=10000,
        insurance_paid=6000,
        patient_paid=1000,
        adjusted=2000,
        patient_responsibility=2000,
        balance=1000,
        patient_due=1000,
        insurance_due=0,
    )
    both = totals([LineDetail(**line), LineDetail(**{**line, "service_line_id": 2})])
    assert list(both) == [*LINE_MONEY, "patient_due", "insurance_due"]
    assert both["charge"] == 20000
    assert both["balance"] == 2000
    assert both["patient_due"] == 2000
