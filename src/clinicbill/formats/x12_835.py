"""Read X12 835 (005010X221A1) remittance files into domain/remittance/remit.py records, as a
stream.

Delimiters come from the ISA segment (DOMAIN.md §5). Every problem is a ClinicbillError that
names the file, the segment number and its line, so a person can open the file and look:
malformed, truncated or hostile input never gets further than this module.

The file is read in chunks (formats/x12_835_tokens.py) and parsed segment by segment, so
memory does not grow with the file when the claims are handed to a `Sink` as they are read
(`stream_835`, used by `era import`); `read_835`/`parse_835` keep every claim. Refusals are
the same either way, and the same as when the whole file was split before parsing: when
several problems are present, the one reported is the one that reading in that order found
first (x12_835_refusals.py re-reads the file to decide).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, replace
from pathlib import Path

from clinicbill.domain.errors import ClinicbillError
from clinicbill.domain.remittance.remit import ClaimPayment, RemittanceAdvice
from clinicbill.formats import x12_835_tokens as tokens
from clinicbill.formats.x12_835_tokens import (  # noqa: F401  (Delimiters: part of this API)
    NOT_835,
    Delimiters,
    Problem,
)
from clinicbill.formats.x12_835_types import (  # noqa: F401  (Segment, refusal: this API too)
    HINT,
    INTERCHANGE,
    ISA_LEVEL,
    TRANSACTION,
    Segment,
    Sink,
    _Error,
    iea_problem,
    refusal,
    transaction_problem,
)

MAX_BYTES = 1024 * 1024 * 1024  # ~ 4 million claims: read as a stream, refused above this


@dataclass(frozen=True)
class ParsedFile:
    """An 835 file: every ST..SE transaction as a RemittanceAdvice. From `stream_835` the
    advices carry no claims (they went to the sink); `claim_count` counts them either way."""

    name: str
    sha256: str
    sender: str
    receiver: str
    interchange_control_number: str
    advices: tuple[RemittanceAdvice, ...]
    claim_count: int = 0


class _Keep(Sink):
    def __init__(self):
        self.claims: list[ClaimPayment] = []
        self.advices: list[RemittanceAdvice] = []
        self.claim = self.claims.append  # one call per claim, not two

    def advice(self, advice: RemittanceAdvice) -> None:
        self.advices.append(replace(advice, claims=tuple(self.claims)))
        self.claims.clear()


def read_835(path: str | Path) -> ParsedFile:
    """Read and parse an 835 file from disk, every claim kept (size-limited)."""
    p, name = _checked_path(path)
    keep = _Keep()
    parsed = stream_835(p, keep, name)
    return replace(parsed, advices=tuple(keep.advices))


def parse_835(data: bytes | str, name: str = "835") -> ParsedFile:
    """Parse 835 bytes or text. Raises ClinicbillError naming the segment on any problem."""
    err = _Error(name)
    if isinstance(data, bytes) and len(data) > MAX_BYTES:
        raise err.final(err.at(None, f"larger than {MAX_BYTES} bytes"))
    keep = _Keep()
    parsed = stream_835(data, keep, name)
    return replace(parsed, advices=tuple(keep.advices))


def check_835(path: str | Path) -> tuple[Path, str, str]:
    """(path, name, SHA-256) of an 835 file after the file-level checks (size, text, control
    characters, empty), read as a stream; the segments are not parsed."""
    p, name = _checked_path(path)
    try:
        return p, name, tokens.check_bytes(p)
    except Problem as problem:
        raise _Error(name).final(problem) from None


def stream_835(
    source: Path | bytes | str, sink: Sink, name: str = "835", sha256: str | None = None
) -> ParsedFile:
    """Parse an 835, handing each claim and each advice to `sink` as it is read. With `sha256`
    (from `check_835`), the file must still have that digest when read to the end (a file
    changed while it was read is refused); without it the file-level checks are made as it
    is read, and come first (a file that is not text is refused as such)."""
    err = _Error(name)
    digest = hashlib.sha256()
    watch = tokens.Watch() if sha256 is None else None
    changed = ClinicbillError(
        f"{name}: the file changed while it was read", "import it again; nothing was posted"
    )
    try:
        try:
            parsed = _Reader(err, name, sink).run(tokens.text_chunks(source, digest, watch))
        except (Problem, UnicodeDecodeError) as exc:
            if sha256 is None:
                tokens.check_bytes(source)  # a problem with the file as a whole comes first
            elif isinstance(exc, UnicodeDecodeError):
                raise changed from None
            from clinicbill.formats.x12_835_refusals import first_problem

            raise first_problem(source, exc) from None
        if watch is not None and (watch.control or not watch.text):
            tokens.check_bytes(source)
    except Problem as problem:
        raise err.final(problem) from None
    found = digest.hexdigest()
    if sha256 is not None and found != sha256:
        raise changed
    return replace(parsed, sha256=found)


def split_interchanges(
    data: bytes | str, name: str, not_x12: str = NOT_835, hint: str | None = None
) -> tuple[str, list[tuple[list[Segment], Delimiters]]]:
    """Any X12 file (999, 277, 271 ...) checked as text and split into interchanges (ISA up to
    IEA, or to the end when it has none): (SHA-256, [(segments with their lines, delimiters)]).
    Refusals name the file and the segment, as the 835 reader's do (`not_x12`: the hint for a
    file that is not X12 at all; `hint`: for a malformed one, default the 835's). For whole
    files read into memory (x12_envelope.py)."""
    try:
        digest = tokens.check_bytes(data)
        interchanges: list[tuple[list[Segment], Delimiters]] = []
        for event in tokens.segments(tokens.text_chunks(data), count_lines=True):
            if event[0] == tokens.ISA:
                interchanges.append(([], event[1]))
            elif event[0] == tokens.SEGMENTS:
                _, first, segs, lines = event
                interchanges[-1][0].extend(
                    Segment(els[0], els, first + i, lines[i]) for i, els in enumerate(segs)
                )
    except Problem as problem:
        if problem.hint == NOT_835:
            problem.hint = not_x12
        problem.hint = problem.hint or hint
        raise _Error(name).final(problem) from None
    return digest, interchanges


def _checked_path(path: str | Path) -> tuple[Path, str]:
    from clinicbill.store.files import reading

    with reading(path, "835 file") as p:
        size = p.stat().st_size
        if p.is_dir():
            raise IsADirectoryError
        if size > MAX_BYTES:
            raise ClinicbillError(
                f"{p.name}: file is {size} bytes; at most {MAX_BYTES} are read",
                "split the remittance file, or check that this is an 835",
            )
        with open(p, "rb"):
            pass
    return p, p.name


# --- the envelope, segment by segment ---------------------------------------------------------

ENDS_TRANSACTION = frozenset(("SE", "GE", "IEA"))


class _Reader:
    """ISA > GS > ST..SE > GE > IEA, checked as the segments arrive; the content of each
    transaction goes to x12_835_loops.Transaction."""

    def __init__(self, err: _Error, name: str, sink: Sink):
        from clinicbill.formats.x12_835_elements import Elements

        self.p = Elements(err)
        self.err = err
        self.name = name
        self.sink = sink
        self.sender = self.receiver = self.control = ""
        self.advices: list[RemittanceAdvice] = []
        self.claims = 0
        self.isa: Segment | None = None
        self.gs: Segment | None = None
        self.groups = self.in_group = 0
        self.txn = None
        self.last = (0, "")

    def run(self, chunks) -> ParsedFile:
        try:
            for event in tokens.segments(chunks):
                kind = event[0]
                if kind == tokens.SEGMENTS:
                    self.feed(event[1], event[2])
                    self.last = (event[1] + len(event[2]) - 1, event[2][-1][0])
                elif kind == tokens.ISA:
                    self.p.start(event[1])
                    self.isa = None
                elif event[1]:  # the end, inside an interchange
                    problem = Problem(
                        *self.last, "the file is truncated: no IEA after this segment"
                    )
                    problem.level = "end"
                    raise problem
        except Problem as problem:
            if problem.level is None:
                problem.level = TRANSACTION if self.txn else INTERCHANGE
            problem.context = (
                self.isa.number if self.isa else 0,
                self.txn.st.number if self.txn else 0,
            )
            raise
        if not self.advices:
            raise self.err.at(None, "contains no 835 transaction (ST*835)", NOT_835)
        return ParsedFile(
            self.name,
            "",  # the SHA-256, known when the whole file was read (stream_835)
            self.sender,
            self.receiver,
            self.control,
            tuple(self.advices),
            self.claims,
        )

    def feed(self, number: int, segs: list[list[str]]) -> None:
        """The reader's inner loop: one call per segment with a handler, nothing for others.
        Inside a transaction one look-up per segment decides (x12_835_loops.DISPATCH: the
        handler, None for a segment without one, END for SE, GE and IEA)."""
        from clinicbill.formats.x12_835_loops import DISPATCH, END

        get = DISPATCH.get
        txn = self.txn
        p = self.p
        started = txn is not None and txn.started
        for number, els in enumerate(segs, number):  # noqa: B020  (the loop's own number)
            if started:
                handler = get(els[0])
                if handler is None:
                    continue
                if handler is not END:
                    p.number = number
                    handler(txn, els)
                    continue
            if txn is not None and not txn.started and els[0] not in ENDS_TRANSACTION:
                txn.first(els, number)
            else:
                self.envelope(Segment(els[0], els, number, 0))
                txn = self.txn
            started = txn is not None and txn.started

    def envelope(self, seg: Segment) -> None:
        sid = seg.id
        if self.isa is None:
            self.start_interchange(seg)
        elif self.txn is not None:  # SE, GE or IEA
            if sid != "SE":
                st = self.txn.st
                raise self.err.at(seg, f"transaction {st.get(2)} has no SE: the file is truncated")
            self.end_transaction(seg)
        elif self.gs is not None:
            if sid == "ST":
                self.start_transaction(seg)
            elif sid == "GE":
                self.end_group(seg)
            else:
                raise self.err.at(seg, "expected GE (end of functional group) or ST")
        elif sid == "GS":
            if seg.get(1) != "HP":
                message = f"GS01 '{seg.get(1)[:5]}' is not HP: this is not a remittance (835) file"
                raise self.err.at(seg, message, NOT_835)
            self.gs = seg
            self.groups += 1
            self.in_group = 0
        elif sid == "IEA":
            self.end_interchange(seg)
        else:
            raise self.err.at(seg, "expected GS (functional group header)")

    def start_interchange(self, isa: Segment) -> None:
        self.isa = isa
        if len(isa.elements) != 17:
            problem = self.err.at(isa, f"ISA has {len(isa.elements) - 1} elements, not 16")
            problem.level = ISA_LEVEL
            raise problem
        if not self.sender:
            self.sender, self.receiver, self.control = isa.get(6), isa.get(8), isa.get(13)
        self.groups = 0
        self.gs = None

    def start_transaction(self, st: Segment) -> None:
        from clinicbill.formats.x12_835_loops import Transaction

        self.txn = Transaction(self.p, st, self.sink)
        if st.get(1) != "835":
            message = f"ST01 '{st.get(1)[:10]}' is not 835: this is not a remittance"
            raise self.err.at(st, message, NOT_835)

    def end_transaction(self, se: Segment) -> None:
        txn = self.txn
        count = se.number - txn.st.number + 1
        problem = transaction_problem(self.err, txn.st, se, count, None if txn.started else se)
        if problem:
            raise problem
        advice = txn.finish()
        self.claims += txn.count
        self.advices.append(advice)
        self.sink.advice(advice)
        self.txn = None
        self.in_group += 1

    def end_group(self, ge: Segment) -> None:
        if ge.get(2) != self.gs.get(6):
            raise self.err.at(ge, f"GE02 '{ge.get(2)}' does not match GS06 '{self.gs.get(6)}'")
        if ge.get(1) != str(self.in_group):
            message = f"GE01 says {ge.get(1)} transactions but there are {self.in_group}"
            raise self.err.at(ge, message)
        self.gs = None

    def end_interchange(self, iea: Segment) -> None:
        problem = iea_problem(self.err, self.isa, iea)
        if problem:
            raise problem
        if iea.get(1) and iea.get(1) != str(self.groups):
            raise self.err.at(iea, f"IEA01 says {iea.get(1)} groups but there are {self.groups}")
        self.isa = None
