"""The year-end HSA/FSA summary PDF (domain/selfpay/year_summary.py)."""

from __future__ import annotations

from pathlib import Path

from reportlab.lib.units import inch
from reportlab.platypus import Spacer

from clinicbill.domain.selfpay.year_summary import YearSummary
from clinicbill.formats import document_parts as parts


def _rows(doc: YearSummary) -> list[list]:
    rows = [["Paid on", "Method", "Service date", "Code", "Service", "HSA/FSA eligible", "Amount"]]
    for r in doc.receipts:
        sign = -1 if r.is_refund else 1
        head = [parts.us_date(r.payment.received_on), parts.text(r.payment.method, "cell")]
        if not r.lines:
            note = "refund" if r.is_refund else "not applied to a service yet (credit)"
            rows.append(
                [*head, "", "", parts.text(note, "cell"), "", parts.money(r.payment.amount)]
            )
        for x in r.lines:
            rows.append(
                [
                    *head,
                    parts.us_date(x.service_date),
                    x.code,
                    parts.text(x.description, "cell"),
                    parts.text(x.hsa, "cell"),
                    parts.money(sign * x.amount),
                ]
            )
            head = ["", ""]
        if r.unapplied and r.lines and not r.is_refund:
            rows.append(
                ["", "", "", "", parts.text("kept as credit", "cell"), "", parts.money(r.unapplied)]
            )
    rows.append(["Total paid", "", "", "", "", "", parts.money(doc.paid)])
    return rows


def render_year_summary(doc: YearSummary, path: str | Path) -> Path:
    """Write the PDF; returns its path."""
    widths = [0.8, 0.8, 0.8, 0.6, 1.8, 1.4, 0.9]
    story = [
        parts.text(f"{doc.year} payments and HSA/FSA-eligible services", "title"),
        Spacer(1, 0.08 * inch),
        parts.boxes(
            [
                ("Provider of care", parts.practice_lines(doc.practice)),
                ("Patient", parts.patient_lines(doc.patient, with_insurance=False)),
            ]
        ),
        Spacer(1, 0.1 * inch),
        parts.table(_rows(doc), [w * inch for w in widths], right_cols=(6,), total_row=True)
        if doc.receipts
        else parts.text(f"No payments in {doc.year}."),
        Spacer(1, 0.1 * inch),
        parts.totals(
            [
                (f"Paid in {doc.year}", doc.paid),
                ("Paid for HSA/FSA-eligible services", doc.eligible),
            ]
        ),
        Spacer(1, 0.1 * inch),
        parts.text(
            "Eligibility follows IRS Publication 502: acupuncture is medical care; massage "
            "therapy is eligible when it treats a specific medical condition, with a letter of "
            "medical necessity (a physician's referral or prescription) on file. Keep this "
            "summary with your HSA/FSA records.",
            "small",
        ),
    ]
    title = f"HSA/FSA summary {doc.patient.account_number} {doc.year}"
    footer = (
        f"{doc.practice.name} - {doc.year} HSA/FSA summary, account {doc.patient.account_number}"
    )
    return parts.build(path, story, title, footer, subject="Year-end HSA/FSA summary")
