"""Hostile input for the acknowledgement and eligibility readers (999/TA1, 277CA, 271), through
the 835 reader's harness (tests/formats/x12_fuzz.py): random bytes and mutated hand-written
files either parse or are refused with a ClinicbillError naming the file; a truncated file is
refused unless the cut is after the whole IEA."""

from __future__ import annotations

from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from clinicbill.formats.x12_ack import read_response
from tests.formats.x12_fuzz import (
    CUTS,
    FUZZ,
    INSERTS,
    every_cut_refused_or_whole,
    mutate,
    parse_or_refuse,
    x12_text,
)

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
ELIGIBILITY = [
    (DATA / name).read_bytes() for name in ("elig_271_active.x12", "elig_271_inactive.x12")
]


def _has_digest(parsed) -> None:
    assert parsed.sha256


def _read_271(data: bytes, name: str):
    from clinicbill.formats.x12_271 import read_271

    parsed, answers, _general = read_271(data, name)
    assert answers
    return parsed


@FUZZ
@given(st.binary(max_size=400))
def test_random_bytes(data):
    parse_or_refuse(read_response, data, _has_digest)


@FUZZ
@given(x12_text("ISAGTK1235CAE"))
def test_random_x12_looking_text(data):
    parse_or_refuse(read_response, data, _has_digest)


@FUZZ
@given(seed=st.sampled_from(SEEDS), cuts=CUTS, inserts=INSERTS)
def test_mutated_files(seed, cuts, inserts):
    parse_or_refuse(read_response, mutate(seed, cuts, inserts), _has_digest)


def test_every_truncation_is_refused_or_complete():
    every_cut_refused_or_whole(SEEDS, read_response, _has_digest)


@FUZZ
@given(seed=st.sampled_from(ELIGIBILITY), cuts=CUTS, inserts=INSERTS)
def test_mutated_271_files(seed, cuts, inserts):
    parse_or_refuse(_read_271, mutate(seed, cuts, inserts), _has_digest)


def test_every_271_truncation_is_refused_or_complete():
    every_cut_refused_or_whole(ELIGIBILITY, _read_271, _has_digest)


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
