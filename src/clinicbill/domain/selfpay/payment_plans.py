"""Payment plans: an open patient balance spread into dated installments.

The plan covers the patient's open balances oldest first, up to its total, and records which
lines (and how much of each) it covers. Installments split the total exactly
(domain/selfpay/periods.split_cents: the odd cents go on the LAST installment). What is paid
is derived, never stored: the plan's settled amount is its total minus what its lines still
owe (at most the covered part of each), and installments are settled in order. An
installment whose date has come and that is not settled is due; after its date, late.
`billing run` marks installments due (once each). Payments go to the plan's lines first
(domain/ledger/payments.py asks `plan_line_ids`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select, update

from clinicbill.domain.errors import ClinicbillError
from clinicbill.domain.ledger import balances as ledger
from clinicbill.domain.money import fmt
from clinicbill.domain.selfpay.periods import check_every, installment_dates, split_cents
from clinicbill.store.models import PaymentPlan, PaymentPlanLine, PlanInstallment
from clinicbill.store.query import added, narrowed

MAX_INSTALLMENTS = 60


@dataclass(frozen=True)
class DueInstallment:
    plan_id: int
    number: int
    due_on: date
    amount_cents: int


@dataclass(frozen=True)
class InstallmentState:
    plan_id: int
    patient_id: int
    number: int
    due_on: date
    amount_cents: int
    paid_cents: int  # settled toward this installment
    state: str  # paid | due | late | upcoming

    @property
    def open_cents(self) -> int:
        return self.amount_cents - self.paid_cents


def add_plan(
    session, patient, total_cents: int, installments: int, start_on: date, every: str, today: date
) -> PaymentPlan:
    """Spread `total_cents` of the patient's open balance into `installments` payments."""
    every = check_every(every)
    if not 1 <= installments <= MAX_INSTALLMENTS:
        raise ClinicbillError(
            f"installments: {installments} is not between 1 and {MAX_INSTALLMENTS}", "e.g. 6"
        )
    if total_cents <= 0:
        raise ClinicbillError("total: must be more than 0", "type dollars, e.g. --total 600")
    if total_cents < installments:
        raise ClinicbillError("total: less than a cent per installment", "use fewer installments")
    covered = _covered_elsewhere(session, patient.id)
    lines = [
        (x, x.patient_due - covered.get(x.service_line_id, 0))
        for x in ledger.line_details(session, patient_id=patient.id, open_only=True)
    ]
    lines = [(x, room) for x, room in lines if room > 0]
    room = sum(r for _x, r in lines)
    if total_cents > room:
        raise ClinicbillError(
            f"total: {fmt(total_cents)} is more than the open patient balance not yet on a plan"
            f" ({fmt(room)})",
            f"give --total {fmt(room, symbol=False)} or less",
        )
    plan = PaymentPlan(
        patient_id=patient.id,
        total_cents=total_cents,
        installments=installments,
        start_on=start_on,
        every=every,
        created_on=today,
    )
    added(session, plan)
    from clinicbill.domain.ledger.balances import spread_over

    for line, take in spread_over(lines, total_cents):
        session.add(
            PaymentPlanLine(
                plan_id=plan.id, service_line_id=line.service_line_id, amount_cents=take
            )
        )
    dates = installment_dates(start_on, every, installments)
    for number, (due, cents) in enumerate(
        zip(dates, split_cents(total_cents, installments), strict=True), 1
    ):
        session.add(PlanInstallment(plan_id=plan.id, number=number, due_on=due, amount_cents=cents))
    session.flush()
    return plan


def _plan_lines(session, patient_id: int | None = None):
    query = select(PaymentPlanLine, PaymentPlan.patient_id).join(
        PaymentPlan, PaymentPlan.id == PaymentPlanLine.plan_id
    )
    query = narrowed(query, PaymentPlan.patient_id, patient_id)
    return session.execute(query.order_by(PaymentPlanLine.plan_id, PaymentPlanLine.id)).all()


def settled_by_plan(
    session, patient_id: int | None = None, as_of: date | None = None
) -> dict[int, int]:
    """plan id -> cents of its total settled (its lines' covered parts no longer owed)."""
    rows = _plan_lines(session, patient_id)
    balances = ledger.line_balances(session, {r.service_line_id for r, _p in rows}, as_of)
    owed: dict[int, int] = {}
    covered: dict[int, int] = {}
    for row, _patient in rows:
        balance = balances[row.service_line_id].balance if row.service_line_id in balances else 0
        owed[row.plan_id] = owed.get(row.plan_id, 0) + min(row.amount_cents, max(balance, 0))
        covered[row.plan_id] = covered.get(row.plan_id, 0) + row.amount_cents
    return {plan_id: covered[plan_id] - owed[plan_id] for plan_id in covered}


