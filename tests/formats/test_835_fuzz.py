"""Hostile input for the 835 reader: random bytes and mutated real files either parse or are
refused with a ClinicbillError that names where; nothing else ever escapes."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from clinicbill.domain.errors import ClinicbillError
from clinicbill.formats.x12_835 import parse_835
from tests.conftest import SAMPLES

SEEDS = [
    (SAMPLES / name).read_bytes()
    for name in (
        "hdi__claim_adj_reason.dat",
        "hdi__835-provider-level-adjustment.dat",
        "pyx12__835_mult_loops.txt",
    )
]
FUZZ = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _parse_or_refuse(data: bytes) -> None:
    try:
        parsed = parse_835(data, "fuzz.835")
    except ClinicbillError as exc:
        assert exc.message.startswith("fuzz.835: ")
        assert exc.hint
        return
    assert parsed.advices  # a file that parses has at least one transaction


@FUZZ
@given(st.binary(max_size=400))
def test_random_bytes(data):
    _parse_or_refuse(data)


@FUZZ
@given(st.text(alphabet="ISAGSTCLPBR*:~^|0123456789\n ", max_size=300))
def test_random_x12_looking_text(text):
    _parse_or_refuse(("ISA" + text).encode())


@FUZZ
@given(
    seed=st.sampled_from(SEEDS),
    cuts=st.lists(st.tuples(st.integers(0, 2000), st.integers(0, 40)), max_size=4),
    inserts=st.lists(st.tuples(st.integers(0, 2000), st.binary(max_size=6)), max_size=4),
)
def test_mutated_real_files(seed, cuts, inserts):
    data = bytearray(seed)
    for at, length in cuts:
        at %= max(len(data), 1)
        del data[at : at + length]
    for at, blob in inserts:
        at %= max(len(data), 1)
        data[at:at] = blob
    _parse_or_refuse(bytes(data))


@FUZZ
@given(seed=st.sampled_from(SEEDS), keep=st.integers(0, 2000))
def test_every_truncation_is_refused_or_complete(seed, keep):
    data = seed[:keep]
    try:
        parsed = parse_835(data, "fuzz.835")
    except ClinicbillError:
        return
    # Only a cut after the whole IEA segment can still parse (its final terminator may be
    # missing: the control number is complete and matches ISA13), and it parses fully.
    whole = seed.rstrip()
    assert data.rstrip() in (whole, whole.removesuffix(b"~"))
    assert parsed.advices


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
