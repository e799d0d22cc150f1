"""X12 envelopes shared by the clearinghouse readers and writers (999/TA1, 277, 271 in; 270,
276 out): ISA..IEA, GS..GE and ST..SE checked the way the 835 reader checks them (DOMAIN.md
§1-2: IEA02 = ISA13, GE02 = GS06, SE02 = ST02, SE01 = segment count), with the tokenizer of
formats/x12_835.py (split_interchanges) and its amount and date rules (x12_835_elements:
amount_cents, ccyymmdd).
A file that fails a check is refused whole, naming the segment: nothing is half-read.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from clinicbill.domain.errors import ClinicbillError
from clinicbill.formats.x12_segments import clean, local_time, segment

if TYPE_CHECKING:  # the reader's tokenizer is formats/x12_835.py, imported when reading
    from clinicbill.formats.x12_835 import Delimiters, Segment
MAX_BYTES = 100 * 1024 * 1024  # a response file is read whole; far beyond any real one
NOT_ACK = "give an X12 file from the clearinghouse or payer (999, TA1, 277, 271 or 835)"
HINT = "the file is malformed: ask the clearinghouse for a corrected copy; nothing was imported"


@dataclass(frozen=True)
class TransactionSet:
    """One ST..SE: `segments[0]` is ST, `segments[-1]` is SE."""

    code: str  # ST01: 999, 277, 271, ...
    control_number: str  # ST02
    version: str  # ST03 (or GS08)
    segments: tuple[Segment, ...]

    def position(self, seg: Segment) -> int:
        """The segment's position in the transaction set (ST = 1), as IK302 counts."""
        return seg.number - self.segments[0].number + 1


@dataclass(frozen=True)
class Group:
    functional_id: str  # GS01: FA, HN, HB, HP ...
    sender: str
    receiver: str
    control_number: str  # GS06
    version: str  # GS08
    transactions: tuple[TransactionSet, ...]
    created: date | None = None  # GS04


@dataclass(frozen=True)
class Interchange:
    sender: str  # ISA06
    receiver: str  # ISA08
    control_number: str  # ISA13
    usage: str  # ISA15 T/P
    ta1: tuple[Segment, ...]  # interchange acknowledgements (TA1 right after ISA)
    groups: tuple[Group, ...]
    delimiters: Delimiters


@dataclass(frozen=True)
class X12File:
    name: str
    sha256: str
    interchanges: tuple[Interchange, ...]

    def transactions(self) -> Iterable[tuple[Interchange, Group, TransactionSet]]:
        for interchange in self.interchanges:
            for group in interchange.groups:
                for tx in group.transactions:
                    yield interchange, group, tx


