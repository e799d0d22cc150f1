"""`superbill`, `statement`, `receipt`, `estimate …`: the documents a patient takes home."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from clinicbill.cli.common import (
    Force,
    Output,
    PatientArg,
    ask_missing,
    group_with_default,
    unit_of_work,
)
from clinicbill.cli.parse import day

Opt = typer.Option


# `estimate PATIENT --code …` creates; `estimate list|show|pdf` are the other verbs.
estimate_app = group_with_default(
    "create",
    "Good Faith Estimates for self-pay patients: `estimate PATIENT --code …`, list, show.",
)


def _warn(messages) -> None:
    for message in messages:
        typer.echo(f"warning: {message}", err=True)


def superbill(
    patient: PatientArg,
    session_id: Annotated[
        int | None, Opt("--session", help="One session (default: the latest day of service).")
    ] = None,
    from_date: Annotated[str | None, Opt("--from", help="First date of service.")] = None,
    to_date: Annotated[str | None, Opt("--to", help="Last date of service.")] = None,
    output: Output = None,
    force: Force = False,
) -> None:
    """Superbill PDF for out-of-network reimbursement: one session or a date range.

    Without --session or --from/--to it covers the patient's latest day of service.
    The file is superbill-ACCOUNT-DATE.pdf (latest day), superbill-ACCOUNT-DATE-session-N.pdf
    (--session) or superbill-ACCOUNT-FIRST_LAST.pdf (--from/--to) in the current directory
    unless -o is given.

    Example: clinicbill superbill P00001 --from 2026-01-01 --to 2026-03-31
    """
    from clinicbill.app.documents import check_superbill_scope, write_superbill
    from clinicbill.cli.render import done
    from clinicbill.domain.money import fmt

    check_superbill_scope(session_id, from_date, to_date)
    with unit_of_work() as session:
        start, end = day(from_date, "from"), day(to_date, "to")
        written = write_superbill(session, patient, session_id, start, end, output, force)
    doc, target = written.doc, written.target
    visits = f"{doc.visits} visit" + ("s" if doc.visits != 1 else "")
    done(
        f"wrote {target.label} ({visits}, charged {fmt(doc.charged)}, balance {fmt(doc.balance)})",
        {
            "path": str(target),
            "patient": doc.patient.account_number,
            "from": doc.from_date,
            "to": doc.to_date,
            "visits": doc.visits,
            "lines": len(doc.lines),
            "charged": fmt(doc.charged, symbol=False),
            "paid": fmt(doc.paid, symbol=False),
            "balance": fmt(doc.balance, symbol=False),
        },
        err=target.to_stdout,
    )


def statement(
    patient: PatientArg,
    as_of: Annotated[str | None, Opt("--as-of", help="Statement date (default today).")] = None,
    output: Output = None,
    force: Force = False,
) -> None:
    """Patient statement PDF: open balances by date of service with aging, payments, amount due.

    Example: clinicbill statement P00001 --as-of 2026-03-31
    """
    from clinicbill.app.documents import write_statement
    from clinicbill.cli.render import done
    from clinicbill.domain.money import fmt

    with unit_of_work() as session:
        written = write_statement(session, patient, day(as_of, "as-of"), output, force)
    doc, target = written.doc, written.target
    _warn(written.warnings)
    done(
        f"wrote {target.label} (amount due {fmt(doc.amount_due)}, with insurance "
        f"{fmt(doc.pending_insurance)}, credit {fmt(doc.credit)})",
        {
            "path": str(target),
            "patient": doc.patient.account_number,
            "as_of": doc.as_of,
            "open_lines": len(doc.lines),
            "balance": fmt(doc.balance, symbol=False),
            "pending_insurance": fmt(doc.pending_insurance, symbol=False),
            "patient_due": fmt(doc.patient_due, symbol=False),
            "credit": fmt(doc.credit, symbol=False),
            "amount_due": fmt(doc.amount_due, symbol=False),
            "aging": {label: fmt(cents, symbol=False) for label, cents in doc.aging},
        },
        err=target.to_stdout,
    )


def receipt(
    payment_id: Annotated[str, typer.Argument(help="Payment id (see 'payment list').")],
    output: Output = None,
    force: Force = False,
) -> None:
    """Payment receipt PDF, marking HSA/FSA-eligible services for the patient's account.

    Example: clinicbill receipt 3
    """
    from clinicbill.app.documents import write_receipt
    from clinicbill.cli.render import done
    from clinicbill.domain.money import fmt

    with unit_of_work() as session:
        written = write_receipt(session, payment_id, output, force)
    doc, target = written.doc, written.target
    done(
        f"wrote {target.label} ({fmt(doc.payment.amount)} on "
        f"{doc.payment.received_on.isoformat()}, HSA/FSA-eligible {fmt(doc.hsa_eligible_total)})",
        {
            "path": str(target),
            "payment": doc.payment.id,
            "amount": fmt(doc.payment.amount, symbol=False),
            "applied": fmt(sum(x.amount for x in doc.lines), symbol=False),
            "hsa_eligible": fmt(doc.hsa_eligible_total, symbol=False),
            "medical_necessity_on_file": doc.medical_necessity is not None,
        },
        err=target.to_stdout,
    )


@estimate_app.command("create")
def estimate_create(
    patient: PatientArg,
    code: Annotated[
        list[str] | None,
        Opt("--code", help="A service per visit: CODE, CODE:units=N, CODE:charge=DOLLARS."),
    ] = None,
    visits: Annotated[int, Opt(help="Visits in the course (up to 12 months).")] = 1,
    date: Annotated[str | None, Opt("--date", help="Scheduled date of the first visit.")] = None,
    provider: Annotated[str | None, Opt(help="Provider (default: the patient's last).")] = None,
    dx: Annotated[list[str] | None, Opt("--dx", help="Diagnosis code, when known.")] = None,
    service: Annotated[str | None, Opt(help="Primary service in words.")] = None,
    frequency: Annotated[str | None, Opt(help="E.g. weekly.")] = None,
    output: Output = None,
    force: Force = False,
) -> None:
    """Good Faith Estimate PDF for an uninsured or self-pay patient; stored for comparison.

    Example: clinicbill estimate P00006 --code 97124:units=4 --visits 12 --frequency weekly
    """
    from clinicbill.app.documents import create_estimate
    from clinicbill.cli.render import done
    from clinicbill.domain.money import fmt

    if not code:  # at a terminal, ask; otherwise the domain names the missing option
        asked = ask_missing(
            {"code": None}, {"code": "Services per visit (e.g. 97124:units=4)"}, {"code"}
        )
        code = (asked.get("code") or "").replace(",", " ").split()
    with unit_of_work() as session:
        written = create_estimate(
            session,
            patient,
            list(code or []),
            visits,
            day(date, "date"),
            provider,
            list(dx or []),
            service,
            frequency,
            output,
            force,
        )
    doc, target = written.doc, written.target
    _warn(written.warnings)
    done(
        f"estimate {doc.id}: {doc.visits} visit(s), total {fmt(doc.total)}; wrote {target.label}",
        {"id": doc.id, "path": str(target), "visits": doc.visits, "total": fmt(doc.total, False)},
        err=target.to_stdout,
    )


def _comparison_row(c) -> dict:
    from clinicbill.app.rows import pick
    from clinicbill.domain.money import fmt

    def against(c) -> str:
        return (
            f"{fmt(abs(c.over))} {'over' if c.over > 0 else 'under'}" if c.over else "as estimated"
        )

    return pick(
        c,
        {
            "id": "id",
            "patient": "account_number",
            "name": "patient",
            "provider": "provider",
            "issued": "issued_on",
            "window": lambda c: f"{c.window_from.isoformat()}..{c.window_to.isoformat()}",
            "visits": "visits",
            "estimated": lambda c: fmt(c.estimated, symbol=False),
            "billed": lambda c: fmt(c.billed, symbol=False),
            "billed vs estimate": against,
            "difference": lambda c: fmt(c.over, symbol=False),  # billed - estimated (JSON)
            "dispute_eligible": "dispute_eligible",
        },
    )


@estimate_app.command("list")
def estimate_list(
    patient: Annotated[str | None, Opt(help="Only this patient.")] = None,
) -> None:
    """Estimates with what was billed since; warns at $400 or more over an estimate.

    Example: clinicbill estimate list --patient P00006
    """
    from clinicbill.app.documents import compare_estimates
    from clinicbill.cli.context import STATE
    from clinicbill.cli.render import table

    with unit_of_work() as session:
        rows = compare_estimates(session, patient)
    _warn(c.warning for c in rows if c.warning)
    columns = ["id", "patient", "name", "provider", "issued", "window", "visits"]
    money_cols = ["estimated", "billed", "billed vs estimate"]
    listed = [_comparison_row(c) for c in rows]
    if STATE.json:  # scripts read the signed "difference"; the words are for people
        listed = [{k: v for k, v in row.items() if k != "billed vs estimate"} for row in listed]
    table(listed, columns + money_cols, "estimates", right=money_cols)


@estimate_app.command("show")
def estimate_show(estimate_id: Annotated[str, typer.Argument(help="Estimate id.")]) -> None:
    """One estimate: its items and the charges billed against it.

    Example: clinicbill estimate show 1
    """
    from clinicbill.app.documents import show_estimate
    from clinicbill.cli.context import STATE
    from clinicbill.cli.render import emit_json, record, table
    from clinicbill.domain.money import fmt

    with unit_of_work() as session:
        doc, comparison = show_estimate(session, estimate_id)
    data = {
        **_comparison_row(comparison),
        "service_date": doc.service_date,
        "primary_service": doc.primary_service,
        "frequency": doc.frequency,
        "diagnoses": ", ".join(d.code for d in doc.diagnoses),
    }
    items = [
        {
            "code": i.code,
            "description": i.description,
            "units": i.units,
            "charge": fmt(i.unit_charge, symbol=False),
            "per_visit": fmt(i.per_visit, symbol=False),
            "total": fmt(i.total, symbol=False),
        }
        for i in doc.items
    ]
    if STATE.json:
        emit_json({**data, "items": items})
        return
    _warn([comparison.warning] if comparison.warning else [])
    record(data, f"estimate {doc.id}")
    table(items, list(items[0]), "items", right=["units", "charge", "per_visit", "total"])


@estimate_app.command("pdf")
def estimate_pdf(
    estimate_id: Annotated[str, typer.Argument(help="Estimate id.")],
    output: Output = None,
    force: Force = False,
) -> None:
    """Write a stored estimate's PDF again (it is kept for six years).

    Example: clinicbill estimate pdf 1 -o estimate-1-copy.pdf
    """
    from clinicbill.app.documents import write_estimate_pdf
    from clinicbill.cli.render import done

    with unit_of_work() as session:
        written = write_estimate_pdf(session, estimate_id, output, force)
    target = written.target
    done(
        f"wrote {target.label}",
        {"id": written.doc.id, "path": str(target)},
        err=target.to_stdout,
    )


def _latest_patient_payment(target: Path) -> list[str]:
    """Demo: a receipt for the newest patient payment the payments steps recorded."""
    from clinicbill.app.documents import latest_patient_payment
    from clinicbill.store.engine import transaction

    with transaction(str(target / "clinicbill-demo.db"), "demo") as session:
        payment_id = latest_patient_payment(session)
    if payment_id is None:
        return ["payment", "list"]
    return ["receipt", str(payment_id), "-o", f"{{dir}}/receipt-{payment_id}.pdf"]


# Steps this module adds to `clinicbill demo` (see cli/demo.py), after sessions, claims, payments.
DEMO_STEPS: list = [
    (
        "A superbill for Maya Chen's latest visit, printed at checkout",
        ["superbill", "P00001", "-o", "{dir}/superbill-P00001-latest.pdf"],
    ),
    (
        "Her statement: open balances by date of service with aging",
        ["statement", "P00001", "-o", "{dir}/statement-P00001.pdf"],
    ),
    ("A receipt for the patient payment (HSA/FSA-ready)", _latest_patient_payment),
    (
        "A Good Faith Estimate for self-pay patient Sofia Haddad: weekly massage, 12 visits",
        [
            "estimate",
            "P00006",
            "--code",
            "97124:units=4",
            "--visits",
            "12",
            "--frequency",
            "weekly",
            "--provider",
            "Reyes",
            "--service",
            "Therapeutic massage, 60 minutes",
            "-o",
            "{dir}/estimate-P00006.pdf",
        ],
    ),
    ("Estimates compared with what was billed since", ["estimate", "list"]),
]


def register(app: typer.Typer) -> None:
    """Add this module's commands to the root app."""
    app.command("superbill")(superbill)
    # `statement`: a group since `statement year` (cli/statement_year.py registers it)
    app.command("receipt")(receipt)
    app.add_typer(estimate_app, name="estimate")
