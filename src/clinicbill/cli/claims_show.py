"""`claim show`: the claim, its lines with balances, scrubber findings, history, postings."""

from __future__ import annotations

from typing import Annotated

import typer

from clinicbill.cli.common import unit_of_work

LINE_COLUMNS = [
    "line",
    "date",
    "code",
    "modifiers",
    "units",
    "pointers",
    "charge",
    "insurance_paid",
    "patient_paid",
    "adjusted",
    "balance",
    "held",
]
POSTING_COLUMNS = ["date", "line", "kind", "amount", "group", "reason", "note"]
HISTORY_COLUMNS = ["date", "status", "user", "note"]
CALL_COLUMNS = ["date", "rep", "reference", "note", "next", "by"]
ANSWER_COLUMNS = ["date", "source", "result", "payer claim no", "reason and fix", "file"]


def gather(view) -> dict:
    """Everything `claim show` prints, as plain data (also the --json output), from an
    app.claim_view.ClaimView."""
    from clinicbill.cli.claims import claim_row, finding_rows
    from clinicbill.domain.claims.build import pages_for

    claim, snapshot = view.claim, view.snapshot
    history = [
        {"date": e.on_date, "status": e.status, "user": e.user, "note": e.note}
        for e in view.history
    ]
    data = claim_row(claim, view.patient, view.payer)
    data.update(
        {
            "account": snapshot.patient_account,
            "member_id": snapshot.coverage.member_id,
            "rendering_provider": view.provider.display_name,
            "diagnoses": ", ".join(snapshot.diagnoses),
            "authorization": snapshot.authorization_number,
            "referral": (
                f"{snapshot.referral.first_name} {snapshot.referral.last_name}"
                if snapshot.referral
                else None
            ),
            "original_claim_id": claim.original_claim_id,
            "primary_claim_id": claim.primary_claim_id,
            "payer_claim_control_number": claim.payer_claim_control_number,
            "first_billed_on": claim.first_billed_on,
            "cms1500_pages": pages_for(len(snapshot.lines)),
            "lines": _line_rows(snapshot, view.balances),
            "findings": finding_rows(view.findings),
            "history": history,
            "clearinghouse_answers": view.answers,
            "postings": _posting_rows(snapshot, view.postings),
            "calls": view.calls,
        }
    )
    return data


def _line_rows(snapshot, balances) -> list[dict]:
    """The claim's lines with what was paid, adjusted and is still owed on each."""
    from clinicbill.domain.money import fmt

    lines = []
    for line in snapshot.lines:
        b = balances.get(line.service_line_id)
        lines.append(
            {
                "line": line.number,
                "date": line.service_date,
                "code": line.code,
                "modifiers": " ".join(line.modifiers),
                "units": line.units,
                "pointers": "".join(chr(64 + p) if 1 <= p <= 12 else "?" for p in line.pointers),
                "charge": fmt(line.charge_cents),
                "insurance_paid": fmt(b.insurance_paid) if b else "",
                "patient_paid": fmt(b.patient_paid) if b else "",
                "adjusted": fmt(b.adjusted) if b else "",
                "balance": fmt(b.balance) if b else "",
                "held": _held(b, fmt),
            }
        )
    return lines


def _posting_rows(snapshot, postings) -> list[dict]:
    """The ledger entries posted to the claim, each naming its line by number."""
    from clinicbill.domain.money import fmt

    number_of = {line.service_line_id: line.number for line in snapshot.lines}
    return [
        {
            "date": e.effective_date,
            "line": number_of.get(e.service_line_id),
            "kind": e.kind,
            "amount": fmt(e.amount_cents),
            "group": e.group_code,
            "reason": e.reason_code,
            "note": e.note,
        }
        for e in postings
    ]


def _answer_row(answer: dict) -> dict:
    """One answer for the terminal: the reason and its fix in one column."""
    reason = answer["reason"] + (f"; fix: {answer['fix']}" if answer["fix"] else "")
    return {
        **answer,
        "payer claim no": answer["payer_claim_number"] or "",
        "reason and fix": reason,
    }


def _held(balance, fmt) -> str:
    """What the line's balance holds with a payer: a denial, a crossover (or nothing)."""
    if balance is None:
        return ""
    parts = []
    if balance.denied > 0:
        parts.append(f"{fmt(balance.denied)} denied")
    if balance.forwarded > 0:
        parts.append(f"{fmt(balance.forwarded)} with the next payer")
    return ", ".join(parts)


def claim_show(
    claim_id: Annotated[str, typer.Argument(help="Claim id or control number.")],
) -> None:
    """Show a claim: lines and balances, scrubber findings, history, the clearinghouse's and
    payer's answers (999, TA1, 277CA, 277: result, payer claim number, reason in words, fix),
    payments posted.

    Example: clinicbill claim show 12
    """
    from clinicbill.app.claim_view import claim_view
    from clinicbill.cli.claims import FINDING_COLUMNS
    from clinicbill.cli.context import STATE
    from clinicbill.cli.render import emit_json, record, table

    with unit_of_work() as session:
        data = gather(claim_view(session, claim_id))
    if STATE.json:
        emit_json(data)
        return
    record(data, f"claim {data['id']}")
    money = ["charge", "insurance_paid", "patient_paid", "adjusted", "balance"]
    table(data["lines"], LINE_COLUMNS, "lines", right=money)
    table(data["findings"], FINDING_COLUMNS, "findings")
    table(data["history"], HISTORY_COLUMNS, "history")
    if data["clearinghouse_answers"]:
        table(
            [_answer_row(a) for a in data["clearinghouse_answers"]],
            ANSWER_COLUMNS,
            "clearinghouse and payer answers",
        )
    if data["postings"]:
        table(data["postings"], POSTING_COLUMNS, "postings", right=["amount"])
    if data["calls"]:
        table(data["calls"], CALL_COLUMNS, "follow-up calls")


def register(app: typer.Typer) -> None:
    """Add this module's commands to the `claim` group (cli/claims.py)."""
    from clinicbill.cli.claims import claim_app

    claim_app.command("show")(claim_show)
