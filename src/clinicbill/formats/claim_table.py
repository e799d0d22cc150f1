"""CMS-1500 box values of a claim snapshot, in one place (NUCC 1500 instructions, DOMAIN.md §4).

The CMS-1500 PDF prints these values; `claim export --format csv|json` writes them as one
row/object per service line, with the claim's boxes repeated on every row and headers named by
box (`box_1a`, `box_24D_code`, ...).
"""

from __future__ import annotations

import csv
import io
import json
from datetime import date

from clinicbill.domain.claims.snapshot import ClaimSnapshot, Person
from clinicbill.domain.documents.formatting import format_phone, format_zip
from clinicbill.domain.money import to_decimal

INSURANCE_TYPE = {  # box 1
    "medicare": "MEDICARE",
    "medicaid": "MEDICAID",
    "medicare-advantage": "GROUP HEALTH PLAN",
    "commercial": "GROUP HEALTH PLAN",
    "workers-comp": "OTHER",
    "auto": "OTHER",
    "self-pay": "OTHER",
}
RELATIONSHIP = {"self": "SELF", "spouse": "SPOUSE", "child": "CHILD", "other": "OTHER"}

# (key, header) for the claim-level boxes, in form order.
CLAIM_COLUMNS = [
    ("payer", "carrier: payer name"),
    ("payer_street", "carrier: payer street"),
    ("payer_city", "carrier: payer city, state, ZIP"),
    ("1", "1 insurance type"),
    ("1a", "1a insured's ID number"),
    ("2", "2 patient's name"),
    ("3_dob", "3 patient's birth date"),
    ("3_sex", "3 patient's sex"),
    ("4", "4 insured's name"),
    ("5_street", "5 patient's address"),
    ("5_city", "5 city"),
    ("5_state", "5 state"),
    ("5_zip", "5 ZIP code"),
    ("5_phone", "5 telephone"),
    ("6", "6 patient relationship to insured"),
    ("7_street", "7 insured's address"),
    ("7_city", "7 city"),
    ("7_state", "7 state"),
    ("7_zip", "7 ZIP code"),
    ("9", "9 other insured's name"),
    ("9a", "9a other insured's policy or group number"),
    ("9d", "9d other insurance plan name"),
    ("10a", "10a employment related"),
    ("10b", "10b auto accident"),
    ("10b_state", "10b place (state)"),
    ("10c", "10c other accident"),
    ("11", "11 insured's policy group or FECA number"),
    ("11a_dob", "11a insured's date of birth"),
    ("11a_sex", "11a insured's sex"),
    ("11b_qualifier", "11b other claim ID qualifier"),
    ("11b", "11b other claim ID"),
    ("11c", "11c insurance plan name"),
    ("11d", "11d another health benefit plan"),
    ("12", "12 patient's signature"),
    ("13", "13 insured's signature"),
    ("14", "14 date of current illness, injury"),
    ("14_qualifier", "14 qualifier"),
    ("15_qualifier", "15 other date qualifier"),
    ("15", "15 other date"),
    ("17_qualifier", "17 qualifier"),
    ("17", "17 referring provider"),
    ("17b", "17b referring NPI"),
    ("21_ind", "21 ICD indicator"),
    *[(f"21{chr(65 + i)}", f"21{chr(65 + i)} diagnosis") for i in range(12)],
    ("22_code", "22 resubmission code"),
    ("22_reference", "22 original reference number"),
    ("23", "23 prior authorization number"),
    ("25", "25 federal tax ID"),
    ("25_type", "25 SSN or EIN"),
    ("26", "26 patient's account number"),
    ("27", "27 accept assignment"),
    ("28", "28 total charge"),
    ("29", "29 amount paid"),
    ("31", "31 signature of physician or supplier"),
    ("31_date", "31 date"),
    ("32", "32 service facility name"),
    ("32_street", "32 service facility street"),
    ("32_city", "32 service facility city, state, ZIP"),
    ("32a", "32a facility NPI"),
    ("33", "33 billing provider name"),
    ("33_street", "33 billing provider street"),
    ("33_city", "33 billing provider city, state, ZIP"),
    ("33_phone", "33 billing provider phone"),
    ("33a", "33a billing NPI"),
    ("33b", "33b other ID"),
]
LINE_COLUMNS = [
    ("line", "line number"),
    ("24A_from", "24A from date"),
    ("24A_to", "24A to date"),
    ("24B", "24B place of service"),
    ("24C", "24C EMG"),
    ("24D_code", "24D CPT/HCPCS"),
    ("24D_modifiers", "24D modifiers"),
    ("24E", "24E diagnosis pointer"),
    ("24F", "24F charges"),
    ("24G", "24G days or units"),
    ("24H", "24H EPSDT"),
    ("24I", "24I ID qualifier"),
    ("24J", "24J rendering provider NPI"),
]


