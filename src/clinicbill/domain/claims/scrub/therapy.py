"""The Medicare therapy threshold (KX modifier): once the patient's therapy charges for the
calendar year pass the amount in the payer profile's [therapy_threshold], every further therapy
line needs KX, the attestation that the services are medically necessary and documented."""

from __future__ import annotations

from clinicbill.domain.claims.scrub.findings import error


def kx_past_threshold(s) -> list:
    from clinicbill.domain.money import fmt

    rule = s.profile.therapy_threshold
    if not rule:
        return []
    codes = set(rule.get("codes", ()))
    amounts = {str(year): int(dollars) * 100 for year, dollars in rule.get("amounts", {}).items()}
    out = []
    for line in sorted(s.lines, key=lambda x: (x.service_date, x.service_line_id)):
        limit = amounts.get(str(line.service_date.year))
        if line.code not in codes or limit is None or "KX" in line.modifiers:
            continue
        key = (line.service_date, line.service_line_id)
        before = sum(
            charge
            for day, line_id, charge in s.context.therapy_lines
            if day.year == line.service_date.year and (day, line_id) < key
        )
        if before + line.charge_cents > limit:
            out.append(
                error(
                    s,
                    "24D",
                    f"therapy charges for {line.service_date.year} reach "
                    f"{fmt(before + line.charge_cents)} with this line, past the {fmt(limit)} "
                    "KX threshold",
                    "add modifier KX and document medical necessity in the note",
                    line.number,
                )
            )
    return out


RULES = [kx_past_threshold]
