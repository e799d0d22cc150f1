"""Every box a payer needs is filled (DOMAIN.md §4), including what pyx12 does not check
(DOMAIN.md §2): 9-digit billing ZIP, street address without a PO box, CLM01 length, REF*F8 on
frequency 7/8, subscriber demographics."""

from __future__ import annotations

import re
import unicodedata

from clinicbill.domain.claims.scrub.findings import error, warning

PO_BOX = re.compile(r"\b(P\.?\s*O\.?\s*BOX|POST\s+OFFICE\s+BOX|POB)\b", re.IGNORECASE)
PCN = re.compile(r"[A-Z0-9-]{1,20}")


def _writable(name: str | None) -> bool:
    """A name X12 can carry: some A-Z letter once accents are dropped (basic character set)."""
    plain = unicodedata.normalize("NFKD", name or "").encode("ascii", "ignore").decode()
    return any(ch.isalpha() for ch in plain)


def patient_boxes(s) -> list:
    out = []
    p = s.patient
    if not (p.last_name and p.first_name):
        out.append(error(s, "2", "patient name is missing", "clinicbill patient edit"))
    elif not (_writable(p.last_name) and _writable(p.first_name)):
        out.append(
            error(
                s,
                "2",
                "patient name has no letters a claim can carry (A-Z)",
                "record the name as on the insurance card, in Latin letters",
            )
        )
    if p.dob is None:
        out.append(error(s, "3", "patient date of birth is missing", "patient edit --dob"))
    if p.sex not in ("F", "M", "U"):
        out.append(error(s, "3", "patient sex is missing", "patient edit --sex F|M|U"))
    if not p.address.complete:
        out.append(
            error(
                s,
                "5",
                "patient address is incomplete (street, city, state and ZIP are required)",
                f"clinicbill patient edit {s.patient_account} --address1 ... --city ... "
                "--state ... --zip ...",
            )
        )
    if not s.signature_on_file:
        out.append(
            warning(
                s,
                "12",
                "no release-of-information signature on file (CLM09 = I)",
                "have the patient sign, then: patient edit --signature-on-file",
            )
        )
    if not s.assignment_on_file:
        out.append(
            warning(
                s,
                "13",
                "no assignment of benefits on file: the payer will pay the patient",
                "have the insured sign, then: patient edit --assignment-on-file",
            )
        )
    return out


def insured_boxes(s) -> list:
    out = []
    c = s.coverage
    if not c.member_id:
        out.append(error(s, "1a", "insured's ID number is missing", "policy edit --member-id"))
    if c.relationship not in ("self", "spouse", "child", "other"):
        out.append(error(s, "6", f"relationship '{c.relationship}' is not accepted", "policy edit"))
    if not s.patient_is_subscriber:
        out.extend(_subscriber_boxes(s, c.subscriber))
    if not c.payer_name:
        out.append(error(s, "-", "payer name is missing", "clinicbill payer edit"))
    if not c.payer_identifier:
        out.append(
            error(
                s,
                "-",
                f"payer '{c.payer_name}' has no electronic payer id (2010BB NM109)",
                f"clinicbill payer edit {c.payer_db_id} --payer-id ID (from the clearinghouse)",
            )
        )
    out.extend(_outside_policy_dates(s, c))
    return out


def _subscriber_boxes(s, sub) -> list:
    """Boxes 4, 7 and 11a when the insured is not the patient."""
    out = []
    if not (sub.last_name and sub.first_name):
        out.append(error(s, "4", "insured's name is missing", "policy edit --subscriber-last-name"))
    if sub.dob is None or sub.sex not in ("F", "M", "U"):
        out.append(
            warning(
                s,
                "11a",
                "insured's date of birth or sex is missing",
                "policy edit --subscriber-dob --subscriber-sex",
            )
        )
    if not sub.address.complete:
        out.append(
            warning(
                s,
                "7",
                "insured's address is incomplete",
                "policy edit --subscriber-address1 --subscriber-city ...",
            )
        )
    return out


