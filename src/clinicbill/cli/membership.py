"""`membership plan add|list`, `membership enroll|pause|resume|cancel|list` (app/selfpay.py)."""

from __future__ import annotations

from typing import Annotated

import typer

from clinicbill.cli import parse
from clinicbill.cli.common import OnlyPatientArg, PatientArg, unit_of_work

Opt = typer.Option
Arg = typer.Argument
membership_app = typer.Typer(
    help="Memberships billed each period by 'billing run'.", no_args_is_help=True
)
plan_app = typer.Typer(
    help="Membership plans: price, period, visits included.", no_args_is_help=True
)
membership_app.add_typer(plan_app, name="plan")

MembershipId = Annotated[str, Arg(help="Membership id (see 'membership list').")]
OnOpt = Annotated[str | None, Opt("--date", help="YYYY-MM-DD (default today).")]


@plan_app.command("add")
def plan_add(
    name: Annotated[str, Arg(help="Plan name, e.g. 'Monthly massage'.")],
    price: Annotated[str, Opt(help="Dues each period, in dollars.")],
    period: Annotated[str, Opt(help="monthly, quarterly or yearly.")] = "monthly",
    visits: Annotated[int, Opt(help="Visits included each period.")] = 0,
    rollover: Annotated[bool, Opt("--rollover", help="Unused included visits carry over.")] = False,
    member_rate: Annotated[
        str | None, Opt(help="Price of a visit beyond the included ones (default: full fee).")
    ] = None,
) -> None:
    """Add a membership plan.

    Example: clinicbill membership plan add 'Monthly massage' --price 99 --period monthly
      --visits 1 --rollover --member-rate 70
    """
    from clinicbill.app.selfpay import add_membership_plan
    from clinicbill.cli.render import done
    from clinicbill.domain.money import fmt

    cents = parse.amount(price, "price")
    rate = parse.optional_amount(member_rate, "member-rate")
    with unit_of_work() as session:
        plan = add_membership_plan(session, name, cents, period, visits, rollover, rate)
    done(
        f"membership plan {plan.id}: {plan.name}, {fmt(cents)} {plan.period},"
        f" {plan.visits} visit(s) included",
        {
            "id": plan.id,
            "name": plan.name,
            "price": fmt(cents, symbol=False),
            "period": plan.period,
        },
    )


@plan_app.command("list")
def plan_list() -> None:
    """List membership plans.

    Example: clinicbill membership plan list
    """
    from clinicbill.app.selfpay import membership_plans
    from clinicbill.cli.render import table

    with unit_of_work() as session:
        rows = membership_plans(session)
    columns = ["id", "name", "price", "period", "visits", "rollover", "member_rate"]
    table(rows, columns, "membership plans", right=["price", "member_rate"])


@membership_app.command("enroll")
def enroll(
    patient: PatientArg,
    plan: Annotated[str, Arg(help="Plan id or name.")],
    start: Annotated[str | None, Opt(help="First day of the first period (default today).")] = None,
    provider: Annotated[
        str | None, Opt(help="Provider credited with the dues (default: first).")
    ] = None,
) -> None:
    """Enrol a patient in a membership plan; 'billing run' bills each period from the start.

    Example: clinicbill membership enroll P00006 'Monthly massage' --start 2026-01-01
    """
    from clinicbill.app.selfpay import enroll_member
    from clinicbill.cli.render import done

    with unit_of_work() as session:
        membership, row = enroll_member(
            session, patient, plan, parse.day_or_today(start, "start"), provider
        )
    done(
        f"membership {membership.id}: {row.name} from {membership.start_on.isoformat()}",
        {"id": membership.id, "plan": row.name, "start": membership.start_on.isoformat()},
    )


def _change(action: str, membership: str, on: str | None) -> None:
    from clinicbill.app.selfpay import change_membership
    from clinicbill.cli.render import done

    day = parse.day_or_today(on)
    with unit_of_work() as session:
        row = change_membership(session, action, membership, day)
    past = {"pause": "paused", "resume": "resumed", "cancel": "cancelled"}[action]
    done(
        f"membership {row.id}: {past} from {day.isoformat()}",
        {"id": row.id, "action": action, "date": day.isoformat()},
    )


@membership_app.command("pause")
def pause(membership: MembershipId, on: OnOpt = None) -> None:
    """Pause a membership: periods starting from the date are not billed until resumed.

    Example: clinicbill membership pause 3 --date 2026-07-01
    """
    _change("pause", membership, on)


@membership_app.command("resume")
def resume(membership: MembershipId, on: OnOpt = None) -> None:
    """Resume a paused membership: periods starting from the date are billed again.

    Example: clinicbill membership resume 3 --date 2026-09-01
    """
    _change("resume", membership, on)


@membership_app.command("cancel")
def cancel(membership: MembershipId, on: OnOpt = None) -> None:
    """Cancel a membership: no period starting on or after the date is billed.

    Example: clinicbill membership cancel 3 --date 2026-12-01
    """
    _change("cancel", membership, on)


@membership_app.command("list")
def membership_list(
    patient: OnlyPatientArg = None,
    on: OnOpt = None,
) -> None:
    """List memberships with their status, periods billed and next billing date.

    Example: clinicbill membership list P00006
    """
    from clinicbill.app.selfpay import list_memberships
    from clinicbill.cli.render import table
    from clinicbill.domain.money import fmt

    with unit_of_work() as session:
        statuses = list_memberships(session, parse.day_or_today(on), patient)
    rows = [
        {
            "id": s.id,
            "patient": s.account_number,
            "plan": s.plan,
            "price": fmt(s.price_cents),
            "period": s.period,
            "start": s.start_on,
            "status": s.status,
            "billed": s.periods_billed,
            "billed_total": fmt(s.billed_cents),
            "next_billing": s.next_period or "",
        }
        for s in statuses
    ]
    columns = [
        "id",
        "patient",
        "plan",
        "price",
        "period",
        "start",
        "status",
        "billed",
        "billed_total",
        "next_billing",
    ]
    table(rows, columns, "memberships", right=["price", "billed_total"])


def register(app: typer.Typer) -> None:
    """Add this module's commands to the root app."""
    app.add_typer(membership_app, name="membership")
