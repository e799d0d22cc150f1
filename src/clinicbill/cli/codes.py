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
    from clinicbill.cli.render import table
    from clinicbill.domain.codesets.icd import search

    hits = search(" ".join(query), limit=max(1, limit))
    rows = [{"code": h.code, "billable": h.billable, "description": h.description} for h in hits]
    table(rows, ["code", "billable", "description"], "ICD-10-CM codes")


@codes_app.command("cpt")
def codes_cpt(
    query: Annotated[str | None, typer.Argument(help="Code prefix or words.")] = None,
) -> None:
    """List the CPT/HCPCS catalog, or the codes matching a query.

    Example: clinicbill codes cpt acupuncture
    """
    from clinicbill.cli.render import table
    from clinicbill.domain.codesets.cpt import search

    def hsa(value):
        return {True: "yes", False: "no", None: "with LMN"}[value]

    rows = [
        {
            "code": e.code,
            "timed": e.timed,
            "category": e.category,
            "modifiers": ",".join(e.typical_modifiers),
            "hsa": hsa(e.hsa_eligible),
            "description": e.description,
        }
        for e in search(query)
    ]
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
    from clinicbill.cli.context import STATE
    from clinicbill.cli.render import emit_json
    from clinicbill.domain.errors import ClinicbillError
    from clinicbill.domain.sessions.units import UNIT_RULES, units_for_minutes

    if rule not in UNIT_RULES:
        raise ClinicbillError(
            f"rule: '{rule[:20]}' is not a unit rule", "use " + ", ".join(UNIT_RULES)
        )
    by_code: dict[str, int] = {}
    for n, item in enumerate(minutes, start=1):
        label, sep, value = item.rpartition("=")
        label = label.strip().upper() if sep else f"service {n}"
        if not value.strip().isdigit() or int(value) > 1440:
            raise ClinicbillError(
                f"minutes: '{item[:20]}' is not a number of minutes", "e.g. 38, or 97124=38"
            )
        if label in by_code:
            label = f"{label} ({n})"
        by_code[label] = int(value)
    result = units_for_minutes(by_code, rule)
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
