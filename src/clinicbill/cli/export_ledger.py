"""`export ledger`: the practice's books for an accountant (app/selfpay.py)."""

from __future__ import annotations

from typing import Annotated

import typer

from clinicbill.cli import parse
from clinicbill.cli.common import unit_of_work

Opt = typer.Option
export_app = typer.Typer(
    help="Exports for other tools (books for the accountant).", no_args_is_help=True
)


@export_app.command("ledger")
def export_ledger(
    from_: Annotated[str, Opt("--from", help="First day of the period, YYYY-MM-DD.")],
    to: Annotated[str, Opt("--to", help="Last day of the period, YYYY-MM-DD.")],
    output: Annotated[str, Opt("-o", "--output", help="File to write, or - for the screen.")],
    format: Annotated[str, Opt("--format", help="beancount or csv.")] = "beancount",
    force: Annotated[bool, Opt("--force", help="Replace an existing file.")] = False,
) -> None:
    """Double-entry books of everything that moved money: charges, receivables, payments by
    method, write-offs, refunds, credits, deferred package and membership revenue.

    Example: clinicbill export ledger --format beancount --from 2026-01-01 --to 2026-03-31
      -o books-2026-q1.beancount
    """
    from clinicbill.app.selfpay import export_ledger as export
    from clinicbill.cli.render import done
    from clinicbill.domain.money import fmt

    start, end = parse.day(from_, "from"), parse.day(to, "to")
    with unit_of_work() as session:
        result = export(session, format.strip().lower(), start, end, output, force)
    if output == "-":
        return
    closing = ", ".join(
        f"{a.rsplit(':', 1)[-1]} {fmt(c)}" for a, c in sorted(result.closing.items())
    )
    done(
        f"wrote {result.written_to}: {result.transactions} entries, {result.accounts} accounts;"
        f" closing {closing}",
        {
            "path": result.written_to,
            "entries": result.transactions,
            "accounts": result.accounts,
            "closing": {a: fmt(c, symbol=False) for a, c in result.closing.items()},
        },
    )


def register(app: typer.Typer) -> None:
    """Add this module's commands to the root app."""
    app.add_typer(export_app, name="export")
