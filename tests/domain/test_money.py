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


# --- the strict grammar (issue 14 §4): every valid form round-trips, the rest is refused ----


def _grouped(dollars: int) -> str:
    return f"{dollars:,}"


@st.composite
def typed_amounts(draw):
    """(text a person may type, its cents): $, thousands commas, 0 to 2 decimals."""
    cents = draw(st.integers(min_value=0, max_value=10**12))
    dollars, rest = divmod(cents, 100)
    whole = _grouped(dollars) if draw(st.booleans()) else str(dollars)
    if rest == 0:
        decimals = draw(st.sampled_from(["", ".", ".0", ".00"]))
    elif rest % 10 == 0:
        decimals = draw(st.sampled_from([f".{rest // 10}", f".{rest:02d}"]))
    else:
        decimals = f".{rest:02d}"
    dollar_sign = draw(st.sampled_from(["", "$"]))
    spaces = draw(st.sampled_from(["", " "]))
    return f"{spaces}{dollar_sign}{whole}{decimals}{spaces}", cents


@given(typed_amounts())
def test_every_valid_form_round_trips_to_its_cents(case):
    text, cents = case
    assert parse_amount(text) == cents


@given(typed_amounts(), st.sampled_from(["1e2", "e2", "E1", "x", "_", "0x", "١", "٫"]), st.data())
def test_a_foreign_character_anywhere_is_refused(case, junk, data):
    text, _ = case
    at = data.draw(st.integers(min_value=0, max_value=len(text)))
    broken = text[:at] + junk + text[at:]
    with pytest.raises(ClinicbillError) as err:
        parse_amount(broken, "copay")
    assert err.value.message.startswith("copay: ")


@given(typed_amounts())
def test_a_negative_amount_gets_the_negative_message(case):
    text, cents = case
    text = text.strip()
    if not text.replace("$", "").strip(".0,"):
        return  # -0 is refused too, but as no amount at all is fine either way
    for typed in ("-" + text, text.replace("$", "$-") if "$" in text else "-" + text):
        with pytest.raises(ClinicbillError) as err:
            parse_amount(typed, "copay")
        assert err.value.message == f"copay: '{typed}' is negative"


@given(st.text(max_size=30))
def test_any_text_is_an_amount_or_a_refusal_naming_the_field(text):
    try:
        cents = parse_amount(text, "copay")
    except ClinicbillError as err:
        assert err.message.startswith("copay: ")
        return
    digits = text.strip().removeprefix("$").replace(",", "")
    assert digits.isascii() and set(digits) <= set("0123456789.")
    assert Decimal(digits or "0") * 100 == cents


@pytest.mark.parametrize(
    ("typed", "problem"),
    [
        ("1e2", "not an amount"),
        ("١٠", "not an amount"),
        ("0x10", "not an amount"),
        ("Infinity", "not an amount"),
        ("NaN", "not an amount"),
        ("85.001", "more than two decimals"),
        ("1,00", "not an amount"),
        ("12,3456", "not an amount"),
        ("1_000", "not an amount"),
        ("+5", "not an amount"),
        ("-5", "is negative"),
        ("$-5.00", "is negative"),
    ],
)
def test_the_almost_right_amounts_of_issue_14(typed, problem):
    with pytest.raises(ClinicbillError) as err:
        parse_amount(typed, "amount")
    assert err.value.message.startswith(f"amount: '{typed}'") and problem in err.value.message
