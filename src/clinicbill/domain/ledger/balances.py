"""Balances, derived from ledger entries; the charge = paid + adjustments + balance invariant.

Every service line's balance is its charge minus the entries that reduce it. Nothing stores a
balance, so nothing can drift. All sums run in SQL.

Entry kinds (store/models/billing.py LedgerEntry):
- insurance_payment, patient_payment, adjustment: reduce the balance (negative amounts reverse)
- patient_responsibility: moves part of the balance to the patient (PR); does not reduce it
- denial, crossover: holds (domain/remittance/holds.py). A payer's denial (CO/OA/PI on a line
  it paid nothing for) and the PR amounts of a claim it forwarded to the next payer (CLP02
  19/20/21/23) stay with a payer until the practice decides or the next answer posts; they
  do not reduce the balance, and a later entry with the opposite sign releases them
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import date

from sqlalchemy import case, func, select

from clinicbill.domain.errors import ClinicbillError
from clinicbill.store.models import Encounter, LedgerEntry, ServiceLine

INSURANCE_PAYMENT = "insurance_payment"
PATIENT_PAYMENT = "patient_payment"
ADJUSTMENT = "adjustment"
PATIENT_RESPONSIBILITY = "patient_responsibility"
DENIAL = "denial"
CROSSOVER = "crossover"
REDUCING_KINDS = (INSURANCE_PAYMENT, PATIENT_PAYMENT, ADJUSTMENT)
HOLD_KINDS = (DENIAL, CROSSOVER)
KINDS = (*REDUCING_KINDS, PATIENT_RESPONSIBILITY, *HOLD_KINDS)


def _sum_kind(kind: str):
    return func.coalesce(
        func.sum(case((LedgerEntry.kind == kind, LedgerEntry.amount_cents), else_=0)), 0
    )


def line_totals(as_of: date | None = None, lines=None):
    """A subquery: per service line with postings, the sums by kind up to `as_of`.

    Columns: service_line_id, insurance_paid, patient_paid, adjusted, patient_responsibility,
    denied and forwarded (the open holds).
    `lines` (ids, or a select of service line ids) limits the sums to those lines: without
    it the whole ledger is grouped, which a one-visit document must not pay for.
    """
    query = select(
        LedgerEntry.service_line_id.label("service_line_id"),
        _sum_kind(INSURANCE_PAYMENT).label("insurance_paid"),
        _sum_kind(PATIENT_PAYMENT).label("patient_paid"),
        _sum_kind(ADJUSTMENT).label("adjusted"),
        _sum_kind(PATIENT_RESPONSIBILITY).label("patient_responsibility"),
        _sum_kind(DENIAL).label("denied"),
        _sum_kind(CROSSOVER).label("forwarded"),
    ).group_by(LedgerEntry.service_line_id)
    if as_of is not None:
        query = query.where(LedgerEntry.effective_date <= as_of)
    if lines is not None:
        query = query.where(LedgerEntry.service_line_id.in_(lines))
    return query.subquery("line_totals")


def line_balance_query(as_of: date | None = None, lines=None):
    """Select per service line: id, charge, paid/adjusted sums and balance (SQL only).
    `lines` (ids, or a select of service line ids) restricts it to those lines."""
    totals = line_totals(as_of, lines)
    paid_ins = func.coalesce(totals.c.insurance_paid, 0)
    paid_pat = func.coalesce(totals.c.patient_paid, 0)
    adjusted = func.coalesce(totals.c.adjusted, 0)
    query = select(
        ServiceLine.id.label("service_line_id"),
        ServiceLine.charge_cents.label("charge"),
        paid_ins.label("insurance_paid"),
        paid_pat.label("patient_paid"),
        adjusted.label("adjusted"),
        func.coalesce(totals.c.patient_responsibility, 0).label("patient_responsibility"),
        (ServiceLine.charge_cents - paid_ins - paid_pat - adjusted).label("balance"),
        func.coalesce(totals.c.denied, 0).label("denied"),
        func.coalesce(totals.c.forwarded, 0).label("forwarded"),
    ).outerjoin(totals, totals.c.service_line_id == ServiceLine.id)
    if lines is not None:
        query = query.where(ServiceLine.id.in_(lines))
    return query


@dataclass(frozen=True)
class LineMoney:
    """A service line's money in cents: the charge and what paid, adjusted or still owes it."""

    charge: int
    insurance_paid: int
    patient_paid: int
    adjusted: int
    patient_responsibility: int
    balance: int

    def holds(self) -> bool:
        """charge = insurance paid + patient paid + adjustments + balance, to the cent."""
        return self.charge == (
            self.insurance_paid + self.patient_paid + self.adjusted + self.balance
        )


LINE_MONEY = tuple(f.name for f in fields(LineMoney))


@dataclass(frozen=True)
class LineBalance(LineMoney):
    service_line_id: int
    denied: int = 0  # open denial hold (with the payer until the practice decides)
    forwarded: int = 0  # PR amounts held with the next payer after a crossover