class Reader:
    """Element readers that refuse with the file, segment and line (like the 835 reader)."""

    def __init__(self, name: str, delimiters: Delimiters | None = None, hint: str = HINT):
        self.name = name
        self.delimiters = delimiters
        self.hint = hint

    def refuse(self, seg: Segment | None, message: str) -> ClinicbillError:
        from clinicbill.formats.x12_835 import refusal

        return refusal(self.name, seg, message, self.hint)

    def required(self, seg: Segment, index: int) -> str:
        value = seg.get(index)
        if not value:
            raise self.refuse(seg, f"{seg.id}{index:02d} is required but empty")
        return value

    def parts(self, seg: Segment, index: int) -> list[str]:
        component = self.delimiters.component if self.delimiters else ":"
        return [p.strip() for p in seg.get(index).split(component)]

    def repeats(self, seg: Segment, index: int) -> list[str]:
        rep = self.delimiters.repetition if self.delimiters else ""
        value = seg.get(index)
        return [v.strip() for v in (value.split(rep) if rep else [value]) if v.strip()]

    def cents(self, seg: Segment, index: int) -> int | None:
        """An amount as integer cents (exact: at most two decimals), or None when empty."""
        value = seg.get(index)
        if not value:
            return None
        from clinicbill.formats.x12_835_elements import amount_cents

        cents = amount_cents(value)
        if type(cents) is str:
            raise self.refuse(seg, f"{seg.id}{index:02d} '{value[:20]}' {cents}")
        return cents

    def date(self, seg: Segment, index: int) -> date | None:
        value = seg.get(index)
        if not value:
            return None
        return self.ccyymmdd(seg, value, f"{seg.id}{index:02d}")

    def ccyymmdd(self, seg: Segment, value: str, field: str) -> date:
        from clinicbill.formats.x12_835_elements import ccyymmdd

        day = ccyymmdd(value)
        if type(day) is str:
            raise self.refuse(seg, f"{field} {day}")
        return day

    def period(self, seg: Segment, qualifier: int, value: int) -> tuple[date, date] | None:
        """A DTP date (D8) or range (RD8) as (from, to)."""
        text = seg.get(value)
        if not text:
            return None
        if seg.get(qualifier) == "RD8":
            start, _, end = text.partition("-")
            return (
                self.ccyymmdd(seg, start, f"{seg.id}{value:02d}"),
                self.ccyymmdd(seg, end, f"{seg.id}{value:02d}"),
            )
        day = self.ccyymmdd(seg, text, f"{seg.id}{value:02d}")
        return day, day


def read_bytes(path: str | Path, what: str = "X12 file") -> bytes:
    """A response file's bytes (size-limited), or a refusal naming the path."""
    from clinicbill.store.files import reading

    with reading(path, what) as p:
        if p.stat().st_size > MAX_BYTES:
            raise ClinicbillError(
                f"{p.name}: larger than {MAX_BYTES} bytes", f"check that this is an {what}"
            )
        return p.read_bytes()


def parse_envelopes(data: bytes | str, name: str) -> X12File:
    """Every interchange, group and transaction set of a file, with the envelope checked."""
    from clinicbill.formats.x12_835 import split_interchanges

    if len(data) > MAX_BYTES:
        raise Reader(name).refuse(None, f"larger than {MAX_BYTES} bytes")
    digest, raw = split_interchanges(data, name, NOT_ACK, HINT)
    interchanges = tuple(
        _interchange(segments, delims, Reader(name, delims)) for segments, delims in raw
    )
    return X12File(name, digest, interchanges)


def _interchange(segments: list[Segment], delims: Delimiters, r: Reader) -> Interchange:
    isa, last = segments[0], segments[-1]
    if len(isa.elements) != 17:
        raise r.refuse(isa, f"ISA has {len(isa.elements) - 1} elements, not 16")
    if last.id != "IEA":
        raise r.refuse(last, "the file is truncated: no IEA after this segment")
    if last.get(2) != isa.get(13):
        raise r.refuse(last, f"IEA02 '{last.get(2)}' does not match ISA13 '{isa.get(13)}'")
    ta1, groups, i = [], [], 1
    while i < len(segments) - 1 and segments[i].id == "TA1":
        ta1.append(segments[i])
        i += 1
    while i < len(segments) - 1:
        if segments[i].id != "GS":
            raise r.refuse(segments[i], "expected GS (functional group header)")
        i, group = _group(segments, i, r)
        groups.append(group)
    if last.get(1) != str(len(groups)):
        raise r.refuse(last, f"IEA01 says {last.get(1)} groups but there are {len(groups)}")
    return Interchange(
        isa.get(6), isa.get(8), isa.get(13), isa.get(15), tuple(ta1), tuple(groups), delims
    )


