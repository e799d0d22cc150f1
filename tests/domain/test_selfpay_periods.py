"""Billing periods and installment splits (pure arithmetic)."""

from __future__ import annotations

from datetime import date

from hypothesis import given
from hypothesis import strategies as st

from clinicbill.domain.selfpay.periods import (
    add_months,
    installment_dates,
    period_bounds,
    period_index_on,
    split_cents,
)


def test_month_end_anchor_keeps_its_day_where_the_month_has_it():
    starts = [period_bounds(date(2026, 1, 31), "monthly", i)[0] for i in range(4)]
    assert starts == [date(2026, 1, 31), date(2026, 2, 28), date(2026, 3, 31), date(2026, 4, 30)]
    assert period_bounds(date(2026, 1, 31), "monthly", 0)[1] == date(2026, 2, 27)
    assert add_months(date(2024, 1, 31), 1) == date(2024, 2, 29)


def test_quarterly_and_yearly_periods():
    assert period_bounds(date(2026, 2, 15), "quarterly", 1) == (
        date(2026, 5, 15),
        date(2026, 8, 14),
    )
    assert period_bounds(date(2024, 2, 29), "yearly", 1) == (date(2025, 2, 28), date(2026, 2, 27))


@given(
    anchor=st.dates(date(2020, 1, 1), date(2030, 12, 31)),
    offset=st.integers(0, 2000),
    period=st.sampled_from(["monthly", "quarterly", "yearly"]),
)
def test_the_period_holding_a_day_contains_it(anchor, offset, period):
    day = date.fromordinal(anchor.toordinal() + offset)
    index = period_index_on(anchor, period, day)
    start, end = period_bounds(anchor, period, index)
    assert start <= day <= end


@given(total=st.integers(1, 10**9), count=st.integers(1, 60))
def test_installments_add_up_to_the_cent_with_the_odd_cents_last(total, count):
    parts = split_cents(total, count) if total >= count else None
    if parts is None:
        return
    assert sum(parts) == total and len(parts) == count
    assert len(set(parts[:-1])) <= 1 and parts[-1] >= parts[0]
    assert parts[-1] - parts[0] < count


def test_split_example_and_dates():
    assert split_cents(10000, 3) == [3333, 3333, 3334]
    assert installment_dates(date(2026, 1, 31), "month", 3) == [
        date(2026, 1, 31),
        date(2026, 2, 28),
        date(2026, 3, 31),
    ]
    assert installment_dates(date(2026, 1, 1), "2 weeks", 2) == [
        date(2026, 1, 1),
        date(2026, 1, 15),
    ]
