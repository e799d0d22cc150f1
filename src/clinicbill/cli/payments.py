"""`payment add|list|apply|post-eob`, `adjust`, `refund`, `balance` (`package …`: packages.py).
Registered by cli/era.py (remittances and payments are one area)."""

from __future__ import annotations

from typing import Annotated

import typer

from clinicbill.cli.common import AmountCommand, OnlyPatientArg, PatientArg, unit_of_work
from clinicbill.cli.parse import amount as parse_amount
from clinicbill.cli.parse import day, past_day

Opt = typer.Option
Arg = typer.Argument
payment_app = typer.Typer(
    help="Patient payments, credits, manual insurance (paper EOB) posting.", no_args_is_help=True
)

Amount = Annotated[str, Arg(help="Dollars, e.g. 25 or 25.00.")]
Method = Annotated[str | None, Opt(help="cash, card, check, hsa, fsa or eft.")]
DateOpt = Annotated[str | None, Opt("--date", help="YYYY-MM-DD (default today).")]


_on = past_day  # cli/packages.py (issue 16's helper) imports it under this name


def _applied_rows(applied) -> list[dict]:
    from clinicbill.app.rows import pick_rows
    from clinicbill.domain.money import fmt

    return pick_rows(
        applied,
        {
            "session": "encounter_id",
            "date": "service_date",
            "code": "code",
            "line": "service_line_id",
            "amount": lambda a: fmt(a.amount_cents),
        },
    )


@payment_app.command("add", cls=AmountCommand)
def payment_add(
    patient: PatientArg,
    amount: Amount,
    method: Method = None,
    ref: Annotated[str | None, Opt("--ref", help="Check number, card receipt...")] = None,
    session_id: Annotated[
        int | None, Opt("--session", help="Apply to this session (e.g. a copay at check-in).")
    ] = None,
    on: DateOpt = None,
    note: Annotated[str | None, Opt(help="A note kept with the payment.")] = None,
) -> None:
    """Take a patient payment: applied to the oldest open patient balance (or --session);
    any overpayment stays on the account as credit.

    Example: clinicbill payment add P00001 40 --method card --ref 4417
    """
    from clinicbill.app.payments import take_payment
    from clinicbill.cli.render import done, table
    from clinicbill.domain.ledger.payments import check_method
    from clinicbill.domain.money import fmt

    cents = parse_amount(amount)
    method = check_method(_ask(method, "Method (cash/card/check/hsa/fsa/eft)", "method"))
    with unit_of_work() as session:
        taken = take_payment(session, patient, cents, method, past_day(on), ref, session_id, note)
        result, payment_id = taken.result, taken.result.payment.id
    done(
        f"payment {payment_id}: {fmt(cents)} from patient {taken.account_number}; applied"
        f" {fmt(result.applied_cents)}, credit now {fmt(result.credit_cents)}",
        {
            "payment_id": payment_id,
            "amount": fmt(cents),
            "applied": _applied_rows(result.applied),
            "credit": fmt(result.credit_cents),
        },
    )
    from clinicbill.cli.context import STATE

    if result.applied and not STATE.json:
        table(
            _applied_rows(result.applied),
            ["session", "date", "code", "line", "amount"],
            right=["amount"],
        )


def _ask(value: str | None, label: str, option: str) -> str | None:
    from clinicbill.cli.common import ask_missing

    return ask_missing({option: value}, {option: label}, {option})[option]


@payment_app.command("apply")
def payment_apply(
    patient: PatientArg,
    session_id: Annotated[int | None, Opt("--session", help="Apply to this session.")] = None,
    on: DateOpt = None,
) -> None:
    """Apply a patient's credit (earlier overpayments) to their open balances, oldest first.

    Example: clinicbill payment apply P00001
    """
    from clinicbill.app.payments import apply_credit
    from clinicbill.cli.render import done
    from clinicbill.domain.money import fmt

    with unit_of_work() as session:
        result = apply_credit(session, patient, past_day(on), session_id)
    if not result.applied:
        reason = "no credit" if not result.credit_cents else "nothing is owed; the credit stays"
        message = f"nothing to apply: {reason} (credit {fmt(result.credit_cents)})"
    else:
        message = (
            f"applied {fmt(result.applied_cents)} of credit; credit now {fmt(result.credit_cents)}"
        )
    done(
        message,
        {"applied": _applied_rows(result.applied), "credit": fmt(result.credit_cents)},
    )