def _group(segments: list[Segment], i: int, r: Reader) -> tuple[int, Group]:
    gs = segments[i]
    transactions = []
    i += 1
    while i < len(segments) and segments[i].id == "ST":
        start = i
        i += 1
        while i < len(segments) and segments[i].id not in ("SE", "GE", "IEA", "ST"):
            i += 1
        if i >= len(segments) or segments[i].id != "SE":
            seg = segments[min(i, len(segments) - 1)]
            raise r.refuse(
                seg, f"transaction {segments[start].get(2)} has no SE: the file is truncated"
            )
        transactions.append(_transaction(segments[start : i + 1], gs, r))
        i += 1
    if i >= len(segments) or segments[i].id != "GE":
        raise r.refuse(
            segments[min(i, len(segments) - 1)], "expected GE (end of functional group) or ST"
        )
    ge = segments[i]
    if ge.get(2) != gs.get(6):
        raise r.refuse(ge, f"GE02 '{ge.get(2)}' does not match GS06 '{gs.get(6)}'")
    if ge.get(1) != str(len(transactions)):
        raise r.refuse(ge, f"GE01 says {ge.get(1)} transactions but there are {len(transactions)}")
    created = r.date(gs, 4)
    group = Group(
        gs.get(1), gs.get(2), gs.get(3), gs.get(6), gs.get(8), tuple(transactions), created
    )
    return i + 1, group


def _transaction(segs: list[Segment], gs: Segment, r: Reader) -> TransactionSet:
    st, se = segs[0], segs[-1]
    if not st.get(1) or not st.get(2):
        raise r.refuse(st, "ST01 and ST02 are required")
    if se.get(2) != st.get(2):
        raise r.refuse(se, f"SE02 '{se.get(2)}' does not match ST02 '{st.get(2)}'")
    if se.get(1) != str(len(segs)):
        raise r.refuse(se, f"SE01 says {se.get(1)} segments but the transaction has {len(segs)}")
    return TransactionSet(st.get(1), st.get(2), st.get(3) or gs.get(8), tuple(segs))


# --- writing ------------------------------------------------------------------------------

SEGMENT_END = "~\n"


@dataclass(frozen=True)
class Envelope:
    """Who sends to whom, and the numbers allocated for this interchange."""

    sender: str
    receiver: str
    control_number: int  # ISA13 = GS06; transaction i gets ST02 = control_number + i
    created: datetime
    usage: str = "T"


def write_interchange(
    envelope: Envelope,
    functional_id: str,
    version: str,
    transactions: list[Callable[[str], list[str]]],
) -> str:
    """ISA/GS, each transaction's segments (built by a function given its ST02), GE/IEA."""
    e = envelope
    if not 0 < e.control_number < 10**9:
        raise ClinicbillError(
            f"x12: interchange control number {e.control_number} is out of range", "report a bug"
        )
    created = local_time(e.created)
    sender, receiver = clean(e.sender, 15), clean(e.receiver, 15)
    if not sender or not receiver:
        raise ClinicbillError(
            "practice: an X12 file needs the submitter id and receiver id from the clearinghouse",
            "clinicbill practice edit --submitter-id ID --receiver-id ID --receiver-name NAME",
        )
    out = [
        segment(
            "ISA",
            "00",
            " " * 10,
            "00",
            " " * 10,
            "ZZ",
            sender.ljust(15),
            "ZZ",
            receiver.ljust(15),
            created.strftime("%y%m%d"),
            created.strftime("%H%M"),
            "^",
            "00501",
            f"{e.control_number:09d}",
            "0",
            e.usage if e.usage in ("T", "P") else "T",
            ":",
        ),
        segment(
            "GS",
            functional_id,
            sender,
            receiver,
            created.strftime("%Y%m%d"),
            created.strftime("%H%M"),
            e.control_number,
            "X",
            version,
        ),
    ]
    for index, build in enumerate(transactions):
        body = build(f"{e.control_number + index:04d}")
        out += body
    out.append(segment("GE", len(transactions), e.control_number))
    out.append(segment("IEA", 1, f"{e.control_number:09d}"))
    return SEGMENT_END.join(out) + SEGMENT_END


def close_transaction(body: list[str], st: str) -> list[str]:
    """Append SE with the segment count (ST..SE inclusive)."""
    return [*body, segment("SE", len(body) + 1, st)]
