"""The one place command options are turned into values: dates, amounts, ids.

Each parser names the option in its refusal (`error: from: ...`), through the domain's
checks (domain/validate.py, domain/money.py), so every command refuses a bad value alike.
Imports stay inside the functions: command modules import this at their top level.
"""

from __future__ import annotations


def day(value: str | None, field: str = "date", *, allow_future: bool = True):
    """A YYYY-MM-DD (or MM/DD/YYYY) option, or None when it was not given."""
    if value is None:
        return None
    from clinicbill.domain.validate import parse_date

    return parse_date(value, field, allow_future=allow_future)


def day_or_today(value: str | None, field: str = "date", *, allow_future: bool = True):
    """A date option that defaults to today (an empty value too)."""
    from datetime import date

    return day(value, field, allow_future=allow_future) if value else date.today()


def past_day(value: str | None, field: str = "date"):
    """When something happened (a payment, a status change): today by default, never later."""
    return day_or_today(value, field, allow_future=False)


def year(value: int | None) -> int:
    """A calendar year option (default this year), refused when it is not a plausible one."""
    from datetime import date

    from clinicbill.domain.selfpay.year_summary import check_year

    return check_year(value if value is not None else date.today().year)


def today():
    from datetime import date

    return date.today()


def amount(text: str, field: str = "amount", *, allow_zero: bool = False) -> int:
    """Dollars as given (`25`, `25.00`, `$1,250.50`) to cents; zero refused unless allowed."""
    from clinicbill.domain.money import parse_amount

    return parse_amount(text, field, allow_zero=allow_zero)


def optional_amount(text: str | None, field: str, *, allow_zero: bool = True) -> int | None:
    return None if text is None else amount(text, field, allow_zero=allow_zero)


def eob_lines(texts: list[str] | None) -> list:
    """`--line 'LINE paid=AMOUNT [GROUP-CARC=AMOUNT ...] [remark=RARC]'` specs of a paper EOB,
    each refused naming the line when it does not read."""
    from clinicbill.domain.remittance.eob import parse_eob_line

    return [parse_eob_line(text) for text in texts or []]


def minutes_by_service(items: list[str]) -> dict[str, int]:
    """`38 15` or `97124=38 97140=15`: minutes of each timed service, keyed by its code (or
    `service N`); a code given twice is kept apart as `CODE (N)`."""
    from clinicbill.domain.errors import ClinicbillError

    by_code: dict[str, int] = {}
    for n, item in enumerate(items, start=1):
        label, sep, value = item.rpartition("=")
        label = label.strip().upper() if sep else f"service {n}"
        if not value.strip().isdigit() or int(value) > 1440:
            raise ClinicbillError(
                f"minutes: '{item[:20]}' is not a number of minutes", "e.g. 38, or 97124=38"
            )
        if label in by_code:
            label = f"{label} ({n})"
        by_code[label] = int(value)
    return by_code


def unit_rule(rule: str) -> str:
    """`--rule`: cms-8-minute or ama-midpoint (domain/sessions/units.py UNIT_RULES)."""
    from clinicbill.domain.errors import ClinicbillError
    from clinicbill.domain.sessions.units import UNIT_RULES

    if rule not in UNIT_RULES:
        raise ClinicbillError(
            f"rule: '{rule[:20]}' is not a unit rule", "use " + ", ".join(UNIT_RULES)
        )
    return rule
