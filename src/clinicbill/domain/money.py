"""Money: integer cents in storage, Decimal at the edges, never float."""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal

from clinicbill.domain.errors import ClinicbillError

CENT = Decimal("0.01")
MAX_CENTS = 10**13  # ten hundred-billion dollars: far beyond any claim, below BIGINT


# What a person may type for an amount: ASCII digits, an optional leading $, thousands commas
# only in groups of three, at most two decimals (`85`, `85.5`, `$1,085.50`, `.50`).
_AMOUNT = re.compile(r"\$?(?:[0-9]{1,3}(?:,[0-9]{3})+|[0-9]+)?(?:\.[0-9]{0,2})?\Z")
_TOO_PRECISE = re.compile(r"\$?[0-9,]*\.[0-9]{3,}\Z")
_AMOUNT_HINT = "type dollars with at most two decimals, e.g. 85, 85.00 or $1,085.50"


def parse_amount(text: str | Decimal | int, field: str = "amount", allow_zero: bool = True) -> int:
    """Parse a dollar amount typed by a person (`85`, `85.00`, `$1,085.50`) into cents.

    Only ASCII digits, an optional leading `$`, thousands commas in their places and at most
    two decimals: `1e2`, `0x10`, `Infinity`, `NaN`, `85.001`, `1,00` and non-ASCII digits are
    refused, and a negative amount is refused as negative. Every message names `field`.
    """
    if isinstance(text, float):  # pragma: no cover - guard against programming errors
        raise TypeError("money must never be a float")
    if isinstance(text, Decimal | int) and not isinstance(text, bool):
        return _cents_of_decimal(Decimal(text), str(text), field, allow_zero)
    shown = str(text).strip()
    unsigned = re.sub(r"\A(\$?)[-\u2212]", r"\1", shown)
    looks_numeric = _AMOUNT.match(unsigned) or _TOO_PRECISE.match(unsigned)
    if unsigned != shown and looks_numeric and unsigned.strip("$.,"):
        raise ClinicbillError(
            f"{field}: '{shown[:30]}' is negative", "amounts are positive dollars, e.g. 5 or 5.00"
        )
    raw = shown
    if raw.isascii() and _TOO_PRECISE.match(raw):
        raise ClinicbillError(f"{field}: '{shown[:30]}' has more than two decimals", _AMOUNT_HINT)
    if not raw or len(raw) > 24 or not raw.isascii() or not _AMOUNT.match(raw):
        raise ClinicbillError(f"{field}: '{shown[:30]}' is not an amount", _AMOUNT_HINT)
    digits = raw.removeprefix("$").replace(",", "")
    if digits in ("", "."):
        raise ClinicbillError(f"{field}: '{shown[:30]}' is not an amount", _AMOUNT_HINT)
    return _cents_of_decimal(Decimal(digits), shown, field, allow_zero)


def _cents_of_decimal(value: Decimal, shown: str, field: str, allow_zero: bool) -> int:
    if not value.is_finite():
        raise ClinicbillError(f"{field}: '{shown[:30]}' is not a finite amount", _AMOUNT_HINT)
    if value < 0 or (value == 0 and value.is_signed()):
        raise ClinicbillError(
            f"{field}: '{shown[:30]}' is negative", "amounts are positive dollars, e.g. 5 or 5.00"
        )
    if value != value.quantize(CENT, rounding=ROUND_HALF_UP):
        raise ClinicbillError(f"{field}: '{shown[:30]}' has more than two decimals", _AMOUNT_HINT)
    cents = int(value * 100)
    if cents >= MAX_CENTS:
        raise ClinicbillError(f"{field}: '{shown[:30]}' is too large", _AMOUNT_HINT)
    if cents == 0 and not allow_zero:
        raise ClinicbillError(f"{field}: must be more than 0", _AMOUNT_HINT)
    return cents


def to_decimal(cents: int) -> Decimal:
    """Cents to a Decimal dollar amount with two places."""
    return (Decimal(int(cents)) / 100).quantize(CENT)


def to_cents(amount: Decimal | str | int) -> int:
    """A Decimal (or its text, e.g. from X12) to integer cents, rounding half up."""
    if isinstance(amount, float):  # pragma: no cover
        raise TypeError("money must never be a float")
    value = Decimal(str(amount))
    return int((value * 100).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def fmt(cents: int | None, symbol: bool = True) -> str:
    """Format cents for people: `$1,234.50`, negatives as `-$3.00`."""
    if cents is None:
        return ""
    sign = "-" if cents < 0 else ""
    text = f"{abs(int(cents)) // 100:,}.{abs(int(cents)) % 100:02d}"
    return f"{sign}{'$' if symbol else ''}{text}"


def x12_amount(cents: int) -> str:
    """X12 monetary value: no `$`, no trailing zeros beyond need (`120`, `120.5`, `-3.25`)."""
    value = to_decimal(cents)
    text = format(value.normalize(), "f")
    return text


_SHOWN_MONEY = re.compile(r"(-?)\$?(-?)(\d{1,3}(?:,\d{3})*|\d+)\.(\d{2})")


def json_money(data, key: str = ""):
    """The one money representation of all JSON output (README "JSON"): a decimal string such
    as "1234.50" under a plain key, integer cents under a `*_cents` key. Amounts formatted for
    people ("$1,234.50") on their way out are turned into that form here, in one place."""
    if isinstance(data, dict):
        return {k: json_money(v, str(k)) for k, v in data.items()}
    if isinstance(data, list | tuple):
        return [json_money(v, key) for v in data]
    if isinstance(data, Decimal):
        data = f"{data:.2f}" if not key.endswith("_cents") else data
    if isinstance(data, str):
        shown = _SHOWN_MONEY.fullmatch(data.strip())
        if shown and ("$" in data or "," in data or key.endswith("_cents")):
            negative = "-" if (shown[1] or shown[2]) else ""
            plain = f"{negative}{shown[3].replace(',', '')}.{shown[4]}"
            return to_cents(plain) if key.endswith("_cents") else plain
    if isinstance(data, Decimal) and key.endswith("_cents"):
        return to_cents(data)
    return data
