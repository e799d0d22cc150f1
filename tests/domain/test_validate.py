"""Validation of typed values (SPEC §4.1), including the NPI check digit (DOMAIN.md §6)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from clinicbill.domain import validate as v
from clinicbill.domain.errors import ClinicbillError


def test_npi_known_values():
    assert v.npi_check_digit_ok("1234567893")
    assert not v.npi_check_digit_ok("1234567890")
    assert not v.npi_check_digit_ok("323456789X")
    assert not v.npi_check_digit_ok("123456789")


@given(st.from_regex(r"[12][0-9]{8}", fullmatch=True))
def test_exactly_one_check_digit_completes_an_npi(stem):
    valid = [d for d in "0123456789" if v.npi_check_digit_ok(stem + d)]
    assert len(valid) == 1
    assert v.npi_with_check_digit(stem) == stem + valid[0]


@given(st.from_regex(r"[12][0-9]{8}", fullmatch=True), st.integers(0, 9), st.integers(1, 9))
def test_any_single_digit_change_breaks_the_npi(stem, position, delta):
    good = v.npi_with_check_digit(stem)
    digits = list(good)
    digits[position] = str((int(digits[position]) + delta) % 10)
    changed = "".join(digits)
    assert not v.npi_check_digit_ok(changed) or changed[0] not in "12"


def test_npi_refusal_names_field_value_and_rule():
    with pytest.raises(ClinicbillError) as err:
        v.npi("1234567890", "npi")
    assert err.value.message == "npi: '1234567890' is not a valid NPI"
    assert "Luhn" in err.value.hint


@pytest.mark.parametrize(
    ("value", "expected"),
    [("12-3456789", ("123456789", "EIN")), ("123-45-6789", ("123456789", "SSN"))],
)
def test_tax_ids(value, expected):
    assert v.tax_id(value) == expected


@pytest.mark.parametrize("bad", ["12-345678", "1234-56789", "abc", ""])
def test_bad_tax_ids(bad):
    with pytest.raises(ClinicbillError, match="tax-id"):
        v.tax_id(bad)


def test_taxonomy_state_zip_phone_sex_relationship():
    assert v.taxonomy("225700000x") == "225700000X"
    assert v.state("or") == "OR"
    assert v.zip_code("97202-1234") == "972021234"
    assert v.phone("+1 (503) 555-0142") == "5035550142"
    assert v.sex("female") == "F"
    assert v.relationship("Spouse") == "spouse"
    for func, bad in [
        (v.taxonomy, "22570000"),
        (v.state, "XX"),
        (v.zip_code, "9720"),
        (v.phone, "555-0142"),
        (v.sex, "Q"),
        (v.relationship, "cousin"),
    ]:
        with pytest.raises(ClinicbillError):
            func(bad)


def test_dates():
    assert v.parse_date("2024-02-29") == date(2024, 2, 29)
    assert v.parse_date("today") == date.today()
    assert v.parse_date("yesterday") == date.today() - timedelta(days=1)
    for bad in ["2026-02-30", "20260101", "2026-1-1", "next week"]:
        with pytest.raises(ClinicbillError, match="is not a date"):
            v.parse_date(bad, "date")
    tomorrow = (date.today() + timedelta(days=1)).isoformat()
    with pytest.raises(ClinicbillError, match="in the future"):
        v.parse_date(tomorrow, "date", allow_future=False)


def test_dates_as_people_type_them_and_a_future_date_hint_that_fits_any_field():
    from datetime import date

    from clinicbill.domain.errors import ClinicbillError
    from clinicbill.domain.validate import parse_date

    assert parse_date("03/14/1986", "dob") == date(1986, 3, 14)
    assert parse_date("3/4/1986", "dob") == date(1986, 3, 4)
    for bad in ("14/03/1986", "03/14/86", "1986/03/14"):
        with pytest.raises(ClinicbillError, match="is not a date"):
            parse_date(bad, "dob")
    with pytest.raises(ClinicbillError) as refused:
        parse_date("2999-01-01", "dob", allow_future=False)
    assert "date of service" not in (refused.value.hint or "")
    assert "no later than today" in refused.value.hint
