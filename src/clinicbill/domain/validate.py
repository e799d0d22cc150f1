"""Validation of what people type (SPEC §4.1): each refusal names field, value, what is accepted."""

from __future__ import annotations

import re
from datetime import date, timedelta

from clinicbill.domain.errors import ClinicbillError, MissingValue

US_STATES = frozenset(
    "AL AK AZ AR CA CO CT DE DC FL GA HI ID IL IN IA KS KY LA ME MD MA MI MN MS MO MT NE NV NH "
    "NJ NM NY NC ND OH OK OR PA RI SC SD TN TX UT VT VA WA WV WI WY PR VI GU AS MP".split()
)
# Full state names people type ("Oregon", "new york") -> the 2-letter code.
STATE_NAMES = dict(
    (name.replace("_", " ").upper(), code)
    for code, name in (
        x.split(":")
        for x in (
            "AL:Alabama AK:Alaska AZ:Arizona AR:Arkansas CA:California CO:Colorado "
            "CT:Connecticut DE:Delaware DC:District_of_Columbia FL:Florida GA:Georgia HI:Hawaii "
            "ID:Idaho IL:Illinois IN:Indiana IA:Iowa KS:Kansas KY:Kentucky LA:Louisiana ME:Maine "
            "MD:Maryland MA:Massachusetts MI:Michigan MN:Minnesota MS:Mississippi MO:Missouri "
            "MT:Montana NE:Nebraska NV:Nevada NH:New_Hampshire NJ:New_Jersey NM:New_Mexico "
            "NY:New_York NC:North_Carolina ND:North_Dakota OH:Ohio OK:Oklahoma OR:Oregon "
            "PA:Pennsylvania RI:Rhode_Island SC:South_Carolina SD:South_Dakota TN:Tennessee "
            "TX:Texas UT:Utah VT:Vermont VA:Virginia WA:Washington WV:West_Virginia "
            "WI:Wisconsin WY:Wyoming PR:Puerto_Rico VI:Virgin_Islands GU:Guam "
            "AS:American_Samoa MP:Northern_Mariana_Islands"
        ).split()
    )
)
SEXES = {"F": "F", "M": "M", "U": "U", "FEMALE": "F", "MALE": "M", "UNKNOWN": "U"}
# Patient relationship to the subscriber -> X12 individual relationship code (SBR02 / PAT01).
RELATIONSHIPS = {"self": "18", "spouse": "01", "child": "19", "other": "G8"}
PRIORITIES = ("primary", "secondary", "tertiary")


def _show(value: object) -> str:
    text = str(value)
    return text if len(text) <= 30 else text[:27] + "..."


def npi_check_digit_ok(npi: str) -> bool:
    """Luhn check over the NPI as if prefixed by 80840 (DOMAIN.md §6)."""
    if not (len(npi) == 10 and npi.isascii() and npi.isdigit() and npi[0] in "12"):
        return False
    total = 0
    for i, ch in enumerate(reversed("80840" + npi)):
        d = int(ch)
        if i % 2 == 1:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return total % 10 == 0


def npi_with_check_digit(first_nine: str) -> str:
    """Complete a 9-digit NPI stem with its check digit (used for sample and test data)."""
    for last in "0123456789":
        if npi_check_digit_ok(first_nine + last):
            return first_nine + last
    raise ValueError(first_nine)  # pragma: no cover - one digit always fits


def npi(value: str, field: str = "npi") -> str:
    text = (value or "").strip()
    if not npi_check_digit_ok(text):
        raise ClinicbillError(
            f"{field}: '{_show(text)}' is not a valid NPI",
            "an NPI is 10 digits starting with 1 or 2 whose last digit is the Luhn check digit",
        )
    return text


_ACCOUNT_NUMBER = re.compile(r"[A-Z0-9](?:[A-Z0-9-]{0,18}[A-Z0-9])?\Z")


def account_number(value: str, field: str = "account-number") -> str:
    """A patient account number: 1 to 20 ASCII letters, digits and inner dashes, stored in
    upper case. It names files (superbill-ACCOUNT-...pdf), so nothing else is accepted."""
    text = str(value or "").strip().upper()
    if not (text.isascii() and _ACCOUNT_NUMBER.match(text)):
        raise ClinicbillError(
            f"{field}: '{_show(text)}' is not an account number",
            "use 1 to 20 letters, digits and dashes (e.g. P00042 or SMITH-2)",
        )
    return text


def tax_id(value: str, field: str = "tax-id") -> tuple[str, str]:
    """EIN (NN-NNNNNNN) or SSN (NNN-NN-NNNN); returns (digits, 'EIN'|'SSN')."""
    text = (value or "").strip()
    if re.fullmatch(r"\d{2}-\d{7}", text):
        return text.replace("-", ""), "EIN"
    if re.fullmatch(r"\d{3}-\d{2}-\d{4}", text):
        return text.replace("-", ""), "SSN"
    if re.fullmatch(r"\d{9}", text):
        return text, "EIN"
    raise ClinicbillError(
        f"{field}: '{_show(text)}' is not an EIN or SSN",
        "type an EIN as 12-3456789 or an SSN as 123-45-6789",
    )


def taxonomy(value: str, field: str = "taxonomy") -> str:
    text = (value or "").strip().upper()
    if not re.fullmatch(r"[0-9A-Z]{9}X", text):
        raise ClinicbillError(
            f"{field}: '{_show(text)}' is not a provider taxonomy code",
            "10 characters ending in X, e.g. 225700000X (massage) or 171100000X (acupuncture)",
        )
    return text


