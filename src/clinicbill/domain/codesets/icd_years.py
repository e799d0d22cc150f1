"""ICD-10-CM code sets by fiscal year (DOMAIN.md §10): a code set is in force from October 1
to September 30, so a diagnosis is checked against the set of its date of service's fiscal
year. Shipped sets: data/icd10cm/FY<year>.txt.gz, the billable codes without dots, sorted (the
README beside them gives each set's source and licence). A date after the newest set is
checked against the newest set (a refusal names it), and a date before the oldest against
the oldest, with a warning that validity then cannot be checked (`outside_note`)."""

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
    """What the shipped sets say about a code on a date: `ok` (billable in the set used),
    `error` (not billable in it), `warning` (not billable in the oldest set, used for a date
    before it: validity then cannot be checked) or `unknown` (no set shipped at all)."""

    verdict: str
    message: str = ""
    year: int | None = None  # the fiscal year whose set was used


def set_for(on: date) -> int | None:
    """The fiscal year of the shipped set used for a date: its own, else the nearest."""
    years = shipped_years()
    if not years:
        return None
    return min(max(fiscal_year(on), years[0]), years[-1])


def check_on(code: str, on: date) -> YearCheck:
    """The code (dotted or not) against the code set in force on `on`."""
    plain = code.replace(".", "").upper()
    used = set_for(on)
    if used is None:
        return YearCheck("unknown")
    if plain in billable_codes(used):
        return YearCheck("ok", year=used)
    message = _not_billable(plain, used, on)
    if fiscal_year(on) < used:
        return YearCheck("warning", message, used)
    return YearCheck("error", message, used)


def outside_note(on: date) -> str | None:
    """For a date before the oldest shipped set: that its validity cannot be checked. (A date
    after the newest set is checked against the newest, and a refusal names it; a note on
    every claim of the current fiscal year would only be noise.)"""
    years = shipped_years()
    year, used = fiscal_year(on), set_for(on)
    if used is None or year >= used:
        return None
    return (
        f"the FY{year} ICD-10-CM code set (in force on {on}) is not shipped (shipped: "
        f"FY{years[0]}-FY{years[-1]}): validity before {used - 1}-10-01 cannot be checked; "
        f"diagnoses were checked against FY{used}"
    )


def _not_billable(plain: str, year: int, on: date) -> str:
    newest = year == shipped_years()[-1] and fiscal_year(on) > year
    text = f"not a billable code in the FY{year} ICD-10-CM code set"
    text += (
        f" (the newest shipped; FY{fiscal_year(on)} is in force on {on})"
        if newest
        else (f" (in force on {on})" if fiscal_year(on) == year else f" (used for {on})")
    )
    others = [y for y in shipped_years() if y != year and plain in billable_codes(y)]
    later = [y for y in others if y > year]
    earlier = [y for y in others if y < year]
    if later:
        text += f"; it is billable from FY{later[0]} ({fy_span(later[0])})"
    elif earlier:
        text += f"; it was billable until FY{earlier[-1]} ({fy_span(earlier[-1])})"
    return text
