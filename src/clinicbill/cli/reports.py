"""`aging` and `report followup|revenue|denials|underpaid|visits`.

Each command computes its report once (domain/), then prints it as a terminal table, or
writes it as CSV, JSON or (aging) PDF: every format shows the same numbers.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

import typer

from clinicbill.cli.common import Force, Output, unit_of_work
from clinicbill.cli.parse import day

Opt = typer.Option
report_app = typer.Typer(
    help="Practice reports: follow-up worklist, revenue, denials, underpaid lines, visits.",
    no_args_is_help=True,
)


class AgingFormat(StrEnum):
    table = "table"
    csv = "csv"
    json = "json"
    pdf = "pdf"


class ReportFormat(StrEnum):
    table = "table"
    csv = "csv"
    json = "json"


class AgingBy(StrEnum):
    payer = "payer"
    patient = "patient"


class AgingBasis(StrEnum):
    service = "service"
    billed = "billed"


class RevenueBy(StrEnum):
    month = "month"
    provider = "provider"
    payer = "payer"
    code = "code"


AsOf = Annotated[
    str | None, Opt("--as-of", help="Reproduce the report for this date (default today).")
]
FromDate = Annotated[str | None, Opt("--from", help="First day (default: January 1).")]
ToDate = Annotated[str | None, Opt("--to", help="Last day (default: today).")]
FormatOpt = Annotated[ReportFormat, Opt("--format", help="table, csv or json.")]


def _period(date_from: str | None, date_to: str | None):
    from datetime import date

    from clinicbill.domain.errors import ClinicbillError

    end = day(date_to, "to") or date.today()
    start = day(date_from, "from") or end.replace(month=1, day=1)
    if start > end:
        raise ClinicbillError(f"from: {start} is after --to {end}", "give --from before --to")
    return start, end


def print_report(report, everything: bool = False) -> None:
    """A report as rich tables: aligned currency, a totals row; colour only on a terminal.
    A long list marked for preview shows its first rows and what the rest add up to, unless
    `everything`."""
    from clinicbill.cli.render import add_column, console, new_table, print_fitted
    from clinicbill.domain.reports.table import TEXT, cell_text

    tones = {"warn": "yellow", "alert": "red"}
    out = console()
    out.print(report.title, style="bold", soft_wrap=True)
    if report.subtitle():
        out.print(report.subtitle(), style="dim", soft_wrap=True)
    for section in report.sections:
        if not section.rows:
            out.print(f"\n{section.title}: {section.empty}", soft_wrap=True)
            continue
        table = new_table(section.title)
        for column in section.columns:
            add_column(
                table,
                column.label,
                numeric=column.kind != TEXT,
                header_style="bold " + tones.get(column.emphasis, ""),
            )
        shown = section.rows
        if section.preview is not None and not everything:
            shown = section.rows[: section.preview]
        extra = [r for r in (section.total, section.share_row) if r is not None]
        texts = []
        for index, row in enumerate(shown):
            cells = [cell_text(v, c.kind) for c, v in zip(section.columns, row, strict=True)]
            texts.append(cells)
            table.add_row(*cells, end_section=bool(extra) and index == len(shown) - 1)
        if section.total is not None:
            cells = [
                cell_text(v, c.kind) for c, v in zip(section.columns, section.total, strict=True)
            ]
            texts.append(cells)
            table.add_row(*cells, style="bold")
        if section.share_row is not None:
            cells = [
                cell_text(v, "percent" if c.kind == "money" else c.kind)
                for c, v in zip(section.columns, section.share_row, strict=True)
            ]
            texts.append(cells)
            table.add_row(*cells, style="dim")
        out.print()
        print_fitted(out, table, [c.label for c in section.columns], texts)
        if len(shown) < len(section.rows):
            out.print(_more(section, len(shown)), soft_wrap=True)
    for note in report.notes:
        out.print()
        out.print(note, soft_wrap=True)


def _more(section, shown: int) -> str:
    from clinicbill.domain.money import fmt

    rest = section.rows[shown:]
    money = [i for i, c in enumerate(section.columns) if c.kind == "money"]
    amount = f", {fmt(sum(r[money[-1]] or 0 for r in rest))}" if money else ""
    return (
        f"... and {len(rest)} more{amount} (--all lists every one; so do --format csv, json, "
        "pdf and 'clinicbill report followup')"
    )


def emit(
    report,
    fmt: str,
    output: str | None,
    default_name: str,
    pdf=None,
    everything=False,
    force: bool = False,
) -> None:
    """Print or write a report. CSV and PDF go to a file (-o, or `default_name` in the current
    directory; `-o -` prints them); JSON prints unless -o is given; --json prints JSON."""
    from clinicbill.app.reports import write_report
    from clinicbill.cli.context import STATE
    from clinicbill.cli.render import done

    if fmt == "table" and STATE.json:
        fmt = "json"
    if fmt == "table":
        print_report(report, everything)
        return
    if fmt == "json" and output is None:
        output = "-"
    target = write_report(report, fmt, output, default_name, pdf, force)
    if not target.to_stdout:
        done(f"wrote {target.label}", {"path": str(target)})


def aging(
    as_of: AsOf = None,
    by: Annotated[AgingBy, Opt(help="Rows per payer (and patients), or per patient.")] = (
        AgingBy.payer
    ),
    basis: Annotated[
        AgingBasis, Opt(help="Age from the date of service, or from the date first billed.")
    ] = AgingBasis.service,
    provider: Annotated[str | None, Opt(help="Only this rendering provider's sessions.")] = None,
    format: Annotated[AgingFormat, Opt("--format", help="table, csv, json or pdf.")] = (
        AgingFormat.table
    ),
    no_response_days: Annotated[
        int, Opt(help="Flag submitted claims unanswered after this many days.")
    ] = 30,
    all_rows: Annotated[
        bool, Opt("--all", help="List every flagged claim (the terminal shows the first 20).")
    ] = False,
    output: Output = None,
    force: Force = False,
) -> None:
    """Accounts-receivable aging: open balances in 0-30 ... 120+ day buckets by responsible
    party, credits listed apart, claims near timely filing and claims with no response.

    Example: clinicbill aging --as-of 2026-10-31 --by payer --format pdf -o aging-october.pdf
    """
    from clinicbill.app.reports import aging as aging_report

    with unit_of_work() as session:
        found = aging_report(
            session, day(as_of, "as-of"), by.value, basis.value, provider, no_response_days
        )
    name = f"aging-{found.result.as_of.isoformat()}"
    emit(found.report, format.value, output, name, found.write_pdf, all_rows, force=force)


@report_app.command("followup")
def report_followup(
    as_of: AsOf = None,
    no_response_days: Annotated[
        int, Opt(help="Flag submitted claims unanswered after this many days.")
    ] = 30,
    forwarded_days: Annotated[
        int, Opt(help="Flag crossovers the next payer has not answered after this many days.")
    ] = 30,
    format: FormatOpt = ReportFormat.table,
    output: Output = None,
    force: Force = False,
) -> None:
    """The follow-up worklist: each claim needing action (timely filing, denied or appealed,
    rejected, no response, forwarded and unanswered, underpaid), why, the suggested next step,
    the last call and the next action date; by money at stake, then deadline. Denials also
    get their own section.

    Example: clinicbill report followup
    """
    from clinicbill.app.reports import followup

    with unit_of_work() as session:
        report = followup(session, day(as_of, "as-of"), no_response_days, forwarded_days)
    emit(report, format.value, output, f"followup-{report.parameters['as_of']}", force=force)


@report_app.command("revenue")
def report_revenue(
    date_from: FromDate = None,
    date_to: ToDate = None,
    by: Annotated[RevenueBy, Opt(help="Group by month, provider, payer or code.")] = (
        RevenueBy.month
    ),
    format: FormatOpt = ReportFormat.table,
    output: Output = None,
    force: Force = False,
) -> None:
    """Charges, payments, adjustments and collection rate over a period.

    Example: clinicbill report revenue --from 2026-01-01 --to 2026-06-30 --by provider
    """
    from clinicbill.app.reports import revenue

    start, end = _period(date_from, date_to)
    with unit_of_work() as session:
        report = revenue(session, start, end, by.value)
    emit(report, format.value, output, f"revenue-{start}_{end}", force=force)


@report_app.command("denials")
def report_denials(
    date_from: FromDate = None,
    date_to: ToDate = None,
    format: FormatOpt = ReportFormat.table,
    output: Output = None,
    force: Force = False,
) -> None:
    """Denied lines over a period: counts and amounts by reason (CARC), payer and code.

    Example: clinicbill report denials --from 2026-01-01
    """
    from clinicbill.app.reports import denials

    start, end = _period(date_from, date_to)
    with unit_of_work() as session:
        report = denials(session, start, end)
    emit(report, format.value, output, f"denials-{start}_{end}", force=force)


@report_app.command("underpaid")
def report_underpaid(
    date_from: FromDate = None,
    date_to: ToDate = None,
    payer: Annotated[str | None, Opt(help="Only this payer (id, payer id or name).")] = None,
    format: FormatOpt = ReportFormat.table,
    output: Output = None,
    force: Force = False,
) -> None:
    """Lines a payer paid below its contracted amount (fee set --payer), adjudicated in the
    period, with the shortfall.

    Example: clinicbill report underpaid --payer CHP01 --from 2026-01-01
    """
    from clinicbill.app.reports import underpaid

    start, end = _period(date_from, date_to)
    with unit_of_work() as session:
        report = underpaid(session, start, end, payer)
    emit(report, format.value, output, f"underpaid-{start}_{end}", force=force)


@report_app.command("visits")
def report_visits(
    as_of: AsOf = None,
    expiring_days: Annotated[
        int | None,
        Opt(help="Only authorizations ending within this many days or nearly used up."),
    ] = None,
    format: FormatOpt = ReportFormat.table,
    output: Output = None,
    force: Force = False,
) -> None:
    """Per policy: plan-year visits used against the limit; authorizations with visits and
    units remaining and their expiry.

    Example: clinicbill report visits --expiring-days 30
    """
    from clinicbill.app.reports import visits

    with unit_of_work() as session:
        report = visits(session, day(as_of, "as-of"), expiring_days)
    emit(report, format.value, output, f"visits-{report.parameters['as_of']}", force=force)


def _aging_pdf_step(directory) -> list[str]:
    from datetime import date

    return ["aging", "--format", "pdf", "-o", f"{directory}/aging-{date.today().isoformat()}.pdf"]


# Steps this module adds to `clinicbill demo` (see cli/demo.py): the last section.
DEMO_STEPS: list = [
    ("Accounts receivable aging", ["aging"]),
    ("The aging as a PDF with a chart of the buckets", _aging_pdf_step),
    ("The follow-up worklist", ["report", "followup"]),
]


def register(app: typer.Typer) -> None:
    """Add this module's commands to the root app."""
    app.command("aging")(aging)
    app.add_typer(report_app, name="report")
