"""`payment plan add|list`: an open balance spread into dated installments (app/selfpay.py)."""

from __future__ import annotations

from typing import Annotated

import typer

from clinicbill.cli import parse
from clinicbill.cli.common import OnlyPatientArg, PatientArg, unit_of_work

Opt = typer.Option
Arg = typer.Argument
plan_app = typer.Typer(help="Payment plans: a balance paid in installments.", no_args_is_help=True)


@plan_app.command("add")
def plan_add(
    patient: PatientArg,
    total: Annotated[str, Opt(help="Part of the open patient balance to spread, in dollars.")],
    installments: Annotated[int, Opt(help="Number of installments.")],
    start: Annotated[str | None, Opt(help="Date of the first installment (default today).")] = None,
    every: Annotated[str, Opt(help="month, 2 weeks or week.")] = "month",
) -> None:
    """Spread an open patient balance into dated installments (odd cents on the last one).

    Example: clinicbill payment plan add P00006 --total 600 --installments 6 --start 2026-02-01
    """
    from datetime import date

    from clinicbill.app.selfpay import add_payment_plan
    from clinicbill.cli.render import done
    from clinicbill.domain.money import fmt

    cents = parse.amount(total, "total")
    first = parse.day_or_today(start, "start")
    with unit_of_work() as session:
        plan, items = add_payment_plan(
            session, patient, cents, installments, first, every, date.today()
        )
    lines = [f"payment plan {plan.id}: {fmt(cents)} in {installments} installment(s)"]
    lines += [f"  {i.number}. {i.due_on.isoformat()} {fmt(i.amount_cents)}" for i in items]
    done(
        "\n".join(lines),
        {
            "id": plan.id,
            "total": fmt(cents, symbol=False),
            "installments": [
                {
                    "number": i.number,
                    "due_on": i.due_on.isoformat(),
                    "amount": fmt(i.amount_cents, symbol=False),
                }
                for i in items
            ],
        },
    )


@plan_app.command("list")
def plan_list(
    patient: OnlyPatientArg = None,
    as_of: Annotated[str | None, Opt("--as-of", help="State on this date (default today).")] = None,
) -> None:
    """List payment-plan installments: paid, due (today), late (past their date) or upcoming.

    Example: clinicbill payment plan list P00006
    """

    from clinicbill.app.selfpay import payment_plan_rows
    from clinicbill.cli.render import table

    day = parse.day_or_today(as_of, "as-of")
    with unit_of_work() as session:
        rows = payment_plan_rows(session, day, patient)
    columns = ["plan", "patient_id", "number", "due_on", "amount", "paid", "state"]
    table(rows, columns, "payment plan installments", right=["amount", "paid"])


def register(app: typer.Typer) -> None:
    """Add `payment plan` to the `payment` group (cli/payments.py)."""
    from clinicbill.cli.payments import payment_app

    payment_app.add_typer(plan_app, name="plan")
