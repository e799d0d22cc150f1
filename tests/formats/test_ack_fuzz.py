"""Hostile input for the acknowledgement and eligibility readers (999/TA1, 277CA, 271), fuzzed
like the 835 reader: random bytes and mutated hand-written files either parse or are refused
with a ClinicbillError naming the file; a truncated file is refused unless the cut is after
the whole IEA."""

from __future__ import annotations

from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from clinicbill.domain.errors import ClinicbillError
from clinicbill.formats.x12_ack import read_response

DATA = Path(__file__).resolve().parents[1] / "data" / "x12"
SEEDS = [
    (DATA / name).read_bytes()
    for name in (
        "ack_999_accepted.x12",
        "ack_999_rejected.x12",
        "ack_277ca_mixed.x12",
        "ack_277_status.x12",
        "ack_ta1_rejected.x12",
    )
]
FUZZ = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _parse_or_refuse(data: bytes, reader=read_response) -> None:
    try:
        parsed = reader(data, "fuzz.x12")
    except ClinicbillError as exc:
        assert exc.message.startswith("fuzz.x12: ")
        assert exc.hint
        return
    assert parsed.sha256


@FUZZ
@given(st.binary(max_size=400))
def test_random_bytes(data):
    _parse_or_refuse(data)


@FUZZ
@given(st.text(alphabet="ISAGTK1235CAE*:~^|0123456789\n ", max_size=300))
def test_random_x12_looking_text(text):
    _parse_or_refuse(("ISA" + text).encode())


@FUZZ
@given(
    seed=st.sampled_from(SEEDS),
    cuts=st.lists(st.tuples(st.integers(0, 2000), st.integers(0, 40)), max_size=4),
    inserts=st.lists(st.tuples(st.integers(0, 2000), st.binary(max_size=6)), max_size=4),
)
def test_mutated_files(seed, cuts, inserts):
    _parse_or_refuse(_mutate(seed, cuts, inserts))


def _mutate(seed: bytes, cuts, inserts) -> bytes:
    data = bytearray(seed)
    for at, length in cuts:
        at %= max(len(data), 1)
        del data[at : at + length]
    for at, blob in inserts:
        at %= max(len(data), 1)
        data[at:at] = blob
    return bytes(data)


def _every_cut_refused_or_whole(seeds, reader) -> None:
    """Only a cut after the whole IEA (its terminator may be missing) parses."""
    for seed in seeds:
        whole = seed.rstrip()
        for keep in range(len(seed)):
            data = seed[:keep]
            try:
                reader(data, "fuzz.x12")
            except ClinicbillError:
                continue
            assert data.rstrip() in (whole, whole.removesuffix(b"~")), keep


def test_every_truncation_is_refused_or_complete():
    _every_cut_refused_or_whole(SEEDS, read_response)


ELIGIBILITY = [
    (DATA / name).read_bytes() for name in ("elig_271_active.x12", "elig_271_inactive.x12")
]


def _read_271(data: bytes, name: str):
    from clinicbill.formats.x12_271 import read_271

    parsed, answers, _general = read_271(data, name)
    assert answers
    return parsed


@FUZZ
@given(
    seed=st.sampled_from(ELIGIBILITY),
    cuts=st.lists(st.tuples(st.integers(0, 2000), st.integers(0, 40)), max_size=4),
    inserts=st.lists(st.tuples(st.integers(0, 2000), st.binary(max_size=6)), max_size=4),
)
def test_mutated_271_files(seed, cuts, inserts):
    _parse_or_refuse(_mutate(seed, cuts, inserts), _read_271)


def test_every_271_truncation_is_refused_or_complete():
    _every_cut_refused_or_whole(ELIGIBILITY, _read_271)
