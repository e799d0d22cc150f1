"""The one posting function: 835 import and manual (paper EOB) posting both go through
`post_remittance`, so a remittance posts the same way however it arrived.

Posting only appends LedgerEntry rows (balances are derived, domain/ledger/balances.py):
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

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import select

from clinicbill.domain.errors import ClinicbillError
from clinicbill.domain.ledger import balances as ledger
from clinicbill.domain.ledger.balances import INSURANCE_PAYMENT
from clinicbill.domain.remittance.match import load_billed_claims
from clinicbill.domain.remittance.payer_checks import (
    RemittancePayer,
    check_payee,
    wrong_payer,
)
from clinicbill.domain.remittance.posting_plan import (  # noqa: F401  (ClaimOutcome: part of this API)
    ClaimOutcome,
    Entry,
    Planner,
    load_line_states,
)
from clinicbill.domain.remittance.remit import REVERSAL, ClaimPayment, RemittanceAdvice
from clinicbill.store.models import (
    Claim,
    LedgerEntry,
    Payment,
    ProviderAdjustment,
    Remittance,
    RemittanceClaim,
)

PAYMENT_METHODS = {"CHK": "check", "ACH": "eft", "BOP": "eft", "FWT": "wire", "NON": "none"}


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


BATCH = 1000  # claims planned and written together; memory holds one batch at a time


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
    `progress(n)` reports n more units of work done: two per claim (planned, then written).
    A remittance for another payee is refused whole; a claim billed to another payer than the
    remittance's is left unmatched (domain/remittance/payer_checks.py).
    """
    sender_id = payer_id
    if payer_id is None:
        payer = RemittancePayer(session, advice)
        payer.add(c.patient_control_number for c in advice.claims)
        payer_id = payer.found()
    posting = RemittancePosting(
        session,
        advice,
        source=source,
        file_sha256=file_sha256,
        payer_id=payer_id,
        sender_id=sender_id,
    )
    if posting.duplicate is not None:
        if progress:
            progress(2 * len(advice.claims))
        return posting.duplicate
    for start in range(0, len(advice.claims), BATCH):
        posting.post(advice.claims[start : start + BATCH], progress)
    return posting.finish()


