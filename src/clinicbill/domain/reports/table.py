"""The one shape every report is computed into, then printed as a terminal table, JSON, CSV or
PDF (STYLE.md: build a snapshot, then render it). Money cells are integer cents; percentages
are Decimals with one place; dates are `datetime.date`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

TEXT, MONEY, PERCENT, COUNT, DATE = "text", "money", "percent", "count", "date"


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    kind: str = TEXT  # text | money | percent | count | date
    emphasis: str = ""  # "" | "warn" | "alert": a terminal may colour it (old buckets)


# The columns that say whose line it is, in the order the worklists show them.
PATIENT = Column("patient", "Patient")
ACCOUNT = Column("account", "Account")
PAYER = Column("payer", "Payer")
CLAIM = Column("claim", "Claim")
CLAIM_COLUMNS = (CLAIM, PATIENT, ACCOUNT, PAYER)  # a claim and whose it is
POLICY_COLUMNS = (PATIENT, ACCOUNT, PAYER)  # a policy (or visit) and whose it is


@dataclass(frozen=True)
class Section:
    """One table of a report: its rows and, when it adds up, a totals row."""

    key: str
    title: str
    columns: tuple[Column, ...]
    rows: tuple[tuple, ...]
    total: tuple | None = None
    share_row: tuple | None = None  # under the totals: each money column's % of the total
    empty: str = "none"
    preview: int | None = None  # a terminal shows this many rows unless asked for all

    def dicts(self) -> list[dict]:
        return [dict(zip(self.keys, row, strict=True)) for row in self.rows]

    @property
    def keys(self) -> tuple[str, ...]:
        return tuple(c.key for c in self.columns)


@dataclass(frozen=True)
class Report:
    name: str
    title: str
    parameters: dict = field(default_factory=dict)  # what the report was asked for
    sections: tuple[Section, ...] = ()
    notes: tuple[str, ...] = ()  # closing lines; the last one is the report's check line
    summary: dict = field(default_factory=dict)  # headline numbers (money in cents)

    def section(self, key: str) -> Section:
        for section in self.sections:
            if section.key == key:
                return section
        raise KeyError(key)

    def subtitle(self) -> str:
        """The parameters in words: `as of 2026-11-30; expiring within 30 days`."""

        def words(key: str, value) -> str:
            if key.endswith("_days"):  # the unit after the number, not inside the name
                return f"{key.removesuffix('_days').replace('_', ' ')} {value} days"
            return f"{key.replace('_', ' ')} {value}"

        return "; ".join(words(k, v) for k, v in self.parameters.items() if v is not None)


def column_totals(rows, indexes) -> tuple[int, ...]:
    """The sum of each of the columns at `indexes` over `rows` (money cents or counts)."""
    return tuple(sum(row[i] for row in rows) for i in indexes)


def percent(part: int, whole: int) -> Decimal | None:
    """`part` as a percentage of `whole`, one decimal place, exact (no float)."""
    if not whole:
        return None
    return (Decimal(int(part)) * 100 / Decimal(int(whole))).quantize(
        Decimal("0.1"), rounding=ROUND_HALF_UP
    )


def cell_text(value, kind: str, symbol: bool = True) -> str:
    """A cell for people: money as $1,234.50, percentages as 12.5%, dates ISO."""
    from clinicbill.domain.money import fmt

    if value is None:
        return ""
    if kind == MONEY:
        return fmt(value, symbol=symbol)
    if kind == PERCENT:
        return f"{value}%" if symbol else str(value)
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def cell_data(value, kind: str):
    """A cell for machines (JSON/CSV): money as an exact decimal string, counts as ints."""
    from clinicbill.domain.money import to_decimal

    if value is None:
        return None
    if kind == MONEY:
        return str(to_decimal(value))
    if kind == PERCENT:
        return str(value)
    if isinstance(value, date):
        return value.isoformat()
    return value