@payment_app.command("list")
def payment_list(
    patient: OnlyPatientArg = None,
    source: Annotated[str | None, Opt(help="patient or insurance.")] = None,
    from_: Annotated[str | None, Opt("--from", help="Received on or after.")] = None,
    to: Annotated[str | None, Opt("--to", help="Received on or before.")] = None,
    limit: Annotated[int, Opt(help="At most this many, newest first.")] = 200,
) -> None:
    """List payments and refunds with how much of each is applied.

    Example: clinicbill payment list P00001
    """
    from clinicbill.app.payments import check_source, list_payments
    from clinicbill.cli.render import table
    from clinicbill.domain.money import fmt

    check_source(source)  # refused before the database is opened
    start = day(from_, "from") if from_ else None
    end = day(to, "to") if to else None
    with unit_of_work() as session:
        rows = list_payments(session, patient, source, start, end, limit)
    table(
        [
            {
                "id": p.id,
                "received_on": p.received_on,
                "patient": account or "",
                "source": p.source,
                "kind": p.kind,
                "method": p.method,
                "amount": fmt(p.amount_cents),
                "applied": "" if p.kind == "refund" else fmt(used),
                "reference": p.reference or "",
                "note": p.note or "",
            }
            for p, account, used in rows
        ],
        title="payments",
        right=["amount", "applied"],
    )


@payment_app.command("post-eob")
def payment_post_eob(
    claim: Annotated[str, Arg(help="Claim id or patient control number.")],
    line: Annotated[
        list[str] | None,
        Opt("--line", help="'LINE paid=AMOUNT [GROUP-CARC=AMOUNT ...] [remark=RARC]'."),
    ] = None,
    on: DateOpt = None,
    ref: Annotated[str | None, Opt("--ref", help="Check or EOB number.")] = None,
    denied: Annotated[bool, Opt("--denied", help="The payer denied the claim.")] = False,
    payer_claim_number: Annotated[str | None, Opt(help="The payer's claim number.")] = None,
    payer: Annotated[
        str | None,
        Opt("--payer", help="Who sent the EOB (default: the claim's payer), e.g. a secondary."),
    ] = None,
) -> None:
    """Post a paper EOB for one claim, line by line, through the same posting as `era import`.
    An EOB from another payer than the claim's is refused, unless the claim's payer forwarded
    it to that payer (a crossover's secondary).

    Example: clinicbill payment post-eob 3 --ref 88123 --line '1 paid=57.60 CO-45=18 PR-2=14.40'
    """
    from clinicbill.app.payments import post_paper_eob
    from clinicbill.cli.parse import eob_lines
    from clinicbill.cli.render import done
    from clinicbill.domain.money import fmt

    lines = eob_lines(line)
    with unit_of_work() as session:
        outcome, row = post_paper_eob(
            session,
            claim,
            lines,
            past_day(on),
            reference=ref,
            denied=denied,
            payer_claim_control_number=payer_claim_number,
            payer=payer,
        )
        result = outcome.claims[0]
        status = row.status
    extra = f"; {result.reason_text}" if result.reason_text else ""
    done(
        f"claim {row.patient_control_number}: posted {fmt(result.paid_cents)} paid,"
        f" {fmt(result.patient_resp_cents)} patient responsibility; status {status}{extra}",
        {"remittance_id": outcome.remittance_id, "claim_id": row.id, "status": status},
    )


