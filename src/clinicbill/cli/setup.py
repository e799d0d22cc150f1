"""`init`, `practice`, `provider`, `payer`, `fee`: the records a practice sets up first."""

from __future__ import annotations

from typing import Annotated

import typer

from clinicbill.cli.common import (
    AmountCommand,
    ask_missing,
    changed_message,
    prompted_options,
    read,
    show,
    unit_of_work,
    with_options,
)
from clinicbill.cli.records import PAYER, PROVIDER, add_command, edit_command

Opt = typer.Option

practice_app = typer.Typer(help="The billing provider (box 33).", no_args_is_help=True)
provider_app = typer.Typer(help="Rendering practitioners.", no_args_is_help=True)
payer_app = typer.Typer(help="Insurance payers and their rule profiles.", no_args_is_help=True)
fee_app = typer.Typer(help="Fee schedule: standard and contracted amounts.", no_args_is_help=True)

# The practice's fields `init` takes: prompt label and option help.
PRACTICE_PROMPTS, PRACTICE_OPTIONS = prompted_options(
    {
        "name": ("Practice name", "Practice name."),
        "npi": ("Billing NPI", "Billing NPI (type 2 for a group)."),
        "tax_id": ("Tax id (EIN 12-3456789 or SSN)", "EIN (12-3456789) or SSN."),
        "taxonomy": ("Taxonomy code (e.g. 225700000X)", "Billing taxonomy code."),
        "address1": ("Street address (no PO box)", "Street address."),
        "city": ("City", "City."),
        "state": ("State (OR or Oregon)", "State, 2 letters."),
        "zip": ("ZIP+4", "ZIP or ZIP+4."),
        "phone": ("Phone", "Phone."),
    }
)


@with_options(PRACTICE_OPTIONS)
def init(
    sample: Annotated[bool, Opt("--sample", help="Load the sample practice instead.")] = False,
    **values,
) -> None:
    """Create the database and record the practice.

    Example: clinicbill init --sample
    """
    from clinicbill.app.database import describe_location
    from clinicbill.app.practice import practice_field_rules, record_practice
    from clinicbill.cli.context import STATE
    from clinicbill.cli.render import done

    if sample:
        _load_sample()
        return
    required, fields = practice_field_rules()
    values = ask_missing(values, PRACTICE_PROMPTS, required, fields)  # before the commit
    with unit_of_work() as session:
        recorded = record_practice(session, values)
        practice = recorded.practice
        message, data = (
            f"practice {practice.name} recorded in {describe_location(STATE.db)}",
            practice.model_dump(),
        )
    done(message, data)
    if recorded.tax_id_note:
        typer.echo(recorded.tax_id_note, err=True)


def _load_sample() -> None:
    from clinicbill.app.practice import load_sample_practice
    from clinicbill.cli.render import done

    with unit_of_work() as session:
        summary = load_sample_practice(session)
    done(
        "loaded the sample practice: " + ", ".join(f"{n} {k}" for k, n in summary.items()),
        summary,
    )


@practice_app.command("show")
def practice_show() -> None:
    """Show the billing provider.

    Example: clinicbill practice show
    """
    from clinicbill.app.practice import get_practice

    show(read(get_practice), "practice")


@practice_app.command("edit")
def practice_edit(
    name: Annotated[str | None, Opt()] = None,
    npi: Annotated[str | None, Opt()] = None,
    tax_id: Annotated[str | None, Opt()] = None,
    taxonomy: Annotated[str | None, Opt()] = None,
    address1: Annotated[str | None, Opt()] = None,
    address2: Annotated[str | None, Opt()] = None,
    city: Annotated[str | None, Opt()] = None,
    state: Annotated[str | None, Opt()] = None,
    zip: Annotated[str | None, Opt()] = None,
    phone: Annotated[str | None, Opt()] = None,
    email: Annotated[str | None, Opt()] = None,
    submitter_id: Annotated[str | None, Opt(help="Clearinghouse submitter id (ISA06).")] = None,
    receiver_id: Annotated[str | None, Opt(help="Clearinghouse receiver id (ISA08).")] = None,
    receiver_name: Annotated[str | None, Opt()] = None,
    contact_name: Annotated[str | None, Opt()] = None,
    signature_image: Annotated[str | None, Opt(help="PNG printed on superbills.")] = None,
    x12_usage: Annotated[str | None, Opt(help="T (test) or P (production) interchanges.")] = None,
) -> None:
    """Change the billing provider's details.

    Example: clinicbill practice edit --phone 503-555-0100
    """
    changes = dict(locals())  # the options, before any import adds a name
    from clinicbill.app.practice import change_practice
    from clinicbill.cli.render import done

    with unit_of_work() as session:
        result = change_practice(session, changes)
    done(changed_message("practice", None, result.changed), result.changed)
    if result.tax_id_note:
        typer.echo(result.tax_id_note, err=True)


