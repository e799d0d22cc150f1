"""Splitting an 835 into segments as a stream: a file of any size is read in chunks of
CHUNK bytes, so memory does not grow with the file (formats/x12_835.py parses the segments).

Three readings of the same bytes, each streaming:
- `check_bytes`: the file-level checks (UTF-8 text, no control characters, not empty) and
  the SHA-256 used to recognise a file imported before;
- `segments`: the fast path, each chunk split on the segment terminator and then on the
  element separator (str.split does the work; no per-character Python);
- `located`: the same segments with the line each starts on, for error messages only (a
  refusal names the segment's line; the fast path does not count lines).

Delimiters come from each interchange's ISA (DOMAIN.md §5). A segment is its text between
terminators with surrounding whitespace removed; empty ones are skipped and not numbered.
"""

from __future__ import annotations

import codecs
import hashlib
import re
from collections.abc import Iterator
from dataclasses import dataclass
from itertools import chain
from operator import itemgetter
from pathlib import Path

CHUNK = 1 << 20
MAX_SEGMENT_CHARS = 4096
MAX_RAW_SEGMENT = 4 * CHUNK  # whitespace included; beyond it a segment is refused as too long
MAX_ELEMENTS = 64
NOT_835 = "give an X12 835 remittance file from the payer or clearinghouse"
_SEGMENT_ID = re.compile(r"[A-Z][A-Z0-9]{1,2}\Z")
_BINARY = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_LEADING = "\ufeff \t\r\n"  # stripped from the start of a file (and not counted as lines)
_first = itemgetter(0)
_NOT_CONTROL = bytes(b for b in range(256) if not _BINARY.match(chr(b)))  # _BINARY's complement


@dataclass(frozen=True)
class Delimiters:
    element: str
    component: str
    repetition: str
    segment: str


class Problem(Exception):
    """A refusal at segment `number` (0: the file as a whole), located later: the message gets
    the segment's line only when it is shown (x12_835._Error)."""

    def __init__(self, number: int, seg_id: str, message: str, hint: str | None = None):
        super().__init__(message)
        self.number = number
        self.seg_id = seg_id
        self.message = message
        self.hint = hint
        self.line = 0
        self.level: str | None = "token"  # where the reader was: token, isa, interchange, ...
        self.context = (0, 0)  # (ISA number, ST number) of the interchange and transaction


# --- the bytes -------------------------------------------------------------------------------


def byte_chunks(source: bytes | str | Path) -> Iterator[bytes]:
    if isinstance(source, Path):
        with open(source, "rb") as fh:
            while block := fh.read(CHUNK):
                yield block
    elif isinstance(source, bytes):
        for start in range(0, len(source), CHUNK):
            yield source[start : start + CHUNK]
    else:
        yield from (b.encode("utf-8") for b in _slices(source))


def _slices(text: str) -> Iterator[str]:
    for start in range(0, len(text), CHUNK):
        yield text[start : start + CHUNK]


class Watch:
    """What `text_chunks` saw that `check_bytes` would refuse: a control character, or no
    text at all. (Bytes that are not UTF-8 raise UnicodeDecodeError as they are read.)"""

    def __init__(self):
        self.control = False
        self.text = False


def text_chunks(source: bytes | str | Path, digest=None, watch: Watch | None = None):
    """The text in chunks, the file's leading BOM and blank space removed. `digest` (a hashlib
    object) is fed the bytes as they are read; `watch` notes what check_bytes would refuse
    (without it, call after `check_bytes` passed)."""
    if isinstance(source, str) and digest is None:
        chunks = _slices(source)
        text_watch = watch
    else:
        decoder = codecs.getincrementaldecoder("utf-8")()
        blocks = chain(_hashed(byte_chunks(source), digest, watch), [b""])
        chunks = (decoder.decode(b, final=not b) for b in blocks)
        text_watch = None  # the bytes were watched
    started = False
    for chunk in chunks:
        if text_watch is not None and not text_watch.control and _BINARY.search(chunk):
            text_watch.control = True
        if not started:
            chunk = chunk.lstrip(_LEADING)
            started = bool(chunk)
        if chunk:
            yield chunk
    if watch is not None:
        watch.text = started


def _hashed(blocks: Iterator[bytes], digest, watch: Watch | None) -> Iterator[bytes]:
    """The blocks, fed to `digest`; `watch` notes a control character. In UTF-8 those bytes
    are only ever the characters themselves, so the bytes are searched (bytes.translate
    deleting every other byte: several times faster than the pattern on the text)."""
    for block in blocks:
        if digest is not None:
            digest.update(block)
        if watch is not None and not watch.control and block.translate(None, _NOT_CONTROL):
            watch.control = True
        yield block


