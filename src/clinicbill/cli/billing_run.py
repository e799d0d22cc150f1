"""`billing run`: membership charges and payment-plan installments, once per period."""

from __future__ import annotations

from typing import Annotated

import typer

from clinicbill.cli import parse
from clinicbill.cli.common import unit_of_work

Opt = typer.Option
billing_app = typer.Typer(
    help="Recurring billing (memberships, payment plans).", no_args_is_help=True
)


@billing_app.command("run")
def billing_run(
    as_of: Annotated[
        str | None, Opt("--as-of", help="Bill what is due by this date (default today).")
    ] = None,
    receipts: Annotated[
        str | None, Opt("--receipts", help="Folder: write one PDF per charge posted.")
    ] = None,
) -> None:
    """Post each member's charge for every period started and not yet billed, and mark plan
    installments due. Safe to run daily from cron, twice, or in two processes at once.

    Example: clinicbill billing run --as-of 2026-03-01
    """

    from clinicbill.app.database import acting_user
    from clinicbill.app.selfpay import billing_run as run
    from clinicbill.cli.context import STATE
    from clinicbill.cli.render import done
    from clinicbill.domain.money import fmt

    day = parse.past_day(as_of, "as-of")
    with unit_of_work() as session:
        result = run(session, day, acting_user(STATE.user), receipts)
    paths = result.receipts
    lines = [
        f"billing run {day.isoformat()}: {len(result.charges)} membership charge(s)"
        f" {fmt(result.charged_cents)}, {len(result.installments_due)} installment(s) due"
    ]
    lines += [
        f"  membership {c.membership_id} {c.plan}: {c.period_start.isoformat()}"
        f" to {c.period_end.isoformat()} {fmt(c.amount_cents)} (session {c.encounter_id})"
        for c in result.charges
    ]
    lines += [f"  wrote {p}" for p in paths]
    done(
        "\n".join(lines),
        {
            "as_of": day.isoformat(),
            "charges": [
                {
                    "membership": c.membership_id,
                    "patient_id": c.patient_id,
                    "period_start": c.period_start.isoformat(),
                    "period_end": c.period_end.isoformat(),
                    "amount": fmt(c.amount_cents, symbol=False),
                    "session": c.encounter_id,
                }
                for c in result.charges
            ],
            "installments_due": [
                {"plan": i.plan_id, "number": i.number, "due_on": i.due_on.isoformat()}
                for i in result.installments_due
            ],
            "receipts": [str(p) for p in paths],
        },
    )


def register(app: typer.Typer) -> None:
    """Add this module's commands to the root app."""
    app.add_typer(billing_app, name="billing")
