"""The payment receipt PDF, ready for an HSA/FSA claim: date, provider, service and amount for
each service paid, whether each is HSA/FSA-eligible, and whether medical necessity is on file
(DOMAIN.md §15)."""

from __future__ import annotations

from pathlib import Path

from reportlab.lib.units import inch
from reportlab.platypus import Spacer

from clinicbill.domain.documents.account import Receipt
from clinicbill.formats import document_parts as parts


def services_table(doc: Receipt):
    rows = [["Date of\nservice", "Provider", "Code", "Service", "HSA/FSA\neligible", "Amount"]]
    for x in doc.lines:
        rows.append(
            [
                parts.us_date(x.service_date),
                parts.text(x.provider, "cell"),
                x.code,
                parts.text(x.description, "cell"),
                parts.text(x.hsa, "cell"),
                parts.money(x.amount),
            ]
        )
    rows.append(["Total applied", "", "", "", "", parts.money(sum(x.amount for x in doc.lines))])
    widths = [0.95, 1.3, 0.55, 2.2, 1.35, 0.95]
    return parts.table(rows, [w * inch for w in widths], right_cols=(5,), total_row=True)


def render_receipt(doc: Receipt, path) -> Path | None:
    """Write the receipt PDF; returns its path."""
    words = parts.wording("receipt", {"doc": doc, "practice": doc.practice, "patient": doc.patient})
    pay = doc.payment
    payment_lines = [
        f"Receipt number: {pay.id}",
        f"Date received: {parts.us_date(pay.received_on)}",
        f"Method: {pay.method}",
        f"Reference: {pay.reference}" if pay.reference else "",
        f"Amount: {parts.money(pay.amount)}",
        f"For: {doc.package}" if doc.package else "",
    ]
    story = [
        parts.rich(words["title"], "title"),
        Spacer(1, 0.08 * inch),
        parts.boxes(
            [
                ("Provider of care", parts.practice_lines(doc.practice)),
                ("Patient", parts.patient_lines(doc.patient, with_insurance=False)),
                ("Refund" if doc.is_refund else "Payment", payment_lines),
            ]
        ),
        Spacer(1, 0.1 * inch),
        parts.rich(words["statement"]),
        parts.text("Services paid", "h2"),
    ]
    story.append(
        services_table(doc)
        if doc.lines
        else parts.text("This payment has not been applied to a service yet.")
    )
    rows = []
    if doc.lines:
        rows.append(("Applied to services", sum(x.amount for x in doc.lines)))
    if doc.unapplied:
        rows.append(("Kept as credit on account", doc.unapplied))
    rows.append(("Total refunded" if doc.is_refund else "Total received", pay.amount))
    story += [Spacer(1, 0.08 * inch), parts.totals(rows), Spacer(1, 0.12 * inch)]
    if doc.lines and not doc.is_refund:
        story.append(
            parts.text(
                f"HSA/FSA-eligible services paid with this payment: "
                f"{parts.money(doc.hsa_eligible_total)}"
            )
        )
    story.append(parts.rich(words["hsa_note"], "small"))
    story += parts.signature(None, "Received by")
    title = f"Receipt {pay.id}"
    return parts.build(path, story, title, words["footer"], subject="Payment receipt")
