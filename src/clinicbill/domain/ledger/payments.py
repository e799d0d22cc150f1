"""Patient money: payments applied to the oldest open patient balance, credits, write-offs,
refunds. Prepaid packages and memberships live in domain/ledger/packages.py.

Money received is a Payment row; applying it to a service line is a patient_payment
LedgerEntry linked to that Payment. Whatever is not applied is the patient's credit
(ledger.patient_credit), so an overpayment becomes credit without any extra record. Every
function here refuses (ClinicbillError) rather than overdraw a line: the ledger invariant
(charge = insurance paid + patient paid + adjustments + balance, balance >= 0) always holds.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select

from clinicbill.domain.errors import ClinicbillError
from clinicbill.domain.ledger import balances as ledger
from clinicbill.domain.ledger.balances import ADJUSTMENT, PATIENT_PAYMENT, LineDetail, spread_over
from clinicbill.domain.money import fmt
from clinicbill.domain.validate import optional_text
from clinicbill.store.models import Encounter, LedgerEntry, Package, Payment, ServiceLine
from clinicbill.store.query import added

METHODS = ("cash", "card", "check", "hsa", "fsa", "eft")
# Write-off reasons a person picks (kept on the entry as its reason code).
ADJUST_REASONS = {
    "write-off": "balance written off",
    "small-balance": "small balance written off",
    "courtesy": "courtesy (professional) discount",
    "bad-debt": "uncollectable, written off as bad debt",
}
MAX_NOTE = 500


@dataclass(frozen=True)
class Applied:
    """Part of an amount placed on one service line."""

    service_line_id: int
    encounter_id: int
    service_date: date
    code: str
    amount_cents: int


@dataclass(frozen=True)
class PaymentResult:
    payment: Payment | None
    applied: tuple[Applied, ...]
    credit_cents: int  # the patient's credit afterwards

    @property
    def applied_cents(self) -> int:
        return sum(a.amount_cents for a in self.applied)


def check_method(method: str | None) -> str:
    text = (method or "").strip().lower()
    if not text:
        from clinicbill.domain.errors import MissingValue

        raise MissingValue(["method"], "give --method " + "|".join(METHODS))
    if text not in METHODS:
        shown = f"'{str(method)[:20]}'" if method else "(missing)"
        raise ClinicbillError(f"method: {shown} is not a payment method", ", ".join(METHODS))
    return text


def check_note(note: str | None, field: str = "note") -> str | None:
    return optional_text(note, field, MAX_NOTE)


def _encounter(session, patient, encounter_id: int) -> Encounter:
    encounter = session.get(Encounter, int(encounter_id))
    if encounter is None or encounter.patient_id != patient.id:
        raise ClinicbillError(
            f"session: {encounter_id} is not a session of patient {patient.account_number}",
            "see 'clinicbill session list'",
        )
    if encounter.status == "void":
        raise ClinicbillError(f"session: {encounter_id} is void", "choose another session")
    return encounter


def _targets(session, patient, encounter_id: int | None, on: date) -> list[tuple[LineDetail, int]]:
    """(line, room) pairs to place patient money or a write-off on, in order: a session's lines
    by their open balance, else the patient's open patient balances oldest first."""
    if encounter_id is not None:
        _encounter(session, patient, encounter_id)
        lines = ledger.line_details(session, encounter_id=encounter_id)
        return [(x, x.balance) for x in lines if x.balance > 0]
    lines = ledger.line_details(session, patient_id=patient.id, open_only=True)
    targets = [(x, x.patient_due) for x in lines if x.patient_due > 0 and x.service_date <= on]
    return _plan_lines_first(session, patient.id, targets)


def _plan_lines_first(session, patient_id: int, targets):
    """Lines under a payment plan take the money first (domain/selfpay/payment_plans.py)."""
    from clinicbill.domain.selfpay.payment_plans import plan_line_ids

    first = plan_line_ids(session, patient_id)
    if not first:
        return targets
    rank = {line_id: i for i, line_id in enumerate(first)}
    return sorted(targets, key=lambda t: rank.get(t[0].service_line_id, len(rank)))


def _applied(line: LineDetail, amount: int) -> Applied:
    return Applied(line.service_line_id, line.encounter_id, line.service_date, line.code, amount)


