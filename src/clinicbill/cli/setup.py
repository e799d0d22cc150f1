"""`init`, `practice`, `provider`, `payer`, `fee`: the records a practice sets up first."""

from __future__ import annotations

from typing import Annotated

import typer

from clinicbill.cli.common import AmountCommand, ask_missing, changed_message, show, unit_of_work

Opt = typer.Option

practice_app = typer.Typer(help="The billing provider (box 33).", no_args_is_help=True)
provider_app = typer.Typer(help="Rendering practitioners.", no_args_is_help=True)
payer_app = typer.Typer(help="Insurance payers and their rule profiles.", no_args_is_help=True)
fee_app = typer.Typer(help="Fee schedule: standard and contracted amounts.", no_args_is_help=True)

PRACTICE_PROMPTS = {
    "name": "Practice name",
    "npi": "Billing NPI",
    "tax_id": "Tax id (EIN 12-3456789 or SSN)",
    "taxonomy": "Taxonomy code (e.g. 225700000X)",
    "address1": "Street address (no PO box)",
    "city": "City",
    "state": "State (OR or Oregon)",
    "zip": "ZIP+4",
    "phone": "Phone",
}


def init(
    name: Annotated[str | None, Opt(help="Practice name.")] = None,
    npi: Annotated[str | None, Opt(help="Billing NPI (type 2 for a group).")] = None,
    tax_id: Annotated[str | None, Opt(help="EIN (12-3456789) or SSN.")] = None,
    taxonomy: Annotated[str | None, Opt(help="Billing taxonomy code.")] = None,
    address1: Annotated[str | None, Opt(help="Street address.")] = None,
    city: Annotated[str | None, Opt(help="City.")] = None,
    state: Annotated[str | None, Opt(help="State, 2 letters.")] = None,
    zip: Annotated[str | None, Opt(help="ZIP or ZIP+4.")] = None,
    phone: Annotated[str | None, Opt(help="Phone.")] = None,
    sample: Annotated[bool, Opt("--sample", help="Load the sample practice instead.")] = False,
) -> None:
    """Create the database and record the practice.

    Example: clinicbill init --sample
    """
    from clinicbill.cli.context import STATE
    from clinicbill.cli.render import done
    from clinicbill.domain.practice.records import (
        PRACTICE_FIELDS,
        PRACTICE_REQUIRED,
        create_practice,
        tax_id_note,
    )
    from clinicbill.domain.validate import tax_id as tax_id_check

    if sample:
        from clinicbill.domain.practice.sample import load_sample

        with unit_of_work() as session:
            summary = load_sample(session)
        done(
            "loaded the sample practice: " + ", ".join(f"{n} {k}" for k, n in summary.items()),
            summary,
        )
        return
    values = dict(
        name=name,
        npi=npi,
        tax_id=tax_id,
        taxonomy=taxonomy,
        address1=address1,
        city=city,
        state=state,
        zip=zip,
        phone=phone,
    )
    fields = {**PRACTICE_FIELDS, "tax_id": tax_id_check}
    values = ask_missing(values, PRACTICE_PROMPTS, PRACTICE_REQUIRED, fields)  # before the commit
    from clinicbill.store.engine import describe_location

    with unit_of_work() as session:
        practice = create_practice(session, **values)
        note = tax_id_note(practice)
        message, data = (
            f"practice {practice.name} recorded in {describe_location(STATE.db)}",
            practice.model_dump(),
        )
    done(message, data)
    if note:
        typer.echo(note, err=True)


@practice_app.command("show")
def practice_show() -> None:
    """Show the billing provider.

    Example: clinicbill practice show
    """
    from clinicbill.domain.practice.records import get_practice

    with unit_of_work() as session:
        practice = get_practice(session)
    show(practice, "practice")


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
    from clinicbill.cli.render import done
    from clinicbill.domain.practice.records import edit_practice, get_practice, tax_id_note

    with unit_of_work() as session:
        changed = edit_practice(session, **changes)
        note = tax_id_note(get_practice(session)) if "tax_id" in changed else None
        message = changed_message("practice", None, changed)
    done(message, changed)
    if note:
        typer.echo(note, err=True)


