"""Money: integer cents in storage, Decimal at the edges, never float."""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from clinicbill.domain.errors import ClinicbillError

CENT = Decimal("0.01")
MAX_CENTS = 10**13  # ten hundred-billion dollars: far beyond any claim, below BIGINT


def parse_amount(text: str | Decimal | int, field: str = "amount", allow_zero: bool = True) -> int:
    """Parse a dollar amount typed by a person (`85`, `85.00`, `$1,085.50`) into cents.

    Refuses more than two decimals, negatives, NaN, infinity and absurd sizes.
    """
    if isinstance(text, float):  # pragma: no cover - guard against programming errors
        raise TypeError("money must never be a float")
    raw = str(text).strip().replace(",", "").removeprefix("$")
    hint = "type dollars with at most two decimals, e.g. 85 or 85.00"
    if not raw or len(raw) > 20:
        raise ClinicbillError(f"{field}: '{str(text)[:30]}' is not an amount", hint)
    try:
        value = Decimal(raw)
    except InvalidOperation:
        raise ClinicbillError(f"{field}: '{raw[:30]}' is not an amount", hint) from None
    if not value.is_finite():
        raise ClinicbillError(f"{field}: '{raw}' is not a finite amount", hint)
    if value < 0 or (value == 0 and value.is_signed()):
        raise ClinicbillError(f"{field}: '{raw}' is negative", "amounts are positive dollars")
    if value.as_tuple().exponent < -2 and value != value.quantize(CENT):
        raise ClinicbillError(f"{field}: '{raw}' has more than two decimals", hint)
    cents = int((value * 100).to_integral_value())
    if cents >= MAX_CENTS:
        raise ClinicbillError(f"{field}: '{raw}' is too large", hint)
    if cents == 0 and not allow_zero:
        raise ClinicbillError(f"{field}: must be more than 0", hint)
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