def add_patient_payment(
    session,
    patient,
    amount_cents: int,
    method: str,
    received_on: date | None = None,
    reference: str | None = None,
    encounter_id: int | None = None,
    note: str | None = None,
) -> PaymentResult:
    """Record money from a patient and apply it: to a session's lines when one is named
    (e.g. a copay at check-in), else to the oldest open patient balances. What is left over
    is credit."""
    if amount_cents <= 0:
        raise ClinicbillError("amount: must be more than 0", "type dollars, e.g. 25 or 25.00")
    on = received_on or date.today()
    payment = patient_money("payment", patient, amount_cents, method, on, reference, note)
    targets = _targets(session, patient, encounter_id, on)
    added(session, payment)
    applied = _post_parts(session, payment.id, spread_over(targets, amount_cents), on)
    return PaymentResult(payment, applied, ledger.patient_credit(session, patient.id))


def patient_money(kind, patient, amount_cents: int, method, on: date, reference, note) -> Payment:
    """A patient's payment or refund (`kind`), its method and texts checked (not yet added)."""
    return Payment(
        kind=kind,
        source="patient",
        patient_id=patient.id,
        method=check_method(method),
        amount_cents=amount_cents,
        received_on=on,
        reference=check_note(reference, "ref"),
        note=check_note(note),
    )


def add_line_entries(session, parts, on: date, **entry) -> tuple[Applied, ...]:
    """One ledger entry dated `on` per (line, cents) part, each with the same `entry` fields
    (kind, and payment_id or reason_code, note); not flushed. What each line received."""
    rows = []
    for line, amount in parts:
        session.add(
            LedgerEntry(
                service_line_id=line.service_line_id,
                amount_cents=amount,
                effective_date=on,
                **entry,
            )
        )
        rows.append(_applied(line, amount))
    return tuple(rows)


def _post_parts(session, payment_id: int, parts, on: date, note: str | None = None):
    rows = add_line_entries(
        session, parts, on, kind=PATIENT_PAYMENT, payment_id=payment_id, note=note
    )
    session.flush()
    return rows


def unapplied_by_payment(session, patient_id: int) -> list[tuple[int, int]]:
    """(payment id, unapplied cents) of the patient's ordinary payments (not packages),
    oldest first, only those with money left."""
    applied = (
        select(LedgerEntry.payment_id, func.sum(LedgerEntry.amount_cents).label("used"))
        .where(LedgerEntry.payment_id.is_not(None))
        .group_by(LedgerEntry.payment_id)
        .subquery()
    )
    packaged = select(Package.payment_id).where(Package.payment_id.is_not(None))
    rows = session.execute(
        select(Payment.id, Payment.amount_cents - func.coalesce(applied.c.used, 0))
        .outerjoin(applied, applied.c.payment_id == Payment.id)
        .where(
            Payment.patient_id == patient_id,
            Payment.source == "patient",
            Payment.kind == "payment",
            Payment.id.not_in(packaged),
        )
        .order_by(Payment.received_on, Payment.id)
    ).all()
    return [(pid, int(left)) for pid, left in rows if left > 0]


def free_credit(session, patient_id: int) -> int:
    """Credit the patient can use or be refunded: unapplied ordinary payments minus refunds
    (prepaid package money is kept for the package's sessions)."""
    refunded = session.execute(
        select(func.coalesce(func.sum(Payment.amount_cents), 0)).where(
            Payment.patient_id == patient_id, Payment.source == "patient", Payment.kind == "refund"
        )
    ).scalar()
    return sum(left for _pid, left in unapplied_by_payment(session, patient_id)) - int(refunded)


def apply_credit(
    session, patient, on: date | None = None, encounter_id: int | None = None
) -> PaymentResult:
    """Apply the patient's free credit to open balances (oldest first, or one session).
    Nothing to apply (no credit, or nothing owed) is not an error: nothing is applied."""
    on = on or date.today()
    available = free_credit(session, patient.id)
    parts = (
        spread_over(_targets(session, patient, encounter_id, on), available)
        if available > 0
        else []
    )
    if not parts:
        return PaymentResult(None, (), max(available, 0))
    applied: list[Applied] = []
    sources = unapplied_by_payment(session, patient.id)
    for line, amount in parts:
        # Take the money from the oldest payments that still have some.
        while amount > 0 and sources:
            pid, left = sources[0]
            take = min(left, amount)
            applied.extend(_post_parts(session, pid, [(line, take)], on, "credit applied"))
            amount -= take
            sources[0] = (pid, left - take)
            if sources[0][1] == 0:
                sources.pop(0)
    return PaymentResult(None, tuple(applied), ledger.patient_credit(session, patient.id))


