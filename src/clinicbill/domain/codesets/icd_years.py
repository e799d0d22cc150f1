"""ICD-10-CM code sets by fiscal year (DOMAIN.md §10): a code set is in force from October 1
to September 30, so a diagnosis is checked against the set of its date of service's fiscal
year. Shipped sets: data/icd10cm/FY<year>.txt.gz, the billable codes without dots, sorted (see
the README beside them for their source). A date in a fiscal year between two shipped sets is
checked against both neighbours; a date outside every shipped year is left to the installed
code set (domain/codesets/icd.py, which warns)."""

from __future__ import annotations

import gzip
import re
from dataclasses import dataclass
from datetime import date
from functools import cache


def fiscal_year(on: date) -> int:
    """FY2025 runs from 2024-10-01 to 2025-09-30."""
    return on.year + 1 if on.month >= 10 else on.year


def fy_span(year: int) -> str:
    return f"{year - 1}-10-01..{year}-09-30"


@cache
def shipped_years() -> tuple[int, ...]:
    from clinicbill.resources import data_path

    found = []
    for path in data_path("icd10cm").glob("FY*.txt.gz"):
        match = re.fullmatch(r"FY(\d{4})\.txt\.gz", path.name)
        if match:
            found.append(int(match.group(1)))
    return tuple(sorted(found))


@cache
def billable_codes(year: int) -> frozenset[str]:
    from clinicbill.resources import data_path

    with gzip.open(data_path("icd10cm", f"FY{year}.txt.gz"), "rt", encoding="ascii") as f:
        return frozenset(line.strip() for line in f if line.strip())


@dataclass(frozen=True)
class YearCheck:
    """What the shipped sets say about a code on a date: `ok` (billable), `error` (not billable
    in the year's set, or in neither neighbour), `warning` (billable in one neighbour only), or
    `unknown` (no shipped set covers the date)."""

    verdict: str
    message: str = ""


def check_on(code: str, on: date) -> YearCheck:
    """The code (dotted or not) against the code set in force on `on`."""
    plain = code.replace(".", "").upper()
    year = fiscal_year(on)
    years = shipped_years()
    if year in years:
        if plain in billable_codes(year):
            return YearCheck("ok")
        return YearCheck("error", _not_billable(plain, year, on))
    before = [y for y in years if y < year]
    after = [y for y in years if y > year]
    if not before or not after:
        return YearCheck("unknown")
    prev, nxt = before[-1], after[0]
    in_prev, in_next = plain in billable_codes(prev), plain in billable_codes(nxt)
    if in_prev and in_next:
        return YearCheck("ok")
    if not in_prev and not in_next:
        return YearCheck(
            "error",
            f"not a billable code in FY{prev} nor in FY{nxt}, the code sets either side of "
            f"FY{year} (in force on {on})",
        )
    which, other = (prev, nxt) if in_prev else (nxt, prev)
    return YearCheck(
        "warning",
        f"billable in FY{which} but not in FY{other}: the FY{year} code set (in force on {on}) "
        "is not shipped, so check the code was billable that day",
    )


def _not_billable(plain: str, year: int, on: date) -> str:
    text = f"not a billable code in the FY{year} ICD-10-CM code set (in force on {on})"
    others = [y for y in shipped_years() if y != year and plain in billable_codes(y)]
    later = [y for y in others if y > year]
    earlier = [y for y in others if y < year]
    if later:
        text += f"; it is billable from FY{later[0]} ({fy_span(later[0])})"
    elif earlier:
        text += f"; it was billable in FY{earlier[-1]}"
    return text
