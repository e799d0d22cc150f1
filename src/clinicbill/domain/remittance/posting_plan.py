"""Planning a remittance's postings in memory: matched lines, entries, the invariant.

domain/remittance/posting.py writes what this plans. Each CLP becomes ledger entries against
running line
totals (LineState); a claim whose entries would break the ledger invariant is refused
(`Refused`) and left unposted, so one bad claim never half-posts. See posting.py for the rules.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from sqlalchemy import func, select

from clinicbill.domain.ledger.balances import (
    ADJUSTMENT,
    CROSSOVER,
    DENIAL,
    INSURANCE_PAYMENT,
    PATIENT_PAYMENT,
)
from clinicbill.domain.money import fmt
from clinicbill.domain.remittance.holds import (
    FORWARDED,
    entry_kind,
    is_denied_service,
    legacy_denial_writeoffs,
    reversal_parts,
)
from clinicbill.domain.remittance.line_state import (  # noqa: F401  (LineState, load_line_states: this API)
    LineState,
    capacity,
    copy_state,
    load_line_states,
)
from clinicbill.domain.remittance.match import BilledClaim, BilledLine, match_services
from clinicbill.domain.remittance.remit import (
    DENIED,
    PROCESSED,
    REVERSAL,
    ClaimPayment,
    describe_adjustment,
    describe_remarks,
)
from clinicbill.store.models import LedgerEntry

# CAS OA-23 reports the prior payer's adjudication on a secondary claim: that money and those
# write-offs were posted from the primary's remittance already, so it is not posted again.
NOT_POSTED = {("OA", "23")}


class Refused(Exception):
    """A claim that cannot be posted without breaking the ledger invariant."""


@dataclass(frozen=True)
class Entry:
    line: BilledLine
    kind: str
    amount_cents: int
    group: str | None = None
    reason: str | None = None
    remarks: tuple[str, ...] = ()
    payment_id: int | None = None  # a patient payment moved to credit
    note: str | None = None


@dataclass(frozen=True)
class ClaimOutcome:
    """What happened to one CLP."""

    patient_control_number: str
    status_code: str
    claim_id: int | None
    posted: bool
    paid_cents: int
    patient_resp_cents: int
    new_status: str | None = None
    entries: int = 0
    unmatched_lines: tuple[str, ...] = ()
    problem: str | None = None
    notes: tuple[str, ...] = ()
    reason_text: str | None = None


class Planner:
    """Turns one CLP into ledger entries against running line totals."""

    def __init__(self, session, states: dict[int, LineState]):
        self.session = session
        self.states = states
        self.touched: set[int] = set()
        self._patient_money: dict[int, dict[int, int]] | None = None
        self._legacy: dict[int, list[tuple[str, str, int]]] | None = None

    def patient_money(self, service_line_id: int) -> dict[int, int]:
        """Patient payment id -> amount applied to this line. Read once for every line of the
        remittance the patient paid anything on (a few queries, not one per line)."""
        if self._patient_money is None:
            paid = [sl for sl, state in self.states.items() if state.patient_paid > 0]
            self._patient_money = {}
            for start in range(0, len(paid), 500):
                rows = self.session.execute(
                    select(
                        LedgerEntry.service_line_id,
                        LedgerEntry.payment_id,
                        func.sum(LedgerEntry.amount_cents),
                    )
                    .where(
                        LedgerEntry.service_line_id.in_(paid[start : start + 500]),
                        LedgerEntry.kind == PATIENT_PAYMENT,
                        LedgerEntry.payment_id.is_not(None),
                    )
                    .group_by(LedgerEntry.service_line_id, LedgerEntry.payment_id)
                ).all()
                for sl, pid, amount in rows:
                    self._patient_money.setdefault(sl, {})[pid] = int(amount)
        return self._patient_money.setdefault(service_line_id, {})

    def legacy_writeoffs(self, service_line_id: int) -> list[tuple[str, str, int]]:
        """holds.legacy_denial_writeoffs of this line, read at the first need for every line
        of the batch (the database does not change while a batch is planned)."""
        if self._legacy is None:
            self._legacy = legacy_denial_writeoffs(self.session, self.states)
        return self._legacy.get(service_line_id, [])

    def plan(self, clp: ClaimPayment, claim: BilledClaim | None):
        base = dict(
            patient_control_number=clp.patient_control_number,
            status_code=clp.status_code,
            paid_cents=clp.paid_cents,
            patient_resp_cents=clp.patient_resp_cents,
        )
        if claim is None:
            problem = "no claim with this patient control number"
            return clp, ClaimOutcome(claim_id=None, posted=False, problem=problem, **base), []
        if clp.status_code not in PROCESSED + FORWARDED + (DENIED, REVERSAL):
            problem = f"status {clp.status_code}: nothing to post (predetermination only)"
            return clp, ClaimOutcome(claim_id=claim.id, posted=False, problem=problem, **base), []
        work = {x.service_line_id: copy_state(self.states[x.service_line_id]) for x in claim.lines}
        before = {sl_id: copy_state(state) for sl_id, state in work.items()}
        entries: list[Entry] = []
        notes: list[str] = []
        if clp.services:
            pairs, unmatched = match_services(clp.services, claim.lines)
            self._line_level(clp, pairs, work, entries, notes)
        else:
            pairs, unmatched = [], []
            self._claim_level(clp, claim.lines, work, entries, notes)
        try:
            self._enforce(claim, work, entries, notes, before)
        except Refused as exc:
            return clp, ClaimOutcome(claim_id=claim.id, posted=False, problem=str(exc), **base), []
        for sl_id, state in work.items():
            self.states[sl_id] = state
        for e in entries:
            if e.kind == PATIENT_PAYMENT and e.payment_id is not None:
                money = self.patient_money(e.line.service_line_id)
                money[e.payment_id] = money.get(e.payment_id, 0) + e.amount_cents
        self.touched.update(e.line.service_line_id for e in entries)
        status, reason = _new_status(clp, pairs)
        missed = tuple(
            f"{s.code} {s.service_date or ''} {fmt(s.charge_cents)}".replace("  ", " ")
            for s in unmatched
        )
        if missed:
            notes.append(f"{len(missed)} line(s) not matched: post them by hand")
        return (
            clp,
            ClaimOutcome(
                claim_id=claim.id,
                posted=True,
                new_status=status,
                entries=len(entries),
                unmatched_lines=missed,
                notes=tuple(notes),
                reason_text=reason,
                **base,
            ),
            entries,
        )

    def _line_level(self, clp, pairs, work, entries, notes) -> None:
        paid_here: dict[int, int] = defaultdict(int)
        forwarded = clp.status_code in FORWARDED
        add = _adder(work, entries)
        for svc, line in pairs:
            if clp.status_code != REVERSAL:
                _release(line, work[line.service_line_id], add)
            denied = is_denied_service(clp.status_code, svc.paid_cents, svc.adjustments)
            add(line, INSURANCE_PAYMENT, svc.paid_cents, remarks=svc.remarks)
            paid_here[line.claim_line_id] += svc.paid_cents
            for adj in svc.adjustments:
                kind = entry_kind(adj.group, denied=denied, forwarded=forwarded)
                add(line, kind, adj.amount_cents, adj.group, adj.reason, svc.remarks)
        for adj in clp.adjustments:
            if (adj.group, adj.reason) in NOT_POSTED:
                continue
            caps = [(line, paid_here[line.claim_line_id]) for _svc, line in pairs]
            parts, left = _spread(adj.amount_cents, caps)
            kind = entry_kind(adj.group, denied=False, forwarded=forwarded)
            for line, part in parts:
                paid_here[line.claim_line_id] -= part
                note = f"claim-level {adj.label}"
                add(line, INSURANCE_PAYMENT, -part, note=note)
                add(line, kind, part, adj.group, adj.reason, clp.remarks, note)
            if left:
                notes.append(f"claim-level {adj.label} {fmt(left)} not placed on a line")

    def _claim_level(self, clp, lines, work, entries, notes) -> None:
        """A CLP without SVC loops: spread its amounts over our lines in line order."""
        add = _adder(work, entries)
        if clp.status_code != REVERSAL:
            for line in lines:
                _release(line, work[line.service_line_id], add)
        denied = is_denied_service(clp.status_code, clp.paid_cents, clp.adjustments) and (
            clp.patient_resp_cents == 0
        )
        forwarded = clp.status_code in FORWARDED
        amounts = [(INSURANCE_PAYMENT, clp.paid_cents, None, None)] + [
            (
                entry_kind(a.group, denied=denied, forwarded=forwarded),
                a.amount_cents,
                a.group,
                a.reason,
            )
            for a in clp.adjustments
            if (a.group, a.reason) not in NOT_POSTED
        ]
        for kind, amount, group, reason in amounts:
            caps = [(line, capacity(work[line.service_line_id], kind, amount)) for line in lines]
            parts, left = _spread(amount, caps)
            for line, part in parts:
                add(line, kind, part, group, reason, clp.remarks)
            if left:
                label = f"{group}-{reason}" if group else "payment"
                notes.append(f"claim-level {label} {fmt(left)} not placed on a line")

    def _enforce(self, claim: BilledClaim, work, entries, notes, before) -> None:
        for line in claim.lines:
            state = work[line.service_line_id]
            if state.balance < 0:
                self._undo_denial_writeoff(line, state, entries, notes)
            if state.balance < 0 and state.patient_paid > 0:
                self._move_to_credit(line, state, entries, notes)
            problem = state.problem(before[line.service_line_id])
            if problem:
                raise Refused(f"line {line.line_number} ({line.code}) {problem}")

    def _undo_denial_writeoff(self, line: BilledLine, state: LineState, entries, notes) -> None:
        """A payment on a line whose denial was written off when posted (before denials were
        held): the write-off is taken back, up to the excess, instead of refusing it."""
        for group, reason, cents in self.legacy_writeoffs(line.service_line_id):
            take = min(-state.balance, cents, state.adjusted)
            if take <= 0:
                break
            note = "denial write-off replaced by a later payment"
            entries.append(Entry(line, ADJUSTMENT, -take, group, reason, (), None, note))
            state.apply(ADJUSTMENT, -take)
            notes.append(f"line {line.line_number}: earlier denial write-off taken back")

    def _move_to_credit(self, line: BilledLine, state: LineState, entries, notes) -> None:
        """Insurance paid a line the patient had paid: the patient's money becomes credit."""
        excess = min(-state.balance, state.patient_paid)
        applied_by = self.patient_money(line.service_line_id)
        rows = sorted(applied_by.items(), reverse=True)  # the latest payment first
        for payment_id, applied in rows:
            take = min(excess, int(applied))
            if take <= 0:
                continue
            note = "overpaid by insurance: moved to patient credit"
            entries.append(Entry(line, PATIENT_PAYMENT, -take, payment_id=payment_id, note=note))
            state.apply(PATIENT_PAYMENT, -take)
            excess -= take
        notes.append(f"line {line.line_number}: patient payment moved to credit")


