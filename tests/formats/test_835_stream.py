"""The 835 reader as a stream: its fast split equals a plain reference split for any valid
content and delimiters, chunk boundaries change nothing (results and refusals), records built
by the fast constructor equal their dataclass's own, and memory does not grow with the file."""

from __future__ import annotations

import tracemalloc
from contextlib import contextmanager
from datetime import date
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from clinicbill.domain.errors import ClinicbillError
from clinicbill.domain.remittance.remit import (
    Adjustment,
    ClaimPayment,
    RemittanceAdvice,
    ServicePayment,
    record_builder,
)
from clinicbill.formats import x12_835_tokens as tokens
from clinicbill.formats.x12_835 import Sink, parse_835, read_835, stream_835
from clinicbill.formats.x12_835_write import advice_for, write_835
from tests.conftest import SAMPLES

PUNCTUATION = "*~|^:!#$%&+,/;<=>?@[]{}`\\"
IDS = ["BPR", "TRN", "CLP", "SVC", "CAS", "DTM", "REF", "AMT", "NM1", "N1", "LX", "PLB", "XY9"]


@contextmanager
def chunk_size(size: int):
    saved = tokens.CHUNK
    tokens.CHUNK = size
    try:
        yield
    finally:
        tokens.CHUNK = saved


def _isa(element: str, repetition: str, component: str, term: str) -> str:
    parts = ["ISA", "00", " " * 10, "00", " " * 10, "ZZ", f"{'PAYER':<15}", "ZZ",
             f"{'CLINIC':<15}", "260301", "1200", repetition, "00501", "000000001", "0", "T",
             component]  # fmt: skip
    return element.join(parts) + term


@st.composite
def interchanges(draw):
    """An interchange with delimiters chosen by its ISA and random valid segments: element
    text never holds a delimiter; spaces and newlines may surround segments."""
    element, component, term, repetition = draw(
        st.lists(st.sampled_from(PUNCTUATION), min_size=4, max_size=4, unique=True)
    )
    alphabet = st.characters(
        codec="utf-8",
        exclude_categories=("Cc", "Cs", "Zl", "Zp"),
        exclude_characters=element + component + term + repetition,
    )
    value = st.text(alphabet, max_size=12)
    segments = draw(
        st.lists(
            st.tuples(st.sampled_from(IDS), st.lists(value, max_size=8)), min_size=1, max_size=40
        )
    )
    gap = st.sampled_from(["", "\n", "\r\n", " ", "\n\n"])
    text = _isa(element, repetition, component, term)
    for seg_id, values in segments:
        text += draw(gap) + element.join([seg_id, *values]) + term
    text += draw(gap) + element.join(["IEA", "1", "000000001"]) + term + draw(gap)
    return text, element, term


def reference_split(text: str, element: str, term: str) -> list[list[str]]:
    """The plain split: segments between terminators, trimmed, empty ones dropped; ids trimmed."""
    out = []
    for raw in text.split(term):
        body = raw.strip()
        if body:
            els = body.split(element)
            out.append([els[0].strip(), *els[1:]])
    return out


def fast_split(text: str) -> list[list[str]]:
    out = []
    for event in tokens.segments(tokens.text_chunks(text)):
        if event[0] == tokens.SEGMENTS:
            assert event[1] == len(out) + 1  # numbered from 1, without gaps
            out.extend(event[2])
    return out


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case=interchanges(), size=st.sampled_from([5, 17, 64, 1 << 20]))
def test_fast_split_equals_the_reference_split(case, size):
    text, element, term = case
    with chunk_size(size):
        assert fast_split(text) == reference_split(text, element, term)
        lines = [line for _n, line, _els in tokens.located(tokens.text_chunks(text))]
    # the slow path's lines: where each segment's text starts, counting from the ISA's line
    starts, pos = [], 0
    for raw in text.split(term):
        body = raw.strip()
        if body:
            starts.append(text.count("\n", 0, pos + raw.index(body)) + 1)
        pos += len(raw) + 1
    assert lines == starts


@settings(max_examples=100, deadline=None)
@given(
    pcns=st.lists(st.from_regex(r"[A-Z0-9]{1,20}", fullmatch=True), min_size=1, max_size=30),
    cents=st.lists(st.integers(-(10**9), 10**9), min_size=1, max_size=30),
    size=st.sampled_from([7, 50, 1 << 20]),
)
def test_claims_read_back_whatever_the_chunks(pcns, cents, size):
    claims = [
        ClaimPayment(pcn, "1", abs(c) + 1, c, services=())
        for pcn, c in zip(pcns, cents * 30, strict=False)
    ]
    text = write_835([advice_for(claims, trace_number="T1", payment_date=date(2026, 3, 1))])
    with chunk_size(size):
        (advice,) = parse_835(text.encode()).advices
    assert [(c.patient_control_number, c.paid_cents) for c in advice.claims] == [
        (c.patient_control_number, c.paid_cents) for c in claims
    ]


