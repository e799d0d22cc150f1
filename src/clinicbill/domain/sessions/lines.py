"""Service lines of a session: parsing `--line` specs, units from minutes, charges, and the
coding checks made at entry (acupuncture combinations refused; modifier and credential needs
warned about, the claim scrubber makes them errors later)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from clinicbill.domain.errors import ClinicbillError

MAX_LINES = 50
MAX_MODIFIERS = 4
MAX_POINTERS = 4
NCCI_MODIFIERS = ("59", "XS", "XU", "XE", "XP")
LETTERS = "ABCDEFGHIJKL"


@dataclass(frozen=True)
class LineInput:
    """One service as typed: minutes or units (both allowed: units then override the rule)."""

    code: str
    modifiers: tuple[str, ...] = ()
    minutes: int | None = None
    units: int | None = None
    charge_cents: int | None = None
    pointers: tuple[int, ...] = ()


@dataclass(frozen=True)
class PlannedLine:
    line_number: int
    code: str
    modifiers: tuple[str, ...]
    minutes: int | None
    units: int
    charge_cents: int
    pointers: tuple[int, ...]
    description: str
    timed: bool


_KEYS = {
    "minutes": "minutes",
    "min": "minutes",
    "m": "minutes",
    "units": "units",
    "u": "units",
    "mod": "modifiers",
    "mods": "modifiers",
    "modifiers": "modifiers",
    "ptr": "pointers",
    "pointers": "pointers",
    "dx": "pointers",
    "charge": "charge",
}


def _int(value: str, what: str, low: int, high: int) -> int:
    from clinicbill.domain.validate import whole_number

    return whole_number(value, what, low, high)


def parse_pointers(text: str, what: str = "ptr") -> tuple[int, ...]:
    """Diagnosis pointers as typed: 1,2 or A,B (box 24E letters)."""
    out = []
    for part in re.split(r"[,\s]+", str(text).strip()):
        if not part:
            continue
        if len(part) == 1 and part.upper() in LETTERS:
            out.append(LETTERS.index(part.upper()) + 1)
        else:
            out.append(_int(part, what, 1, 12))
    return tuple(out)


def parse_line(text: str) -> LineInput:
    """A `--line` value: CODE[:minutes=N][:units=N][:mod=59,GP][:ptr=1,2][:charge=65.00]."""
    from clinicbill.domain.money import parse_amount

    parts = [p.strip() for p in str(text or "").split(":")]
    code = parts[0].upper()
    if not code:
        raise ClinicbillError(
            f"line: '{str(text)[:40]}' has no code", "e.g. --line 97124:minutes=38"
        )
    values: dict = {"code": code}
    for part in parts[1:]:
        key, sep, value = part.partition("=")
        name = _KEYS.get(key.strip().lower())
        if not sep or name is None:
            raise ClinicbillError(
                f"line: '{part[:30]}' in '{str(text)[:40]}' is not understood",
                "use CODE:minutes=N:units=N:mod=59,GP:ptr=1,2:charge=65.00",
            )
        if name == "minutes":
            values["minutes"] = _int(value, f"line {code} minutes", 1, 600)
        elif name == "units":
            values["units"] = _int(value, f"line {code} units", 1, 99)
        elif name == "modifiers":
            values["modifiers"] = tuple(m.strip().upper() for m in value.split(",") if m.strip())
        elif name == "pointers":
            values["pointers"] = parse_pointers(value, f"line {code} ptr")
        else:
            values["charge_cents"] = parse_amount(value, f"line {code} charge")
    return LineInput(**values)


def _check_line(number: int, line: LineInput, dx_count: int) -> LineInput:
    """Shape checks of one line; returns it with code/modifiers normalised and default
    pointers (the first diagnoses, up to 4)."""
    what = f"line {number}"
    code = str(line.code or "").strip().upper()
    if not (len(code) == 5 and code.isalnum()):
        raise ClinicbillError(
            f"{what}: '{code[:12]}' is not a CPT/HCPCS code", "5 characters, e.g. 97124 or G0283"
        )
    modifiers = tuple(str(m).strip().upper() for m in line.modifiers if str(m).strip())
    for modifier in modifiers:
        if not re.fullmatch(r"[A-Z0-9]{2}", modifier):
            raise ClinicbillError(
                f"{what}: modifier '{modifier[:8]}' is not 2 letters or digits", "e.g. 59, GP, XS"
            )
    if len(modifiers) > MAX_MODIFIERS or len(set(modifiers)) != len(modifiers):
        raise ClinicbillError(
            f"{what}: modifiers {','.join(modifiers)[:30]} are not accepted",
            f"up to {MAX_MODIFIERS} different modifiers",
        )
    if line.minutes is not None:
        _int(line.minutes, f"{what} minutes", 1, 600)
    if line.units is not None:
        _int(line.units, f"{what} units", 1, 99)
    if line.charge_cents is not None and (
        not isinstance(line.charge_cents, int) or line.charge_cents < 0
    ):
        raise ClinicbillError(f"{what}: charge must be 0 or more", "e.g. charge=65.00")
    pointers = tuple(line.pointers) or tuple(range(1, min(dx_count, MAX_POINTERS) + 1))
    if len(pointers) > MAX_POINTERS or len(set(pointers)) != len(pointers):
        raise ClinicbillError(
            f"{what}: pointers {','.join(map(str, pointers))} are not accepted",
            f"up to {MAX_POINTERS} different diagnosis positions",
        )
    for pointer in pointers:
        if not 1 <= int(pointer) <= dx_count:
            raise ClinicbillError(
                f"{what}: pointer {pointer} points at no diagnosis",
                f"this session has {dx_count} diagnoses: use 1..{dx_count} (A..)"
                if dx_count
                else "give --dx first, or leave ptr= out",
            )
    return LineInput(
        code, modifiers, line.minutes, line.units, line.charge_cents, tuple(map(int, pointers))
    )


def _units(lines: list[LineInput], rule: str, warnings: list[str]) -> tuple[list[int], str | None]:
    """Units per line: timed codes from minutes by the unit rule, acupuncture per §8."""
    from clinicbill.domain.codesets.cpt import entry
    from clinicbill.domain.sessions.units import acupuncture_add_on_units, units_for_minutes

    entries = [entry(line.code) for line in lines]
    timed = {i: line for i, line in enumerate(lines) if entries[i] and entries[i].timed}
    codes = [line.code for line in timed.values()]
    keys = {
        i: line.code if codes.count(line.code) == 1 else f"{line.code} (line {i + 1})"
        for i, line in timed.items()
    }
    with_minutes = {keys[i]: line.minutes for i, line in timed.items() if line.minutes}
    result = units_for_minutes(with_minutes, rule) if with_minutes else None
    out = []
    for i, line in enumerate(lines):
        what, found = f"line {i + 1}", entries[i]
        if i in timed:
            computed = result.units.get(keys[i]) if result and line.minutes else None
            if line.units is None and computed is None:
                raise ClinicbillError(
                    f"{what}: {line.code} is a timed code and needs minutes",
                    f"e.g. --line {line.code}:minutes=38 (or units=N to set units yourself)",
                )
            units = line.units if line.units is not None else computed
            if line.units is not None and computed is not None and computed != line.units:
                warnings.append(
                    f"{what}: {line.units} units given for {line.code}; the {rule} rule gives "
                    f"{computed} for {line.minutes} minutes"
                )
            if units == 0:
                raise ClinicbillError(
                    f"{what}: {line.code} {line.minutes} min earns no units ({result.explanation})",
                    "leave the line out (mention the time in the note) or give units=N",
                )
        elif found and found.is_acupuncture_add_on and line.units is None:
            if not line.minutes:
                raise ClinicbillError(
                    f"{what}: {line.code} needs units (each additional 15 minutes of contact "
                    "with re-insertion)",
                    f"e.g. --line {line.code}:units=1 or minutes=15 (minutes after the first 15)",
                )
            units = acupuncture_add_on_units(line.minutes)
            if units == 0:
                raise ClinicbillError(
                    f"{what}: {line.code} {line.minutes} min is less than half an increment",
                    "an add-on unit needs at least 8 more minutes of contact with re-insertion",
                )
        else:
            units = line.units if line.units is not None else 1
        out.append(units)
    return out, result.explanation if result else None


def _same_day_acupuncture(session, patient_id: int, on: date, exclude: int | None) -> list:
    """(code, units) of acupuncture lines on the patient's other sessions that day."""
    from sqlalchemy import select

    from clinicbill.domain.sessions.units import ADD_ON_CODES, INITIAL_CODES
    from clinicbill.store.models import Encounter, ServiceLine

    query = (
        select(ServiceLine.code, ServiceLine.units)
        .join(Encounter, Encounter.id == ServiceLine.encounter_id)
        .where(
            Encounter.patient_id == patient_id,
            Encounter.service_date == on,
            Encounter.status != "void",
            ServiceLine.code.in_(INITIAL_CODES + ADD_ON_CODES),
        )
    )
    if exclude is not None:
        query = query.where(Encounter.id != exclude)
    return [tuple(row) for row in session.execute(query).all()]