def _adder(work, entries):
    """add(line, kind, amount, ...): one entry, with a reversal's negative amount taken from
    the line's open holds first (domain/remittance/holds.py)."""

    def add(line, kind, amount, group=None, reason=None, remarks=(), note=None):
        if amount == 0 or (group, reason) in NOT_POSTED:
            return
        state = work[line.service_line_id]
        for part_kind, part in reversal_parts(kind, amount, state.denied, state.forwarded):
            entries.append(Entry(line, part_kind, part, group, reason, tuple(remarks), None, note))
            state.apply(part_kind, part)

    return add


def _release(line, state: LineState, add) -> None:
    """A new answer on a line replaces its open holds: a won appeal or corrected claim ends
    the denial; the next payer's answer ends the crossover."""
    if state.denied > 0:
        add(line, DENIAL, -state.denied, note="denial replaced by a later remittance")
    if state.forwarded > 0:
        add(line, CROSSOVER, -state.forwarded, note="crossover answered by the next payer")


def _spread(amount: int, caps) -> tuple[list[tuple[BilledLine, int]], int]:
    """Place `amount` on lines in order, each up to its capacity; return parts and leftover.
    Negative amounts (reversals) are placed by their size and keep their sign."""
    sign = -1 if amount < 0 else 1
    left = abs(amount)
    parts = []
    for line, cap in caps:
        take = min(left, abs(cap))
        if take > 0:
            parts.append((line, sign * take))
            left -= take
        if left == 0:
            break
    return parts, sign * left