@provider_app.command("add")
def provider_add(
    first_name: Annotated[str | None, Opt()] = None,
    last_name: Annotated[str | None, Opt()] = None,
    credential: Annotated[str | None, Opt(help="LMT, LAc, DC, MD, DPT ...")] = None,
    npi: Annotated[str | None, Opt(help="Individual (type 1) NPI.")] = None,
    taxonomy: Annotated[str | None, Opt(help="225700000X massage, 171100000X acupuncture")] = None,
    license: Annotated[str | None, Opt(help="State license number.")] = None,
    license_state: Annotated[str | None, Opt()] = None,
) -> None:
    """Add a rendering practitioner.

    Example: clinicbill provider add --first-name Ana --last-name Reyes --credential LMT
    --npi 1234567893 --taxonomy 225700000X --license MT12345 --license-state OR
    """
    from clinicbill.cli.render import done
    from clinicbill.domain.practice.records import PROVIDER_FIELDS, PROVIDER_REQUIRED, add_provider

    values = dict(
        first_name=first_name,
        last_name=last_name,
        credential=credential,
        npi=npi,
        taxonomy=taxonomy,
        license=license,
        license_state=license_state,
    )
    values = ask_missing(
        values,
        {k: k.replace("_", " ").capitalize() for k in values},
        PROVIDER_REQUIRED,
        PROVIDER_FIELDS,
    )
    with unit_of_work() as session:
        provider = add_provider(session, **values)
        message, data = (
            f"provider {provider.id} added: {provider.display_name}",
            provider.model_dump(),
        )
    done(message, data)


@provider_app.command("list")
def provider_list() -> None:
    """List rendering practitioners.

    Example: clinicbill provider list
    """
    from sqlalchemy import select

    from clinicbill.cli.render import table
    from clinicbill.store.models import Provider

    with unit_of_work() as session:
        rows = [
            p.model_dump()
            for p in session.execute(select(Provider).order_by(Provider.last_name)).scalars()
        ]
    table(
        rows,
        ["id", "first_name", "last_name", "credential", "npi", "taxonomy", "license", "active"],
        "providers",
    )


@provider_app.command("show")
def provider_show(provider: Annotated[str, typer.Argument(help="Id, NPI or name.")]) -> None:
    """Show one practitioner.

    Example: clinicbill provider show Reyes
    """
    from clinicbill.domain.practice.lookup import find_provider

    with unit_of_work() as session:
        row = find_provider(session, provider)
    show(row, "provider")


@provider_app.command("edit")
def provider_edit(
    provider: Annotated[str, typer.Argument(help="Id, NPI or name.")],
    first_name: Annotated[str | None, Opt()] = None,
    last_name: Annotated[str | None, Opt()] = None,
    credential: Annotated[str | None, Opt()] = None,
    npi: Annotated[str | None, Opt()] = None,
    taxonomy: Annotated[str | None, Opt()] = None,
    license: Annotated[str | None, Opt()] = None,
    license_state: Annotated[str | None, Opt()] = None,
    active: Annotated[bool | None, Opt("--active/--inactive")] = None,
) -> None:
    """Change a practitioner's details.

    Example: clinicbill provider edit Reyes --license MT99999
    """
    from clinicbill.cli.render import done
    from clinicbill.domain.practice.lookup import find_provider
    from clinicbill.domain.practice.records import edit_provider

    changes = dict(
        first_name=first_name,
        last_name=last_name,
        credential=credential,
        npi=npi,
        taxonomy=taxonomy,
        license=license,
        license_state=license_state,
        active=active,
    )
    with unit_of_work() as session:
        row = find_provider(session, provider)
        changed = edit_provider(session, row, **changes)
        message = changed_message("provider", row.id, changed)
    done(message, changed)


@payer_app.command("add")
def payer_add(
    name: Annotated[str | None, Opt()] = None,
    payer_id: Annotated[str | None, Opt(help="Electronic payer id.")] = None,
    type: Annotated[
        str | None,
        Opt(
            help="commercial, medicare, medicare-advantage, medicaid, workers-comp, auto, self-pay"
        ),
    ] = None,
    profile: Annotated[str | None, Opt(help="Rule profile (default from the type).")] = None,
    timely_filing_days: Annotated[str | None, Opt(help="Override the profile's limit.")] = None,
    address1: Annotated[str | None, Opt()] = None,
    city: Annotated[str | None, Opt()] = None,
    state: Annotated[str | None, Opt()] = None,
    zip: Annotated[str | None, Opt()] = None,
    phone: Annotated[str | None, Opt()] = None,
) -> None:
    """Add a payer.

    Example: clinicbill payer add --name "Cascade Health Plan" --payer-id 93221 --type commercial
    """
    from clinicbill.cli.render import done
    from clinicbill.domain.practice.records import PAYER_FIELDS, PAYER_REQUIRED, add_payer

    values = dict(
        name=name,
        payer_id=payer_id,
        type=type,
        profile=profile,
        timely_filing_days=timely_filing_days,
        address1=address1,
        city=city,
        state=state,
        zip=zip,
        phone=phone,
    )
    values = ask_missing(
        values,
        {"name": "Payer name", "payer_id": "Payer id", "type": "Type"},
        PAYER_REQUIRED,
        PAYER_FIELDS,
    )
    with unit_of_work() as session:
        payer = add_payer(session, **values)
        message, data = (
            f"payer {payer.id} added: {payer.name} ({payer.type}; rules: {payer.profile})",
            payer.model_dump(),
        )
    done(message, data)