def add_adjustment(
    session,
    patient,
    amount_cents: int,
    reason: str,
    on: date | None = None,
    encounter_id: int | None = None,
    service_line_id: int | None = None,
    note: str | None = None,
) -> tuple[Applied, ...]:
    """Write off part of a balance (write-off, small-balance, courtesy, bad-debt): on one line,
    one session's lines, or the patient's oldest open patient balances."""
    key = (reason or "").strip().lower()
    if key not in ADJUST_REASONS:
        raise ClinicbillError(
            f"reason: '{str(reason)[:20]}' is not an adjustment reason", ", ".join(ADJUST_REASONS)
        )
    if amount_cents <= 0:
        raise ClinicbillError("amount: must be more than 0", "type dollars, e.g. 4.50")
    on = on or date.today()
    if service_line_id is not None:
        line = session.get(ServiceLine, int(service_line_id))
        encounter = session.get(Encounter, line.encounter_id) if line else None
        if encounter is None or encounter.patient_id != patient.id:
            raise ClinicbillError(
                f"line: {service_line_id} is not a service line of patient"
                f" {patient.account_number}",
                "see 'clinicbill balance PATIENT' for line ids",
            )
        targets = [
            (x, x.balance)
            for x in ledger.line_details(session, encounter_id=encounter.id)
            if x.service_line_id == line.id and x.balance > 0
        ]
    else:
        targets = _targets(session, patient, encounter_id, on)
    room = sum(r for _x, r in targets)
    if amount_cents > room:
        raise ClinicbillError(
            f"amount: {fmt(amount_cents)} is more than the open balance {fmt(room)}",
            "write off at most the open balance",
        )
    note = check_note(note) or ADJUST_REASONS[key]
    parts = spread_over(targets, amount_cents)
    rows = add_line_entries(session, parts, on, kind=ADJUSTMENT, reason_code=key, note=note)
    session.flush()
    return rows


def add_refund(
    session,
    patient,
    amount_cents: int,
    method: str,
    on: date | None = None,
    reference: str | None = None,
    note: str | None = None,
) -> Payment:
    """Give credit back to the patient. At most the free credit can be refunded."""
    if amount_cents <= 0:
        raise ClinicbillError("amount: must be more than 0", "type dollars, e.g. 20")
    available = free_credit(session, patient.id)
    if amount_cents > available:
        raise ClinicbillError(
            f"amount: {fmt(amount_cents)} is more than the patient's credit {fmt(available)}",
            "refund at most the credit (prepaid package money stays with its package)",
        )
    refund = patient_money("refund", patient, amount_cents, method, on or date.today(), reference,
                           note)  # fmt: skip
    return added(session, refund)


def release_payments(session, encounter: Encounter, on: date | None = None) -> int:
    """Give back the ordinary patient money applied to a session being voided: an entry of
    the opposite sign per line and payment, so the money is the patient's credit again
    (prepaid package money goes back to its package: domain/ledger/package_draws.give_back).
    Returns the cents released."""
    packaged = select(Package.payment_id).where(Package.payment_id.is_not(None))
    rows = session.execute(
        select(
            LedgerEntry.service_line_id, LedgerEntry.payment_id, func.sum(LedgerEntry.amount_cents)
        )
        .join(ServiceLine, ServiceLine.id == LedgerEntry.service_line_id)
        .join(Payment, Payment.id == LedgerEntry.payment_id)
        .where(
            ServiceLine.encounter_id == encounter.id,
            LedgerEntry.kind == PATIENT_PAYMENT,
            Payment.source == "patient",
            Payment.kind == "payment",
            LedgerEntry.payment_id.not_in(packaged),
        )
        .group_by(LedgerEntry.service_line_id, LedgerEntry.payment_id)
        .order_by(LedgerEntry.service_line_id, LedgerEntry.payment_id)
    ).all()
    released = 0
    for line_id, payment_id, cents in rows:
        if cents:
            session.add(
                LedgerEntry(
                    service_line_id=line_id,
                    kind=PATIENT_PAYMENT,
                    amount_cents=-cents,
                    effective_date=on or date.today(),
                    payment_id=payment_id,
                    note=f"session {encounter.id} void: payment back to credit",
                )
            )
            released += int(cents)
    session.flush()
    return released
