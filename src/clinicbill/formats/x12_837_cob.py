"""837P coordination of benefits: on a secondary claim, the primary payer's adjudication
(2320 other subscriber, 2330A/B other subscriber and payer, 2430 line adjudication SVD/CAS/DTP),
read from the primary claim's ledger postings (DOMAIN.md §4: box 9, 11d)."""

from __future__ import annotations

from clinicbill.domain.claims.snapshot import ClaimSnapshot, Coverage
from clinicbill.domain.money import x12_amount
from clinicbill.formats.x12_segments import (
    PRIORITY_CODES,
    RELATIONSHIP_CODES,
    address_segments,
    cas_segments,
    clean,
    name_elements,
    payer_name_segment,
    procedure,
    segment,
)


def other_payer_loops(s: ClaimSnapshot) -> list[str]:
    """2320/2330A/2330B: the primary payer's adjudication on a secondary claim."""
    prior = s.prior_payer
    c: Coverage = prior.coverage
    group = clean(c.group_number, 50)
    out = [
        segment(
            "SBR",
            PRIORITY_CODES.get(c.priority, "P"),
            RELATIONSHIP_CODES.get(c.relationship, "G8"),
            group,
            "" if group else clean(c.plan_name, 60),
            "",
            "",
            "",
            "",
            c.sbr09,
        ),
        segment("AMT", "D", x12_amount(prior.paid_cents)),
        segment("AMT", "EAF", x12_amount(remaining_patient_liability(prior))),
        segment(
            "OI",
            "",
            "",
            "Y" if s.assignment_on_file else "N",
            "",
            "",
            "Y" if s.signature_on_file else "I",
        ),
    ]
    last, first, middle = name_elements(c.subscriber)
    out.append(segment("NM1", "IL", 1, last, first, middle, "", "", "MI", clean(c.member_id, 80)))
    out += address_segments(c.subscriber.address)
    out.append(payer_name_segment(c))
    if prior.payer_claim_control_number:
        out.append(segment("REF", "F8", clean(prior.payer_claim_control_number, 50)))
    return out


def remaining_patient_liability(prior) -> int:
    """2320 AMT*EAF: what the prior payer left to the patient (its PR adjustments)."""
    return sum(
        adj.amount_cents for line in prior.lines for adj in line.adjustments if adj.group == "PR"
    )


def line_adjudication(s: ClaimSnapshot, line) -> list[str]:
    """2430: what the primary paid and adjusted on this line (empty on a primary claim)."""
    out: list[str] = []
    prior = s.prior_payer
    adjudication = prior.for_line(line.service_line_id) if prior else None
    if adjudication is not None:
        out.append(
            segment(
                "SVD",
                clean(prior.coverage.payer_identifier, 80),
                x12_amount(adjudication.paid_cents),
                procedure(line),
                "",
                line.units,
            )
        )
        out += cas_segments(adjudication.adjustments)
        day = adjudication.adjudicated_on or prior.adjudicated_on or s.as_of
        out.append(segment("DTP", 573, "D8", day.strftime("%Y%m%d")))
    return out
