"""Values of a benefit verification that are valid one by one but unlikely together: said
before the note is saved (at the review of `verify add`) and after, never refused, since a
plan can be unusual. A value that cannot be right (more deductible met than the deductible)
is refused by domain/coverage/verification.py instead."""

from __future__ import annotations

from datetime import date

from clinicbill.domain import fields as f
from clinicbill.domain.coverage.verification import percent
from clinicbill.domain.errors import ClinicbillError
from clinicbill.domain.money import fmt

USUAL_COPAY_CENTS = 150_00  # a copay above this per visit is rare for massage/acupuncture
USUAL_COINSURANCE = 50  # percent


def _parsed(values: dict, name: str, cleaner):
    text = values.get(name)
    if text is None or str(text).strip() == "":
        return None
    try:
        return cleaner(text, name)
    except ClinicbillError:
        return None  # its own prompt says what is wrong


def implausible(values: dict, today: date | None = None) -> list[str]:
    """What to double-check, each a sentence saying which values and why."""
    money = {n: _parsed(values, n, f.money) for n in ("deductible", "oop_max", "copay")}
    count = {n: _parsed(values, n, f.count) for n in ("visit_limit", "visits_used")}
    out = []
    if money["oop_max"] is not None and money["deductible"] is not None:
        if money["oop_max"] < money["deductible"]:
            out.append(
                f"oop-max: the out-of-pocket maximum {fmt(money['oop_max'])} is below the "
                f"deductible {fmt(money['deductible'])}; the deductible counts toward it, so "
                "one of the two is likely misheard"
            )
    if count["visit_limit"] is not None and count["visits_used"] is not None:
        if count["visits_used"] > count["visit_limit"]:
            out.append(
                f"visits-used: {count['visits_used']} used is more than the limit of "
                f"{count['visit_limit']}; check both with the payer"
            )
    if money["copay"] is not None and money["copay"] > USUAL_COPAY_CENTS:
        out.append(f"copay: {fmt(money['copay'])} per visit is unusually high; check it")
    coinsurance = _parsed(values, "coinsurance", percent)
    if coinsurance is not None and coinsurance > USUAL_COINSURANCE:
        out.append(
            f"coinsurance: {coinsurance}% is the patient's share; more than {USUAL_COINSURANCE}%"
            " is unusual (was it the plan's share?)"
        )
    reverify = _parsed(values, "reverify_by", f.date_field)
    if reverify is not None and reverify < (today or date.today()):
        out.append(f"reverify-by: {reverify} is already past")
    return out
