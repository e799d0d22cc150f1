"""Money: cents <-> Decimal round-trips, refusals, no float anywhere."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from clinicbill.domain.errors import ClinicbillError
from clinicbill.domain.money import fmt, parse_amount, to_cents, to_decimal, x12_amount


@given(st.integers(min_value=0, max_value=10**12))
def test_cents_decimal_round_trip(cents):
    assert to_cents(to_decimal(cents)) == cents
    assert parse_amount(str(to_decimal(cents))) == cents


@given(st.integers(min_value=-(10**12), max_value=10**12))
def test_x12_amount_round_trips(cents):
    text = x12_amount(cents)
    assert "$" not in text and "e" not in text.lower()
    assert to_cents(Decimal(text)) == cents


@given(st.integers(min_value=0, max_value=10**12))
def test_fmt_reads_back(cents):
    text = fmt(cents)
    assert text.startswith("$")
    assert parse_amount(text) == cents


@pytest.mark.parametrize(
    ("typed", "cents"),
    [("85", 8500), ("85.00", 8500), ("85.5", 8550), ("$1,085.50", 108550), ("0.01", 1)],
)
def test_accepted_amounts(typed, cents):
    assert parse_amount(typed) == cents


@pytest.mark.parametrize(
    ("typed", "problem"),
    [
        ("85.001", "more than two decimals"),
        ("-5", "negative"),
        ("-0.001", "negative"),
        ("NaN", "not an amount"),
        ("inf", "not an amount"),
        ("1e309", "not an amount"),
        ("9" * 14, "too large"),
        ("abc", "not an amount"),
        ("", "not an amount"),
        ("9" * 40, "not an amount"),
    ],
)
def test_refused_amounts_name_the_field(typed, problem):
    with pytest.raises(ClinicbillError) as err:
        parse_amount(typed, "copay")
    assert err.value.message.startswith("copay:")
    assert problem in err.value.message


def test_float_is_refused_outright():
    with pytest.raises(TypeError):
        parse_amount(85.0)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        to_cents(0.1)  # type: ignore[arg-type]
