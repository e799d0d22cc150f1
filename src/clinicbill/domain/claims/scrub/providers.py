"""Providers: NPI check digits (DOMAIN.md §6), taxonomy codes, and which credentials the payer
profile accepts for a code (e.g. massage therapists are not a Medicare provider type, §9)."""

from __future__ import annotations

import re

from clinicbill.domain.claims.scrub.findings import error
from clinicbill.domain.validate import npi_check_digit_ok

TAXONOMY = re.compile(r"[0-9A-Z]{9}X")


def npis(s) -> list:
    out = []
    if not npi_check_digit_ok(s.billing.npi or ""):
        out.append(
            error(
                s,
                "33a",
                f"billing NPI '{s.billing.npi}' fails the check digit",
                "practice edit --npi (10 digits, Luhn check with the 80840 prefix)",
            )
        )
    if not npi_check_digit_ok(s.rendering.npi or ""):
        out.append(
            error(
                s,
                "24J",
                f"rendering NPI '{s.rendering.npi}' fails the check digit",
                f"clinicbill provider edit {s.rendering.id} --npi",
            )
        )
    if s.referral is not None and not npi_check_digit_ok(s.referral.npi or ""):
        out.append(
            error(
                s,
                "17b",
                f"referring provider NPI '{s.referral.npi}' fails the check digit",
                "correct the referral's NPI",
            )
        )
    return out


def taxonomies(s) -> list:
    out = []
    if not TAXONOMY.fullmatch(s.billing.taxonomy or ""):
        out.append(
            error(
                s,
                "33b",
                "billing provider taxonomy is missing or malformed (2000A PRV)",
                "practice edit --taxonomy 225700000X",
            )
        )
    if not TAXONOMY.fullmatch(s.rendering.taxonomy or ""):
        out.append(
            error(
                s,
                "24J",
                "rendering provider taxonomy is missing or malformed (2310B PRV)",
                f"provider edit {s.rendering.id} --taxonomy",
            )
        )
    return out


def payer_accepts(s) -> list:
    out = []
    if not s.profile.billable:
        out.append(
            error(
                s,
                "1",
                f"payer '{s.coverage.payer_name}' uses the {s.profile.name} profile: no claims",
                "give the patient a superbill, or bill the right policy",
            )
        )
    credential = (s.rendering.credential or "").upper()
    refused = sorted({line.code for line in s.lines} - _allowed(s, credential))
    for code in refused:
        numbers = [line.number for line in s.lines if line.code == code]
        allowed = ", ".join(s.profile.credentials.get(code, ())) or "nobody"
        out.append(
            error(
                s,
                "24D",
                f"{s.coverage.payer_name} does not accept {code} from a {credential} "
                f"({s.profile.name} profile accepts: {allowed})",
                "bill a payer that covers this provider, or the patient (superbill)",
                numbers[0],
            )
        )
    return out


def _allowed(s, credential: str) -> set[str]:
    return {line.code for line in s.lines if s.profile.credential_allowed(line.code, credential)}


RULES = [npis, taxonomies, payer_accepts]
