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
        "ack_277ca_provider_rejected.x12",
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


ACTIVE_271 = (DATA / "elig_271_active.x12").read_text()


@settings(max_examples=200, deadline=None)
@given(
    total=st.integers(0, 10**9),
    left=st.integers(0, 10**9),
    trailing_zeros=st.integers(0, 2),
)
def test_271_deductible_amounts_are_exact_cents(total, left, trailing_zeros):
    from clinicbill.domain.clearinghouse.benefits import note_values
    from clinicbill.domain.money import x12_amount

    def amount(cents: int) -> str:
        text = x12_amount(cents)
        return text + "0" * trailing_zeros if "." in text else text

    text = ACTIVE_271.replace("EB*C*IND*30***23*500*", f"EB*C*IND*30***23*{amount(total)}*")
    text = text.replace("EB*C*IND*30***29*350*", f"EB*C*IND*30***29*{amount(left)}*")
    _parsed, answers, _ = _read_271_parts(text.encode())
    values = note_values(answers[0], ("AE",))
    assert values["deductible"] * 100 == total
    if left <= total:
        assert values["deductible_met"] * 100 == total - left
    else:  # more remaining than the deductible: the payer's numbers disagree; none recorded
        assert "deductible_met" not in values


def _read_271_parts(data: bytes):
    from clinicbill.formats.x12_271 import read_271

    return read_271(data, "prop.x12")
