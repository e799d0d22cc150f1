"""The Medicare therapy threshold (KX modifier): once the patient's therapy charges for the
calendar year pass the amount in the payer profile's [therapy_threshold], every further therapy
line needs KX, the attestation that the services are medically necessary and documented, and
its session's note must document that necessity (domain/cases/necessity.py)."""

from __future__ import annotations

from clinicbill.domain.claims.scrub.findings import error


def past_threshold(s):
    """(line, year's therapy charges with this line, threshold cents) for each therapy line
    past the year's threshold, in date order."""
    rule = s.profile.therapy_threshold
    if not rule:
        return
    codes = set(rule.get("codes", ()))
    amounts = {str(year): int(dollars) * 100 for year, dollars in rule.get("amounts", {}).items()}
    for line in sorted(s.lines, key=lambda x: (x.service_date, x.service_line_id)):
        limit = amounts.get(str(line.service_date.year))
        if line.code not in codes or limit is None:
            continue
        key = (line.service_date, line.service_line_id)
        before = sum(
            charge
            for day, line_id, charge in s.context.therapy_lines
            if day.year == line.service_date.year and (day, line_id) < key
        )
        if before + line.charge_cents > limit:
            yield line, before + line.charge_cents, limit


def kx_past_threshold(s) -> list:
    from clinicbill.domain.money import fmt

    return [
        error(
            s,
            "24D",
            f"therapy charges for {line.service_date.year} reach {fmt(total)} with this line, "
            f"past the {fmt(limit)} KX threshold",
            "add modifier KX and document medical necessity in the note",
            line.number,
        )
        for line, total, limit in past_threshold(s)
        if "KX" not in line.modifiers
    ]


def necessity_documented(s) -> list:
    """Past the threshold, the session's note (assessment, plan or an addendum) must state why
    the therapy is medically necessary: KX attests that it does."""
    from clinicbill.domain.cases.necessity import EXAMPLE
    from clinicbill.domain.money import fmt

    out, seen = [], set()
    for line, _total, limit in past_threshold(s):
        if line.encounter_id in s.context.necessity_documented or line.encounter_id in seen:
            continue
        seen.add(line.encounter_id)
        out.append(
            error(
                s,
                "24D",
                f"past the {fmt(limit)} KX threshold, the note of the {line.service_date} "
                "session documents no medical necessity (assessment, plan or addendum)",
                f'clinicbill session addendum {line.encounter_id} --text "{EXAMPLE}"',
                line.number,
            )
        )
    return out


RULES = [kx_past_threshold, necessity_documented]
