"""Read TA1 interchange acknowledgements and 999 implementation acknowledgements
(005010X231A1) into domain/clearinghouse/records.py: which of our interchanges, groups (GS06)
and transaction sets (ST02) were accepted or rejected, and each IK3/IK4 error."""

from __future__ import annotations

from clinicbill.domain.clearinghouse.records import (
    ElementError,
    GroupAck,
    InterchangeAck,
    SegmentError,
    TransactionAck,
)
from clinicbill.formats.x12_835 import Segment
from clinicbill.formats.x12_envelope import Reader, TransactionSet

ACK_CODES = ("A", "E", "P", "R", "M", "W", "X")


def interchange_acks(ta1: tuple[Segment, ...], r: Reader) -> list[InterchangeAck]:
    out = []
    for seg in ta1:
        control = r.required(seg, 1)
        if not control.isdigit():
            raise r.refuse(seg, f"TA101 '{control[:12]}' is not an interchange control number")
        result = r.required(seg, 4)
        if result not in ("A", "E", "R"):
            raise r.refuse(seg, f"TA104 '{result[:4]}' is not A, E or R")
        out.append(InterchangeAck(control, _yymmdd(seg, r), result, seg.get(5)))
    return out


def _yymmdd(seg: Segment, r: Reader):
    value = seg.get(2)
    if not value:
        return None
    if len(value) != 6 or not value.isdigit():
        raise r.refuse(seg, f"TA102 '{value[:10]}' is not a YYMMDD date")
    return r.ccyymmdd(seg, "20" + value, "TA102")


def group_ack(tx: TransactionSet, r: Reader) -> GroupAck:
    """One 999 transaction set: AK1, AK2 loops, AK9."""
    segs = list(tx.segments[1:-1])
    if not segs or segs[0].id != "AK1":
        raise r.refuse(segs[0] if segs else tx.segments[-1], "expected AK1 right after ST")
    ak1 = segs[0]
    i, transactions, ak9 = _loops_then(
        segs, 1, r, "AK2", _transaction_ack, "AK9", "functional group response"
    )
    if i != len(segs) - 1:
        raise r.refuse(segs[i + 1], "unexpected segment after AK9")
    result = _code(ak9, 1, r)
    return GroupAck(
        r.required(ak1, 1),
        r.required(ak1, 2),
        result,
        tuple(transactions),
        tuple(v for v in (ak9.get(n) for n in range(5, 10)) if v),
        _count(ak9, 2, r),
        _count(ak9, 4, r),
    )


def _loops_then(segs: list[Segment], i: int, r: Reader, loop: str, read, closing: str, what: str):
    """The `loop` loops from segs[i], each read by `read`, then the `closing` segment that must
    follow them; returns (the closing segment's index, the loops read, the closing segment)."""
    items = []
    while i < len(segs) and segs[i].id == loop:
        i, item = read(segs, i, r)
        items.append(item)
    if i >= len(segs) or segs[i].id != closing:
        raise r.refuse(segs[min(i, len(segs) - 1)], f"expected {closing} ({what})")
    return i, items, segs[i]


def _code(seg: Segment, index: int, r: Reader) -> str:
    value = r.required(seg, index)
    if value not in ACK_CODES:
        raise r.refuse(seg, f"{seg.id}{index:02d} '{value[:4]}' is not an acknowledgment code")
    return value


def _count(seg: Segment, index: int, r: Reader) -> int | None:
    value = seg.get(index)
    if not value:
        return None
    if not value.isdigit() or len(value) > 6:
        raise r.refuse(seg, f"{seg.id}{index:02d} '{value[:8]}' is not a count")
    return int(value)


def _transaction_ack(segs: list[Segment], i: int, r: Reader) -> tuple[int, TransactionAck]:
    ak2 = segs[i]
    i, errors, ik5 = _loops_then(
        segs, i + 1, r, "IK3", _segment_error, "IK5", "transaction set response"
    )
    ack = TransactionAck(
        r.required(ak2, 1),
        r.required(ak2, 2),
        _code(ik5, 1, r),
        tuple(v for v in (ik5.get(n) for n in range(2, 7)) if v),
        tuple(errors),
    )
    return i + 1, ack


def _segment_error(segs: list[Segment], i: int, r: Reader) -> tuple[int, SegmentError]:
    ik3 = segs[i]
    position = r.required(ik3, 2)
    if not position.isdigit() or len(position) > 6:
        raise r.refuse(ik3, f"IK302 '{position[:8]}' is not a segment position")
    claim_reference = None
    elements: list[ElementError] = []
    i += 1
    while i < len(segs) and segs[i].id in ("CTX", "IK4"):
        seg = segs[i]
        if seg.id == "CTX":
            context = r.parts(seg, 1)
            if context[0].upper() == "CLM01" and len(context) > 1 and context[1]:
                claim_reference = context[1]
        else:
            elements.append(
                ElementError(r.parts(seg, 1)[0], seg.get(2), r.required(seg, 3), seg.get(4))
            )
        i += 1
    error = SegmentError(
        r.required(ik3, 1),
        int(position),
        ik3.get(3),
        ik3.get(4),
        tuple(elements),
        claim_reference,
    )
    return i, error
