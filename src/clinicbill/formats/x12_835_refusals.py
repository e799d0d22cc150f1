"""Which problem an 835 refusal names, and on which line.

The streaming reader (x12_835.py) stops at the first problem it meets. The reader has always
split the whole file first and then checked, for each interchange, its ISA, that it ends with
an IEA matching ISA13, and then each transaction's envelope (SE present and matching, ST01 835,
BPR first) before its content. So when the file has more than one problem, a problem met early
by the stream may not be the one to name: this module re-reads the file (as a stream, error
path only) and returns the problem that order finds first, with its line.
"""

from __future__ import annotations

from pathlib import Path

from clinicbill.formats import x12_835_tokens as tokens
from clinicbill.formats.x12_835_tokens import Problem
from clinicbill.formats.x12_835_types import (
    INTERCHANGE,
    TRANSACTION,
    Segment,
    _Error,
    iea_problem,
    transaction_problem,
)


def first_problem(source: Path | bytes | str, problem: Problem) -> Problem:
    if problem.level is None and not problem.number:
        return problem  # about the whole file, found after reading all of it
    if problem.level == "token" and not problem.number:
        return problem  # a file-level check before any segment
    isa_number, st_number = problem.context
    scan = _Scan(isa_number, st_number, problem.number)
    try:
        scan.run(tokens.text_chunks(source))
    except Problem as token_problem:  # splitting the file comes before every other check
        return token_problem
    problem.line = scan.lines.get(problem.number, 0)
    if problem.level in (INTERCHANGE, TRANSACTION):
        found = scan.interchange_problem()
        if found is None and problem.level == TRANSACTION:
            found = scan.transaction_problem()
        if found is not None:
            found.line = scan.lines.get(found.number, 0)
            return found
    return problem


class _Scan:
    """Reads every segment (with lines), keeping only what the checks of one interchange and
    one transaction need."""

    def __init__(self, isa_number: int, st_number: int, wanted: int):
        self.isa_number = isa_number
        self.st_number = st_number
        self.wanted = {wanted, isa_number, st_number}
        self.lines: dict[int, int] = {}
        self.isa = self.last = self.st = self.second = self.end = None
        self.in_interchange = self.in_transaction = False

    def run(self, chunks) -> None:
        for number, line, els in tokens.located(chunks):
            seg = Segment(els[0], els, number, line)
            if number in self.wanted:
                self.lines[number] = line
            if number == self.isa_number:
                self.isa, self.in_interchange = seg, True
            elif self.in_interchange:
                self.last = seg
                self.lines[number] = line
                if seg.id == "IEA":
                    self.in_interchange = False
            if number == self.st_number:
                self.st, self.in_transaction = seg, True
            elif self.in_transaction:
                if self.second is None:
                    self.second = seg
                    self.lines[number] = line
                if seg.id in ("SE", "GE", "IEA"):
                    self.end, self.in_transaction = seg, False
                    self.lines[number] = line

    def interchange_problem(self) -> Problem | None:
        err = _Error("")
        last = self.last or self.isa
        if last is None:
            return None
        if last.id != "IEA":
            return err.at(last, "the file is truncated: no IEA after this segment")
        return iea_problem(err, self.isa, last)

    def transaction_problem(self) -> Problem | None:
        err = _Error("")
        st, end = self.st, self.end
        if st is None or end is None:
            return None
        if end.id != "SE":
            return err.at(end, f"transaction {st.get(2)} has no SE: the file is truncated")
        count = end.number - st.number + 1
        return transaction_problem(err, st, end, count, self.second)