def mdy(day: date | None, year_digits: int = 4) -> str:
    """Form dates: `MM DD YYYY` (boxes 3, 11a, 31) or `MM DD YY` (box 24A)."""
    if day is None:
        return ""
    year = f"{day.year:04d}"[-year_digits:]
    return f"{day.month:02d} {day.day:02d} {year}"


def person_name(person: Person | None) -> str:
    """`LAST, FIRST, M` as NUCC asks (boxes 2, 4, 9)."""
    if person is None or not person.last_name:
        return ""
    text = f"{person.last_name}, {person.first_name}"
    if person.middle_name:
        text += f", {person.middle_name[0]}"
    return text.upper()


def money(cents: int) -> str:
    return str(to_decimal(cents))


def claim_boxes(s: ClaimSnapshot) -> dict[str, str]:
    """Every claim-level box as printed text (empty string when NUCC says leave it blank)."""
    boxes = {
        **_insurance_boxes(s),
        "17_qualifier": s.referral.qualifier if s.referral else "",
        "17": (f"{s.referral.first_name} {s.referral.last_name}".upper() if s.referral else ""),
        "17b": s.referral.npi if s.referral else "",
        "21_ind": "0",
        "22_code": s.frequency if s.frequency in ("7", "8") else "",
        "22_reference": (s.original_reference or "") if s.frequency in ("7", "8") else "",
        "23": (s.authorization_number or (s.referral.number if s.referral else None) or "").upper(),
        **_billing_boxes(s),
    }
    for index in range(12):
        code = s.diagnoses[index] if index < len(s.diagnoses) else ""
        boxes[f"21{chr(65 + index)}"] = code.replace(".", "")  # NUCC: no decimal point
    return boxes


def _insurance_boxes(s: ClaimSnapshot) -> dict[str, str]:
    """The payer, the patient and the insured: the carrier block and boxes 1 to 13."""
    c = s.coverage
    sub = c.subscriber
    other = s.other_coverage
    pa = c.payer_address
    group = c.group_number or ("NONE" if c.payer_type == "medicare" and not other else "")
    return {
        "payer": c.payer_name.upper(),
        "payer_street": (pa.line1 or "").upper(),
        "payer_city": _city_line(pa),
        "1": INSURANCE_TYPE.get(c.payer_type, "OTHER"),
        "1a": c.member_id.upper(),
        "2": person_name(s.patient),
        "3_dob": mdy(s.patient.dob),
        "3_sex": s.patient.sex or "",
        "4": person_name(sub),
        "5_street": (s.patient.address.line1 or "").upper(),
        "5_city": (s.patient.address.city or "").upper(),
        "5_state": s.patient.address.state or "",
        "5_zip": format_zip(s.patient.address.zip),
        "5_phone": format_phone(s.patient.phone),
        "6": RELATIONSHIP.get(c.relationship, "OTHER"),
        "7_street": (sub.address.line1 or "").upper(),
        "7_city": (sub.address.city or "").upper(),
        "7_state": sub.address.state or "",
        "7_zip": format_zip(sub.address.zip),
        "9": person_name(other.subscriber) if other else "",
        "9a": (other.group_number or other.member_id).upper() if other else "",
        "9d": (other.plan_name or other.payer_name).upper() if other else "",
        **_condition_boxes(s),
        "11": (group or _employer(s)).upper(),
        "11a_dob": mdy(sub.dob) if _insured_dob_needed(s) else "",
        "11a_sex": (sub.sex or "") if _insured_dob_needed(s) else "",
        "11c": (c.plan_name or c.payer_name).upper(),
        "11d": "YES" if other else "NO",
        "12": "SIGNATURE ON FILE" if s.signature_on_file else "",
        "13": "SIGNATURE ON FILE" if s.assignment_on_file else "",
    }


def _billing_boxes(s: ClaimSnapshot) -> dict[str, str]:
    """Boxes 25 to 33: tax id, totals, the rendering provider, facility and billing provider."""
    boxes = {
        "25": s.billing.tax_id,
        "25_type": "SSN" if s.billing.tax_id_type == "SSN" else "EIN",
        "26": s.patient_control_number,
        "27": "YES",
        "28": money(s.total_cents),
        "29": money(_amount_paid(s)),
        "31": f"{s.rendering.first_name} {s.rendering.last_name} {s.rendering.credential}".upper(),
        "31_date": mdy(s.as_of),
        "32": s.billing.name.upper(),
        "32_street": (s.billing.address.line1 or "").upper(),
        "32_city": _city_line(s.billing.address),
        "32a": s.billing.npi,
        "33": s.billing.name.upper(),
        "33_street": (s.billing.address.line1 or "").upper(),
        "33_city": _city_line(s.billing.address),
        "33_phone": format_phone(s.billing.phone),
        "33a": s.billing.npi,
        "33b": f"ZZ{s.billing.taxonomy}",
    }
    facility = ("32", "32_street", "32_city", "32a")
    if [boxes[k] for k in facility] == [boxes[k] for k in ("33", "33_street", "33_city", "33a")]:
        boxes.update(dict.fromkeys(facility, ""))  # NUCC: box 32 blank when it is box 33
    return boxes