def _covered_elsewhere(session, patient_id: int) -> dict[int, int]:
    """service line id -> cents still owed under the patient's plans (not settled)."""
    rows = _plan_lines(session, patient_id)
    balances = ledger.line_balances(session, {r.service_line_id for r, _p in rows})
    out: dict[int, int] = {}
    for row, _patient in rows:
        owed = min(row.amount_cents, max(balances[row.service_line_id].balance, 0))
        out[row.service_line_id] = out.get(row.service_line_id, 0) + owed
    return out


def plan_line_ids(session, patient_id: int) -> list[int]:
    """The patient's service lines under a plan that still owe, oldest plan first."""
    covered = _covered_elsewhere(session, patient_id)
    seen = []
    for row, _p in _plan_lines(session, patient_id):
        if covered.get(row.service_line_id) and row.service_line_id not in seen:
            seen.append(row.service_line_id)
    return seen


def installment_states(
    session, as_of: date, patient_id: int | None = None
) -> list[InstallmentState]:
    """Every installment (of one patient) with what is settled toward it and its state.
    Without any installment this is one query (the follow-up worklist runs it every time)."""
    query = (
        select(PlanInstallment, PaymentPlan.patient_id)
        .join(PaymentPlan, PaymentPlan.id == PlanInstallment.plan_id)
        .order_by(PlanInstallment.plan_id, PlanInstallment.number)
    )
    query = narrowed(query, PaymentPlan.patient_id, patient_id)
    rows = session.execute(query).all()
    if not rows:
        return []
    states = []
    left: dict[int, int] = dict(settled_by_plan(session, patient_id))
    for item, patient in rows:
        paid = min(item.amount_cents, left.get(item.plan_id, 0))
        left[item.plan_id] = left.get(item.plan_id, 0) - paid
        if paid >= item.amount_cents:
            state = "paid"
        elif item.due_on > as_of:
            state = "upcoming"
        else:
            state = "due" if item.due_on == as_of else "late"
        states.append(
            InstallmentState(
                item.plan_id, patient, item.number, item.due_on, item.amount_cents, paid, state
            )
        )
    return states


def mark_due(session, as_of: date) -> list[DueInstallment]:
    """Mark installments dated on or before `as_of` as due, once each (a conditional UPDATE:
    a second or concurrent run finds them marked)."""
    rows = (
        session.execute(
            select(PlanInstallment)
            .where(PlanInstallment.due_on <= as_of, PlanInstallment.marked_due_on.is_(None))
            .order_by(PlanInstallment.plan_id, PlanInstallment.number)
        )
        .scalars()
        .all()
    )
    marked = []
    for item in rows:
        changed = session.execute(
            update(PlanInstallment)
            .where(PlanInstallment.id == item.id, PlanInstallment.marked_due_on.is_(None))
            .values(marked_due_on=as_of)
            .execution_options(synchronize_session=False)
        ).rowcount
        if changed:
            marked.append(DueInstallment(item.plan_id, item.number, item.due_on, item.amount_cents))
    return marked


def statement_installments(session, patient_id: int, as_of: date) -> list[InstallmentState]:
    """What a statement shows of the patient's plans: installments due or late, and the next
    upcoming one of each plan."""
    shown, upcoming = [], set()
    for item in installment_states(session, as_of, patient_id):
        if item.state in ("due", "late"):
            shown.append(item)
        elif item.state == "upcoming" and item.plan_id not in upcoming:
            upcoming.add(item.plan_id)
            shown.append(item)
    return shown


def late_installments(session, as_of: date) -> list[InstallmentState]:
    """Installments past their date and not settled (the follow-up worklist)."""
    return [s for s in installment_states(session, as_of) if s.state == "late"]


def late_installments_section(session, as_of: date):
    """`report followup`: each late installment, with the patient to call."""
    from clinicbill.domain.reports.table import (
        ACCOUNT,
        COUNT,
        DATE,
        MONEY,
        PATIENT,
        Column,
        Section,
    )
    from clinicbill.store.models import Patient

    late = late_installments(session, as_of)
    names = (
        {}
        if not late
        else {
            p.id: p
            for p in session.execute(
                select(Patient).where(Patient.id.in_({i.patient_id for i in late}))
            ).scalars()
        }
    )
    rows = tuple(
        (
            i.plan_id,
            f"{names[i.patient_id].last_name}, {names[i.patient_id].first_name}",
            names[i.patient_id].account_number,
            i.number,
            i.due_on,
            i.open_cents,
            (as_of - i.due_on).days,
            f"remind the patient; take the payment: clinicbill payment add "
            f"{names[i.patient_id].account_number} {fmt(i.open_cents, symbol=False)}",
        )
        for i in late
    )
    return Section(
        key="installments",
        title="Payment-plan installments past due",
        columns=(
            Column("plan", "Plan", COUNT),
            PATIENT,
            ACCOUNT,
            Column("installment", "Installment", COUNT),
            Column("due_on", "Due on", DATE),
            Column("open", "Open", MONEY),
            Column("days_late", "Days late", COUNT),
            Column("next_step", "Next step"),
        ),
        rows=rows,
        empty="no installment past due",
    )
