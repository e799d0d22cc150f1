"""Codes on the claim: ICD-10-CM valid and billable on the date of service (DOMAIN.md §10),
diagnosis pointers, CPT/HCPCS and modifier shape, units consistent with minutes (§7), charges."""

from __future__ import annotations

import re
from collections import defaultdict
from functools import cache

from clinicbill.domain.claims.scrub.findings import error, warning
from clinicbill.domain.claims.snapshot import ACUPUNCTURE_CODES

CODE = re.compile(r"[A-Z0-9]{5}")
MODIFIER = re.compile(r"[A-Z0-9]{2}")


@cache
def _billable_problem(code: str, on) -> tuple[str, str] | None:
    """Why a code is not billable on the date of service (message without the field, hint),
    or None. Cached: a batch repeats the same codes and dates."""
    from clinicbill.domain.codesets import icd
    from clinicbill.domain.errors import ClinicbillError

    try:
        icd.check_billable(code, on, "diagnosis")
    except ClinicbillError as exc:
        return exc.message.removeprefix("diagnosis: "), exc.hint or "use a billable code"
    return None


def diagnoses_valid(s) -> list:
    """Each diagnosis against the ICD-10-CM code set in force on each date of service that
    points at it (DOMAIN.md §10; a claim may span October 1)."""
    from clinicbill.domain.codesets import icd

    out = []
    note = icd.code_set_warning(s.from_date)
    if note:
        out.append(warning(s, "21", note, "confirm each code was billable on the date of service"))
    for position, code in enumerate(s.diagnoses, start=1):
        days = sorted({line.service_date for line in s.lines if position in line.pointers})
        seen: set[str] = set()
        for day in days or [s.from_date]:
            problem = _billable_problem(code, day)
            if problem is not None and problem[0] not in seen:
                seen.add(problem[0])
                message, hint = problem
                out.append(error(s, "21", f"diagnosis {chr(64 + position)}: {message}", hint))
            elif problem is None and (note := icd.year_warning(code, day)) and note not in seen:
                seen.add(note)
                out.append(
                    warning(
                        s,
                        "21",
                        f"diagnosis {chr(64 + position)}: {note}",
                        "confirm the code was billable on the date of service",
                    )
                )
    return out


def pointers(s) -> list:
    out = []
    count = len(s.diagnoses)
    for line in s.lines:
        if not line.pointers:
            out.append(
                error(s, "24E", "no diagnosis pointer", "point the line at box 21", line.number)
            )
            continue
        if len(line.pointers) > 4:
            out.append(error(s, "24E", "more than 4 diagnosis pointers", "keep 4", line.number))
        for pointer in line.pointers:
            if pointer < 1 or pointer > count:
                out.append(
                    error(
                        s,
                        "24E",
                        "diagnosis pointer points at no diagnosis in box 21"
                        f" ({count} on the claim)",
                        "correct the session's pointers (an addendum) and rebuild the claim",
                        line.number,
                    )
                )
                break
        if len(set(line.pointers)) != len(line.pointers):
            out.append(
                warning(s, "24E", "a diagnosis pointer repeats", "list each once", line.number)
            )
    return out


def procedure_codes(s) -> list:
    from clinicbill.domain.codesets import cpt

    out = []
    for line in s.lines:
        if not CODE.fullmatch(line.code or ""):
            out.append(
                error(
                    s, "24D", f"'{line.code}' is not a CPT/HCPCS code", "5 characters", line.number
                )
            )
            continue
        if cpt.entry(line.code) is None:
            out.append(
                warning(
                    s,
                    "24D",
                    f"{line.code} is not in clinicbill's code catalog",
                    "check the code with the payer",
                    line.number,
                )
            )
        bad = [m for m in line.modifiers if not MODIFIER.fullmatch(m)]
        if bad or len(line.modifiers) > 4:
            out.append(
                error(
                    s,
                    "24D",
                    "modifiers must be 2 letters/digits, at most 4 per line",
                    "correct the modifiers",
                    line.number,
                )
            )
    return out


def charges_and_units(s) -> list:
    out = []
    for line in s.lines:
        if line.charge_cents <= 0:
            out.append(
                error(
                    s,
                    "24F",
                    "charge is not more than $0.00",
                    "set a fee: clinicbill fee set CODE AMOUNT",
                    line.number,
                )
            )
        if line.units < 1:
            out.append(
                error(s, "24G", "units must be a positive whole number", "fix units", line.number)
            )
    return out


def units_match_minutes(s) -> list:
    """Timed codes: units from the day's minutes by the payer's unit rule (8-minute rule)."""
    from clinicbill.domain.codesets import cpt
    from clinicbill.domain.sessions import units

    out = []
    by_visit: dict[int, list] = defaultdict(list)
    for line in s.lines:
        if line.code not in ACUPUNCTURE_CODES and cpt.is_timed(line.code):
            by_visit[line.encounter_id].append(line)
    for lines in by_visit.values():
        missing = [line for line in lines if not line.minutes]
        for line in missing:
            out.append(
                warning(
                    s,
                    "24G",
                    f"{line.code} is a timed code but no minutes are recorded",
                    "record minutes so the units can be checked",
                    line.number,
                )
            )
        if missing:
            continue
        minutes: dict[str, int] = defaultdict(int)
        billed: dict[str, int] = defaultdict(int)
        for line in lines:
            minutes[line.code] += line.minutes
            billed[line.code] += line.units
        result = units.units_for_minutes(dict(minutes), s.profile.unit_rule)
        for code, count in billed.items():
            allowed = result.units.get(code, 0)
            first = next(line.number for line in lines if line.code == code)
            if count > allowed:
                out.append(
                    error(
                        s,
                        "24G",
                        f"{code}: {count} unit(s) billed but {minutes[code]} minutes allow "
                        f"{allowed} ({s.profile.unit_rule})",
                        f"bill {allowed} unit(s); see 'clinicbill codes units'",
                        first,
                    )
                )
            elif count < allowed:
                out.append(
                    warning(
                        s,
                        "24G",
                        f"{code}: {count} unit(s) billed; {minutes[code]} minutes allow {allowed}",
                        "check the units (under-billing)",
                        first,
                    )
                )
    return out


RULES = [diagnoses_valid, pointers, procedure_codes, charges_and_units, units_match_minutes]