def _coding_warnings(planned: list[PlannedLine], profile, provider) -> list[str]:
    """Modifier and credential needs the scrubber will enforce (SPEC §4.5), said early."""
    from clinicbill.domain.codesets.cpt import entry

    warnings = []
    codes = {line.code for line in planned}
    column2 = profile.ncci_59_column2 if profile else "97140"
    if column2 in codes and codes & ({"97124", "97530", "97140"} - {column2}):
        for line in planned:
            if line.code == column2 and not set(line.modifiers) & set(NCCI_MODIFIERS):
                warnings.append(
                    f"line {line.line_number}: {column2} with "
                    + " or ".join(sorted(codes & {"97124", "97530"} - {column2}))
                    + f" the same day usually needs modifier 59 (or XS) on {column2}"
                )
    entries = {line.line_number: entry(line.code) for line in planned}
    if any(e and e.category == "acupuncture" for e in entries.values()):
        for line in planned:
            found = entries[line.line_number]
            if found and found.category == "em" and "25" not in line.modifiers:
                warnings.append(
                    f"line {line.line_number}: an E/M with acupuncture the same day needs "
                    "modifier 25 (a separately identifiable service)"
                )
    if profile is None:
        return warnings
    if profile.require_gp_modifier:
        for line in planned:
            found = entries[line.line_number]
            therapy = found and found.category in ("massage", "manual", "exercise", "modality")
            if therapy and "GP" not in line.modifiers:
                warnings.append(
                    f"line {line.line_number}: the {profile.name} profile wants modifier GP "
                    f"on {line.code}"
                )
    for code in sorted(codes):
        if provider is not None and not profile.credential_allowed(code, provider.credential):
            warnings.append(
                f"{code}: the {profile.name} profile does not accept it from a "
                f"{provider.credential} provider"
            )
    return warnings


