"""Write an X12 837P (005010X222A1) interchange from claim snapshots (DOMAIN.md §2-4).

One interchange per batch: ISA/GS/ST control numbers are allocated by the caller from the
database (domain.claim_actions.begin_export) and passed in. Segment order inside 2300 is fixed
(CLM, DTP, AMT, REF, HI, then 2310x, 2320, 2400). Text is upper case in the basic character
set with delimiters removed; money has no `$`; ICD codes have no dot; no trailing `*`.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from clinicbill.domain.claims.snapshot import ClaimSnapshot
from clinicbill.domain.errors import ClinicbillError
from clinicbill.domain.money import x12_amount
from clinicbill.formats.x12_837_cob import line_adjudication, other_payer_loops
from clinicbill.formats.x12_envelope import Envelope, write_interchange
from clinicbill.formats.x12_segments import (
    PRIORITY_CODES,
    RELATIONSHIP_CODES,
    address_segments,
    clean,
    dmg_segments,
    local_time,
    name_elements,
    payer_name_segment,
    procedure,
    provider_name_segment,
    segment,
)

VERSION = "005010X222A1"
CLAIMS_PER_TRANSACTION = 5000  # DOMAIN.md §3 (recommended, UNCONFIRMED)


def _pointers(snapshot: ClaimSnapshot, line) -> str:
    valid = []
    for pointer in line.pointers:
        if 1 <= pointer <= len(snapshot.diagnoses) and pointer not in valid:
            valid.append(pointer)
    return ":".join(str(p) for p in valid[:4]) or "1"


def _billing_loop(b) -> list[str]:
    out = [segment("HL", 1, "", 20, 1), segment("PRV", "BI", "PXC", clean(b.taxonomy, 50))]
    if b.person is not None:
        last, first, middle = name_elements(b.person)
        out.append(segment("NM1", 85, 1, last, first, middle, "", "", "XX", b.npi))
    else:
        out.append(segment("NM1", 85, 2, clean(b.name, 60), "", "", "", "", "XX", b.npi))
    out += address_segments(b.address)
    out.append(segment("REF", "SY" if b.tax_id_type == "SSN" else "EI", b.tax_id))
    return out


def _group_name(s: ClaimSnapshot) -> str | None:
    """SBR04: the plan name, or on a workers' comp claim the employer."""
    if s.case is not None and s.case.kind == "workers-comp" and s.case.employer:
        return s.case.employer
    return s.coverage.plan_name


def _subscriber(s: ClaimSnapshot, hl: int) -> list[str]:
    c = s.coverage
    dependent = not s.patient_is_subscriber
    out = [segment("HL", hl, 1, 22, 1 if dependent else 0)]
    group = clean(c.group_number, 50)
    out.append(
        segment(
            "SBR",
            PRIORITY_CODES.get(s.priority, "P"),
            "" if dependent else "18",
            group,
            "" if group else clean(_group_name(s), 60),
            "",
            "",
            "",
            "",
            c.sbr09,
        )
    )
    last, first, middle = name_elements(c.subscriber)
    out.append(segment("NM1", "IL", 1, last, first, middle, "", "", "MI", clean(c.member_id, 80)))
    out += address_segments(c.subscriber.address)
    out += dmg_segments(c.subscriber)
    if not dependent:
        out += _claim_number(s)
    out.append(payer_name_segment(c))
    if c.payer_address.complete:
        out += address_segments(c.payer_address)
    if dependent:
        out.append(segment("HL", hl + 1, hl, 23, 0))
        out.append(segment("PAT", RELATIONSHIP_CODES.get(c.relationship, "G8")))
        last, first, middle = name_elements(s.patient)
        out.append(segment("NM1", "QC", 1, last, first, middle))
        out += address_segments(s.patient.address)
        out += dmg_segments(s.patient)
        out += _claim_number(s)
    return out


def _claim_number(s: ClaimSnapshot) -> list[str]:
    """2010BA (or 2010CA) REF*Y4: the property-and-casualty claim number (box 11b)."""
    if s.case is None or not s.case.claim_number:
        return []
    return [segment("REF", "Y4", clean(s.case.claim_number, 50))]


def _related_causes(s: ClaimSnapshot) -> str:
    """CLM11 (boxes 10a-c): EM, AA with the state in CLM11-4, OA; empty without a case."""
    cause = s.case.related_cause if s.case else None
    if cause is None:
        return ""
    return f"AA:::{s.case.state}" if cause == "AA" and s.case.state else cause


def _case_dates(s: ClaimSnapshot) -> list[str]:
    """2300 DTP*431 onset of the current illness or injury (box 14), DTP*439 accident date
    (box 15), in the guide's order."""
    c = s.case
    if c is None:
        return []
    out = [segment("DTP", 431, "D8", (c.onset_date or c.injury_date).strftime("%Y%m%d"))]
    if c.related_cause is not None:
        out.append(segment("DTP", 439, "D8", c.injury_date.strftime("%Y%m%d")))
    return out


