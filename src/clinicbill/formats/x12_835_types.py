"""What every part of the 835 reader shares: the segment record, the sink a streamed file is
handed to, the one shape of a refusal, and the envelope checks that the reader
(x12_835.py) and the refusal locator (x12_835_refusals.py) both make. The reader's other
modules import this one, never the reader, so they form no import circle.
"""

from __future__ import annotations

from collections import namedtuple

from clinicbill.domain.errors import ClinicbillError
from clinicbill.formats.x12_835_tokens import NOT_835, Problem

TYPE_CHECKING = False  # not typing's: the reader does not import typing (startup time)
if TYPE_CHECKING:
    from clinicbill.domain.remittance.remit import ClaimPayment, RemittanceAdvice

HINT = (
    "the 835 is malformed: ask the payer or clearinghouse for a corrected file; nothing was posted"
)
TRANSACTION, INTERCHANGE, ISA_LEVEL = "transaction", "interchange", "isa"


class Segment(namedtuple("Segment", "id elements number line")):
    """id: str; elements: list or tuple of str (elements[0] is the segment id, elements[n] is
    XXnn); number: 1-based position in the file; line: 1-based line where the segment starts
    (0: found when a refusal names it). (collections.namedtuple: the reader does not import
    typing, a few ms of every `era import`.)"""

    __slots__ = ()

    def get(self, index: int) -> str:
        return self.elements[index].strip() if index < len(self.elements) else ""


class Sink:
    """Receives a streamed file: each transaction's header before its first claim (an advice
    without claims, PLB or warnings), each claim as it is read, each advice when its SE is
    read (with no claims; its warnings complete). The default keeps nothing."""

    def header(self, advice: RemittanceAdvice) -> None:
        pass

    def claim(self, claim: ClaimPayment) -> None:
        pass

    def advice(self, advice: RemittanceAdvice) -> None:
        pass


class _Error:
    """Builds refusals: `at` a segment (located later, x12_835_refusals.py), or the file."""

    def __init__(self, name: str):
        self.name = name

    def at(self, seg: Segment | None, message: str, hint: str | None = None) -> Problem:
        problem = (
            Problem(seg.number, seg.id, message, hint) if seg else Problem(0, "", message, hint)
        )
        problem.level = None  # the reader says where it was (transaction, interchange)
        return problem

    def final(self, problem: Problem) -> ClinicbillError:
        where = None
        if problem.number:
            where = Segment(problem.seg_id, (), problem.number, problem.line)
        return refusal(self.name, where, problem.message, problem.hint or HINT)


def refusal(name: str, seg: Segment | None, message: str, hint: str = HINT) -> ClinicbillError:
    """The one shape of every X12 reader's refusal: the file, the segment and its line."""
    where = f"segment {seg.number} ({seg.id}, line {seg.line})" if seg else "file"
    return ClinicbillError(f"{name}: {where}: {message}", hint)


def iea_problem(err: _Error, isa: Segment, iea: Segment) -> Problem | None:
    if iea.get(2) != isa.get(13):
        return err.at(iea, f"IEA02 '{iea.get(2)}' does not match ISA13 '{isa.get(13)}'")
    return None


def transaction_problem(
    err: _Error, st: Segment, se: Segment, count: int, second: Segment | None
) -> Problem | None:
    """The checks of a whole ST..SE, in the reader's order (`second`: the segment after ST;
    None when the BPR was checked as it arrived)."""
    if st.get(1) != "835":
        message = f"ST01 '{st.get(1)[:10]}' is not 835: this is not a remittance"
        return err.at(st, message, NOT_835)
    if se.get(2) != st.get(2):
        return err.at(se, f"SE02 '{se.get(2)}' does not match ST02 '{st.get(2)}'")
    if se.get(1) != str(count):
        return err.at(se, f"SE01 says {se.get(1)} segments but the transaction has {count}")
    if second is not None and (count < 3 or second.id != "BPR"):
        return err.at(second if count > 1 else st, "expected BPR right after ST")
    return None