def _new_status(clp: ClaimPayment, pairs) -> tuple[str | None, str | None]:
    """Claim status after this CLP (SPEC §4.5 lifecycle) and the reason text.

    denied: CLP02 4, or no line paid and nothing moved to the patient; partially-paid: some
    lines paid (or moved to the patient) and some denied; paid: every line adjudicated with
    payment or patient responsibility. A reversal alone puts the claim back with the payer.
    """
    if clp.status_code == REVERSAL:
        return "accepted", "payer reversed its earlier payment (CLP02 22)"
    if clp.status_code == "23":
        return None, None  # not this payer's claim; it forwarded it (the status stays)
    if clp.services:
        denied = [
            svc
            for svc, _line in pairs
            if svc.paid_cents == 0 and not any(a.group == "PR" for a in svc.adjustments)
        ]
        all_denied = bool(pairs) and len(denied) == len(pairs)
    else:
        denied = []
        all_denied = clp.paid_cents == 0 and clp.patient_resp_cents == 0
    if clp.status_code == DENIED or all_denied:
        status = "denied"
        reasons = list(clp.adjustments) + [a for s, _l in pairs for a in s.adjustments]
        remarks = list(clp.remarks) + [r for s, _l in pairs for r in s.remarks]
    elif denied:
        status = "partially-paid"
        reasons = [a for s in denied for a in s.adjustments]
        remarks = [r for s in denied for r in s.remarks]
    else:
        return "paid", None
    text = "; ".join(
        dict.fromkeys(describe_adjustment(a.group, a.reason) for a in reasons if a.group != "PR")
    )
    remark_text = describe_remarks(dict.fromkeys(remarks))
    return status, "; ".join(t for t in (text, remark_text) if t) or None