def line_balance(session, service_line_id: int, as_of: date | None = None) -> LineBalance:
    row = session.execute(line_balance_query(as_of, [service_line_id])).one_or_none()
    if row is None:
        raise ClinicbillError(f"line: no service line {service_line_id}", "check the line id")
    return LineBalance(**row._mapping)


def line_balances(session, line_ids, as_of: date | None = None) -> dict[int, LineBalance]:
    ids = list(line_ids)
    if not ids:
        return {}
    rows = session.execute(line_balance_query(as_of, ids)).all()
    return {r.service_line_id: LineBalance(**r._mapping) for r in rows}


def assert_line_invariant(session, service_line_id: int) -> LineBalance:
    """The ledger invariant, checked in one place. A posting that would overdraw a line (a
    negative balance) or un-pay it below zero is refused by the posting code before this."""
    balance = line_balance(session, service_line_id)
    if not balance.holds():  # pragma: no cover - arithmetic identity; guards future edits
        raise ClinicbillError(f"ledger: line {service_line_id} does not balance", "report a bug")
    return balance


def _signed_payment():
    """A patient payment adds to the money received; a refund (kind 'refund') takes it away."""
    from clinicbill.store.models import Payment

    return case((Payment.kind == "refund", -Payment.amount_cents), else_=Payment.amount_cents)


def patient_credit(session, patient_id: int, as_of: date | None = None) -> int:
    """Unapplied patient money: payments minus what was applied to lines, minus refunds."""
    row = session.execute(patient_credits_query(as_of, patient_id)).one_or_none()
    return int(row.credit) if row is not None else 0


def patient_summary(session, patient) -> dict:
    """Totals for `patient show`: charges, payments, adjustments, balance (and who owes it),
    credit."""
    from clinicbill.domain.money import fmt

    sums = totals(line_details(session, patient_id=patient.id))
    return {
        "charged": fmt(sums["charge"]),
        "insurance_paid": fmt(sums["insurance_paid"]),
        "patient_paid": fmt(sums["patient_paid"]),
        "adjusted": fmt(sums["adjusted"]),
        "balance": fmt(sums["balance"]),
        "insurance_owes": fmt(sums["insurance_due"]),
        "patient_owes": fmt(sums["patient_due"]),
        "credit": fmt(patient_credit(session, patient.id)),
    }


def patient_credits_query(
    as_of: date | None = None, patient_id: int | None = None, split_prepaid: bool = False
):
    """Select patient_id, credit: unapplied patient money (payments minus refunds minus what
    was applied to lines) per patient with patient payments, in one grouped query (aging
    lists credits apart); `patient_id` limits it to one patient (`patient_credit`).
    `split_prepaid` adds a `prepaid` column and a row per patient for each kind: money paid
    for prepaid packages (not yet drawn down by visits) apart from other unapplied money."""
    from sqlalchemy import union_all

    from clinicbill.store.models import Package, Payment  # the billing tables, where needed

    mine = (
        Payment.patient_id.is_not(None) if patient_id is None else Payment.patient_id == patient_id
    )
    prepaid = Package.id.is_not(None).label("prepaid")
    package = (Package, Package.payment_id == Payment.id)
    received = (
        select(Payment.patient_id.label("patient_id"), _signed_payment().label("amount"), prepaid)
        .outerjoin(*package)
        .where(mine, Payment.source == "patient")
    )
    applied = (
        select(
            Payment.patient_id.label("patient_id"),
            (-LedgerEntry.amount_cents).label("amount"),
            prepaid,
        )
        .join(Payment, Payment.id == LedgerEntry.payment_id)
        .outerjoin(*package)
        .where(mine, Payment.source == "patient")
    )
    if as_of is not None:
        received = received.where(Payment.received_on <= as_of)
        applied = applied.where(LedgerEntry.effective_date <= as_of)
    moves = union_all(received, applied).subquery("patient_money")
    keys = (moves.c.patient_id, moves.c.prepaid) if split_prepaid else (moves.c.patient_id,)
    return select(*keys, func.sum(moves.c.amount).label("credit")).group_by(*keys)


# --- responsible party --------------------------------------------------------------------


