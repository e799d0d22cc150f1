"""`statement PATIENT` (cli/documents.py) and `statement year PATIENT --year Y | --all`: the
year-end HSA/FSA summary (domain/selfpay/year_summary.py)."""

from __future__ import annotations

from typing import Annotated

import typer

from clinicbill.cli.common import Output, group_with_default, unit_of_work

Opt = typer.Option


# `statement PATIENT …` is the patient statement; `statement year …` the HSA summary.
statement_app = group_with_default(
    "patient", "Patient statement (`statement PATIENT`) and the year-end HSA/FSA summary."
)


@statement_app.command("year")
def statement_year(
    patient: Annotated[str | None, typer.Argument(help="Patient id, account or name.")] = None,
    year: Annotated[int | None, Opt(help="Calendar year, e.g. 2026.")] = None,
    all_: Annotated[bool, Opt("--all", help="Every patient who paid in the year.")] = False,
    output: Output = None,
) -> None:
    """Year-end HSA/FSA summary PDF: each payment with the services it paid and whether each is
    eligible (IRS Pub. 502; massage with a letter of medical necessity on file). --all writes
    one PDF per patient who paid that year into the folder -o (default hsa-YEAR, made
    if missing).

    Example: clinicbill statement year P00006 --year 2026
    """
    from clinicbill.app.selfpay import write_year_summaries
    from clinicbill.cli.parse import year as parse_year
    from clinicbill.cli.render import done
    from clinicbill.domain.errors import ClinicbillError

    if all_ == (patient is not None):
        raise ClinicbillError(
            "patient: give a patient or --all (not both)", "e.g. statement year P00006 --year 2026"
        )
    chosen = parse_year(year)
    with unit_of_work() as session:
        written = write_year_summaries(session, patient, all_, chosen, output)
    lines = [
        f"wrote {w['path']} (paid ${w['paid']}, HSA/FSA-eligible ${w['eligible']})" for w in written
    ]
    done(
        "\n".join(lines) or f"no patient paid anything in {chosen}",
        {"year": chosen, "files": written},
        err=output == "-",  # the PDF itself went to standard output
    )


def register(app: typer.Typer) -> None:
    """`statement` as a group: the patient statement (default) and `year`."""
    from clinicbill.cli.documents import statement

    statement_app.command("patient")(statement)
    app.add_typer(statement_app, name="statement")
