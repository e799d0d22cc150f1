"""`dev seed`: developer tools (a synthetic practice for benchmarks and load tests)."""

from __future__ import annotations

from typing import Annotated

import typer

Opt = typer.Option

dev_app = typer.Typer(
    help="Developer tools: a synthetic practice for benchmarks (never on real data).",
    no_args_is_help=True,
)

# Steps this module adds to `clinicbill demo` (see cli/demo.py): none; seeding is not a demo.
DEMO_STEPS: list = []


@dev_app.command("seed")
def seed(
    years: Annotated[int, Opt(help="Years of history, ending at --end.")] = 10,
    providers: Annotated[int, Opt(help="Practitioners in all (the sample has 2).")] = 5,
    seed: Annotated[int, Opt(help="Random seed: the same seed gives the same data.")] = 1,
    end: Annotated[str | None, Opt(help="Last day of the history (default: today).")] = None,
    lines_per_year: Annotated[int, Opt(help="Service lines per year.")] = 30_000,
    ready_claims: Annotated[int, Opt(help="Newest claims left ready to export.")] = 25,
    unpaid_days: Annotated[
        int, Opt(help="Claims billed in these last days have no remittance yet.")
    ] = 0,
) -> None:
    """Fill a new database with a synthetic practice: years of sessions, claims, remittances
    and payments over the sample practice (10 years: about 300,000 service lines).

    A developer tool for benchmarks and load tests. The sample practice, providers and payers
    are recorded through the audit log; the bulk rows are written directly and are not (the
    data is synthetic). Refused on a database that already holds sessions.

    Example: clinicbill dev seed --years 10 --providers 5 --seed 1
    """
    from datetime import date

    from clinicbill.cli.common import unit_of_work
    from clinicbill.cli.render import done
    from clinicbill.domain.seed import seed_practice
    from clinicbill.domain.validate import parse_date

    last = parse_date(end, "end", allow_future=False) if end else date.today()
    with unit_of_work() as session:
        counts = seed_practice(
            session,
            years=years,
            providers=providers,
            seed=seed,
            end=last,
            lines_per_year=lines_per_year,
            ready_claims=ready_claims,
            unpaid_days=unpaid_days,
        )
    summary = ", ".join(f"{n} {k}" for k, n in counts.items() if k != "seconds")
    done(f"seeded {years} years to {last}: {summary} in {counts['seconds']} s", counts)


def register(app: typer.Typer) -> None:
    """Add this module's commands to the root app."""
    app.add_typer(dev_app, name="dev", hidden=True)
