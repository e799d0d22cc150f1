"""The Good Faith Estimate PDF (No Surprises Act, 45 CFR 149.610; DOMAIN.md §12): patient name
and date of birth, the primary service and its date, itemised expected services with codes and
charges, diagnoses when known, the provider's name, NPI, tax id and location, and the required
disclaimers (wording in templates/documents/estimate.j2)."""

from __future__ import annotations

from pathlib import Path

from reportlab.lib.units import inch
from reportlab.platypus import KeepTogether, Spacer

from clinicbill.domain.documents.estimates import EstimateDocument
from clinicbill.formats import document_parts as parts


def items_table(doc: EstimateDocument):
    rows = [
        ["Code", "Service", "Units per\nvisit", "Charge per\nunit", "Per visit", "Visits", "Total"]
    ]
    for item in doc.items:
        rows.append(
            [
                item.code,
                parts.text(item.description, "cell"),
                str(item.units),
                parts.money(item.unit_charge),
                parts.money(item.per_visit),
                str(item.visits),
                parts.money(item.total),
            ]
        )
    rows.append(
        ["Total", "", "", "", parts.money(doc.per_visit), str(doc.visits), parts.money(doc.total)]
    )
    widths = [0.6, 2.5, 0.75, 0.9, 0.8, 0.55, 1.2]
    return parts.table(rows, [w * inch for w in widths], right_cols=(2, 3, 4, 5, 6), total_row=True)


def render_estimate(doc: EstimateDocument, path) -> Path | None:
    """Write the Good Faith Estimate PDF; returns its path."""
    words = parts.wording(
        "estimate",
        {"doc": doc, "practice": doc.practice, "patient": doc.patient, "provider": doc.provider},
    )
    schedule = parts.us_date(doc.service_date) if doc.service_date else "not scheduled yet"
    course = f"{doc.visits} visit" + ("s" if doc.visits != 1 else "")
    if doc.frequency:
        course += f", {doc.frequency}"
    story = [
        parts.rich(words["title"], "title"),
        parts.text(f"Estimate number {doc.id} · Issued {parts.us_date(doc.issued_on)}", "small"),
        Spacer(1, 0.08 * inch),
        _patient_and_provider(doc),
        Spacer(1, 0.1 * inch),
        parts.rich(words["statement"]),
        parts.text("Primary service", "h2"),
        parts.text(f"{doc.primary_service} · Scheduled: {schedule} · Course: {course}"),
    ]
    if doc.diagnoses:
        story += [parts.text("Diagnoses", "h2"), _diagnoses_table(doc)]
    story += [
        parts.text("Expected items and services", "h2"),
        items_table(doc),
        Spacer(1, 0.08 * inch),
        parts.totals([("Estimated total", doc.total)]),
        Spacer(1, 0.1 * inch),
        KeepTogether(
            [
                parts.rich(words["disclaimer"]),
                Spacer(1, 0.06 * inch),
                parts.rich(words["dispute"]),
                Spacer(1, 0.06 * inch),
                parts.rich(words["keep"]),
            ]
        ),
    ]
    title = f"Good Faith Estimate {doc.id}"
    return parts.build(path, story, title, words["footer"], subject="Good Faith Estimate")


def _patient_and_provider(doc: EstimateDocument):
    """The two boxes the rule asks for: the patient, and the provider with its tax id and
    location."""
    practice, provider = doc.practice, doc.provider
    return parts.boxes(
        [
            (
                "Patient",
                [
                    doc.patient.name,
                    f"Date of birth: {parts.us_date(doc.patient.dob)}",
                    *doc.patient.address_lines,
                    f"Account: {doc.patient.account_number}",
                ],
            ),
            (
                "Provider",
                [
                    provider.display_name,
                    f"NPI: {provider.npi}",
                    practice.name,
                    f"Tax ID ({practice.tax_id_type}): {practice.tax_id}",
                    f"Location: {', '.join(practice.address_lines)}",
                    f"Phone {practice.phone}",
                ],
            ),
        ]
    )


def _diagnoses_table(doc: EstimateDocument):
    return parts.table(
        [["ICD-10-CM", "Description"]]
        + [[d.code, parts.text(d.description, "cell")] for d in doc.diagnoses],
        [0.9 * inch, parts.WIDTH - 0.9 * inch],
    )
