"""Where each claim sits in an 837P we wrote: its transaction set (ST02) and the segment
positions it spans (ST = 1, as a 999's IK302 counts), read back from the file itself so the
map is of exactly what was sent. A claim's span starts at its subscriber HL (HL03 = 22) and
ends before the next one or SE; segments before the first span are the transaction's header."""

from __future__ import annotations

from dataclasses import dataclass

from clinicbill.formats.x12_envelope import parse_envelopes


@dataclass(frozen=True)
class ClaimSpan:
    transaction_control_number: str  # ST02
    patient_control_number: str  # CLM01
    first_segment: int
    last_segment: int


def claim_spans(text: str) -> list[ClaimSpan]:
    parsed = parse_envelopes(text, "837P")
    spans: list[ClaimSpan] = []
    for _interchange, _group, tx in parsed.transactions():
        starts = [tx.position(seg) for seg in tx.segments if seg.id == "HL" and seg.get(3) == "22"]
        ends = [*(s - 1 for s in starts[1:]), len(tx.segments) - 1]
        for first, last in zip(starts, ends, strict=True):
            clm = next(s for s in tx.segments[first - 1 : last] if s.id == "CLM")
            spans.append(ClaimSpan(tx.control_number, clm.get(1), first, last))
    return spans