provider_app.command("add")(
    add_command(
        PROVIDER,
        """Add a rendering practitioner.

    Example: clinicbill provider add --first-name Ana --last-name Reyes --credential LMT
    --npi 1234567893 --taxonomy 225700000X --license MT12345 --license-state OR
    """,
    )
)


@provider_app.command("list")
def provider_list() -> None:
    """List rendering practitioners.

    Example: clinicbill provider list
    """
    from clinicbill.app.records import list_providers
    from clinicbill.cli.render import table

    table(
        read(list_providers),
        ["id", "first_name", "last_name", "credential", "npi", "taxonomy", "license", "active"],
        "providers",
    )


@provider_app.command("show")
def provider_show(provider: Annotated[str, typer.Argument(help="Id, NPI or name.")]) -> None:
    """Show one practitioner.

    Example: clinicbill provider show Reyes
    """
    from clinicbill.app.records import find_record

    show(read(find_record, "provider", provider), "provider")


provider_app.command("edit")(
    edit_command(
        PROVIDER,
        """Change a practitioner's details.

    Example: clinicbill provider edit Reyes --license MT99999
    """,
    )
)
payer_app.command("add")(
    add_command(
        PAYER,
        """Add a payer.

    Example: clinicbill payer add --name "Cascade Health Plan" --payer-id 93221 --type commercial
    """,
    )
)


@payer_app.command("list")
def payer_list() -> None:
    """List payers.

    Example: clinicbill payer list
    """
    from clinicbill.app.records import list_payers
    from clinicbill.cli.render import table

    table(
        read(list_payers),
        ["id", "name", "payer_id", "type", "profile", "timely_filing_days"],
        "payers",
    )


@payer_app.command("show")
def payer_show(payer: Annotated[str, typer.Argument(help="Id, payer id or name.")]) -> None:
    """Show one payer with its rule profile.

    Example: clinicbill payer show Medicare
    """
    from clinicbill.app.records import show_payer

    row, rules = read(show_payer, payer)
    show(row, "payer", rules)


payer_app.command("edit")(
    edit_command(
        PAYER,
        """Change a payer.

    Example: clinicbill payer edit Cascade --timely-filing-days 90
    """,
    )
)


@fee_app.command("set", cls=AmountCommand)
def fee_set(
    code: Annotated[str, typer.Argument(help="CPT/HCPCS code.")],
    amount: Annotated[str, typer.Argument(help="Dollars, e.g. 65 or 65.00.")],
    payer: Annotated[str | None, Opt(help="Set this payer's contracted amount instead.")] = None,
) -> None:
    """Set the standard charge for a code, or a payer's contracted (expected) amount.

    Example: clinicbill fee set 97124 32.50
    """
    from clinicbill.app.practice import set_fee
    from clinicbill.cli.render import done
    from clinicbill.domain.money import fmt

    with unit_of_work() as session:
        result = set_fee(session, code, amount, payer)
        row = result.fee
        whom = f"contracted with {result.payer_name}" if result.payer_name else "standard charge"
        message, data = (f"{row.code}: {fmt(row.amount_cents)} ({whom})", row.model_dump())
    done(message, data)


@fee_app.command("list")
def fee_list() -> None:
    """List the fee schedule.

    Example: clinicbill fee list
    """
    from clinicbill.app.records import list_fees
    from clinicbill.cli.render import table
    from clinicbill.domain.money import fmt

    table(
        [{"code": c, "payer": p or "(standard)", "amount": fmt(a)} for c, a, p in read(list_fees)],
        ["code", "payer", "amount"],
        "fees",
        right=["amount"],
    )


def register(app: typer.Typer) -> None:
    app.command("init")(init)
    app.add_typer(practice_app, name="practice")
    app.add_typer(provider_app, name="provider")
    app.add_typer(payer_app, name="payer")
    app.add_typer(fee_app, name="fee")
