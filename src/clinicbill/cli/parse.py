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


def today():
    from datetime import date

    return date.today()


def amount(text: str, field: str = "amount", *, allow_zero: bool = False) -> int:
    """Dollars as given (`25`, `25.00`, `$1,250.50`) to cents; zero refused unless allowed."""
    from clinicbill.domain.money import parse_amount

    return parse_amount(text, field, allow_zero=allow_zero)


def optional_amount(text: str | None, field: str, *, allow_zero: bool = True) -> int | None:
    return None if text is None else amount(text, field, allow_zero=allow_zero)