def _planned_line(session, number: int, line, count: int, warnings: list[str]) -> PlannedLine:
    """A checked line with its units: its charge (the standard fee times the units unless
    given) and catalog description; an unknown code is a warning."""
    from clinicbill.domain.codesets.cpt import entry
    from clinicbill.domain.practice.records import standard_fee

    found = entry(line.code)
    if found is None:
        warnings.append(
            f"line {number}: {line.code} is not in the code catalog; check the code "
            "(units were not computed from minutes)"
        )
    charge = line.charge_cents
    if charge is None:
        fee = standard_fee(session, line.code)
        if fee is None:
            raise ClinicbillError(
                f"line {number}: no standard fee is set for {line.code}",
                f"set one (clinicbill fee set {line.code} AMOUNT) or give charge=AMOUNT",
            )
        charge = fee * count
    return PlannedLine(
        line_number=number,
        code=line.code,
        modifiers=line.modifiers,
        minutes=line.minutes,
        units=count,
        charge_cents=charge,
        pointers=line.pointers,
        description=found.description if found else "",
        timed=bool(found and found.timed),
    )


def _check_acupuncture_day(session, planned, patient_id, on, exclude_encounter_id) -> list[str]:
    """Refuse acupuncture codes that do not add up, in this session or with the patient's
    other session that day; returns the day's acupuncture warnings."""
    from clinicbill.domain.sessions.units import acupuncture_warnings, check_acupuncture

    own = [(p.code, p.units) for p in planned]
    day = own + _same_day_acupuncture(session, patient_id, on, exclude_encounter_id)
    problems = check_acupuncture(own)
    if not problems and check_acupuncture(day):
        problems = [
            p + " (counting the patient's other session that day)" for p in check_acupuncture(day)
        ]
    if problems:
        raise ClinicbillError(
            "line: " + "; ".join(problems),
            "one initial code per day (97810, or 97813 with e-stim), then 97811/97814 units "
            "for each further 15 minutes with re-insertion",
        )
    return acupuncture_warnings(day)


def plan_lines(
    session,
    lines,
    *,
    dx_count: int,
    unit_rule: str,
    patient_id: int,
    on: date,
    policy=None,
    provider=None,
    exclude_encounter_id: int | None = None,
) -> tuple[list[PlannedLine], str | None, list[str]]:
    """Checked lines with units and charges, the unit explanation, and warnings."""
    lines = list(lines or [])
    if not lines:
        raise ClinicbillError(
            "line: at least one service is required", "give --line CODE:minutes=N (e.g. 97124)"
        )
    if len(lines) > MAX_LINES:
        raise ClinicbillError(f"line: {len(lines)} services given", f"at most {MAX_LINES}")
    checked = [_check_line(n, line, dx_count) for n, line in enumerate(lines, start=1)]
    warnings: list[str] = []
    units, explanation = _units(checked, unit_rule, warnings)
    planned = [
        _planned_line(session, number, line, count, warnings)
        for number, (line, count) in enumerate(zip(checked, units, strict=True), start=1)
    ]
    warnings.extend(_check_acupuncture_day(session, planned, patient_id, on, exclude_encounter_id))
    profile = None
    if policy is not None:
        from clinicbill.domain.practice.profiles import profile_for_payer
        from clinicbill.store.models import Payer

        profile = profile_for_payer(session.get(Payer, policy.payer_id))
    warnings.extend(_coding_warnings(planned, profile, provider))
    return planned, explanation, warnings
