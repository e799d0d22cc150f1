"""`estimate insured` (what an insured patient will owe), `report estimates` (how close those
estimates came) and `report forecast` (the cash forecast), from app/ and domain/selfpay/."""

from __future__ import annotations

from typing import Annotated

import typer

from clinicbill.cli import parse
from clinicbill.cli.common import Output, PatientArg, unit_of_work
from clinicbill.cli.reports import FormatOpt, ReportFormat

Opt = typer.Option


def estimate_insured(
    patient: PatientArg,
    code: Annotated[
        list[str] | None, Opt("--code", help="A service per visit: CODE or CODE:units=N (repeat).")
    ] = None,
    visits: Annotated[int, Opt(help="Visits in the plan of care.")] = 1,
    date: Annotated[
        str | None, Opt("--date", help="Date of the first visit (default today).")
    ] = None,
    output: Output = None,
) -> None:
    """An insured patient's expected share per visit and for a plan of care, from the latest
    benefit verification and the contracted (or standard) fee; prints and writes a PDF.

    Example: clinicbill estimate insured P00001 --code 97140:units=2 --code 97124 --visits 8
    """

    from clinicbill.app.selfpay import insured_estimate
    from clinicbill.cli.render import done
    from clinicbill.domain.money import fmt

    on = parse.day_or_today(date, "date")
    with unit_of_work() as session:
        estimate, path = insured_estimate(session, patient, code or [], visits, on, output)
    lines = [f"{estimate.payer}: verification {estimate.verification_id}"]
    lines += [
        f"  visit {v.number}: allowed {fmt(v.allowed)}, deductible {fmt(v.deductible)},"
        f" copay/coinsurance {fmt(v.cost_share)}, not covered {fmt(v.not_covered)}"
        f" -> patient {fmt(v.patient)}" + (f" ({v.note})" if v.note else "")
        for v in estimate.visits
    ]
    lines.append(
        f"first visit {fmt(estimate.first_visit)}; {len(estimate.visits)} visit(s)"
        f" {fmt(estimate.total)}; wrote {path if path is not None else 'standard output'}"
    )
    done(
        "\n".join(lines),
        {
            "path": str(path) if path is not None else "-",
            "payer": estimate.payer,
            "verification": estimate.verification_id,
            "per_visit": [fmt(v.patient, symbol=False) for v in estimate.visits],
            "total": fmt(estimate.total, symbol=False),
        },
        err=path is None,  # `-o -`: the PDF itself went to standard output
    )


def report_estimates(
    from_: Annotated[str, Opt("--from", help="First date of service.")],
    to: Annotated[str, Opt("--to", help="Last date of service.")],
    format: FormatOpt = ReportFormat.table,
    output: Output = None,
) -> None:
    """Estimated patient share at check-in vs the patient responsibility on the 835, per payer.

    Example: clinicbill report estimates --from 2026-01-01 --to 2026-06-30
    """
    from clinicbill.app.selfpay import estimate_accuracy
    from clinicbill.cli.reports import emit

    start, end = parse.day(from_, "from"), parse.day(to, "to")
    with unit_of_work() as session:
        report = estimate_accuracy(session, start, end)
    emit(report, format.value, output, f"estimates-{from_}-{to}")


def report_forecast(
    months: Annotated[int, Opt(help="Months ahead.")] = 6,
    monthly_cost: Annotated[
        str | None, Opt("--monthly-cost", help="The practice's monthly cost, in dollars.")
    ] = None,
    as_of: Annotated[
        str | None, Opt("--as-of", help="Forecast from this date (default today).")
    ] = None,
    format: FormatOpt = ReportFormat.table,
    output: Output = None,
) -> None:
    """Cash forecast: membership dues, plan installments and the recent monthly average for
    each coming month, and the break-even month for a monthly cost.

    Example: clinicbill report forecast --months 6 --monthly-cost 9000
    """

    from clinicbill.app.selfpay import forecast
    from clinicbill.cli.reports import emit

    cost = parse.optional_amount(monthly_cost, "monthly-cost")
    day = parse.day_or_today(as_of, "as-of")
    with unit_of_work() as session:
        report = forecast(session, day, months, cost)
    emit(report, format.value, output, f"forecast-{day.isoformat()}")


def register(app: typer.Typer) -> None:
    """`estimate insured` joins the `estimate` group (cli/documents.py), `report estimates`
    and `report forecast` the `report` group (cli/reports.py)."""
    from clinicbill.cli.documents import estimate_app
    from clinicbill.cli.reports import report_app

    estimate_app.command("insured")(estimate_insured)
    report_app.command("estimates")(report_estimates)
    report_app.command("forecast")(report_forecast)
