"""The one posting function: 835 import and manual (paper EOB) posting both go through
`post_remittance`, so a remittance posts the same way however it arrived.

Posting only appends LedgerEntry rows (balances are derived, domain/ledger.py):
- insurance_payment per SVC paid amount;
- adjustment for CAS groups CO/OA/PI (group + CARC kept on the entry);
- patient_responsibility for CAS group PR, with CARC 1/2/3 (deductible/coinsurance/copay)
  kept apart by reason code;
- claim-level CAS is placed on the claim's lines, taken out of what those lines were paid
  (DOMAIN.md §5 balancing: CLP03 - claim CAS - line CAS = CLP04);
- reversals (CLP02 22) carry negative amounts and so post negating entries.

The invariant is enforced before anything is written: no line may end with a negative balance,
negative payments, or more reductions than its charge. An insurance payment that overpays a
line the patient already paid moves that patient money to the patient's credit. A claim that
would still break the invariant (e.g. the same payment posted twice under another trace) is not
posted and is reported for manual posting, like an unmatched claim.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import func, select

from clinicbill.domain import ledger
from clinicbill.domain.errors import ClinicbillError
from clinicbill.domain.ledger import (
    ADJUSTMENT,
    INSURANCE_PAYMENT,
    PATIENT_PAYMENT,
    PATIENT_RESPONSIBILITY,
)
from clinicbill.domain.money import fmt
from clinicbill.domain.remit import (
    DENIED,
    PROCESSED,
    REVERSAL,
    ClaimPayment,
    RemittanceAdvice,
    describe_adjustment,
    describe_remarks,
)
from clinicbill.domain.remit_match import (
    BilledClaim,
    BilledLine,
    load_billed_claims,
    match_services,
)
from clinicbill.store.models import (
    Claim,
    LedgerEntry,
    Payment,
    ProviderAdjustment,
    Remittance,
    RemittanceClaim,
    ServiceLine,
)

# CAS OA-23 reports the prior payer's adjudication on a secondary claim: that money and those
# write-offs were posted from the primary's remittance already, so it is not posted again.
NOT_POSTED = {("OA", "23")}
PAYMENT_METHODS = {"CHK": "check", "ACH": "eft", "BOP": "eft", "FWT": "wire", "NON": "none"}


class Refused(Exception):
    """A claim that cannot be posted without breaking the ledger invariant."""


@dataclass
class LineState:
    """Running totals of one service line while a remittance is planned."""

    charge: int
    insurance_paid: int = 0
    patient_paid: int = 0
    adjusted: int = 0
    patient_responsibility: int = 0

    @property
    def balance(self) -> int:
        return self.charge - self.insurance_paid - self.patient_paid - self.adjusted

    def apply(self, kind: str, amount: int) -> None:
        if kind == INSURANCE_PAYMENT:
            self.insurance_paid += amount
        elif kind == PATIENT_PAYMENT:
            self.patient_paid += amount
        elif kind == ADJUSTMENT:
            self.adjusted += amount
        else:
            self.patient_responsibility += amount

    def problem(self) -> str | None:
        """Why these totals break the invariant, or None."""
        if self.balance < 0:
            return f"would be overpaid by {fmt(-self.balance)}"
        if self.balance > self.charge:
            return f"would have more taken off than was ever posted ({fmt(self.balance)} open)"
        if self.insurance_paid < 0:
            return f"would have {fmt(self.insurance_paid)} insurance paid"
        if self.patient_paid < 0:
            return f"would have {fmt(self.patient_paid)} patient paid"
        if self.patient_responsibility < 0:
            return f"would have {fmt(self.patient_responsibility)} patient responsibility"
        return None


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


@dataclass(frozen=True)
class AdviceOutcome:
    """What happened to one remittance (835 transaction or paper EOB)."""

    trace_number: str
    payer_identifier: str
    paid_cents: int
    payment_date: date | None
    remittance_id: int | None
    duplicate: bool = False
    claims: tuple[ClaimOutcome, ...] = ()
    provider_adjustments_cents: int = 0
    warnings: tuple[str, ...] = field(default=())

    @property
    def posted(self) -> list[ClaimOutcome]:
        return [c for c in self.claims if c.posted]

    @property
    def not_posted(self) -> list[ClaimOutcome]:
        return [c for c in self.claims if not c.posted]


def entry_kind(group: str) -> str:
    return PATIENT_RESPONSIBILITY if group == "PR" else ADJUSTMENT


def load_line_states(session, service_line_ids) -> dict[int, LineState]:
    """Current totals for these lines (two-query chunks; SQL sums, domain/ledger.py)."""
    ids = list(service_line_ids)
    states: dict[int, LineState] = {}
    for start in range(0, len(ids), 500):
        rows = session.execute(
            ledger.line_balance_query().where(ServiceLine.id.in_(ids[start : start + 500]))
        ).all()
        for r in rows:
            states[r.service_line_id] = LineState(
                charge=int(r.charge),
                insurance_paid=int(r.insurance_paid),
                patient_paid=int(r.patient_paid),
                adjusted=int(r.adjusted),
                patient_responsibility=int(r.patient_responsibility),
            )
    return states


def post_remittance(
    session,
    advice: RemittanceAdvice,
    *,
    source: str = "835",
    file_sha256: str | None = None,
    payer_id: int | None = None,
    progress: Callable[[int], None] | None = None,
) -> AdviceOutcome:
    """Post one remittance. The same trace (TRN02 + TRN03) posted before posts nothing.

    Never commits: the caller's unit of work makes the whole file land or none of it.
    `progress(n)` is called as claims are planned (n claims done since the last call).
    """
    earlier = session.execute(
        select(Remittance.id).where(
            Remittance.trace_number == advice.trace_number,
            Remittance.payer_identifier == advice.payer_identifier,
        )
    ).scalar()
    if earlier is not None:
        if progress:
            progress(len(advice.claims))
        return AdviceOutcome(
            advice.trace_number,
            advice.payer_identifier,
            advice.paid_cents,
            advice.payment_date,
            earlier,
            duplicate=True,
        )
    on = advice.effective_date or date.today()
    billed = load_billed_claims(
        session, control_numbers=[c.patient_control_number for c in advice.claims]
    )
    states = load_line_states(
        session, {x.service_line_id for c in billed.values() for x in c.lines}
    )
    if payer_id is None:
        payers = {c.payer_id for c in billed.values()}
        payer_id = payers.pop() if len(payers) == 1 else None
    remittance = Remittance(
        trace_number=advice.trace_number,
        payer_identifier=advice.payer_identifier,
        payer_name=advice.payer_name,
        payer_id=payer_id,
        handling_code=advice.handling_code,
        method=advice.method,
        paid_cents=advice.paid_cents,
        payment_date=advice.payment_date,
        file_sha256=file_sha256,
        source=source,
    )
    session.add(remittance)
    session.flush()
    money = None
    if advice.paid_cents > 0 and advice.credit_debit != "D":
        money = Payment(
            kind="payment",
            source="insurance",
            payer_id=payer_id,
            remittance_id=remittance.id,
            method=PAYMENT_METHODS.get((advice.method or "").upper(), "eft"),
            amount_cents=advice.paid_cents,
            received_on=on,
            reference=advice.trace_number,
        )
        session.add(money)
    planner = _Planner(session, states)
    plans: list[tuple[ClaimPayment, ClaimOutcome, list[Entry]]] = []
    for clp in advice.claims:
        plans.append(planner.plan(clp, billed.get(clp.patient_control_number)))
        if progress:
            progress(1)
    outcomes = _write(session, remittance, money, plans, on)
    plb = 0
    for adj in advice.provider_adjustments:
        plb += adj.amount_cents
        session.add(
            ProviderAdjustment(
                remittance_id=remittance.id,
                provider_identifier=adj.provider_identifier,
                fiscal_period=adj.fiscal_period,
                reason=adj.reason,
                reference=adj.reference,
                amount_cents=adj.amount_cents,
            )
        )
    session.flush()
    _verify(session, planner.touched)
    return AdviceOutcome(
        advice.trace_number,
        advice.payer_identifier,
        advice.paid_cents,
        advice.payment_date,
        remittance.id,
        claims=tuple(outcomes),
        provider_adjustments_cents=plb,
        warnings=advice.warnings,
    )


def _write(session, remittance, money, plans, on: date) -> list[ClaimOutcome]:
    """Rows for the planned claims: RemittanceClaim, LedgerEntry, claim status."""
    from clinicbill.domain.claims import record_status

    links = []
    for clp, outcome, _entries in plans:
        remarks = list(clp.remarks) + [r for s in clp.services for r in s.remarks]
        links.append(
            RemittanceClaim(
                remittance_id=remittance.id,
                claim_id=outcome.claim_id,
                patient_control_number=clp.patient_control_number,
                status_code=clp.status_code,
                charge_cents=clp.charge_cents,
                paid_cents=clp.paid_cents,
                patient_resp_cents=clp.patient_resp_cents,
                payer_claim_control_number=clp.payer_claim_control_number,
                remark_codes=",".join(dict.fromkeys(remarks)) or None,
                unmatched_reason=None if outcome.posted else outcome.problem,
            )
        )
    session.add_all(links)
    session.flush()
    rows = []
    for link, (_clp, outcome, entries) in zip(links, plans, strict=True):
        for e in entries:
            rows.append(
                LedgerEntry(
                    service_line_id=e.line.service_line_id,
                    kind=e.kind,
                    amount_cents=e.amount_cents,
                    effective_date=on,
                    claim_id=outcome.claim_id,
                    remittance_claim_id=link.id,
                    payment_id=e.payment_id
                    if e.payment_id is not None
                    else (money.id if money is not None and e.kind == INSURANCE_PAYMENT else None),
                    group_code=e.group,
                    reason_code=e.reason,
                    remark_codes=",".join(e.remarks) or None,
                    note=e.note,
                )
            )
    session.add_all(rows)
    claim_ids = [o.claim_id for _c, o, _e in plans if o.posted]
    claims = {}
    for start in range(0, len(claim_ids), 500):
        chunk = claim_ids[start : start + 500]
        claims.update(
            {c.id: c for c in session.execute(select(Claim).where(Claim.id.in_(chunk))).scalars()}
        )
    for clp, outcome, _entries in plans:
        if not outcome.posted:
            continue
        claim = claims[outcome.claim_id]
        if clp.payer_claim_control_number and clp.status_code != REVERSAL:
            claim.payer_claim_control_number = clp.payer_claim_control_number
        if outcome.new_status:
            record_status(session, claim, outcome.new_status, on, outcome.reason_text)
    return [o for _c, o, _e in plans]


def _verify(session, line_ids) -> None:
    """The invariant, re-read from the database after the entries were written."""
    ids = list(line_ids)
    for start in range(0, len(ids), 500):
        for bal in ledger.line_balances(session, ids[start : start + 500]).values():
            if not bal.holds() or bal.balance < 0:  # pragma: no cover - guards the planner
                raise ClinicbillError(
                    f"ledger: line {bal.service_line_id} would not balance", "report a bug"
                )


class _Planner:
    """Turns one CLP into ledger entries against running line totals."""

    def __init__(self, session, states: dict[int, LineState]):
        self.session = session
        self.states = states
        self.touched: set[int] = set()

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
        if clp.status_code not in PROCESSED + (DENIED, REVERSAL):
            problem = f"status {clp.status_code}: nothing to post (predetermination/forwarded)"
            return clp, ClaimOutcome(claim_id=claim.id, posted=False, problem=problem, **base), []
        work = {x.service_line_id: _copy(self.states[x.service_line_id]) for x in claim.lines}
        entries: list[Entry] = []
        notes: list[str] = []
        if clp.services:
            pairs, unmatched = match_services(clp.services, claim.lines)
            self._line_level(clp, pairs, work, entries, notes)
        else:
            pairs, unmatched = [], []
            self._claim_level(clp, claim.lines, work, entries, notes)
        try:
            self._enforce(claim, work, entries, notes)
        except Refused as exc:
            return clp, ClaimOutcome(claim_id=claim.id, posted=False, problem=str(exc), **base), []
        for sl_id, state in work.items():
            self.states[sl_id] = state
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

        def add(line, kind, amount, group=None, reason=None, remarks=(), note=None):
            if amount == 0 or (group, reason) in NOT_POSTED:
                return
            entries.append(Entry(line, kind, amount, group, reason, tuple(remarks), None, note))
            work[line.service_line_id].apply(kind, amount)

        for svc, line in pairs:
            add(line, INSURANCE_PAYMENT, svc.paid_cents, remarks=svc.remarks)
            paid_here[line.claim_line_id] += svc.paid_cents
            for adj in svc.adjustments:
                add(
                    line,
                    entry_kind(adj.group),
                    adj.amount_cents,
                    adj.group,
                    adj.reason,
                    svc.remarks,
                )
        for adj in clp.adjustments:
            if (adj.group, adj.reason) in NOT_POSTED:
                continue
            caps = [(line, paid_here[line.claim_line_id]) for _svc, line in pairs]
            parts, left = _spread(adj.amount_cents, caps)
            for line, part in parts:
                paid_here[line.claim_line_id] -= part
                note = f"claim-level {adj.label}"
                add(line, INSURANCE_PAYMENT, -part, note=note)
                add(line, entry_kind(adj.group), part, adj.group, adj.reason, clp.remarks, note)
            if left:
                notes.append(f"claim-level {adj.label} {fmt(left)} not placed on a line")

    def _claim_level(self, clp, lines, work, entries, notes) -> None:
        """A CLP without SVC loops: spread its amounts over our lines in line order."""
        amounts = [(INSURANCE_PAYMENT, clp.paid_cents, None, None)] + [
            (entry_kind(a.group), a.amount_cents, a.group, a.reason)
            for a in clp.adjustments
            if (a.group, a.reason) not in NOT_POSTED
        ]
        for kind, amount, group, reason in amounts:
            caps = [(line, _capacity(work[line.service_line_id], kind, amount)) for line in lines]
            parts, left = _spread(amount, caps)
            for line, part in parts:
                entries.append(Entry(line, kind, part, group, reason, clp.remarks))
                work[line.service_line_id].apply(kind, part)
            if left:
                label = f"{group}-{reason}" if group else "payment"
                notes.append(f"claim-level {label} {fmt(left)} not placed on a line")

    def _enforce(self, claim: BilledClaim, work, entries, notes) -> None:
        for line in claim.lines:
            state = work[line.service_line_id]
            if state.balance < 0 and state.patient_paid > 0:
                self._move_to_credit(line, state, entries, notes)
            problem = state.problem()
            if problem:
                raise Refused(f"line {line.line_number} ({line.code}) {problem}")

    def _move_to_credit(self, line: BilledLine, state: LineState, entries, notes) -> None:
        """Insurance paid a line the patient had paid: the patient's money becomes credit."""
        excess = min(-state.balance, state.patient_paid)
        rows = self.session.execute(
            select(LedgerEntry.payment_id, func.sum(LedgerEntry.amount_cents))
            .where(
                LedgerEntry.service_line_id == line.service_line_id,
                LedgerEntry.kind == PATIENT_PAYMENT,
                LedgerEntry.payment_id.is_not(None),
            )
            .group_by(LedgerEntry.payment_id)
            .order_by(LedgerEntry.payment_id.desc())
        ).all()
        for payment_id, applied in rows:
            take = min(excess, int(applied))
            if take <= 0:
                continue
            note = "overpaid by insurance: moved to patient credit"
            entries.append(Entry(line, PATIENT_PAYMENT, -take, payment_id=payment_id, note=note))
            state.apply(PATIENT_PAYMENT, -take)
            excess -= take
        notes.append(f"line {line.line_number}: patient payment moved to credit")


def _copy(state: LineState) -> LineState:
    return LineState(
        state.charge,
        state.insurance_paid,
        state.patient_paid,
        state.adjusted,
        state.patient_responsibility,
    )


def _capacity(state: LineState, kind: str, amount: int) -> int:
    """How much of `amount` a line can take: up to its balance, or back to zero."""
    if amount >= 0:
        return max(state.balance, 0)
    if kind == INSURANCE_PAYMENT:
        return max(state.insurance_paid, 0)
    if kind == ADJUSTMENT:
        return max(state.adjusted, 0)
    return max(state.patient_responsibility, 0)


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


def summarize(outcomes: list[AdviceOutcome]) -> Counter:
    """Totals across remittances for a one-line report."""
    total: Counter = Counter()
    for o in outcomes:
        total["remittances"] += 1
        total["duplicates"] += int(o.duplicate)
        total["claims_posted"] += len(o.posted)
        total["claims_not_posted"] += len(o.not_posted)
        total["paid_cents"] += 0 if o.duplicate else o.paid_cents
        total["entries"] += sum(c.entries for c in o.claims)
    return total
