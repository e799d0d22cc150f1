"""Read 271 eligibility responses (005010X279A1): per subscriber or dependent (2000C/D), our
trace (TRN*2), the member id, plan dates, each EB benefit with its MSG texts, and AAA
rejections. Benefit-related entities (LS..LE) are skipped."""

from __future__ import annotations

import re
from decimal import Decimal

from clinicbill.domain.clearinghouse.benefits import Benefit, EligibilityAnswer
from clinicbill.domain.errors import ClinicbillError
from clinicbill.formats.x12_835 import Segment
from clinicbill.formats.x12_envelope import Reader, TransactionSet, parse_envelopes

_DECIMAL = re.compile(r"\d{1,9}(\.\d{0,6})?\Z|\.\d{1,6}\Z")
PLAN_BEGIN, PLAN_END, PLAN = ("346", "356"), ("347", "357"), ("291", "307")


def read_271(data: bytes | str, name: str):
    """(the parsed envelopes, every answer, rejection codes said about the whole request)."""
    parsed = parse_envelopes(data, name)
    answers: list[EligibilityAnswer] = []
    general: list[str] = []
    for interchange, group, tx in parsed.transactions():
        r = Reader(name, interchange.delimiters)
        if group.functional_id != "HB" or tx.code != "271":
            raise ClinicbillError(
                f"{name}: holds {tx.code} (GS01 {group.functional_id[:4]}), not a 271",
                "give the eligibility response (271) from the payer or clearinghouse",
            )
        found, rejected = _transaction(tx, r)
        answers += found
        general += rejected
    if not answers:
        why = "; ".join(general) or "no subscriber loop"
        raise ClinicbillError(
            f"{name}: holds no answer about a subscriber ({why})",
            "the request itself was refused: check the practice's NPI and the payer id, then "
            "ask again (clinicbill eligibility request)",
        )
    return parsed, answers, general


def _decimal(seg: Segment, index: int, r: Reader) -> Decimal | None:
    value = seg.get(index)
    if not value:
        return None
    if not _DECIMAL.match(value):
        raise r.refuse(seg, f"{seg.id}{index:02d} '{value[:12]}' is not a number")
    return Decimal(value)


class _Answer:
    def __init__(self, member_id: str = ""):
        self.trace = self.payer_trace = ""
        self.member_id = member_id
        self.plan_begin = self.plan_end = None
        self.benefits: list[dict] = []
        self.rejections: list[str] = []

    def done(self) -> EligibilityAnswer:
        return EligibilityAnswer(
            self.trace,
            self.payer_trace,
            self.member_id,
            self.plan_begin,
            self.plan_end,
            tuple(Benefit(**{**b, "messages": tuple(b["messages"])}) for b in self.benefits),
            tuple(self.rejections),
        )


def _transaction(tx: TransactionSet, r: Reader) -> tuple[list[EligibilityAnswer], list[str]]:
    segs = list(tx.segments[1:-1])
    if not segs or segs[0].id != "BHT":
        raise r.refuse(segs[0] if segs else tx.segments[-1], "expected BHT right after ST")
    answers: list[_Answer] = []
    general: list[str] = []
    current: _Answer | None = None
    in_entity = False
    for seg in segs[1:]:
        if seg.id == "HL":
            level = r.required(seg, 3)
            in_entity = False
            if level in ("22", "23"):
                member = current.member_id if (current and level == "23") else ""
                current = _Answer(member)
                answers.append(current)
            else:
                current = None
        elif seg.id == "LS":
            in_entity = True
        elif seg.id == "LE":
            in_entity = False
        elif in_entity:
            continue
        elif current is None:
            if seg.id == "AAA" and seg.get(3):
                general.append(seg.get(3))
        else:
            _segment(current, seg, r)
    kept = [a for a in answers if a.trace or a.benefits or a.rejections]
    return [a.done() for a in kept], general


def _segment(a: _Answer, seg: Segment, r: Reader) -> None:
    if seg.id == "TRN":
        if seg.get(1) == "2":
            a.trace = r.required(seg, 2)
        elif seg.get(1) == "1":
            a.payer_trace = seg.get(2)
    elif seg.id == "NM1" and seg.get(1) in ("IL", "03") and seg.get(9) and not a.benefits:
        if seg.get(1) == "IL":
            a.member_id = seg.get(9)
    elif seg.id == "AAA" and seg.get(3):
        a.rejections.append(seg.get(3))
    elif seg.id == "DTP" and not a.benefits:
        span = r.period(seg, 2, 3)
        if span is None:
            return
        if seg.get(1) in PLAN_BEGIN:
            a.plan_begin = span[0]
        elif seg.get(1) in PLAN_END:
            a.plan_end = span[1]
        elif seg.get(1) in PLAN:
            a.plan_begin = a.plan_begin or span[0]
            if seg.get(2) == "RD8":
                a.plan_end = a.plan_end or span[1]
    elif seg.id == "EB":
        a.benefits.append(
            {
                "code": r.required(seg, 1),
                "coverage_level": seg.get(2),
                "service_types": tuple(r.repeats(seg, 3)),
                "plan": seg.get(5),
                "period": seg.get(6),
                "amount_cents": r.cents(seg, 7),
                "percent": _decimal(seg, 8, r),
                "quantity_qualifier": seg.get(9),
                "quantity": _decimal(seg, 10, r),
                "authorization": seg.get(11),
                "network": seg.get(12),
                "messages": [],
            }
        )
    elif seg.id == "MSG" and a.benefits and seg.get(1):
        a.benefits[-1]["messages"].append(seg.get(1)[:264])
    elif seg.id == "HSD" and a.benefits and seg.get(1) == "VS":
        last = a.benefits[-1]
        if last["quantity"] is None:
            last["quantity_qualifier"] = "VS"
            last["quantity"] = _decimal(seg, 2, r)
