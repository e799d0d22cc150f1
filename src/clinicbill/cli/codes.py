"""`codes icd|cpt|units`: code look-up and the 8-minute-rule calculator."""

from __future__ import annotations

from typing import Annotated

import typer

Opt = typer.Option
codes_app = typer.Typer(help="Code look-up: ICD-10-CM, CPT/HCPCS, units.", no_args_is_help=True)


@codes_app.command("icd")
def codes_icd(
    query: Annotated[list[str], typer.Argument(help="A code (dots optional) or words.")],
    limit: Annotated[int, Opt(help="At most this many.")] = 25,
) -> None:
    """Search ICD-10-CM codes and descriptions (billable codes first).

    Example: clinicbill codes icd low back pain
    """
    from clinicbill.app.codes import search_icd
    from clinicbill.cli.render import table

    rows = search_icd(" ".join(query), limit)
    table(rows, ["code", "billable", "description"], "ICD-10-CM codes")


@codes_app.command("cpt")
def codes_cpt(
    query: Annotated[str | None, typer.Argument(help="Code prefix or words.")] = None,
) -> None:
    """List the CPT/HCPCS catalog, or the codes matching a query.

    Example: clinicbill codes cpt acupuncture
    """
    from clinicbill.app.codes import search_cpt
    from clinicbill.cli.render import table

    rows = search_cpt(query)
    table(rows, ["code", "timed", "category", "modifiers", "hsa", "description"], "CPT/HCPCS codes")


@codes_app.command("units")
def codes_units(
    minutes: Annotated[
        list[str], typer.Argument(help="Minutes per timed service: 38 15, or 97124=38 97140=15.")
    ],
    rule: Annotated[str, Opt(help="cms-8-minute or ama-midpoint.")] = "cms-8-minute",
) -> None:
    """Units for timed services from their minutes, and why.

    Example: clinicbill codes units 38 15
    """
    from clinicbill.app.codes import units_for
    from clinicbill.cli.context import STATE
    from clinicbill.cli.parse import minutes_by_service, unit_rule
    from clinicbill.cli.render import emit_json

    rule = unit_rule(rule)  # refused before the minutes are read
    by_code = minutes_by_service(minutes)
    result = units_for(by_code, rule)
    if STATE.json:
        emit_json(
            {
                "rule": rule,
                "units": result.units,
                "total_minutes": result.total_minutes,
                "total_units": result.total_units,
                "explanation": result.explanation,
            }
        )
        return
    for label, units in result.units.items():
        typer.echo(f"{label}: {by_code[label]} min -> {units} unit{'' if units == 1 else 's'}")
    total = result.total_units
    typer.echo(f"total: {result.total_minutes} min -> {total} unit{'' if total == 1 else 's'}")
    typer.echo(f"why: {result.explanation}")


# Steps this module adds to `clinicbill demo` (see cli/demo.py).
DEMO_STEPS: list = []


def register(app: typer.Typer) -> None:
    app.add_typer(codes_app, name="codes")
