"""The patient statement PDF: open balances by date of service, aging of what the patient owes,
payments received, the amount due and where to send it (SPEC §4.7)."""

from __future__ import annotations

from pathlib import Path

from reportlab.lib.units import inch
from reportlab.platypus import KeepTogether, Spacer

from clinicbill.domain.documents.account import RECENT_PAYMENT_DAYS, Statement
from clinicbill.formats import document_parts as parts

LINE_HEADER = [
    "Date",
    "Code",
    "Service",
    "Charge",
    "Insurance\npaid",
    "Adjust-\nments",
    "You\npaid",
    "With\ninsurance",
    "You\nowe",
]


def lines_table(doc: Statement):
    m = parts.money
    rows = [LINE_HEADER]
    for x in doc.lines:
        rows.append(
            [
                parts.us_date(x.service_date),
                x.code,
                parts.text(f"{x.description}\n{x.provider}", "cell"),
                m(x.charge),
                m(x.insurance_paid),
                m(x.adjusted),
                m(x.patient_paid),
                m(x.pending_insurance),
                m(x.patient_due),
            ]
        )
    rows.append(
        [
            "Total",
            "",
            "",
            m(sum(x.charge for x in doc.lines)),
            m(sum(x.insurance_paid for x in doc.lines)),
            m(sum(x.adjusted for x in doc.lines)),
            m(sum(x.patient_paid for x in doc.lines)),
            m(doc.pending_insurance),
            m(doc.patient_due),
        ]
    )
    widths = [0.72, 0.48, 2.06, 0.62, 0.72, 0.72, 0.62, 0.72, 0.64]
    return parts.table(
        rows, [w * inch for w in widths], right_cols=(3, 4, 5, 6, 7, 8), total_row=True
    )


def aging_table(doc: Statement):
    labels = [label for label, _ in doc.aging]
    header = [f"{label} days" for label in labels] + ["Total you owe"]
    values = [parts.money(cents) for _, cents in doc.aging] + [parts.money(doc.patient_due)]
    width = parts.WIDTH / len(header)
    return parts.table([header, values], [width] * len(header), right_cols=range(len(header)))


def installments_block(doc: Statement) -> list:
    """The payment plan: installments due, late, and the next one (nothing without a plan)."""
    if not doc.installments:
        return []
    rows = [["Plan", "Installment", "Due on", "Amount", "Paid", "Status"]]
    rows += [
        [
            str(i.plan_id),
            str(i.number),
            parts.us_date(i.due_on),
            parts.money(i.amount_cents),
            parts.money(i.paid_cents),
            i.state,
        ]
        for i in doc.installments
    ]
    widths = [0.7, 1.0, 1.2, 1.2, 1.2, 1.0]
    table = parts.table(rows, [w * inch for w in widths], right_cols=(3, 4))
    return [parts.text("Payment plan", "h2"), table]


def payments_table(doc: Statement):
    rows = [["Received", "Method", "Reference", "Amount"]]
    rows += [
        [parts.us_date(p.received_on), p.method, p.reference or "", parts.money(p.amount)]
        for p in doc.payments
    ]
    rows.append(["Total", "", "", parts.money(doc.payments_total)])
    widths = [1.2, 1.8, 3.0, 1.3]
    return parts.table(rows, [w * inch for w in widths], right_cols=(3,), total_row=True)


def remit_block(doc: Statement, remit_text: str):
    practice = doc.practice
    return parts.boxes(
        [
            ("Remit to", [practice.name, *practice.address_lines, f"Phone {practice.phone}"]),
            (
                "Amount due",
                [
                    f"Account: {doc.patient.account_number}",
                    f"Patient: {doc.patient.name}",
                    f"Statement date: {parts.us_date(doc.as_of)}",
                    f"Amount due: {parts.money(doc.amount_due)}",
                    "Amount enclosed: ______________",
                ],
            ),
        ]
    ), parts.rich(remit_text, "small")


def render_statement(doc: Statement, path) -> Path | None:
    """Write the statement PDF; returns its path."""
    words = parts.wording(
        "statement", {"doc": doc, "practice": doc.practice, "patient": doc.patient}
    )
    remit, remit_note = remit_block(doc, words["remit_to"])
    story = [
        parts.rich(words["title"], "title"),
        parts.text(
            f"Statement date: {parts.us_date(doc.as_of)} · Account {doc.patient.account_number}",
            "small",
        ),
        Spacer(1, 0.08 * inch),
        parts.boxes(
            [
                ("From", parts.practice_lines(doc.practice)),
                ("Patient", parts.patient_lines(doc.patient)),
            ]
        ),
        Spacer(1, 0.1 * inch),
        parts.rich(words["statement"]),
        parts.text("Open balances by date of service", "h2"),
    ]
    story.append(lines_table(doc) if doc.lines else parts.text("No open balances."))
    story += [
        parts.text("Aging of the amount you owe (days since the date of service)", "h2"),
        aging_table(doc),
        *installments_block(doc),
        parts.text(f"Payments received (last {RECENT_PAYMENT_DAYS} days)", "h2"),
        payments_table(doc) if doc.payments else parts.text("No payments in this period."),
        Spacer(1, 0.1 * inch),
        parts.totals(
            [
                ("Open balance", doc.balance),
                ("With insurance (not due yet)", doc.pending_insurance),
                ("Your balance", doc.patient_due),
                ("Credit on your account", doc.credit),
                ("Amount due", doc.amount_due),
            ]
        ),
        Spacer(1, 0.15 * inch),
        KeepTogether([remit, Spacer(1, 0.05 * inch), remit_note]),
    ]
    title = f"Statement {doc.patient.account_number} {doc.as_of.isoformat()}"
    return parts.build(path, story, title, words["footer"], subject="Patient statement")
