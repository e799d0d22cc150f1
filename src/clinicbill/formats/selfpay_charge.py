"""The membership charge PDF: the period billed and the amount, for the member's records."""

from __future__ import annotations

from pathlib import Path

from reportlab.lib.units import inch
from reportlab.platypus import Spacer

from clinicbill.domain.selfpay.charge_notice import ChargeNotice
from clinicbill.formats import document_parts as parts


def render_charge_notice(notice: ChargeNotice, path: str | Path) -> Path:
    """Write the PDF; returns its path."""
    period = f"{parts.us_date(notice.period_start)} to {parts.us_date(notice.period_end)}"
    story = [
        parts.text("Membership charge", "title"),
        Spacer(1, 0.08 * inch),
        parts.boxes(
            [
                ("From", parts.practice_lines(notice.practice)),
                ("Member", parts.patient_lines(notice.patient, with_insurance=False)),
                (
                    "Charge",
                    [
                        f"Charge number: {notice.charge_id}",
                        f"Membership: {notice.membership_id}",
                        f"Plan: {notice.plan}",
                        f"Period: {period}",
                    ],
                ),
            ]
        ),
        Spacer(1, 0.12 * inch),
        parts.totals([("Membership dues for the period", notice.amount_cents)]),
        Spacer(1, 0.12 * inch),
        parts.text(
            "Included visits are used at no further charge during the period; the balance "
            "appears on your statement until paid."
        ),
    ]
    title = f"Membership charge {notice.charge_id}"
    footer = f"{notice.practice.name} - membership charge {notice.charge_id}"
    return parts.build(path, story, title, footer, subject="Membership charge")
