"""The insured patient's cost estimate PDF: benefits used, the fee allowed per service, the
expected share of each visit and of the plan of care."""

from __future__ import annotations

from pathlib import Path

from reportlab.lib.units import inch
from reportlab.platypus import Spacer

from clinicbill.domain.selfpay.insured_estimate import InsuredEstimate
from clinicbill.formats import document_parts as parts


def _benefit_lines(estimate: InsuredEstimate) -> list[str]:
    b = estimate.benefits
    network = {True: "in network", False: "out of network", None: "network unknown"}
    return [
        f"Insurance: {estimate.payer} ({network[b.in_network]})",
        f"Deductible still to meet: {parts.money(b.deductible_left)}",
        f"Copay: {parts.money(b.copay)}" if b.copay is not None else "Copay: none",
        f"Coinsurance: {b.coinsurance_pct or 0}%",
        "Out-of-pocket left: " + (parts.money(b.oop_left) if b.oop_left is not None else "unknown"),
        "Visits left this plan year: "
        + (str(b.visits_left) if b.visits_left is not None else "no limit on file"),
    ]


def render_insured_estimate(estimate: InsuredEstimate, practice, patient, path) -> Path:
    """Write the PDF; returns its path."""
    fees = [["Code", "Units", "Standard fee", "Contracted", "Covered"]]
    fees += [
        [
            s.code,
            str(s.units),
            parts.money(s.standard),
            parts.money(s.contracted) if s.contracted is not None else "-",
            "yes" if s.covered else "NO",
        ]
        for s in estimate.services
    ]
    visits = [["Visit", "Allowed", "Deductible", "Copay/coins.", "Not covered", "You pay"]]
    visits += [
        [
            str(v.number),
            parts.money(v.allowed),
            parts.money(v.deductible),
            parts.money(v.cost_share),
            parts.money(v.not_covered),
            parts.money(v.patient),
        ]
        for v in estimate.visits
    ]
    visits.append(["Total", "", "", "", "", parts.money(estimate.total)])
    w = parts.WIDTH / 6
    story = [
        parts.text("What your visits are expected to cost you", "title"),
        parts.text(f"Estimate date: {parts.us_date(estimate.on)}", "small"),
        Spacer(1, 0.08 * inch),
        parts.boxes(
            [
                ("From", parts.practice_lines(practice)),
                ("Patient", parts.patient_lines(patient)),
                (
                    "Your benefits (verification " + str(estimate.verification_id) + ")",
                    _benefit_lines(estimate),
                ),
            ]
        ),
        parts.text("Services each visit", "h2"),
        parts.table(fees, [parts.WIDTH / 5] * 5, right_cols=(1, 2, 3)),
        parts.text("Your expected share", "h2"),
        parts.table(visits, [w] * 6, right_cols=(1, 2, 3, 4, 5), total_row=True),
        Spacer(1, 0.1 * inch),
        parts.text(
            f"First visit: {parts.money(estimate.first_visit)}. Plan of care of "
            f"{len(estimate.visits)} visit(s): {parts.money(estimate.total)}."
        ),
        parts.text(
            "This is an estimate from the benefits your plan reported; what you owe is set when "
            "your plan processes each claim, and may differ.",
            "small",
        ),
    ]
    title = f"Cost estimate {estimate.account_number} {estimate.on.isoformat()}"
    return parts.build(
        path, story, title, f"{practice.name} - cost estimate", subject="Cost estimate"
    )