def check_bytes(source: bytes | str | Path) -> str:
    """SHA-256 of the file after the file-level checks, in the order the reader always made
    them: not UTF-8 text (anywhere), then a control character (with its line), then empty."""
    digest = hashlib.sha256()
    decoder = codecs.getincrementaldecoder("utf-8")()
    offset, line = 0, 1
    control: Problem | None = None
    empty = True
    for block in chain(byte_chunks(source), [b""]):
        digest.update(block)
        pending = len(decoder.getstate()[0])
        try:
            text = decoder.decode(block, final=not block)
        except UnicodeDecodeError as exc:
            where = offset - pending + exc.start
            raise Problem(
                0, "", f"byte {where} is not text: this is not an X12 file", NOT_835
            ) from None
        offset += len(block)
        if control is None:
            bad = _BINARY.search(text)
            if bad:
                found = line + text.count("\n", 0, bad.start())
                message = f"line {found} contains a control character: this is not an X12 file"
                control = Problem(0, "", message, NOT_835)
            line += text.count("\n")
            empty = empty and not text.strip(_LEADING)
    if control is not None:
        raise control
    if empty:
        raise Problem(0, "", "is empty")
    return digest.hexdigest()


# --- delimiters -----------------------------------------------------------------------------


def delimiters(head: str) -> Delimiters:
    """Delimiters from the first 200 characters of an interchange (its ISA)."""
    if not head.startswith("ISA") or len(head) < 4:
        raise Problem(0, "", "does not start with an ISA segment: this is not an X12 file", NOT_835)
    element = head[3]
    if element.isalnum() or element.isspace():
        raise Problem(0, "", f"ISA element separator {element!r} is not usable")
    # ISA has exactly 16 elements; ISA16 is one character (the component separator) and the
    # segment terminator follows it. Counting separators also accepts an unpadded ISA.
    pos = 3
    for _ in range(15):
        pos = head.find(element, pos + 1)
        if pos < 0:
            raise Problem(0, "", "the ISA segment is truncated (fewer than 16 elements)")
    if pos + 2 >= len(head):
        raise Problem(0, "", "the ISA segment is truncated (no segment terminator)")
    component, segment = head[pos + 1], head[pos + 2]
    fields = head[: pos + 1].split(element)
    repetition = fields[11] if len(fields[11]) == 1 else ""
    chars = {element, component, segment}
    if len(chars) < 3 or component.isalnum() or segment.isalnum():
        raise Problem(0, "", "the ISA segment does not define distinct delimiters")
    return Delimiters(element, component, repetition, segment)


# --- segments --------------------------------------------------------------------------------

# What `segments` yields: (ISA, delimiters) when an interchange starts, (SEGMENTS, first
# number, [elements, ...], lines) for a run of segments (lines: the line each starts on, or None
# when not counted), and (END, open) at the end of the text, `open` telling whether the last
# interchange had no IEA.
ISA, SEGMENTS, END = "isa", "segments", "end"


def segments(chunks: Iterator[str], count_lines: bool = False) -> Iterator[tuple]:
    """The segments of a text given in chunks. Elements are lists of strings; element 0 is the
    segment id, stripped. Raises Problem for a segment that is too long, has too many
    elements or does not start with a segment id, and for an interchange not starting ISA.
    With `count_lines` (slow; for refusals) each run comes with the line of each segment, and
    a Problem carries its line.

    One generator for the chunk loop (the segments of a chunk: `_plain_run`, or checked one
    by one in `_careful_run`): the buffer, the delimiters, the numbering and the lines carry
    across every branch of it, and a nested generator per chunk or interchange would hand
    each run through one more frame."""
    known: dict[str, str] = {}  # element 0 as written -> checked segment id
    number = 0
    line = 1
    buf = ""
    delims: Delimiters | None = None
    more = True
    chunks = iter(chunks)
    while True:
        if more and (len(buf) < 200 or delims is not None):
            nxt = next(chunks, None)
            if nxt is None:
                more = False
            else:
                buf += nxt
                if delims is not None and delims.segment not in nxt and len(buf) <= CHUNK:
                    continue
        if delims is None:
            stripped = buf.lstrip()
            if count_lines:
                line += buf[: len(buf) - len(stripped)].count("\n")
            buf = stripped
            if not buf:
                if more:
                    continue
                yield END, False
                return
            if more and len(buf) < 200:
                continue
            try:
                delims = delimiters(buf[:200])
            except Problem as exc:
                exc.line = line
                raise
            yield ISA, delims
        term = delims.segment
        cut = buf.rfind(term) if more else len(buf)
        if cut < 0:
            if len(buf) > MAX_RAW_SEGMENT or len(buf.strip()) > MAX_SEGMENT_CHARS:
                body = buf.strip()
                problem = Problem(
                    number + 1, body[:3], f"is longer than {MAX_SEGMENT_CHARS} characters"
                )
                problem.line = line + buf[: len(buf) - len(buf.lstrip())].count("\n")
                raise problem
            continue
        parts = buf[:cut].split(term)
        rest = buf[cut + 1 :]
        first = number + 1
        element = delims.element
        if not count_lines:
            fast = _plain_run(parts, element, known)
            if fast is not None:  # the usual chunk: no segment too long or unknown
                segs, after = fast
                number += len(segs)
                if segs:
                    yield SEGMENTS, first, segs, None
                if after is not None:  # an IEA: the text after it is the next interchange's
                    rest = _next_interchange(parts[after:], term, more, rest)
                    delims = None
                buf = rest
                if not more and delims is not None:
                    yield END, True
                    return
                continue
        segs, lines, number, line, after = _careful_run(
            parts, delims, known, number, line, count_lines
        )
        if segs:
            yield SEGMENTS, first, segs, lines
        if after is not None:
            rest = _next_interchange(parts[after:], term, more, rest)
            delims = None
        buf = rest
        if not more and delims is not None:
            if buf.strip():
                continue
            yield END, True
            return


