"""The superbill PDF (SPEC §4.7, DOMAIN.md §11): what a patient sends their plan for
out-of-network reimbursement. One page for one visit; a year of visits paginates with the
services table's header repeated and no row split across pages."""

from __future__ import annotations

from pathlib import Path

from reportlab.lib.units import inch
from reportlab.platypus import KeepTogether, Spacer

from clinicbill.domain.documents.superbill_data import Superbill
from clinicbill.formats import document_parts as parts

SERVICE_HEADER = ["Date", "POS", "Code", "Modifiers", "Units", "Description", "Dx", "Charge"]


def services_table(doc: Superbill):
    several = len(doc.providers) > 1
    key = {p.id: str(i) for i, p in enumerate(doc.providers, start=1)}
    header = SERVICE_HEADER + (["Prov."] if several else [])
    rows = [header]
    for line in doc.lines:
        row = [
            parts.us_date(line.service_date),
            line.place_of_service,
            line.code,
            " ".join(line.modifiers),
            str(line.units),
            parts.text(line.description, "cell"),
            line.pointers,
            parts.money(line.charge),
        ]
        if several:
            row.append(key[line.provider_id])
        rows.append(row)
    rows.append(["Total", "", "", "", "", "", "", parts.money(doc.charged)] + ([""] * several))
    widths = [0.75, 0.4, 0.5, 0.75, 0.45, 3.05 if not several else 2.6, 0.55, 0.85]
    if several:
        widths.append(0.45)
    return parts.table(rows, [w * inch for w in widths], right_cols=(4, 7), total_row=True)


def providers_table(doc: Superbill):
    several = len(doc.providers) > 1
    header = (["Prov."] if several else []) + ["Rendering provider", "Credential", "License", "NPI"]
    rows = [header]
    for i, p in enumerate(doc.providers, start=1):
        rows.append(([str(i)] if several else []) + [p.name, p.credential, p.license or "", p.npi])
    widths = ([0.45] if several else []) + [2.9 - 0.45 * several, 1.2, 1.8, 1.4]
    return parts.table(rows, [w * inch for w in widths])


def diagnoses_table(doc: Superbill):
    rows = [["Dx", "ICD-10-CM", "Description"]]
    rows += [[d.pointer, d.code, parts.text(d.description, "cell")] for d in doc.diagnoses]
    return parts.table(rows, [0.45 * inch, 0.9 * inch, parts.WIDTH - 1.35 * inch])


def render_superbill(doc: Superbill, path) -> Path | None:
    """Write the superbill PDF; returns its path."""
    words = parts.wording(
        "superbill",
        {"doc": doc, "practice": doc.practice, "patient": doc.patient, "providers": doc.providers},
    )
    story = [
        parts.rich(words["title"], "title"),
        parts.rich(words.get("subtitle", ""), "small"),
        parts.text(f"{_dates_of_service(doc)} · Issued {parts.us_date(doc.issued_on)}", "small"),
        Spacer(1, 0.08 * inch),
        parts.boxes(
            [
                ("Billing provider", parts.practice_lines(doc.practice)),
                ("Patient", parts.patient_lines(doc.patient)),
            ]
        ),
        Spacer(1, 0.1 * inch),
        providers_table(doc),
        Spacer(1, 0.1 * inch),
        parts.text("Diagnoses", "h2"),
        diagnoses_table(doc),
        parts.text("Services", "h2"),
        services_table(doc),
        Spacer(1, 0.08 * inch),
        _totals_and_signatures(doc, words),
    ]
    title = f"Superbill {doc.patient.account_number} {doc.from_date.isoformat()}"
    return parts.build(path, story, title, words["footer"], subject="Superbill")


def _dates_of_service(doc: Superbill) -> str:
    if doc.from_date == doc.to_date:
        return f"Date of service: {parts.us_date(doc.from_date)}"
    return (
        f"Dates of service: {parts.us_date(doc.from_date)} to {parts.us_date(doc.to_date)}"
        f" ({doc.visits} visits)"
    )


def _totals_and_signatures(doc: Superbill, words):
    """Totals, the statement and certification wording, and each provider's signature, kept
    on one page."""
    return KeepTogether(
        [
            parts.totals(
                [
                    ("Total charged", doc.charged),
                    ("Paid by insurance", doc.insurance_paid),
                    ("Paid by patient", doc.patient_paid),
                    ("Adjustments", doc.adjusted),
                    ("Balance due", doc.balance),
                ]
            ),
            Spacer(1, 0.08 * inch),
            parts.rich(words["statement"]),
            Spacer(1, 0.06 * inch),
            parts.rich(words["certification"], "small"),
            *[
                item
                for p in doc.providers
                for item in parts.signature(
                    # the practice's signature image belongs to a solo practitioner
                    doc.practice.signature_image if len(doc.providers) == 1 else None,
                    words["signature_label"],
                    p.display_name,
                )
            ],
        ]
    )