def _outcome(data: bytes):
    try:
        return parse_835(data, "x.835")
    except ClinicbillError as exc:
        return exc.message


@pytest.mark.parametrize("name", ["pyx12__835_mult_loops.txt", "hdi__claim_adj_reason.dat"])
def test_chunk_boundaries_change_no_result_and_no_refusal(name):
    data = (SAMPLES / name).read_bytes()
    variants = [data, data[: len(data) // 2], data.replace(b"CLP*", b"CLP*\x01", 1)]
    variants.append(data.replace(b"~", b"~\n" + b" " * 30))
    for variant in variants:
        whole = _outcome(variant)
        for size in (3, 11, 200):
            with chunk_size(size):
                assert _outcome(variant) == whole


def test_the_sink_gets_every_claim_and_the_advices_keep_none(tmp_path):
    claims = [ClaimPayment(f"C{n}", "1", 1000, 800) for n in range(25)]
    advices = [
        advice_for(claims[:10], trace_number="A", payment_date=date(2026, 3, 1)),
        advice_for(claims[10:], trace_number="B", payment_date=date(2026, 3, 1)),
    ]
    path = tmp_path / "r.835"
    path.write_text(write_835(advices))

    class Collect(Sink):
        def __init__(self):
            self.events = []

        def claim(self, claim):
            self.events.append(claim.patient_control_number)

        def advice(self, advice):
            self.events.append(("advice", advice.trace_number, advice.claims))

    sink = Collect()
    parsed = stream_835(path, sink, "r.835")
    assert parsed.claim_count == 25 and [a.claims for a in parsed.advices] == [(), ()]
    assert sink.events == [
        *[f"C{n}" for n in range(10)],
        ("advice", "A", ()),
        *[f"C{n}" for n in range(10, 25)],
        ("advice", "B", ()),
    ]
    assert parsed.sha256 == read_835(path).sha256


def test_a_file_changed_between_readings_is_refused(tmp_path):
    claims = [ClaimPayment("C1", "1", 1000, 800)]
    path = tmp_path / "r.835"
    path.write_text(write_835([advice_for(claims, trace_number="A", payment_date=date.today())]))
    digest = read_835(path).sha256
    path.write_text(path.read_text().replace("CLP*C1", "CLP*C2"))
    with pytest.raises(ClinicbillError, match="the file changed while it was read"):
        stream_835(path, Sink(), "r.835", sha256=digest)


def test_fast_records_equal_their_dataclass():
    adj = {"group": "CO", "reason": "45", "amount_cents": 1950, "quantity": None}
    svc = {"code": "97124", "charge_cents": 9750, "paid_cents": 6240, "units": Decimal(3)}
    clp = {"patient_control_number": "P1", "status_code": "1", "charge_cents": 1, "paid_cents": 0}
    for cls, values in ((Adjustment, adj), (ServicePayment, svc), (ClaimPayment, clp)):
        built = record_builder(cls)(values)
        assert built == cls(**values) and repr(built) == repr(cls(**values))
        assert hash(built) == hash(cls(**values))
        with pytest.raises(AttributeError):
            built.position = 1  # still frozen
    advice = RemittanceAdvice("T", "P", 0)
    assert record_builder(RemittanceAdvice)({"trace_number": "T", "payer_identifier": "P",
                                             "paid_cents": 0}) == advice  # fmt: skip


def test_memory_does_not_grow_with_the_file(tmp_path):
    """Streaming 20,000 claims holds about what streaming 2,000 does (traced allocations),
    with chunks smaller than both files (the reader holds one chunk's segments at a time)."""

    def peak(rounds: int) -> int:
        claims = [ClaimPayment(f"C{n:06d}", "1", 12000, 9600) for n in range(1000)]
        advice = advice_for(claims, trace_number="A", payment_date=date(2026, 3, 1))
        path = tmp_path / f"r{rounds}.835"
        path.write_text(write_835([advice] * rounds))
        tracemalloc.start()
        with chunk_size(1 << 14):
            parsed = stream_835(path, Sink(), path.name)
        _size, top = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        assert parsed.claim_count == 1000 * rounds
        return top

    small, large = peak(2), peak(20)
    assert large < small + 500_000, (small, large)  # 10x the claims, not 10x the memory
