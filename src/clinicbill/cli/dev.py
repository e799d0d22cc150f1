"""`dev seed`, `dev remittance`: developer tools (a synthetic practice for benchmarks and load
tests; a payer's 835 to try posting without a payer)."""

from __future__ import annotations

from typing import Annotated

import typer

from clinicbill.cli import parse

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

    from clinicbill.cli.common import unit_of_work
    from clinicbill.cli.render import done
    from clinicbill.dev.seed import seed_practice

    last = parse.past_day(end, "end")
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


@dev_app.command("remittance")
def remittance(
    claims: Annotated[list[int], typer.Argument(help="Submitted claims the payer answers.")],
    output: Annotated[str, Opt("-o", "--output", help="The 835 file to write (- for stdout).")],
    deny: Annotated[
        list[int] | None, Opt("--deny", help="Deny this claim (CO-50, N130) instead.")
    ] = None,
    coinsurance: Annotated[int, Opt(help="Patient coinsurance percent (PR-2).")] = 20,
    allowed: Annotated[int, Opt(help="Percent of the charge the payer allows.")] = 80,
) -> None:
    """Play the payer: write a test 835 answering submitted claims, to try `era import` before
    a real payer's file arrives (never send it anywhere; it is marked as a test).

    Example: clinicbill dev remittance 1 2 -o remittance-test.835
    """
    from datetime import date

    from clinicbill.app.demo import write_test_remittance
    from clinicbill.cli.common import unit_of_work
    from clinicbill.cli.render import done
    from clinicbill.formats.x12_835_write import Outcome

    denied = set(deny or ())
    outcomes = {
        claim: Outcome(kind="denied", remarks=("N130",))
        if claim in denied
        else Outcome(coinsurance_percent=coinsurance, allowed_percent=allowed)
        for claim in dict.fromkeys([*claims, *denied])
    }
    today = date.today()
    # One trace number per answer (the check/EFT number era import deduplicates on).
    trace = f"TEST{today:%Y%m%d}-" + "-".join(map(str, outcomes))
    with unit_of_work() as session:
        target = write_test_remittance(session, outcomes, output, today, trace[:50])
    done(
        f"wrote {target.label} ({len(outcomes)} claim(s))",
        {"path": target.label, "claims": list(outcomes)},
        err=target.to_stdout,
    )


@dev_app.command("acknowledgements")
def acknowledgements(
    claims: Annotated[list[int], typer.Argument(help="Sent claims the clearinghouse answers.")],
    output: Annotated[
        str, Opt("-o", "--output", help="File name prefix: writes PREFIX.999 and PREFIX.277ca.")
    ],
    reject: Annotated[
        list[int] | None, Opt("--reject", help="Reject this claim (277CA A7, the NPI) instead.")
    ] = None,
) -> None:
    """Play the clearinghouse: write the 999 and 277CA it would send back for the 837P batches
    the claims went out in, to try `ack import` before a real answer arrives (never send them).

    Example: clinicbill dev acknowledgements 1 3 --reject 3 -o ack-test
    """
    from datetime import UTC, datetime

    from clinicbill.app.demo import write_test_acknowledgements
    from clinicbill.cli.common import unit_of_work
    from clinicbill.cli.render import done

    with unit_of_work() as session:
        targets, batches = write_test_acknowledgements(
            session, claims, output, frozenset(reject or ()), datetime.now(UTC)
        )
    done(
        f"wrote {targets[0].label} and {targets[1].label} ({len(batches)} batch(es))",
        {"paths": [t.label for t in targets], "batches": batches},
    )


def register(app: typer.Typer) -> None:
    """Add this module's commands to the root app."""
    app.add_typer(dev_app, name="dev", hidden=True)
