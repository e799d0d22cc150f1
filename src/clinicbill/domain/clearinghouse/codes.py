"""X12 code tables in words (data/x12_codes.toml), and the fix a rejection calls for."""

from __future__ import annotations

import tomllib
from functools import cache

UNKNOWN = "code not in clinicbill's table"


@cache
def _tables() -> dict[str, dict[str, str]]:
    from clinicbill.resources import data_path

    with open(data_path("x12_codes.toml"), "rb") as fh:
        return {
            name: {str(k): str(v) for k, v in t.items()} for name, t in tomllib.load(fh).items()
        }


def words(table: str, code: str | None) -> str:
    """`A7 acknowledgement/rejected for invalid information`; unknown codes say so."""
    code = (code or "").strip()
    if not code:
        return ""
    return f"{code} {_tables()[table].get(code.upper(), UNKNOWN)}"


def text(table: str, code: str | None) -> str | None:
    """The description alone, or None for an unknown code."""
    return _tables()[table].get((code or "").strip().upper())


ACCEPTED_CATEGORIES = ("A1", "A2")
REJECTED_CATEGORIES = ("A3", "A4", "A6", "A7", "A8")


def category_result(category: str) -> str:
    """accepted | rejected | finalized | pending | info for an STC category code."""
    code = (category or "").upper()
    if code in ACCEPTED_CATEGORIES:
        return "accepted"
    if code in REJECTED_CATEGORIES:
        return "rejected"
    if code.startswith("F"):
        return "finalized"
    if code.startswith("P"):
        return "pending"
    return "info"


# The data behind common claim status codes, and where it lives in clinicbill (the fix).
_FIXES = {
    ("IL", "QC", "03"): "check the member ID, name and date of birth against the insurance "
    "card: clinicbill policy edit ID / patient edit ID",
    ("PR",): "check the payer ID with the clearinghouse's payer list: clinicbill payer edit ID",
    ("85", "82", "1P", "87"): "check the provider's NPI, taxonomy, address and tax ID: "
    "clinicbill provider edit ID / practice edit",
    ("DN", "DK"): "check the referring provider's name and NPI: clinicbill referral ...",
    ("41", "40"): "the clearinghouse does not recognise the submitter or receiver: check "
    "clinicbill practice edit --submitter-id/--receiver-id with them",
}
_STATUS_FIXES = {
    "29": "the member ID does not match the policy: correct it from the card",
    "30": "the member ID does not match the subscriber: correct it from the card",
    "33": "the payer cannot find the subscriber: check the member ID and the payer",
    "35": "the payer has no record of the claim: resend it",
    "54": "the payer has this claim already: do not resend; check its status",
    "97": "the payer has no eligibility for the patient: verify benefits (eligibility request)",
    "109": "the patient was not covered on the dates of service: verify benefits",
    "116": "sent to the wrong payer: check the patient's policies",
    "187": "check the dates of service",
    "254": "check the principal diagnosis code (clinicbill session edit / claim show)",
    "255": "check the diagnosis codes",
    "400": "the claim's total does not match its lines: rebuild the claim",
    "454": "check the procedure codes",
    "458": "add or correct the prior authorization/referral number",
    "513": "the dates of service are outside the policy's dates: verify benefits",
    "516": "the policy was not in effect on the dates of service: verify benefits",
    "562": "check the NPI of the provider named",
    "673": "check the billing provider's NPI",
}


def fix_for(status_codes: list[str], entity: str | None) -> str:
    """The next step for a rejection, from its status codes and the entity in error."""
    for code in status_codes:
        if code in _STATUS_FIXES:
            return _STATUS_FIXES[code]
    for entities, fix in _FIXES.items():
        if (entity or "").upper() in entities:
            return fix
    return "correct the claim as the reason says, then resend it (clinicbill claim resubmit ID)"
