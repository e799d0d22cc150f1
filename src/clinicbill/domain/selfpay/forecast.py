"""Cash forecast (`report forecast`): the money expected in each coming month and the month
the practice breaks even for a monthly cost.

Per month: membership dues of every membership in force (each period that starts in the
month, at the plan's price; a membership paused with no resume date counts nothing), the open
part of payment-plan installments due in it (installments already late count in the first
month), and the practice's other collections: the average monthly cash received over the last
`history` full months (patient money net of refunds, and insurance payments) less what was
billed in those months as membership dues and plan installments, which are forecast apart.
The break-even month is the first month whose expected money covers the monthly cost.
"""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import case, func, select

from clinicbill.domain.errors import ClinicbillError
from clinicbill.domain.selfpay.memberships import billable, pauses
from clinicbill.domain.selfpay.periods import add_months, periods_until


def month_start(day: date) -> date:
    return day.replace(day=1)


def _membership_dues(session, months: list[date]) -> dict[date, int]:
    from clinicbill.store.models import Membership, MembershipPlan

    rows = session.execute(
        select(Membership, MembershipPlan).join(
            MembershipPlan, MembershipPlan.id == Membership.plan_id
        )
    ).all()
    paused = pauses(session, [m.id for m, _p in rows])
    last = add_months(months[-1], 1) - timedelta(days=1)
    dues = dict.fromkeys(months, 0)
    for membership, plan in rows:
        mine = paused.get(membership.id, [])
        for _i, start, _end in periods_until(membership.start_on, plan.period, last):
            key = month_start(start)
            if key in dues and billable(membership, mine, start):
                dues[key] += plan.price_cents
    return dues


def _installments(session, months: list[date], as_of: date) -> dict[date, int]:
    from clinicbill.domain.selfpay.payment_plans import installment_states

    due = dict.fromkeys(months, 0)
    for item in installment_states(session, as_of):
        if item.state == "paid":
            continue
        key = max(month_start(item.due_on), months[0])
        if key in due:
            due[key] += item.open_cents
    return due


def _recent_other(session, first: date, end: date, history: int) -> int:
    """Average monthly cash received in [first, end) less dues and installments billed then."""
    from clinicbill.domain.ledger.balances import INSURANCE_PAYMENT
    from clinicbill.store.models import LedgerEntry, MembershipCharge, Payment, PlanInstallment

    patient = session.execute(
        select(
            func.coalesce(
                func.sum(
                    case(
                        (Payment.kind == "refund", -Payment.amount_cents),
                        else_=Payment.amount_cents,
                    )
                ),
                0,
            )
        ).where(
            Payment.source == "patient", Payment.received_on >= first, Payment.received_on < end
        )
    ).scalar()
    insurance = session.execute(
        select(func.coalesce(func.sum(LedgerEntry.amount_cents), 0)).where(
            LedgerEntry.kind == INSURANCE_PAYMENT,
            LedgerEntry.effective_date >= first,
            LedgerEntry.effective_date < end,
        )
    ).scalar()
    dues = session.execute(
        select(func.coalesce(func.sum(MembershipCharge.amount_cents), 0)).where(
            MembershipCharge.period_start >= first, MembershipCharge.period_start < end
        )
    ).scalar()
    installments = session.execute(
        select(func.coalesce(func.sum(PlanInstallment.amount_cents), 0)).where(
            PlanInstallment.due_on >= first, PlanInstallment.due_on < end
        )
    ).scalar()
    other = int(patient) + int(insurance) - int(dues) - int(installments)
    return max(other, 0) // history


def forecast_report(
    session, as_of: date, months: int = 6, monthly_cost: int | None = None, history: int = 3
):
    """The next `months` calendar months after `as_of`'s month."""
    from clinicbill.domain.reports.table import Report

    if not 1 <= months <= 36:
        raise ClinicbillError(f"months: {months} is not between 1 and 36", "e.g. --months 6")
    first = add_months(month_start(as_of), 1)
    keys = [add_months(first, i) for i in range(months)]
    dues = _membership_dues(session, keys)
    installments = _installments(session, keys, as_of)
    history_start = add_months(month_start(as_of), -history)
    other = _recent_other(session, history_start, month_start(as_of), history)
    rows, cumulative, break_even = [], 0, None
    for key in keys:
        total = dues[key] + installments[key] + other
        cost = monthly_cost or 0
        cumulative += total - cost
        if monthly_cost is not None and break_even is None and total >= monthly_cost:
            break_even = key
        rows.append(
            (
                f"{key:%Y-%m}",
                dues[key],
                installments[key],
                other,
                total,
                cost,
                total - cost,
                cumulative,
            )
        )
    section = _section(rows, months, history)
    verdict = _verdict(monthly_cost, break_even, months)
    return Report(
        name="forecast",
        title="Cash forecast",
        parameters={"as_of": as_of.isoformat(), "months": months},
        sections=(section,),
        notes=(
            f"Other: average cash received {history_start:%Y-%m} to "
            f"{add_months(month_start(as_of), -1):%Y-%m} less the dues and installments billed "
            "then (forecast apart).",
            verdict,
        ),
        summary={"expected": sum(r[4] for r in rows)},
    )


def _section(rows, months: int, history: int):
    from clinicbill.domain.reports.table import MONEY, Column, Section

    return Section(
        key="forecast",
        title=f"Expected money, {months} month(s)",
        columns=(
            Column("month", "Month"),
            Column("memberships", "Membership dues", MONEY),
            Column("installments", "Plan installments", MONEY),
            Column("other", f"Other ({history}-month average)", MONEY),
            Column("expected", "Expected", MONEY),
            Column("cost", "Monthly cost", MONEY),
            Column("net", "Net", MONEY),
            Column("cumulative", "Cumulative", MONEY),
        ),
        rows=tuple(rows),
    )


def _verdict(monthly_cost: int | None, break_even: date | None, months: int) -> str:
    from clinicbill.domain.money import fmt

    if monthly_cost is None:
        return "give --monthly-cost to find the break-even month"
    elif break_even is None:
        return (
            f"expected money does not reach the monthly cost {fmt(monthly_cost)}"
            f" within {months} month(s)"
        )
    else:
        return (
            f"break-even month: {break_even:%Y-%m}"
            f" (expected money first covers {fmt(monthly_cost)})"
        )
