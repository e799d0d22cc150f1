"""Modifier rules: NCCI 59/XS on the column-2 code when 97140 is billed with 97124 or 97530 the
same day (DOMAIN.md §8, column 2 from the payer profile), GP on therapy codes where the profile
requires it, and 25 on an E/M billed the same day as acupuncture."""

from __future__ import annotations

from collections import defaultdict

from clinicbill.domain.claims.scrub.findings import error, warning
from clinicbill.domain.claims.snapshot import ACUPUNCTURE_CODES

DISTINCT = ("59", "XS", "XE", "XP", "XU")  # NCCI-associated "distinct procedural service"
NCCI_PAIRS = (("97124", "97140"), ("97530", "97140"))
# Codes that are always therapy services (CMS "always therapy" list, the ones a massage or
# bodywork practice bills): GP "services delivered under an outpatient PT plan of care".
THERAPY_CODES = frozenset(
    "97010 97012 97014 97016 97018 97022 97024 97026 97028 97032 97033 97034 97035 97036 "
    "97039 97110 97112 97113 97116 97124 97139 97140 97150 97530 97535 97750 G0283".split()
)
EM_CODES = frozenset(f"992{n:02d}" for n in range(2, 16)) - {"99210"}


def _by_day(lines):
    days = defaultdict(list)
    for line in lines:
        days[line.service_date].append(line)
    return days


def ncci_distinct(s) -> list:
    out = []
    column2 = s.profile.ncci_59_column2 or "97140"
    for day, lines in _by_day(s.lines).items():
        codes = {line.code for line in lines}
        for first, second in NCCI_PAIRS:
            if not {first, second} <= codes:
                continue
            target = column2 if column2 in (first, second) else "97140"
            other = first if target == second else second
            for line in lines:
                if line.code == target and not set(line.modifiers) & set(DISTINCT):
                    out.append(
                        error(
                            s,
                            "24D",
                            f"{target} billed with {other} on {day} needs modifier 59 or XS "
                            "(NCCI pair)",
                            f"add 59 (or XS) to {target}, for a separate body region",
                            line.number,
                        )
                    )
                if line.code == other and set(line.modifiers) & set(DISTINCT):
                    out.append(
                        warning(
                            s,
                            "24D",
                            f"59/XS is on {other}; this payer expects it on {target}",
                            f"move the modifier to {target}",
                            line.number,
                        )
                    )
    return out


def gp_modifier(s) -> list:
    if not s.profile.require_gp_modifier:
        return []
    return [
        error(
            s,
            "24D",
            f"{line.code} is a therapy service; {s.coverage.payer_name} requires modifier GP",
            "add GP to the line's modifiers",
            line.number,
        )
        for line in s.lines
        if line.code in THERAPY_CODES and "GP" not in line.modifiers
    ]


def em_with_acupuncture(s) -> list:
    out = []
    for day, lines in _by_day(s.lines).items():
        if not any(line.code in ACUPUNCTURE_CODES for line in lines):
            continue
        for line in lines:
            if line.code in EM_CODES and "25" not in line.modifiers:
                out.append(
                    error(
                        s,
                        "24D",
                        f"E/M {line.code} on {day} with acupuncture needs modifier 25 "
                        "(separately identifiable service)",
                        "add 25 to the E/M line, or do not bill the E/M",
                        line.number,
                    )
                )
    return out


RULES = [ncci_distinct, gp_modifier, em_with_acupuncture]
