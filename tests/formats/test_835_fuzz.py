"""Hostile input for the 835 reader: random bytes and mutated real files either parse or are
refused with a ClinicbillError that names where; nothing else ever escapes."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from clinicbill.domain.errors import ClinicbillError
from clinicbill.formats.x12_835 import parse_835
from tests.conftest import SAMPLES
from tests.formats.x12_fuzz import (
    CUTS,
    FUZZ,
    INSERTS,
    every_cut_refused_or_whole,
    mutate,
    parse_or_refuse,
    x12_text,
)

SEEDS = [
    (SAMPLES / name).read_bytes()
    for name in (
        "hdi__claim_adj_reason.dat",
        "hdi__835-provider-level-adjustment.dat",
        "pyx12__835_mult_loops.txt",
    )
]


def _has_advices(parsed) -> None:
    assert parsed.advices  # a file that parses has at least one transaction


@FUZZ
@given(st.binary(max_size=400))
def test_random_bytes(data):
    parse_or_refuse(parse_835, data, _has_advices)


@FUZZ
@given(x12_text("ISAGSTCLPBR"))
def test_random_x12_looking_text(data):
    parse_or_refuse(parse_835, data, _has_advices)


@FUZZ
@given(seed=st.sampled_from(SEEDS), cuts=CUTS, inserts=INSERTS)
def test_mutated_real_files(seed, cuts, inserts):
    parse_or_refuse(parse_835, mutate(seed, cuts, inserts), _has_advices)


def test_every_truncation_is_refused_or_complete():
    every_cut_refused_or_whole(SEEDS, parse_835, _has_advices)


MINIMAL = (SAMPLES / "hdi__835-minimal.dat").read_text()


@settings(max_examples=200, deadline=None)
@given(
    cents=st.integers(-(10**11), 10**11),
    trailing_zeros=st.integers(0, 3),
    leading_zeros=st.integers(0, 2),
)
def test_amounts_are_exact_cents(cents, trailing_zeros, leading_zeros):
    from decimal import Decimal

    from clinicbill.domain.money import x12_amount

    text = x12_amount(cents)
    if "." in text:
        text += "0" * trailing_zeros
    sign, digits = ("-", text[1:]) if text.startswith("-") else ("", text)
    text = sign + "0" * leading_zeros + digits
    data = MINIMAL.replace("CLP*5554555444*1*800*500", f"CLP*5554555444*1*800*{text}")
    claim = parse_835(data.encode()).advices[0].claims[0]
    assert claim.paid_cents == cents == int(Decimal(text) * 100)


@settings(max_examples=100, deadline=None)
@given(st.from_regex(r"-?[0-9]{0,4}\.[0-9]{3,5}", fullmatch=True))
def test_more_than_two_decimals_refused_unless_zeros(text):
    from decimal import Decimal

    data = MINIMAL.replace("CLP*5554555444*1*800*500", f"CLP*5554555444*1*800*{text}")
    value = Decimal(text)
    if value == value.quantize(Decimal("0.01")):
        assert parse_835(data.encode()).advices[0].claims[0].paid_cents == int(value * 100)
    else:
        try:
            parse_835(data.encode())
        except ClinicbillError as exc:
            assert "more than two decimals" in exc.message
        else:
            raise AssertionError(f"{text} accepted")
