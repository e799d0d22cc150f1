"""Units for timed codes (CMS 8-minute rule, AMA midpoint) and the acupuncture code rules.

DOMAIN.md §7: under the CMS rule the total timed minutes of the visit set the total units
(8-22 minutes = 1, 23-37 = 2, ... +15 each); the units go to the codes by minutes: every full
15 minutes of a code is one unit, and the units left over go to the codes with the most
remaining minutes. Some commercial payers count each code alone (AMA midpoint: 8 minutes
or more of a code earn a unit). DOMAIN.md §8: acupuncture 97810-97814.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

UNIT_RULES = ("cms-8-minute", "ama-midpoint")
UNIT_MINUTES = 15
MIDPOINT = 8  # minutes that earn a unit (more than half of 15)


@dataclass(frozen=True)
class UnitResult:
    units: dict[str, int]  # code -> units, in the order the codes were given
    total_minutes: int
    total_units: int
    explanation: str


def total_units(minutes: int) -> int:
    """CMS table: 0-7 minutes = 0 units, 8-22 = 1, 23-37 = 2, 38-52 = 3 ... (DOMAIN.md §7)."""
    return 0 if minutes < MIDPOINT else (minutes + MIDPOINT - 1) // UNIT_MINUTES


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def units_for_minutes(minutes_by_code: dict[str, int], rule: str = "cms-8-minute") -> UnitResult:
    """Units per timed code for one visit, with a sentence saying why."""
    if rule not in UNIT_RULES:
        raise ValueError(f"unknown unit rule {rule!r}")
    minutes = {code: int(m) for code, m in minutes_by_code.items()}
    if any(m < 0 for m in minutes.values()):
        raise ValueError("minutes cannot be negative")
    total = sum(minutes.values())
    if rule == "ama-midpoint":
        units = {code: total_units(m) for code, m in minutes.items()}
        parts = [f"{code} {m} min = {_plural(units[code], 'unit')}" for code, m in minutes.items()]
        explanation = (
            "AMA midpoint rule, each code alone (8 minutes or more earn a unit): "
            + "; ".join(parts)
        )
        return UnitResult(units, total, sum(units.values()), explanation)

    allowed = total_units(total)
    units = {code: m // UNIT_MINUTES for code, m in minutes.items()}
    left = allowed - sum(units.values())
    # Left-over units go to the codes with the most remaining minutes (ties: most minutes in
    # all, then the order given). Each code gets at most one: every remainder is < 15.
    order = sorted(
        minutes,
        key=lambda c: (-(minutes[c] % UNIT_MINUTES), -minutes[c], list(minutes).index(c)),
    )
    for code in order:
        if left <= 0:
            break
        if minutes[code] % UNIT_MINUTES:
            units[code] += 1
            left -= 1
    low, high = _band(allowed)
    band = f"{low}-{high} min" if allowed else "under 8 min"
    parts = [f"{code} {minutes[code]} min -> {units[code]}" for code in minutes]
    explanation = (
        f"CMS 8-minute rule: {total} timed minutes in all ({band}) = "
        f"{_plural(allowed, 'unit')}; by minutes, most first: " + ", ".join(parts)
    )
    return UnitResult(units, total, allowed, explanation)


def _band(units: int) -> tuple[int, int]:
    """The minutes range that gives this many units under the CMS table."""
    return (UNIT_MINUTES * units - 7, UNIT_MINUTES * units + 7) if units else (0, 7)


# --- acupuncture (DOMAIN.md §8) ---------------------------------------------------------------

INITIAL_CODES = ("97810", "97813")
ADD_ON_CODES = ("97811", "97814")


def _code_units(line) -> tuple[str, int]:
    if isinstance(line, tuple | list):
        code, units = line[0], line[1]
    elif isinstance(line, dict):
        code, units = line["code"], line.get("units", 1)
    else:
        code, units = line.code, line.units
    return str(code).strip().upper(), int(units if units is not None else 1)


def check_acupuncture(lines: Iterable) -> list[str]:
    """Problems with the acupuncture codes of ONE date of service (empty when fine).

    `lines`: (code, units) pairs, dicts with code/units, or objects with .code and .units.
    Exactly one initial code (97810 or 97813) per day with 1 unit; 97810 and 97813 never
    together; add-ons (97811, 97814) only with an initial code.
    """
    pairs = [_code_units(line) for line in lines]
    initial = [(c, u) for c, u in pairs if c in INITIAL_CODES]
    add_ons = [(c, u) for c, u in pairs if c in ADD_ON_CODES]
    problems = []
    kinds = sorted({c for c, _ in initial})
    if len(kinds) > 1:
        problems.append(
            "97810 and 97813 are never billed the same day: one initial acupuncture code per "
            "date of service (97813 when e-stim was used in the first 15 minutes)"
        )
    elif len(initial) > 1 or any(u != 1 for _, u in initial):
        count = sum(u for _, u in initial)
        problems.append(
            f"{kinds[0]} is billed once per date of service with 1 unit, not {count}; each "
            "further 15 minutes with re-insertion is an add-on unit (97811 or 97814)"
        )
    if add_ons and not initial:
        codes = " and ".join(sorted({c for c, _ in add_ons}))
        problems.append(
            f"{codes} is an add-on code: it needs an initial code (97810 or 97813) the same day"
        )
    return problems


def acupuncture_warnings(lines: Iterable) -> list[str]:
    """Combinations allowed but worth a second look (DOMAIN.md §8, UNCONFIRMED)."""
    codes = {_code_units(line)[0] for line in lines}
    warnings = []
    if "97810" in codes and "97814" in codes:
        warnings.append(
            "97810 with 97814: an e-stim add-on after an initial 15 minutes without e-stim "
            "is accepted by some payers only; check the payer's policy"
        )
    if "97813" in codes and "97811" in codes:
        warnings.append(
            "97813 with 97811: a no-e-stim add-on after an initial 15 minutes with e-stim "
            "is accepted by some payers only; check the payer's policy"
        )
    return warnings


def acupuncture_add_on_units(minutes: int) -> int:
    """Add-on units from the face-to-face minutes after the first 15 (midpoint rule)."""
    return total_units(minutes)
