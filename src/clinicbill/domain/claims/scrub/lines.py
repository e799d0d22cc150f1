"""Line-level consistency: duplicate lines (payers deny duplicates, CARC 18) and, on a
secondary claim, each line balancing against the primary's adjudication (837P 2430)."""

from __future__ import annotations

from collections import Counter

from clinicbill.domain.claims.scrub.findings import error, warning
from clinicbill.domain.money import fmt


def duplicates(s) -> list:
    out = []
    keys = Counter((line.service_date, line.code, line.modifiers) for line in s.lines)
    for line in s.lines:
        key = (line.service_date, line.code, line.modifiers)
        if keys[key] > 1:
            out.append(
                error(
                    s,
                    "24D",
                    f"{line.code} on {line.service_date} appears {keys[key]} times with the "
                    "same modifiers",
                    "bill it once with more units, or add a modifier that tells them apart",
                    line.number,
                )
            )
        for other in s.context.other_lines:
            if (
                other.payer_db_id == s.coverage.payer_db_id
                and (other.service_date, other.code, other.modifiers) == key
            ):
                out.append(
                    error(
                        s,
                        "24D",
                        f"{line.code} on {line.service_date} is already billed on claim "
                        f"{other.claim_id}",
                        f"check claim {other.claim_id}; void one of them",
                        line.number,
                    )
                )
                break
    return out


def secondary_balances(s) -> list:
    prior = s.prior_payer
    if prior is None:
        return []
    out = []
    for line in s.lines:
        adjudication = prior.for_line(line.service_line_id)
        if adjudication is None:
            out.append(
                warning(
                    s,
                    "24F",
                    "the primary payer's remittance has nothing for this line",
                    "post the primary's payment or denial for it first",
                    line.number,
                )
            )
            continue
        accounted = adjudication.paid_cents + sum(a.amount_cents for a in adjudication.adjustments)
        if accounted != line.charge_cents:
            out.append(
                error(
                    s,
                    "24F",
                    f"primary paid + adjustments ({fmt(accounted)}) do not equal the "
                    f"charge ({fmt(line.charge_cents)})",
                    "post the primary's full adjudication (payment, CO/PR adjustments) first",
                    line.number,
                )
            )
    return out


RULES = [duplicates, secondary_balances]
