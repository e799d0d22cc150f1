"""Read X12 835 (005010X221A1) remittance files into domain/remit.py records.

Delimiters come from the ISA segment (DOMAIN.md §5). Every problem is a ClinicbillError that
names the file, the segment number and its line, so a person can open the file and look:
malformed, truncated or hostile input never gets further than this module. Limits keep a
hostile file from exhausting memory.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import NamedTuple

from clinicbill.domain.errors import ClinicbillError
from clinicbill.domain.remittance.remit import RemittanceAdvice
from clinicbill.formats.x12_835_loops import Transaction

MAX_BYTES = 100 * 1024 * 1024  # ~ 200,000 claims; far beyond one practice's remittance
MAX_SEGMENT_CHARS = 4096
MAX_ELEMENTS = 64
NOT_835 = "give an X12 835 remittance file from the payer or clearinghouse"
HINT = (
    "the 835 is malformed: ask the payer or clearinghouse for a corrected file; nothing was posted"
)

_SEGMENT_ID = re.compile(r"[A-Z][A-Z0-9]{1,2}\Z")
_AMOUNT = re.compile(r"-?(\d{1,15}(\.\d*)?|\.\d+)\Z")
_QUANTITY = re.compile(r"-?(\d{1,12}(\.\d*)?|\.\d+)\Z")
_BINARY = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


class Segment(NamedTuple):
    id: str
    elements: tuple[str, ...]  # elements[0] is the segment id; elements[n] is XXnn
    number: int  # 1-based position in the file
    line: int  # 1-based line where the segment starts

    def get(self, index: int) -> str:
        return self.elements[index].strip() if index < len(self.elements) else ""


@dataclass(frozen=True)
class Delimiters:
    element: str
    component: str
    repetition: str
    segment: str


@dataclass(frozen=True)
class ParsedFile:
    """An 835 file: every ST..SE transaction as a RemittanceAdvice."""

    name: str
    sha256: str
    sender: str
    receiver: str
    interchange_control_number: str
    advices: tuple[RemittanceAdvice, ...]

    @property
    def claim_count(self) -> int:
        return sum(len(a.claims) for a in self.advices)


class _Error:
    """Builds refusals that name the file, the segment and where it is."""

    def __init__(self, name: str):
        self.name = name

    def at(self, seg: Segment | None, message: str, hint: str = HINT) -> ClinicbillError:
        where = f"segment {seg.number} ({seg.id}, line {seg.line})" if seg else "file"
        return ClinicbillError(f"{self.name}: {where}: {message}", hint)


def read_835(path: str | Path) -> ParsedFile:
    """Read and parse an 835 file from disk (size-limited)."""
    p = Path(path)
    name = p.name
    try:
        size = p.stat().st_size
        if size > MAX_BYTES:
            raise ClinicbillError(
                f"{name}: file is {size} bytes; at most {MAX_BYTES} are read",
                "split the remittance file, or check that this is an 835",
            )
        data = p.read_bytes()
    except IsADirectoryError:
        raise ClinicbillError(f"{name}: is a directory", "give an 835 file") from None
    except FileNotFoundError:
        raise ClinicbillError(f"file: {path} does not exist", "check the path") from None
    except OSError as exc:
        raise ClinicbillError(
            f"file: cannot read {name} ({exc.strerror})", "check the path"
        ) from None
    return parse_835(data, name)


def parse_835(data: bytes | str, name: str = "835") -> ParsedFile:
    """Parse 835 bytes or text. Raises ClinicbillError naming the segment on any problem."""
    err = _Error(name)
    digest, interchanges = split_interchanges(data, err, NOT_835)
    return _Parser(err, name, digest).parse(interchanges)


def split_interchanges(data: bytes | str, err: _Error, not_x12: str = NOT_835):
    """Check X12 bytes or text are text, and split them into interchanges (ISA..IEA): returns
    (sha256 of the content, [(segments, delimiters), ...]). Shared by every X12 reader."""
    if isinstance(data, bytes):
        if len(data) > MAX_BYTES:
            raise err.at(None, f"larger than {MAX_BYTES} bytes")
        digest = hashlib.sha256(data).hexdigest()
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise err.at(
                None, f"byte {exc.start} is not text: this is not an X12 file", not_x12
            ) from None
    else:
        text = data
        digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
    bad = _BINARY.search(text)
    if bad:
        line = text.count("\n", 0, bad.start()) + 1
        raise err.at(
            None, f"line {line} contains a control character: this is not an X12 file", not_x12
        )
    text = text.lstrip("\ufeff \t\r\n")
    if not text:
        raise err.at(None, "is empty")
    interchanges = []
    offset, number, line = 0, 0, 1
    while offset < len(text):
        rest = text[offset:]
        stripped = rest.lstrip()
        if not stripped:
            break
        line += rest[: len(rest) - len(stripped)].count("\n")
        offset += len(rest) - len(stripped)
        segments, offset, number, line = _tokenize(text, offset, number, line, err, not_x12)
        interchanges.append(segments)
    return digest, interchanges


def _delimiters(text: str, start: int, err: _Error, not_x12: str = NOT_835) -> Delimiters:
    head = text[start : start + 200]
    if not head.startswith("ISA") or len(head) < 4:
        raise err.at(None, "does not start with an ISA segment: this is not an X12 file", not_x12)
    element = head[3]
    if element.isalnum() or element.isspace():
        raise err.at(None, f"ISA element separator {element!r} is not usable")
    # ISA has exactly 16 elements; ISA16 is one character (the component separator) and the
    # segment terminator follows it. Counting separators also accepts an unpadded ISA.
    pos = 3
    for _ in range(15):
        pos = head.find(element, pos + 1)
        if pos < 0:
            raise err.at(None, "the ISA segment is truncated (fewer than 16 elements)")
    if pos + 2 >= len(head):
        raise err.at(None, "the ISA segment is truncated (no segment terminator)")
    component, segment = head[pos + 1], head[pos + 2]
    fields = head[: pos + 1].split(element)
    repetition = fields[11] if len(fields[11]) == 1 else ""
    chars = {element, component, segment}
    if len(chars) < 3 or component.isalnum() or segment.isalnum():
        raise err.at(None, "the ISA segment does not define distinct delimiters")
    return Delimiters(element, component, repetition, segment)


def _tokenize(text: str, start: int, number: int, line: int, err: _Error, not_x12: str):
    """Split one interchange (ISA..IEA) into segments; return them and where it ended."""
    delims = _delimiters(text, start, err, not_x12)
    segments: list[Segment] = []
    pos = start
    end = len(text)
    while pos < end:
        stop = text.find(delims.segment, pos)
        if stop < 0:
            stop = end
        raw = text[pos:stop]
        body = raw.strip()
        seg_line = line + (raw[: len(raw) - len(raw.lstrip())].count("\n"))
        line += raw.count("\n") + (1 if delims.segment == "\n" else 0)
        pos = stop + 1
        if not body:
            continue
        number += 1
        if len(body) > MAX_SEGMENT_CHARS:
            raise err.at(
                Segment(body[:3], (), number, seg_line),
                f"is longer than {MAX_SEGMENT_CHARS} characters",
            )
        elements = tuple(body.split(delims.element))
        seg_id = elements[0].strip()
        if not _SEGMENT_ID.match(seg_id):
            # the text is not echoed: in a broken file it may be part of a patient's name
            raise err.at(
                Segment("?", (), number, seg_line),
                "does not start with a segment id (2-3 capital letters or digits)",
            )
        if len(elements) > MAX_ELEMENTS:
            raise err.at(Segment(seg_id, (), number, seg_line), "has too many elements")
        segments.append(Segment(seg_id, elements, number, seg_line))
        if seg_id == "IEA":
            return (segments, delims), pos, number, line
    return (segments, delims), pos, number, line


class _Parser:
    def __init__(self, err: _Error, name: str, digest: str):
        self.err = err
        self.name = name
        self.digest = digest
        self.delims: Delimiters | None = None

    # --- element readers ---------------------------------------------------------------

    def text(self, seg: Segment, index: int, required: bool = False) -> str | None:
        value = seg.get(index)
        if not value:
            if required:
                raise self.err.at(seg, f"{seg.id}{index:02d} is required but empty")
            return None
        return value

    def amount(self, seg: Segment, index: int, required: bool = True) -> int | None:
        value = seg.get(index)
        if not value:
            if required:
                raise self.err.at(seg, f"{seg.id}{index:02d} (amount) is missing")
            return None
        if not _AMOUNT.match(value):
            raise self.err.at(seg, f"{seg.id}{index:02d} '{value[:20]}' is not an amount")
        # exact integer arithmetic on the digits (the regex admits nothing else)
        negative = value.startswith("-")
        whole, _dot, fraction = value.lstrip("-").partition(".")
        if len(fraction) > 2 and fraction[2:].strip("0"):
            raise self.err.at(seg, f"{seg.id}{index:02d} '{value}' has more than two decimals")
        cents = int(whole or "0") * 100 + int((fraction + "00")[:2])
        return -cents if negative else cents

    def quantity(self, seg: Segment, index: int) -> Decimal | None:
        value = seg.get(index)
        if not value:
            return None
        if not _QUANTITY.match(value):
            raise self.err.at(seg, f"{seg.id}{index:02d} '{value[:20]}' is not a quantity")
        return Decimal(value)

    def date(self, seg: Segment, index: int, required: bool = False) -> date | None:
        value = seg.get(index)
        if not value:
            if required:
                raise self.err.at(seg, f"{seg.id}{index:02d} (date) is missing")
            return None
        if len(value) != 8 or not value.isdigit():
            raise self.err.at(seg, f"{seg.id}{index:02d} '{value[:20]}' is not a CCYYMMDD date")
        try:
            return date(int(value[:4]), int(value[4:6]), int(value[6:]))
        except ValueError:
            raise self.err.at(seg, f"{seg.id}{index:02d} '{value}' is not a valid date") from None

    def composite(self, seg: Segment, index: int) -> list[str]:
        return [part.strip() for part in seg.get(index).split(self.delims.component)]

    # --- structure ---------------------------------------------------------------------

    def parse(self, interchanges) -> ParsedFile:
        advices: list[RemittanceAdvice] = []
        sender = receiver = control = ""
        for segments, delims in interchanges:
            self.delims = delims
            isa = segments[0]
            if len(isa.elements) != 17:
                raise self.err.at(isa, f"ISA has {len(isa.elements) - 1} elements, not 16")
            if not sender:
                sender, receiver, control = isa.get(6), isa.get(8), isa.get(13)
            advices.extend(self.interchange(segments))
        if not advices:
            raise self.err.at(None, "contains no 835 transaction (ST*835)", NOT_835)
        return ParsedFile(self.name, self.digest, sender, receiver, control, tuple(advices))

    def interchange(self, segments: list[Segment]) -> list[RemittanceAdvice]:
        isa = segments[0]
        last = segments[-1]
        if last.id != "IEA":
            raise self.err.at(last, "the file is truncated: no IEA after this segment")
        if last.get(2) != isa.get(13):
            raise self.err.at(last, f"IEA02 '{last.get(2)}' does not match ISA13 '{isa.get(13)}'")
        advices: list[RemittanceAdvice] = []
        groups = 0
        i = 1
        while i < len(segments) - 1:
            seg = segments[i]
            if seg.id != "GS":
                raise self.err.at(seg, "expected GS (functional group header)")
            if seg.get(1) != "HP":
                raise self.err.at(
                    seg,
                    f"GS01 '{seg.get(1)[:5]}' is not HP: this is not a remittance (835) file",
                    NOT_835,
                )
            groups += 1
            i, found = self.group(segments, i)
            advices.extend(found)
        if last.get(1) and last.get(1) != str(groups):
            raise self.err.at(last, f"IEA01 says {last.get(1)} groups but there are {groups}")
        return advices

    def group(self, segments: list[Segment], i: int) -> tuple[int, list[RemittanceAdvice]]:
        gs = segments[i]
        advices = []
        i += 1
        while i < len(segments) and segments[i].id == "ST":
            start = i
            while i < len(segments) and segments[i].id not in ("SE", "GE", "IEA"):
                i += 1
            if i >= len(segments) or segments[i].id != "SE":
                raise self.err.at(
                    segments[min(i, len(segments) - 1)],
                    f"transaction {segments[start].get(2)} has no SE: the file is truncated",
                )
            advices.append(self.transaction(segments[start : i + 1]))
            i += 1
        if i >= len(segments) or segments[i].id != "GE":
            seg = segments[min(i, len(segments) - 1)]
            raise self.err.at(seg, "expected GE (end of functional group) or ST")
        ge = segments[i]
        if ge.get(2) != gs.get(6):
            raise self.err.at(ge, f"GE02 '{ge.get(2)}' does not match GS06 '{gs.get(6)}'")
        if ge.get(1) != str(len(advices)):
            raise self.err.at(
                ge, f"GE01 says {ge.get(1)} transactions but there are {len(advices)}"
            )
        return i + 1, advices

    def transaction(self, segs: list[Segment]) -> RemittanceAdvice:
        st, se = segs[0], segs[-1]
        if st.get(1) != "835":
            message = f"ST01 '{st.get(1)[:10]}' is not 835: this is not a remittance"
            raise self.err.at(st, message, NOT_835)
        if se.get(2) != st.get(2):
            raise self.err.at(se, f"SE02 '{se.get(2)}' does not match ST02 '{st.get(2)}'")
        if se.get(1) != str(len(segs)):
            raise self.err.at(
                se, f"SE01 says {se.get(1)} segments but the transaction has {len(segs)}"
            )
        if len(segs) < 3 or segs[1].id != "BPR":
            raise self.err.at(segs[min(1, len(segs) - 1)], "expected BPR right after ST")
        return Transaction(self, segs).read()