def _outside_policy_dates(s, c) -> list:
    """Lines whose date of service falls outside the policy's effective dates."""
    out = []
    for line in s.lines:
        if c.effective_from and line.service_date < c.effective_from:
            out.append(
                error(
                    s,
                    "24A",
                    f"service date {line.service_date} is before the policy starts "
                    f"({c.effective_from})",
                    "bill the policy in effect on that date",
                    line.number,
                )
            )
        elif c.effective_to and line.service_date > c.effective_to:
            out.append(
                error(
                    s,
                    "24A",
                    f"service date {line.service_date} is after the policy ended "
                    f"({c.effective_to})",
                    "bill the policy in effect on that date",
                    line.number,
                )
            )
    return out


def billing_boxes(s) -> list:
    out = []
    b = s.billing
    a = b.address
    if not b.name:
        out.append(error(s, "33", "billing provider name is missing", "practice edit --name"))
    if not a.line1 or not a.city or not a.state:
        out.append(
            error(s, "33", "billing provider address is incomplete", "practice edit --address1")
        )
    elif PO_BOX.search(f"{a.line1} {a.line2 or ''}"):
        out.append(
            error(
                s,
                "33",
                "billing provider address is a PO box (5010 requires a street address)",
                "practice edit --address1 with the street address; a PO box goes in pay-to",
            )
        )
    if not (a.zip and len(a.zip) == 9 and a.zip.isdigit()):
        out.append(
            error(
                s,
                "33",
                f"billing provider ZIP '{a.zip or ''}' is not ZIP+4 (5010 requires 9 digits)",
                "practice edit --zip 97202-1234",
            )
        )
    if not (b.phone and len(b.phone) == 10 and b.phone.isdigit()):
        out.append(error(s, "33", "billing provider phone is missing", "practice edit --phone"))
    if not (b.tax_id and len(b.tax_id) == 9 and b.tax_id.isdigit()):
        out.append(
            error(
                s,
                "25",
                "federal tax id must be 9 digits (EIN or SSN, sent without dashes)",
                "practice edit --tax-id 12-3456789",
            )
        )
    if not b.submitter_id or not b.receiver_id:
        out.append(
            warning(
                s,
                "-",
                "practice has no submitter/receiver id: an 837P cannot be written",
                "practice edit --submitter-id ... --receiver-id ... (from the clearinghouse)",
            )
        )
    return out


def claim_boxes(s) -> list:
    out = []
    if not PCN.fullmatch(s.patient_control_number or ""):
        out.append(
            error(
                s,
                "26",
                f"patient account number '{s.patient_control_number}' must be 1-20 letters/digits",
                "report a bug: clinicbill assigns these",
            )
        )
    if not s.diagnoses:
        out.append(error(s, "21", "no diagnosis on the claim", "add diagnoses to the sessions"))
    elif len(s.diagnoses) > 12:
        out.append(
            error(s, "21", f"{len(s.diagnoses)} diagnoses; box 21 holds 12", "split the claim")
        )
    if not s.lines:
        out.append(error(s, "24", "the claim has no service lines", "void it"))
    elif len(s.lines) > 50:
        out.append(
            error(s, "24", f"{len(s.lines)} lines; an 837P claim holds 50", "split the claim")
        )
    if s.frequency in ("7", "8") and not s.original_reference:
        out.append(
            error(
                s,
                "22",
                f"frequency {s.frequency} claim without the original's payer claim number",
                "post the original's 835 so its CLP07 is known",
            )
        )
    for line in s.lines:
        if line.service_date > s.as_of:
            out.append(
                error(
                    s,
                    "24A",
                    f"date of service {line.service_date} is in the future",
                    "bill services after they happen",
                    line.number,
                )
            )
    return out


RULES = [patient_boxes, insured_boxes, billing_boxes, claim_boxes]