def state(value: str, field: str = "state") -> str:
    text = " ".join((value or "").split()).upper()
    text = STATE_NAMES.get(text, text)
    if text not in US_STATES:
        raise ClinicbillError(
            f"{field}: '{_show(text)}' is not a US state",
            "use the 2-letter code or the full name, e.g. OR or Oregon",
        )
    return text


def zip_code(value: str, field: str = "zip") -> str:
    text = (value or "").strip()
    if not re.fullmatch(r"\d{5}(-?\d{4})?", text):
        raise ClinicbillError(
            f"{field}: '{_show(text)}' is not a ZIP code", "5 digits or ZIP+4, e.g. 97201-1234"
        )
    return text.replace("-", "")


def phone(value: str, field: str = "phone") -> str:
    digits = re.sub(r"[\s().+-]", "", (value or "").strip())
    if digits.startswith("1") and len(digits) == 11:
        digits = digits[1:]
    if not (len(digits) == 10 and digits.isdigit()):
        raise ClinicbillError(
            f"{field}: '{_show(value)}' is not a US phone number",
            "10 digits, e.g. 503-555-0142",
        )
    return digits


def sex(value: str, field: str = "sex") -> str:
    code = SEXES.get((value or "").strip().upper())
    if code is None:
        raise ClinicbillError(f"{field}: '{_show(value)}' is not accepted", "use F, M or U")
    return code


def _one_of(value: str, field: str, allowed) -> str:
    """`value` lower-cased when it is one of `allowed` (listed in the hint), else a refusal."""
    text = (value or "").strip().lower()
    if text not in allowed:
        words = list(allowed)
        raise ClinicbillError(
            f"{field}: '{_show(value)}' is not accepted",
            f"use {', '.join(words[:-1])} or {words[-1]}",
        )
    return text


def relationship(value: str, field: str = "relationship") -> str:
    return _one_of(value, field, RELATIONSHIPS)


def priority(value: str, field: str = "priority") -> str:
    return _one_of(value, field, PRIORITIES)


# Dates a billing record can hold: every report and document does arithmetic around them
# (aging buckets, plan years, 90-day windows), which Python's date cannot do near year 1 or 9999.
EARLIEST_DATE = date(1900, 1, 1)
LATEST_DATE = date(2999, 12, 31)


def parse_date(value: str | date, field: str = "date", allow_future: bool = True) -> date:
    """ISO YYYY-MM-DD, US MM/DD/YYYY (as people type dates of birth), `today` or `yesterday`,
    between EARLIEST_DATE and LATEST_DATE."""
    if isinstance(value, date):
        result = value
    else:
        text = (value or "").strip().lower()
        if text == "today":
            result = date.today()
        elif text == "yesterday":
            result = date.today() - timedelta(days=1)
        else:
            try:
                us = re.fullmatch(r"(\d{1,2})/(\d{1,2})/(\d{4})", text)
                if us:
                    result = date(int(us[3]), int(us[1]), int(us[2]))
                elif re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
                    result = date.fromisoformat(text)
                else:
                    raise ValueError
            except ValueError:
                raise ClinicbillError(
                    f"{field}: '{_show(value)}' is not a date",
                    "use YYYY-MM-DD or MM/DD/YYYY (a real calendar day), today or yesterday",
                ) from None
    if not allow_future:
        check_not_future(result, field, f"give a date no later than today ({date.today()})")
    if not EARLIEST_DATE <= result <= LATEST_DATE:
        raise ClinicbillError(
            f"{field}: {result.isoformat()} is out of range",
            f"give a date from {EARLIEST_DATE.isoformat()} to {LATEST_DATE.isoformat()}",
        )
    return result


def check_not_future(day: date | None, field: str, hint: str = "") -> None:
    """The one check that a date (an as-of, a call, a status change) is not after today."""
    if day is not None and day > date.today():
        raise ClinicbillError(
            f"{field}: {day.isoformat()} is in the future", hint or "give today or an earlier date"
        )


def required_text(value: str | None, field: str, max_len: int = 60) -> str:
    text = (value or "").strip()
    if not text:
        raise MissingValue([field])
    if len(text) > max_len:
        raise ClinicbillError(
            f"{field}: too long ({len(text)} characters)", f"at most {max_len} characters"
        )
    if any(ord(c) < 32 for c in text):
        raise ClinicbillError(f"{field}: contains control characters", "use plain text")
    return text


def multiline_text(text: str, field: str, max_len: int) -> str:
    """Free text that may span lines (SOAP notes, template answers, exclusions): at most
    `max_len` characters and no control character but newline and tab. Returns the text."""
    if len(text) > max_len:
        raise ClinicbillError(
            f"{field}: too long ({len(text)} characters)", f"at most {max_len} characters"
        )
    if any(ord(c) < 32 and c not in "\n\t" for c in text):
        raise ClinicbillError(f"{field}: contains control characters", "use plain text")
    return text


def whole_number(value, field_name: str, low: int, high: int, hint: str = "") -> int:
    """A whole number from low to high, refused by name otherwise (blank too); `hint` replaces
    the range as the hint for what is not a number."""
    try:
        number = int(str(value).strip())
    except ValueError:
        raise ClinicbillError(
            f"{field_name}: '{str(value)[:20]}' is not a whole number",
            hint or f"use {low} to {high}",
        ) from None
    if not low <= number <= high:
        raise ClinicbillError(f"{field_name}: {number} is out of range", f"use {low} to {high}")
    return number


def optional_text(value: str | None, field: str, max_len: int = 60) -> str | None:
    if value is None or not str(value).strip():
        return None
    return required_text(value, field, max_len)