def adjust(
    patient: PatientArg,
    amount: Amount,
    reason: Annotated[
        str | None, Opt(help="write-off, small-balance, courtesy or bad-debt.")
    ] = None,
    session_id: Annotated[int | None, Opt("--session", help="Only this session's lines.")] = None,
    line: Annotated[int | None, Opt("--line", help="Only this service line id.")] = None,
    on: DateOpt = None,
    note: Annotated[str | None, Opt(help="Why (kept with the adjustment).")] = None,
) -> None:
    """Write off part of a balance: a line, a session, or the patient's oldest balances.

    Example: clinicbill adjust P00001 4.50 --reason small-balance
    """
    from clinicbill.app.payments import adjust_balance
    from clinicbill.cli.render import done
    from clinicbill.domain.money import fmt

    cents = parse_amount(amount)
    reason = _ask(reason, "Reason (write-off/small-balance/courtesy/bad-debt)", "reason")
    with unit_of_work() as session:
        applied = adjust_balance(
            session, patient, cents, reason, past_day(on), session_id, line, note
        )
    done(
        f"adjusted {fmt(cents)} ({reason}) on {len(applied)} line(s)",
        {"amount": fmt(cents), "reason": reason, "lines": _applied_rows(applied)},
    )


def refund(
    patient: PatientArg,
    amount: Amount,
    method: Method = None,
    ref: Annotated[str | None, Opt("--ref", help="Check number or card reference.")] = None,
    on: DateOpt = None,
    note: Annotated[str | None, Opt(help="Why.")] = None,
) -> None:
    """Refund a patient's credit (at most the credit on the account).

    Example: clinicbill refund P00001 20 --method check --ref 1043
    """
    from clinicbill.app.payments import refund_credit
    from clinicbill.cli.render import done
    from clinicbill.domain.ledger.payments import check_method
    from clinicbill.domain.money import fmt

    cents = parse_amount(amount)
    method = check_method(_ask(method, "Method (cash/card/check/hsa/fsa/eft)", "method"))
    with unit_of_work() as session:
        refunded = refund_credit(session, patient, cents, method, past_day(on), ref, note)
    credit = refunded.credit_cents
    done(
        f"refund {refunded.refund_id}: {fmt(cents)} to patient {refunded.account_number};"
        f" credit now {fmt(credit)}",
        {"refund_id": refunded.refund_id, "amount": fmt(cents), "credit": fmt(credit)},
    )


def balance(
    patient: PatientArg,
    claim: Annotated[str | None, Opt(help="Only this claim's lines.")] = None,
    all_lines: Annotated[bool, Opt("--all", help="Include lines with nothing open.")] = False,
) -> None:
    """Balances per service line, with what insurance and the patient still owe, and credit.

    Example: clinicbill balance P00001
    """
    from clinicbill.app.payments import balances
    from clinicbill.cli.context import STATE
    from clinicbill.cli.render import emit_json, table
    from clinicbill.domain.money import fmt

    with unit_of_work() as session:
        found = balances(session, patient, claim, all_lines)
    lines, credit, account = found.lines, found.credit_cents, found.account_number
    money = [
        "charge",
        "insurance_paid",
        "patient_paid",
        "adjusted",
        "balance",
        "insurance_due",
        "patient_due",
    ]
    sums = found.totals
    rows = [
        {
            "session": x.encounter_id,
            "date": x.service_date,
            "line": x.service_line_id,
            "code": x.code,
            **{k: fmt(getattr(x, k)) for k in money},
        }
        for x in lines
    ]
    summary = {k: fmt(sums[k]) for k in money} | {"credit": fmt(credit)}
    if STATE.json:
        emit_json({"patient": account, "lines": rows, "totals": summary})
        return
    table(
        rows,
        ["session", "date", "line", "code", *money],
        f"balances {account}",
        right=money,
    )
    typer.echo(
        f"total open {summary['balance']}: insurance owes {summary['insurance_due']},"
        f" patient owes {summary['patient_due']}; credit {summary['credit']}"
    )


def register(app: typer.Typer) -> None:
    app.add_typer(payment_app, name="payment")
    app.command("adjust", cls=AmountCommand)(adjust)
    app.command("refund", cls=AmountCommand)(refund)
    app.command("balance")(balance)
