"""`fee tier add|list|assign|patients`: sliding-scale fee tiers (app/selfpay.py)."""

from __future__ import annotations

from typing import Annotated

import typer

from clinicbill.cli import parse
from clinicbill.cli.common import PatientArg, unit_of_work

Opt = typer.Option
Arg = typer.Argument
tier_app = typer.Typer(help="Sliding-scale fee tiers for self-pay patients.", no_args_is_help=True)


@tier_app.command("add")
def tier_add(
    name: Annotated[str, Arg(help="Tier name, e.g. 'Tier B'.")],
    percent: Annotated[str | None, Opt(help="Percent off the standard fee, e.g. 25.")] = None,
    code: Annotated[
        list[str] | None, Opt("--code", help="The tier's own fee per unit: CODE=DOLLARS (repeat).")
    ] = None,
) -> None:
    """Add a sliding-scale tier: a percent off the standard fee and/or per-code fees.

    Example: clinicbill fee tier add 'Tier B' --percent 25 --code 97810=50
    """
    from clinicbill.app.selfpay import add_fee_tier
    from clinicbill.cli.render import done

    with unit_of_work() as session:
        tier = add_fee_tier(session, name, percent, code or ())
    done(f"fee tier {tier.id}: {tier.name}", {"id": tier.id, "name": tier.name})


@tier_app.command("list")
def tier_list() -> None:
    """List the sliding-scale tiers.

    Example: clinicbill fee tier list
    """
    from clinicbill.app.selfpay import fee_tiers
    from clinicbill.cli.render import table

    with unit_of_work() as session:
        rows = fee_tiers(session)
    table(rows, ["id", "name", "percent_off", "code_fees"], "fee tiers")


@tier_app.command("assign")
def tier_assign(
    patient: PatientArg,
    tier: Annotated[str, Arg(help="Tier id or name, or 'none' to take the patient off.")],
    proof_seen: Annotated[
        str | None, Opt("--proof-seen", help="Date the proof of income was seen.")
    ] = None,
    review_by: Annotated[str | None, Opt("--review-by", help="Date to review it again.")] = None,
    start: Annotated[str | None, Opt(help="In force from (default today).")] = None,
) -> None:
    """Put a patient on a sliding-scale tier for their self-pay sessions.

    Example: clinicbill fee tier assign P00006 'Tier B' --proof-seen 2026-01-05
      --review-by 2026-07-05
    """

    from clinicbill.app.selfpay import assign_fee_tier
    from clinicbill.cli.render import done

    on = parse.day_or_today(start, "start")
    proof_on, review_on = parse.day(proof_seen, "proof-seen"), parse.day(review_by, "review-by")
    with unit_of_work() as session:
        row, chosen, _assignment = assign_fee_tier(session, patient, tier, on, proof_on, review_on)
        account = row.account_number
    what = f"on {chosen.name}" if chosen else "off the sliding scale"
    done(
        f"patient {account}: {what} from {on.isoformat()}",
        {"patient": account, "tier": chosen.name if chosen else None, "from": on.isoformat()},
    )


@tier_app.command("patients")
def tier_patients(
    as_of: Annotated[str | None, Opt("--as-of", help="Date (default today).")] = None,
) -> None:
    """Patients on a tier, with proof and review dates; a review past due is flagged.

    Example: clinicbill fee tier patients
    """

    from clinicbill.app.selfpay import patients_on_fee_tiers
    from clinicbill.cli.render import table

    day = parse.day_or_today(as_of, "as-of")
    with unit_of_work() as session:
        rows = patients_on_fee_tiers(session, day)
    overdue = sum(1 for r in rows if r["review"])
    table(rows, ["patient", "tier", "since", "proof_seen", "review_by", "review"], "fee tiers")
    if overdue:
        typer.echo(f"warning: {overdue} sliding-scale review(s) past due", err=True)


def register(app: typer.Typer) -> None:
    """Add `fee tier` to the `fee` group (cli/setup.py)."""
    from clinicbill.cli.setup import fee_app

    fee_app.add_typer(tier_app, name="tier")
