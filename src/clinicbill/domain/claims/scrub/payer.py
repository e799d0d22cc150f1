"""Payer-profile rules: timely filing (DOMAIN.md §13), Medicare acupuncture (NCD 30.3.3: chronic
low back pain only, 12 visits in 90 days, 20 a year, §9), and acupuncture code combinations
(one initial code per day, add-ons need an initial, §8)."""

from __future__ import annotations

from collections import defaultdict
from datetime import timedelta

from clinicbill.domain.claims.scrub.findings import error, warning
from clinicbill.domain.claims.snapshot import ACUPUNCTURE_CODES

FILING_WARNING_DAYS = 30


def timely_filing(s) -> list:
    days = s.profile.timely_filing_days
    if not days or s.frequency in ("7", "8"):
        return []  # corrected and void claims have their own windows
    out = []
    for line in s.lines:
        start = line.service_date
        if s.prior_payer is not None and s.prior_payer.adjudicated_on:
            start = max(start, s.prior_payer.adjudicated_on)
        deadline = start + timedelta(days=days)
        if s.as_of > deadline:
            out.append(
                error(
                    s,
                    "24A",
                    f"timely filing limit passed on {deadline} ({days} days for "
                    f"{s.coverage.payer_name})",
                    "send proof of timely filing if it went out earlier; otherwise write it off",
                    line.number,
                )
            )
        elif (deadline - s.as_of).days <= FILING_WARNING_DAYS:
            out.append(
                warning(
                    s,
                    "24A",
                    f"timely filing limit is {deadline}, {(deadline - s.as_of).days} day(s) away",
                    "submit this claim now",
                    line.number,
                )
            )
    return out


def medicare_acupuncture(s) -> list:
    rules = s.profile.acupuncture
    acupuncture = [line for line in s.lines if line.code in ACUPUNCTURE_CODES]
    if not rules or not acupuncture:
        return []
    return _uncovered_diagnoses(s, rules, acupuncture) + _visit_limits(s, rules, acupuncture)


def _uncovered_diagnoses(s, rules, acupuncture) -> list:
    """Lines pointing at no diagnosis the payer covers acupuncture for (Medicare: chronic low
    back pain)."""
    out = []
    covered = set(rules.get("covered_diagnoses", ()))
    for line in acupuncture:
        codes = [s.diagnoses[p - 1] for p in line.pointers if 1 <= p <= len(s.diagnoses)]
        if covered and not set(codes) & covered:
            # GA (ABN on file) or GZ (none): the denial is expected and said so (scrub/abn.py)
            flagged = {"GA", "GZ"} & set(line.modifiers)
            out.append(
                (warning if flagged else error)(
                    s,
                    "21",
                    f"{s.coverage.payer_name} covers acupuncture only for chronic low back pain; "
                    f"line points at {', '.join(codes) or 'no diagnosis'}",
                    "point the line at the chronic low back pain diagnosis (e.g. M54.50), or "
                    "bill the patient",
                    line.number,
                )
            )
    return out


def _visit_limits(s, rules, acupuncture) -> list:
    """Visits past the plan's 90-day or yearly limit; past the KX threshold without KX."""
    out = []
    per_90 = rules.get("max_visits_90_days")
    per_year = rules.get("max_visits_per_year")
    kx_after = rules.get("kx_after_visit")
    visits = s.context.acupuncture_dates
    for day in sorted({line.service_date for line in acupuncture}):
        number = next(line.number for line in acupuncture if line.service_date == day)
        in_90 = sum(1 for d in visits if day - timedelta(days=89) <= d <= day)
        in_year = sum(1 for d in visits if d.year == day.year and d <= day)
        if per_90 and in_90 > per_90:
            out.append(
                error(
                    s,
                    "24A",
                    f"acupuncture visit {in_90} in the 90 days ending {day}; the limit is {per_90}",
                    "bill the patient (ABN on file) for visits past the limit",
                    number,
                )
            )
        if per_year and in_year > per_year:
            out.append(
                error(
                    s,
                    "24A",
                    f"acupuncture visit {in_year} in {day.year}; the limit is {per_year} a year",
                    "bill the patient (ABN on file) for visits past the limit",
                    number,
                )
            )
        elif kx_after and in_year > kx_after:
            lines = [line for line in acupuncture if line.service_date == day]
            if not any("KX" in line.modifiers for line in lines):
                out.append(
                    warning(
                        s,
                        "24D",
                        f"acupuncture visit {in_year} in {day.year}: visits past {kx_after} "
                        "need documented improvement (some plans want modifier KX)",
                        "document improvement in the note; add KX if the plan asks",
                        number,
                    )
                )
    return out


def acupuncture_combinations(s) -> list:
    from clinicbill.domain.sessions.units import acupuncture_warnings, check_acupuncture

    out = []
    days = defaultdict(list)
    for line in s.lines:
        days[(line.encounter_id, line.service_date)].append(line)
    for (_, day), lines in sorted(days.items(), key=lambda item: item[0][1]):
        if not any(line.code in ACUPUNCTURE_CODES for line in lines):
            continue
        number = next(line.number for line in lines if line.code in ACUPUNCTURE_CODES)
        for problem in check_acupuncture(lines):
            out.append(
                error(s, "24D", f"{day}: {problem}", "correct the acupuncture codes", number)
            )
        for note in acupuncture_warnings(lines):
            out.append(warning(s, "24D", f"{day}: {note}", "check the payer's policy", number))
    return out


RULES = [timely_filing, medicare_acupuncture, acupuncture_combinations]
