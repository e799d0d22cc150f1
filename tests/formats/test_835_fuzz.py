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
    # Only a cut after IEA (trailing whitespace) can still parse, and it parses fully.
    assert data.rstrip().endswith(b"~") or data.rstrip().endswith(b"IEA*1*191511902")
    assert parsed.advices