def responsibility_query(as_of: date | None = None, lines=None):
    """Per service line of a non-void visit: the line_balance_query columns plus who owes the
    open balance. Columns added: encounter_id, patient_id, service_date, line_number, code,
    policy_id, patient_due, insurance_due.

    Who owes it is the one rule of domain/ledger/responsibility.py (the aging's): the patient for
    self-pay visits and lines the payer has answered, the payer until then. `as_of` reads the
    books on that date (postings, claim statuses and remittances dated by then); None reads
    them as they stand. Overpaid lines (negative balances) owe nothing; their excess is a
    credit. `lines` (ids, or a select of service line ids) limits every aggregate to those
    lines, e.g. one patient's.
    """
    from clinicbill.domain.ledger.responsibility import with_party

    base = (
        line_balance_query(as_of, lines)
        .join(Encounter, Encounter.id == ServiceLine.encounter_id)
        .add_columns(
            Encounter.id.label("encounter_id"),
            Encounter.patient_id,
            Encounter.service_date,
            ServiceLine.line_number,
            ServiceLine.code,
            Encounter.policy_id,
        )
        .where(Encounter.status != "void")
    )
    if as_of is not None:
        base = base.where(Encounter.service_date <= as_of)
    names = [c.name for c in base.selected_columns]
    owed = with_party(base.subquery("lines"), as_of or date.today(), historical=as_of is not None)
    c = owed.selected_columns
    open_balance = case((c.balance > 0, c.balance), else_=0)
    patient_due = case((c.party_payer_id.is_(None), open_balance), else_=0)
    return owed.with_only_columns(
        *(c[name] for name in names),
        patient_due.label("patient_due"),
        (open_balance - patient_due).label("insurance_due"),
    )


@dataclass(frozen=True)
class LineDetail(LineMoney):
    """One service line's money, as `balance`/`claim show`/allocation see it."""

    service_line_id: int
    encounter_id: int
    patient_id: int
    service_date: date
    line_number: int
    code: str
    policy_id: int | None
    patient_due: int
    insurance_due: int
    denied: int = 0
    forwarded: int = 0


def line_details(
    session,
    *,
    patient_id: int | None = None,
    encounter_id: int | None = None,
    claim_id: int | None = None,
    open_only: bool = False,
    as_of: date | None = None,
) -> list[LineDetail]:
    """Lines with their balances and responsible party, oldest visit first."""
    from clinicbill.store.models import ClaimLine

    # Restrict every aggregate to the lines asked for (not the whole ledger).
    lines = select(ServiceLine.id)
    if patient_id is not None:
        lines = lines.join(Encounter, Encounter.id == ServiceLine.encounter_id).where(
            Encounter.patient_id == patient_id
        )
    if encounter_id is not None:
        lines = lines.where(ServiceLine.encounter_id == encounter_id)
    if claim_id is not None:
        billed = select(ClaimLine.service_line_id).where(ClaimLine.claim_id == claim_id)
        lines = lines.where(ServiceLine.id.in_(billed))
    scoped = patient_id is not None or encounter_id is not None or claim_id is not None
    q = responsibility_query(as_of, lines if scoped else None).subquery("resp")
    query = select(q).order_by(q.c.service_date, q.c.encounter_id, q.c.line_number)
    if open_only:
        query = query.where(q.c.balance != 0)
    return [LineDetail(**r._mapping) for r in session.execute(query).all()]


def totals(lines: list[LineDetail]) -> dict[str, int]:
    """Sums of LineDetail money columns (per claim, per patient)."""
    keys = (*LINE_MONEY, "patient_due", "insurance_due")
    return {k: sum(getattr(line, k) for line in lines) for k in keys}


def claim_postings(session, claim_id: int) -> list[dict]:
    """Every ledger entry of a claim's lines, oldest first, with CARC/RARC text (claim show)."""
    from clinicbill.domain.remittance.remit import describe_adjustment, describe_remarks
    from clinicbill.store.models import ClaimLine

    rows = session.execute(
        select(
            LedgerEntry.id,
            LedgerEntry.effective_date,
            ClaimLine.line_number,
            ServiceLine.code,
            LedgerEntry.kind,
            LedgerEntry.amount_cents,
            LedgerEntry.group_code,
            LedgerEntry.reason_code,
            LedgerEntry.remark_codes,
            LedgerEntry.note,
        )
        .join(ClaimLine, ClaimLine.service_line_id == LedgerEntry.service_line_id)
        .join(ServiceLine, ServiceLine.id == LedgerEntry.service_line_id)
        .where(ClaimLine.claim_id == claim_id)
        .order_by(LedgerEntry.effective_date, LedgerEntry.id)
    ).all()
    from clinicbill.domain.money import fmt

    return [
        {
            "id": r.id,
            "date": r.effective_date,
            "line": r.line_number,
            "code": r.code,
            "kind": r.kind.replace("_", " "),
            "amount": fmt(r.amount_cents),
            "reason": describe_adjustment(r.group_code, r.reason_code),
            "remarks": describe_remarks((r.remark_codes or "").split(",")),
            "note": r.note or "",
        }
        for r in rows
    ]


def spread_over(targets, amount: int) -> list[tuple[LineDetail, int]]:
    """The one "spread over open lines" rule: `amount` placed on (line, room) targets in
    order, each taking at most its room, until it is used up."""
    parts = []
    left = amount
    for line, room in targets:
        take = min(left, room)
        if take > 0:
            parts.append((line, take))
            left -= take
        if left == 0:
            break
    return parts