class RemittancePosting:
    """One remittance posted in batches of claims (an 835 read as a stream hands them over as
    it reads): the Remittance and its Payment first, then each batch planned against the
    ledger as it stands (earlier batches included) and written, then the PLB rows.

    `advice` gives the header, PLB and warnings (its claims are not read here). `on_claims`
    receives each batch's outcomes; without it they are kept for the AdviceOutcome.
    """

    def __init__(
        self,
        session,
        advice: RemittanceAdvice,
        *,
        source: str = "835",
        file_sha256: str | None = None,
        payer_id: int | None = None,
        sender_id: int | None = None,
        on_claims: Callable[[list[ClaimOutcome]], None] | None = None,
    ):
        check_payee(session, advice)
        self.session = session
        self.advice = advice
        self.sender_id = sender_id  # the payer said to send it (else the one the 835 names)
        self.on_claims = on_claims
        self.kept: list[ClaimOutcome] = []
        self.duplicate = self._earlier()
        if self.duplicate is not None:
            return
        self.on = advice.effective_date or date.today()
        self.remittance = Remittance(
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
        session.add(self.remittance)
        session.flush()
        self.money = None
        if advice.paid_cents > 0 and advice.credit_debit != "D":
            self.money = Payment(
                kind="payment",
                source="insurance",
                payer_id=payer_id,
                remittance_id=self.remittance.id,
                method=PAYMENT_METHODS.get((advice.method or "").upper(), "eft"),
                amount_cents=advice.paid_cents,
                received_on=self.on,
                reference=advice.trace_number,
            )
            session.add(self.money)

    def _earlier(self) -> AdviceOutcome | None:
        advice = self.advice
        earlier = self.session.execute(
            select(Remittance.id).where(
                Remittance.trace_number == advice.trace_number,
                Remittance.payer_identifier == advice.payer_identifier,
            )
        ).scalar()
        if earlier is None:
            return None
        return AdviceOutcome(
            advice.trace_number,
            advice.payer_identifier,
            advice.paid_cents,
            advice.payment_date,
            earlier,
            duplicate=True,
        )

    def post(self, claims, progress: Callable[[int], None] | None = None) -> None:
        """Plan and write one batch of claims; the invariant is re-read for its lines."""
        session = self.session
        billed = load_billed_claims(
            session, control_numbers=[c.patient_control_number for c in claims]
        )
        states = load_line_states(
            session, {x.service_line_id for c in billed.values() for x in c.lines}
        )
        wrong = wrong_payer(session, self.advice, billed, self.sender_id)
        for pcn in wrong:
            del billed[pcn]
        planner = Planner(session, states)
        plans: list[tuple[ClaimPayment, ClaimOutcome, list[Entry]]] = []
        for clp in claims:
            plan = planner.plan(clp, billed.get(clp.patient_control_number))
            if clp.patient_control_number in wrong:
                plan = (clp, _with_problem(plan[1], wrong[clp.patient_control_number]), [])
            plans.append(plan)
            if progress:
                progress(1)
        outcomes = _write(session, self.remittance, self.money, plans, self.on)
        if progress:
            progress(len(claims))
        session.flush()
        _verify(session, planner.touched)
        if self.on_claims is not None:
            self.on_claims(outcomes)
        else:
            self.kept.extend(outcomes)

    def finish(self) -> AdviceOutcome:
        """The PLB rows, then what happened."""
        advice, session = self.advice, self.session
        plb = 0
        for adj in advice.provider_adjustments:
            plb += adj.amount_cents
            session.add(
                ProviderAdjustment(
                    remittance_id=self.remittance.id,
                    provider_identifier=adj.provider_identifier,
                    fiscal_period=adj.fiscal_period,
                    reason=adj.reason,
                    reference=adj.reference,
                    amount_cents=adj.amount_cents,
                )
            )
        session.flush()
        return AdviceOutcome(
            advice.trace_number,
            advice.payer_identifier,
            advice.paid_cents,
            advice.payment_date,
            self.remittance.id,
            claims=tuple(self.kept),
            provider_adjustments_cents=plb,
            warnings=advice.warnings,
        )


def _with_problem(outcome: ClaimOutcome, problem: str) -> ClaimOutcome:
    """`dataclasses.replace(outcome, problem=problem)` without its per-call field walk (a
    remittance may hold thousands of claims for another payer)."""
    changed = object.__new__(ClaimOutcome)
    object.__setattr__(changed, "__dict__", {**outcome.__dict__, "problem": problem})
    return changed


def _write(session, remittance, money, plans, on: date) -> list[ClaimOutcome]:
    """Rows for the planned claims, in bulk (a 10,000-claim 835 is a few statements):
    RemittanceClaim, LedgerEntry, the payer's claim number and the claim status."""
    from clinicbill.store.audit_bulk import insert_audited

    session.flush()
    link_ids = insert_audited(session, RemittanceClaim, _link_rows(remittance, plans))
    insurance_money = money.id if money is not None else None
    insert_audited(session, LedgerEntry, _entry_rows(link_ids, plans, insurance_money, on))
    _record_claim_changes(session, plans, on)
    return [o for _c, o, _e in plans]


def _link_rows(remittance, plans) -> list[dict]:
    """One RemittanceClaim row a claim payment: what the payer said of our claim."""
    links = []
    for clp, outcome, _entries in plans:
        remarks = list(clp.remarks) + [r for s in clp.services for r in s.remarks]
        links.append(
            {
                "remittance_id": remittance.id,
                "claim_id": outcome.claim_id,
                "patient_control_number": clp.patient_control_number,
                "status_code": clp.status_code,
                "charge_cents": clp.charge_cents,
                "paid_cents": clp.paid_cents,
                "patient_resp_cents": clp.patient_resp_cents,
                "payer_claim_control_number": clp.payer_claim_control_number,
                "remark_codes": ",".join(dict.fromkeys(remarks)) or None,
                "unmatched_reason": None if outcome.posted else outcome.problem,
            }
        )
    return links


def _entry_rows(link_ids, plans, insurance_money: int | None, on: date) -> list[dict]:
    """The planned ledger entries of every claim payment, linked to its RemittanceClaim row
    (insurance payments to the remittance's Payment unless the plan names another)."""
    rows = []
    for link_id, (_clp, outcome, entries) in zip(link_ids, plans, strict=True):
        for e in entries:
            paid_with = e.payment_id
            if paid_with is None and e.kind == INSURANCE_PAYMENT:
                paid_with = insurance_money
            rows.append(
                {
                    "service_line_id": e.line.service_line_id,
                    "kind": e.kind,
                    "amount_cents": e.amount_cents,
                    "effective_date": on,
                    "claim_id": outcome.claim_id,
                    "remittance_claim_id": link_id,
                    "payment_id": paid_with,
                    "group_code": e.group,
                    "reason_code": e.reason,
                    "remark_codes": ",".join(e.remarks) or None,
                    "note": e.note,
                }
            )
    return rows


def _record_claim_changes(session, plans, on: date) -> None:
    """The posted claims' new statuses and payer claim numbers, in file order (a claim paid
    and reversed in one file moves twice)."""
    from clinicbill.domain.claims.build import record_statuses

    current = _claim_heads(session, [o.claim_id for _c, o, _e in plans if o.posted])
    statuses, numbers = [], {}
    for clp, outcome, _entries in plans:
        if not outcome.posted:
            continue
        status, number = current[outcome.claim_id]
        new_number = clp.payer_claim_control_number
        if new_number and clp.status_code != REVERSAL and new_number != number:
            first = numbers.get(outcome.claim_id, ({"payer_claim_control_number": number}, {}))
            numbers[outcome.claim_id] = (first[0], {"payer_claim_control_number": new_number})
            number = new_number
        if outcome.new_status:
            statuses.append((outcome.claim_id, status, outcome.new_status, on, outcome.reason_text))
            status = outcome.new_status
        current[outcome.claim_id] = (status, number)
    record_statuses(session, statuses, also=numbers)


def _claim_heads(session, claim_ids) -> dict[int, tuple[str, str | None]]:
    """claim id -> (status, payer claim control number), read in chunks."""
    ids = list(dict.fromkeys(claim_ids))
    heads = {}
    for start in range(0, len(ids), 500):
        rows = session.execute(
            select(Claim.id, Claim.status, Claim.payer_claim_control_number).where(
                Claim.id.in_(ids[start : start + 500])
            )
        ).all()
        heads.update({cid: (status, number) for cid, status, number in rows})
    return heads


def _verify(session, line_ids) -> None:
    """The invariant, re-read from the database after the entries were written."""
    ids = list(line_ids)
    for start in range(0, len(ids), 500):
        for bal in ledger.line_balances(session, ids[start : start + 500]).values():
            if not bal.holds() or bal.balance < 0:  # pragma: no cover - guards the planner
                raise ClinicbillError(
                    f"ledger: line {bal.service_line_id} would not balance", "report a bug"
                )
