"""Reading one element of an 835 segment: text, amount (exact integer cents), quantity, date,
composite. A bad value is a refusal naming the segment and the element (XXnn).

Amounts take the common shape (digits, an optional point and up to two decimals) without a
regular expression; anything else goes through the full rule, so what is accepted and refused
is exactly what the pattern below says.
"""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

TYPE_CHECKING = False  # not typing's: the reader does not import typing (startup time)
if TYPE_CHECKING:
    from clinicbill.formats.x12_835_tokens import Delimiters
    from clinicbill.formats.x12_835_types import _Error

_AMOUNT = re.compile(r"-?(\d{1,15}(\.\d*)?|\.\d+)\Z")
_QUANTITY = re.compile(r"-?(\d{1,12}(\.\d*)?|\.\d+)\Z")


def amount_cents(value: str) -> int | str:
    """An X12 amount element (R: `-?digits[.digits]`, stripped) as exact integer cents, or why
    it is not one ("is not an amount", "has more than two decimals": the caller names the
    element). The one amount rule of every X12 reader."""
    whole, _dot, fraction = value.partition(".")
    # the common shape, as the pattern reads it: 1-15 digits, then at most 2 decimals
    if whole.isdecimal() and len(whole) <= 15 and len(fraction) <= 2:
        if not fraction:
            return int(whole) * 100
        if fraction.isdecimal():
            return int(whole) * 100 + int((fraction + "0")[:2])
    if not _AMOUNT.match(value):
        return "is not an amount"
    # exact integer arithmetic on the digits (the pattern admits nothing else)
    negative = value.startswith("-")
    whole, _dot, fraction = value.lstrip("-").partition(".")
    if len(fraction) > 2 and fraction[2:].strip("0"):
        return "has more than two decimals"
    cents = int(whole or "0") * 100 + int((fraction + "00")[:2])
    return -cents if negative else cents


def ccyymmdd(value: str) -> date | str:
    """An X12 date element (CCYYMMDD) as a date, or why it is not one (the caller names the
    element). The one date rule of every X12 reader."""
    if len(value) != 8 or not value.isdigit():
        return f"'{value[:20]}' is not a CCYYMMDD date"
    try:
        return date(int(value[:4]), int(value[4:6]), int(value[6:]))
    except ValueError:
        return f"'{value}' is not a valid date"


def get(els: list[str], index: int) -> str:
    return els[index].strip() if index < len(els) else ""


class Elements:
    """Element readers bound to one file's refusals (`err`) and delimiters."""

    def __init__(self, err: _Error):
        self.err = err
        self.delims: Delimiters | None = None
        self.dates: dict[str, date] = {}  # dates repeat in a remittance: each read once
        self.number = 0  # the number of the segment being read
        # values that recur, each read once: raw element -> cents / procedure; CAS -> records
        self.amounts: dict[str, int] = {}
        self.procedures: dict[str, tuple[str, tuple[str, ...]]] = {}
        self.cas: dict[tuple, tuple] = {}
        self.services: dict[tuple, dict] = {}  # SVC -> its fields (x12_835_loops.seg_SVC)
        self.quantities: dict[str, Decimal] = {}

    def start(self, delims: Delimiters) -> None:
        """A new interchange: its delimiters (what was read under others is forgotten)."""
        self.delims = delims
        caches = (self.amounts, self.procedures, self.cas, self.services, self.dates)
        for cache in (*caches, self.quantities):
            cache.clear()

    def refuse(self, seg: list[str], message: str, hint: str | None = None):
        """A refusal naming the segment being read (its elements `seg`)."""
        from clinicbill.formats.x12_835_types import Segment

        return self.err.at(Segment(seg[0], seg, self.number, 0), message, hint)

    def text(self, seg: list[str], index: int, required: bool = False) -> str | None:
        value = seg[index].strip() if index < len(seg) else ""
        if not value:
            if required:
                raise self.refuse(seg, f"{seg[0]}{index:02d} is required but empty")
            return None
        return value

    def amount(self, seg: list[str], index: int, required: bool = True) -> int | None:
        raw = seg[index] if index < len(seg) else ""
        cents = self.amounts.get(raw)  # amounts recur (fees, allowed amounts): read each once
        if cents is not None:
            return cents
        value = raw.strip()
        if not value:
            if required:
                raise self.refuse(seg, f"{seg[0]}{index:02d} (amount) is missing")
            return None
        cents = amount_cents(value)
        if type(cents) is str:
            raise self.refuse(seg, f"{seg[0]}{index:02d} '{value[:20]}' {cents}")
        if len(self.amounts) < 50_000:
            self.amounts[raw] = cents
        return cents

    def quantity(self, seg: list[str], index: int) -> Decimal | None:
        raw = seg[index] if index < len(seg) else ""
        known = self.quantities.get(raw)
        if known is not None:
            return known
        value = raw.strip()
        if not value:
            return None
        if not _QUANTITY.match(value):
            raise self.refuse(seg, f"{seg[0]}{index:02d} '{value[:20]}' is not a quantity")
        if len(self.quantities) < 4096:
            self.quantities[raw] = Decimal(value)
        return Decimal(value)

    def date(self, seg: list[str], index: int, required: bool = False) -> date | None:
        raw = seg[index] if index < len(seg) else ""
        known = self.dates.get(raw)
        if known is not None:
            return known
        value = raw.strip()
        if not value:
            if required:
                raise self.refuse(seg, f"{seg[0]}{index:02d} (date) is missing")
            return None
        if len(self.dates) > 10_000:
            self.dates.clear()
        self.dates[raw] = self._date(seg, index, value)
        return self.dates[raw]

    def _date(self, seg: list[str], index: int, value: str) -> date:
        day = ccyymmdd(value)
        if type(day) is str:
            raise self.refuse(seg, f"{seg[0]}{index:02d} {day}")
        return day

    def composite(self, seg: list[str], index: int) -> list[str]:
        return [part.strip() for part in get(seg, index).split(self.delims.component)]

    def procedure(self, seg: list[str]) -> tuple[str, tuple[str, ...]]:
        """SVC01: (procedure code, modifiers), upper case."""
        raw = seg[1] if len(seg) > 1 else ""
        known = self.procedures.get(raw)
        if known is None:
            procedure = self.composite(seg, 1)
            if len(procedure) < 2 or not procedure[1]:
                raise self.refuse(seg, f"SVC01 '{get(seg, 1)[:20]}' has no procedure code")
            known = (procedure[1].upper(), tuple(m.upper() for m in procedure[2:6] if m))
            if len(self.procedures) < 4096:
                self.procedures[raw] = known
        return known