def _claim(s: ClaimSnapshot) -> list[str]:
    pos = s.place_of_service
    out = [
        segment(
            "CLM",
            clean(s.patient_control_number, 20),
            x12_amount(s.total_cents),
            "",
            "",
            f"{pos}:B:{s.frequency}",
            "Y",
            "A",
            "Y" if s.assignment_on_file else "N",
            "Y" if s.signature_on_file else "I",
            "",
            _related_causes(s),
        )
    ]
    out += _case_dates(s)
    if s.patient_paid_cents > 0:
        out.append(segment("AMT", "F5", x12_amount(s.patient_paid_cents)))
    if s.referral is not None and s.referral.number:
        out.append(segment("REF", "9F", clean(s.referral.number, 50)))
    if s.authorization_number:
        out.append(segment("REF", "G1", clean(s.authorization_number, 50)))
    if s.frequency in ("7", "8") and s.original_reference:
        out.append(segment("REF", "F8", clean(s.original_reference, 50)))
    codes = [code.replace(".", "").upper() for code in s.diagnoses[:12]]
    if codes:
        out.append(
            segment("HI", *(("ABK:" if i == 0 else "ABF:") + c for i, c in enumerate(codes)))
        )
    if s.referral is not None:
        out.append(provider_name_segment("DN", s.referral))
    if s.rendering.npi != s.billing.npi:
        p = s.rendering
        out.append(provider_name_segment(82, p))
        out.append(segment("PRV", "PE", "PXC", clean(p.taxonomy, 50)))
    if s.prior_payer is not None:
        out += other_payer_loops(s)
    for line in s.lines:
        out += _line(s, line, pos)
    return out


def _line(s: ClaimSnapshot, line, claim_pos: str) -> list[str]:
    out = [
        segment("LX", line.number),
        segment(
            "SV1",
            procedure(line),
            x12_amount(line.charge_cents),
            "UN",
            line.units,
            line.place_of_service if line.place_of_service != claim_pos else "",
            "",
            _pointers(s, line),
        ),
        segment("DTP", 472, "D8", line.service_date.strftime("%Y%m%d")),
        segment("REF", "6R", line.claim_line_id),  # echoed in the 835 REF*6R (line matching)
    ]
    out += line_adjudication(s, line)
    return out


def _transaction(snapshots, st: str, reference: str, created: datetime) -> list[str]:
    created = local_time(created)
    b = snapshots[0].billing
    body = [
        segment("ST", 837, st, VERSION),
        segment(
            "BHT",
            "0019",
            "00",
            reference,
            created.strftime("%Y%m%d"),
            created.strftime("%H%M"),
            "CH",
        ),
        segment("NM1", 41, 2, clean(b.name, 60), "", "", "", "", 46, clean(b.submitter_id, 80)),
        segment("PER", "IC", clean(b.contact_name or b.name, 60), "TE", b.phone),
        segment(
            "NM1",
            40,
            2,
            clean(b.receiver_name or b.receiver_id, 60),
            "",
            "",
            "",
            "",
            46,
            clean(b.receiver_id, 80),
        ),
    ]
    body += _billing_loop(b)
    hl = 2
    for snapshot in snapshots:
        body += _subscriber(snapshot, hl)
        hl += 1 if snapshot.patient_is_subscriber else 2
        body += _claim(snapshot)
    body.append(segment("SE", len(body) + 1, st))
    return body


def write_837p(snapshots: Sequence[ClaimSnapshot], control_number: int, created: datetime) -> str:
    """The interchange as text. `control_number` is ISA13 = GS06; transaction i (0-based) gets
    ST02 = control_number + i, so the caller allocates one number per 5,000 claims."""
    if not snapshots:
        raise ClinicbillError("claim: nothing to export", "give claim ids or --ready")
    b = snapshots[0].billing
    if not b.submitter_id or not b.receiver_id:
        raise ClinicbillError(
            "practice: an 837P needs the submitter id and receiver id from the clearinghouse",
            "clinicbill practice edit --submitter-id ID --receiver-id ID --receiver-name NAME",
        )
    chunks = [
        snapshots[i : i + CLAIMS_PER_TRANSACTION]
        for i in range(0, len(snapshots), CLAIMS_PER_TRANSACTION)
    ]
    envelope = Envelope(b.submitter_id, b.receiver_id, control_number, created, b.x12_usage)
    return write_interchange(
        envelope,
        "HC",
        VERSION,
        [
            lambda st, chunk=chunk: _transaction(chunk, st, str(control_number), created)
            for chunk in chunks
        ],
    )


def transactions_needed(claim_count: int) -> int:
    return max(1, -(-claim_count // CLAIMS_PER_TRANSACTION))
