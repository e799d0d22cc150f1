"""How patient documents print US addresses, phone numbers and tax ids."""

from __future__ import annotations


def format_zip(zip_code: str | None) -> str:
    text = zip_code or ""
    return f"{text[:5]}-{text[5:]}" if len(text) == 9 else text


def format_phone(phone: str | None) -> str:
    text = phone or ""
    return f"({text[:3]}) {text[3:6]}-{text[6:]}" if len(text) == 10 else text


def format_tax_id(digits: str, kind: str) -> str:
    if kind == "SSN" and len(digits) == 9:
        return f"{digits[:3]}-{digits[3:5]}-{digits[5:]}"
    if len(digits) == 9:
        return f"{digits[:2]}-{digits[2:]}"
    return digits


def patient_facing_tax_id(digits: str, kind: str) -> str:
    """The practice's tax id as a patient document prints it: an EIN whole, an SSN masked to
    its last four digits (XXX-XX-6789). Only the claim (CMS-1500 box 25, 837P) carries a
    practitioner's full SSN, for the payer."""
    if kind == "SSN":
        return f"XXX-XX-{digits[-4:]}" if len(digits) >= 4 else "XXX-XX-XXXX"
    return format_tax_id(digits, kind)


def address_lines(address1, address2, city, state, zip_code) -> tuple[str, ...]:
    """An address as printed: street lines, then "City, ST 12345-6789"."""
    lines = [x for x in (address1, address2) if x]
    place = ", ".join(x for x in (city, state) if x)
    last = " ".join(x for x in (place, format_zip(zip_code)) if x)
    if last:
        lines.append(last)
    return tuple(lines)