def _next_interchange(tail: list[str], term: str, more: bool, rest: str) -> str:
    """The text after an IEA: the parts after it, then the text not yet split."""
    return (term.join(tail) + (term if more else "") + rest) if tail else rest


def _careful_run(parts, delims, known, number, line, count_lines):
    """`_plain_run`'s slow twin, segment by segment: each checked (a refusal names its
    segment and, with `count_lines`, its line), stopping after an IEA. Returns (segments,
    their lines or None, the last segment number, the line reached, the index in `parts`
    after the IEA or None)."""
    term, element = delims.segment, delims.element
    out: list[list[str]] = []
    lines: list[int] | None = [] if count_lines else None
    seg_line = 0
    for i, part in enumerate(parts):
        body = part.strip()
        if count_lines:
            seg_line = line + part[: len(part) - len(part.lstrip())].count("\n")
            line += part.count("\n") + (1 if term == "\n" else 0)
        if not body:
            continue
        number += 1
        els = body.split(element)
        seg_id = known.get(els[0])
        if seg_id is None or len(els) > MAX_ELEMENTS or len(body) > MAX_SEGMENT_CHARS:
            try:
                seg_id = _checked(body, els, number, known)
            except Problem as exc:
                exc.line = seg_line
                raise
        els[0] = seg_id
        out.append(els)
        if count_lines:
            lines.append(seg_line)
        if seg_id == "IEA":
            return out, lines, number, line, i + 1
    return out, lines, number, line, None


def _plain_run(parts: list[str], element: str, known: dict[str, str]):
    """(segments, index in `parts` after an IEA or None) for a run of parts split in
    comprehensions (no Python loop per segment), when every segment is plain: a valid id
    written without spaces, not too long, not too many elements. None otherwise: the caller
    then splits them one by one (and finds the problem)."""
    bodies = list(map(str.strip, parts))  # (map: fewer steps than a filtering comprehension)
    if "" in bodies:  # blank text between terminators: not a segment
        bodies = [b for b in bodies if b]
    if not bodies:
        return [], None
    longest = max(map(len, bodies))
    if longest > MAX_SEGMENT_CHARS:
        return None
    segs = [b.split(element) for b in bodies]
    # more than MAX_ELEMENTS elements take at least MAX_ELEMENTS separators: counted only
    # when some segment is that long (most chunks have none)
    if longest >= MAX_ELEMENTS and max(map(len, segs)) > MAX_ELEMENTS:
        return None
    ids = set(map(_first, segs))
    for seg_id in ids:
        if seg_id not in known:
            if seg_id != seg_id.strip() or not _SEGMENT_ID.match(seg_id) or len(known) > 1000:
                return None
            known[seg_id] = seg_id
        elif known[seg_id] != seg_id:
            return None
    if "IEA" not in ids:
        return segs, None
    end = next(i for i, els in enumerate(segs) if els[0] == "IEA")
    after = len(segs) - end - 1  # segments after the IEA: found from the end of `parts`
    index = len(parts)
    while True:
        index -= 1
        if parts[index].strip():
            if not after:
                return segs[: end + 1], index + 1
            after -= 1


def _checked(body: str, els: list[str], number: int, known: dict[str, str]) -> str:
    """The segment id of a segment not seen before (or too long, or with too many elements);
    the checks in the reader's order."""
    if len(body) > MAX_SEGMENT_CHARS:
        raise Problem(number, body[:3], f"is longer than {MAX_SEGMENT_CHARS} characters")
    seg_id = els[0].strip()
    if not _SEGMENT_ID.match(seg_id):
        # the text is not echoed: in a broken file it may be part of a patient's name
        message = "does not start with a segment id (2-3 capital letters or digits)"
        raise Problem(number, "?", message)
    if len(known) < 1000:
        known[els[0]] = seg_id
    if len(els) > MAX_ELEMENTS:
        raise Problem(number, seg_id, "has too many elements")
    return seg_id


def located(chunks: Iterator[str]) -> Iterator[tuple[int, int, list[str]]]:
    """(number, line, elements) of every segment, for refusals (see `segments`)."""
    for event in segments(chunks, count_lines=True):
        if event[0] == SEGMENTS:
            _, first, segs, lines = event
            for offset, els in enumerate(segs):
                yield first + offset, lines[offset], els