@payer_app.command("list")
def payer_list() -> None:
    """List payers.

    Example: clinicbill payer list
    """
    from sqlalchemy import select

    from clinicbill.cli.render import table
    from clinicbill.store.models import Payer

    with unit_of_work() as session:
        rows = [
            p.model_dump() for p in session.execute(select(Payer).order_by(Payer.name)).scalars()
        ]
    table(rows, ["id", "name", "payer_id", "type", "profile", "timely_filing_days"], "payers")


@payer_app.command("show")
def payer_show(payer: Annotated[str, typer.Argument(help="Id, payer id or name.")]) -> None:
    """Show one payer with its rule profile.

    Example: clinicbill payer show Medicare
    """
    from dataclasses import asdict

    from clinicbill.domain.practice.lookup import find_payer
    from clinicbill.domain.practice.profiles import profile_for_payer

    with unit_of_work() as session:
        row = find_payer(session, payer)
        profile = profile_for_payer(row)
        rules = {
            f"rule_{k}": val for k, val in asdict(profile).items() if not isinstance(val, dict)
        }
    show(row, "payer", rules)


@payer_app.command("edit")
def payer_edit(
    payer: Annotated[str, typer.Argument(help="Id, payer id or name.")],
    name: Annotated[str | None, Opt()] = None,
    payer_id: Annotated[str | None, Opt()] = None,
    type: Annotated[str | None, Opt()] = None,
    profile: Annotated[str | None, Opt()] = None,
    timely_filing_days: Annotated[str | None, Opt()] = None,
    address1: Annotated[str | None, Opt()] = None,
    city: Annotated[str | None, Opt()] = None,
    state: Annotated[str | None, Opt()] = None,
    zip: Annotated[str | None, Opt()] = None,
    phone: Annotated[str | None, Opt()] = None,
) -> None:
    """Change a payer.

    Example: clinicbill payer edit Cascade --timely-filing-days 90
    """
    from clinicbill.cli.render import done
    from clinicbill.domain.practice.lookup import find_payer
    from clinicbill.domain.practice.records import edit_payer

    changes = dict(
        name=name,
        payer_id=payer_id,
        type=type,
        profile=profile,
        timely_filing_days=timely_filing_days,
        address1=address1,
        city=city,
        state=state,
        zip=zip,
        phone=phone,
    )
    with unit_of_work() as session:
        row = find_payer(session, payer)
        changed = edit_payer(session, row, **changes)
        message = changed_message("payer", row.id, changed)
    done(message, changed)


@fee_app.command("set", cls=AmountCommand)
def fee_set(
    code: Annotated[str, typer.Argument(help="CPT/HCPCS code.")],
    amount: Annotated[str, typer.Argument(help="Dollars, e.g. 65 or 65.00.")],
    payer: Annotated[str | None, Opt(help="Set this payer's contracted amount instead.")] = None,
) -> None:
    """Set the standard charge for a code, or a payer's contracted (expected) amount.

    Example: clinicbill fee set 97124 32.50
    """
    from clinicbill.cli.render import done
    from clinicbill.domain.money import fmt
    from clinicbill.domain.practice.lookup import find_payer
    from clinicbill.domain.practice.records import set_fee

    with unit_of_work() as session:
        payer_row = find_payer(session, payer) if payer else None
        row = set_fee(session, code, amount, payer_row)
        whom = f"contracted with {payer_row.name}" if payer_row else "standard charge"
        message, data = (f"{row.code}: {fmt(row.amount_cents)} ({whom})", row.model_dump())
    done(message, data)


@fee_app.command("list")
def fee_list() -> None:
    """List the fee schedule.

    Example: clinicbill fee list
    """
    from sqlalchemy import select

    from clinicbill.cli.render import table
    from clinicbill.domain.money import fmt
    from clinicbill.store.models import FeeSchedule, Payer

    with unit_of_work() as session:
        rows = session.execute(
            select(FeeSchedule.code, FeeSchedule.amount_cents, Payer.name)
            .outerjoin(Payer, Payer.id == FeeSchedule.payer_id)
            .order_by(FeeSchedule.code, Payer.name)
        ).all()
    table(
        [{"code": c, "payer": p or "(standard)", "amount": fmt(a)} for c, a, p in rows],
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