def _condition_boxes(s: ClaimSnapshot) -> dict[str, str]:
    """Boxes 10a-c (employment, auto accident with its state, other accident), 11b (the
    property-and-casualty claim number, qualifier Y4), 14 (onset of the illness or injury,
    qualifier 431) and 15 (the accident date, qualifier 439, when the onset is later)."""
    case = s.case
    cause = case.related_cause if case else None
    out = {
        "10a": "YES" if cause == "EM" else "NO",
        "10b": "YES" if cause == "AA" else "NO",
        "10b_state": (case.state or "") if cause == "AA" else "",
        "10c": "YES" if cause == "OA" else "NO",
        "11b_qualifier": "Y4" if case and case.claim_number else "",
        "11b": (case.claim_number or "").upper() if case else "",
        "14": mdy(case.onset_date or case.injury_date) if case else "",
        "14_qualifier": "431" if case else "",
        "15_qualifier": "",
        "15": "",
    }
    if case and cause and case.onset_date and case.onset_date != case.injury_date:
        out["15_qualifier"], out["15"] = "439", mdy(case.injury_date)
    return out


def _employer(s: ClaimSnapshot) -> str:
    """Box 11 on a workers' comp claim without a group number: the employer."""
    if s.case is not None and s.case.kind == "workers-comp":
        return s.case.employer or ""
    return ""


def _insured_dob_needed(s: ClaimSnapshot) -> bool:
    """Box 11a: when the insured is not the patient (NUCC), or always for a payer whose
    profile asks for it."""
    return not s.patient_is_subscriber or s.profile.insured_dob_on_form


def _amount_paid(s: ClaimSnapshot) -> int:
    """Box 29: what the patient and other payers paid on the covered services."""
    return s.patient_paid_cents + (s.prior_payer.paid_cents if s.prior_payer else 0)


def _city_line(address) -> str:
    if not address.city:
        return ""
    return f"{address.city}, {address.state or ''} {format_zip(address.zip)}".upper().strip()


def line_boxes(s: ClaimSnapshot, line) -> dict[str, str]:
    letters = "".join(chr(64 + p) for p in line.pointers[:4] if 1 <= p <= min(len(s.diagnoses), 12))
    return {
        "line": str(line.number),
        "24A_from": mdy(line.service_date, 2),
        "24A_to": mdy(line.service_date, 2),
        "24B": line.place_of_service,
        "24C": "",
        "24D_code": line.code,
        "24D_modifiers": " ".join(line.modifiers[:4]),
        "24E": letters,
        "24F": money(line.charge_cents),
        "24G": str(line.units),
        "24H": "",
        "24I": "NPI",
        "24J": s.rendering.npi,
    }


def rows(snapshots) -> list[dict[str, str]]:
    """One row per service line: the claim's boxes, then the line's, keyed `box_<box>`."""
    out = []
    for s in snapshots:
        claim = claim_boxes(s)
        for line in s.lines:
            row = {"claim_id": str(s.claim_id), "claim_status": s.status}
            row.update({f"box_{key}": claim[key] for key, _ in CLAIM_COLUMNS})
            row.update({f"box_{key}": value for key, value in line_boxes(s, line).items()})
            out.append(row)
    return out


def headers() -> list[str]:
    return [
        "claim_id",
        "claim_status",
        *(f"box_{key}" for key, _ in CLAIM_COLUMNS),
        *(f"box_{key}" for key, _ in LINE_COLUMNS),
    ]


def to_csv(snapshots) -> str:
    """The rows as CSV for a spreadsheet: text cells that could run as a formula are
    prefixed with ' (store.files.spreadsheet_cell); the JSON keeps exact values."""
    from clinicbill.store.files import spreadsheet_cell

    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=headers(), lineterminator="\n")
    writer.writeheader()
    writer.writerows({k: spreadsheet_cell(v) for k, v in row.items()} for row in rows(snapshots))
    return buffer.getvalue()


def to_json(snapshots) -> str:
    return json.dumps(rows(snapshots), indent=2, ensure_ascii=False) + "\n"
