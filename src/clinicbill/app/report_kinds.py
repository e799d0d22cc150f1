"""The report registry: every report clinicbill prints, each computed into the one shape of
domain/reports/table.py (a Report of Sections) and printed by one emitter as a terminal table,
JSON, CSV (cli/reports.py `emit`).

To add a report: write its builder, `build(session, as_of) -> Report` or
`build(session, date_from, date_to) -> Report`, in the domain feature it reads (one file), add
its entry to REPORTS, and a command of a few lines that calls it and `emit`. The registry's one
test (tests/registries/test_reports.py) runs every entry through `build_report` and through
its command with --json and --format csv.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from clinicbill.app.registry import resolve
from clinicbill.domain.errors import ClinicbillError

AS_OF, PERIOD = "as-of", "period"  # a report of one day, or of a date range


@dataclass(frozen=True)
class ReportKind:
    name: str  # Report.name of what the builder returns
    command: tuple[str, ...]  # the CLI words that print it
    builder: str  # "module:function", imported on first use
    takes: str  # AS_OF: build(session, as_of) | PERIOD: build(session, date_from, date_to)
    what: str

    def build_function(self) -> Callable:
        return resolve(self.builder)


REPORTS: tuple[ReportKind, ...] = (
    ReportKind(
        "aging",
        ("aging",),
        "clinicbill.app.report_kinds:aging",
        AS_OF,
        "open balances by age and responsible party, credits, claims near filing limits",
    ),
    ReportKind(
        "followup",
        ("report", "followup"),
        "clinicbill.domain.reports.worklists:followup_report",
        AS_OF,
        "the follow-up worklist: claims needing action, why, and the next step",
    ),
    ReportKind(
        "visits",
        ("report", "visits"),
        "clinicbill.domain.reports.worklists:visits_report",
        AS_OF,
        "visits used and left against limits, authorizations and referrals",
    ),
    ReportKind(
        "revenue",
        ("report", "revenue"),
        "clinicbill.domain.reports.revenue:revenue_report",
        PERIOD,
        "charges, payments, adjustments and collection rate",
    ),
    ReportKind(
        "denials",
        ("report", "denials"),
        "clinicbill.domain.reports.revenue:denials_report",
        PERIOD,
        "denied lines by reason (CARC), payer and code",
    ),
    ReportKind(
        "underpaid",
        ("report", "underpaid"),
        "clinicbill.domain.reports.underpaid:underpaid_report",
        PERIOD,
        "lines paid below the contracted amount",
    ),
    ReportKind(
        "estimates",
        ("report", "estimates"),
        "clinicbill.domain.selfpay.estimate_accuracy:estimate_accuracy_report",
        PERIOD,
        "patient share estimated at check-in against the 835's patient responsibility",
    ),
    ReportKind(
        "forecast",
        ("report", "forecast"),
        "clinicbill.domain.selfpay.forecast:forecast_report",
        AS_OF,
        "cash forecast: dues, plan installments, recent average, break-even month",
    ),
)


def report_kind(name: str) -> ReportKind:
    for kind in REPORTS:
        if kind.name == name:
            return kind
    raise ClinicbillError(
        f"report: '{name}' is not a report", "use one of " + ", ".join(k.name for k in REPORTS)
    )


def build_report(
    session,
    name: str,
    *,
    as_of: date | None = None,
    date_from: date | None = None,
    date_to: date | None = None,
):
    """Compute one report by name with its defaults: as of `as_of` (default today) for a
    report of one day, over `date_from`..`date_to` for a report of a period."""
    kind = report_kind(name)
    build = kind.build_function()
    if kind.takes == AS_OF:
        return build(session, as_of or date.today())
    if date_from is None or date_to is None:
        raise ClinicbillError(f"report: {name} covers a period", "give date_from and date_to")
    return build(session, date_from, date_to)


def aging(session, as_of: date):
    """The aging by payer on `as_of`, from the service date, as a Report."""
    from clinicbill.domain.reports.aging.report import aging_report, to_report

    return to_report(aging_report(session, as_of))
