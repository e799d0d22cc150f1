"""Report use cases: each computes its report once (domain/) as a table object; the caller
prints it, or `write_report` writes it as CSV, JSON or (aging) PDF with the same numbers."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from clinicbill.domain.errors import ClinicbillError


@dataclass(frozen=True)
class Aging:
    report: object  # the report table (domain/reports/table.py)
    result: object  # the aging computation: buckets, parties (domain/reports/aging/report.py)
    practice: str  # the practice's name, for the PDF's heading

    def write_pdf(self, path) -> None:
        from clinicbill.formats.aging_pdf import write_aging_pdf

        write_aging_pdf(path, self.report, self.result.parties, self.practice)


def aging(
    session,
    as_of: date | None = None,
    by: str = "payer",
    basis: str = "service",
    provider: str | None = None,
    no_response_days: int = 30,
) -> Aging:
    """Open balances in 0-30 ... 120+ day buckets by responsible party, as of a day."""
    from sqlalchemy import select

    from clinicbill.domain.practice.lookup import find_provider
    from clinicbill.domain.reports.aging.report import aging_report, to_report
    from clinicbill.store.models import Practice

    who = find_provider(session, provider) if provider else None
    result = aging_report(
        session, as_of, by=by, basis=basis, provider=who, no_response_days=no_response_days
    )
    practice = session.execute(select(Practice.name).limit(1)).scalar() or ""
    return Aging(to_report(result), result, practice)


def not_future(day: date | None) -> None:
    if day is not None and day > date.today():
        raise ClinicbillError(f"as-of: {day} is in the future", "give today or an earlier date")


def followup(session, as_of: date | None, no_response_days: int = 30, forwarded_days: int = 30):
    """The follow-up worklist as of a day (never a future one)."""
    from clinicbill.domain.reports.worklists import followup_report

    not_future(as_of)
    return followup_report(session, as_of, no_response_days, forwarded_days)


def revenue(session, start: date, end: date, by: str = "month"):
    from clinicbill.domain.reports.revenue import revenue_report

    return revenue_report(session, start, end, by)


def denials(session, start: date, end: date):
    from clinicbill.domain.reports.revenue import denials_report

    return denials_report(session, start, end)


def underpaid(session, start: date, end: date, payer: str | None = None):
    from clinicbill.domain.practice.lookup import find_payer
    from clinicbill.domain.reports.underpaid import underpaid_report

    return underpaid_report(session, start, end, find_payer(session, payer) if payer else None)


def visits(session, as_of: date | None, expiring_days: int | None = None):
    from clinicbill.domain.reports.worklists import visits_report

    return visits_report(session, as_of, expiring_days)


def write_report(report, fmt: str, output: str | None, default_name: str, pdf=None, force=False):
    """Write a report as csv, json or pdf (`pdf(target)` draws it) to `output` ('-' for
    standard output, None for `default_name`.<fmt>); returns the target written."""
    from clinicbill.store.files import resolve_output

    target = resolve_output(output, f"{default_name}.{fmt}", force=force)
    if fmt == "pdf":
        pdf(target)
    else:
        from clinicbill.formats.report_csv import report_csv, report_json

        target.write(report_csv(report) if fmt == "csv" else report_json(report))
    return target
