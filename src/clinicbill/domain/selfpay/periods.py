"""Calendar arithmetic for billing periods and installments (pure functions, no database).

Periods are counted from the anchor date, not from the previous period, so a membership that
starts on January 31 is billed on February 28 (or 29), March 31, April 30 ...: the day of the
month is kept where the month has it, else the month's last day.
"""

from __future__ import annotations

import calendar
from collections.abc import Iterator
from datetime import date, timedelta

from clinicbill.domain.errors import ClinicbillError

PERIOD_MONTHS = {"monthly": 1, "quarterly": 3, "yearly": 12}
EVERY = ("month", "2 weeks", "week")


def add_months(day: date, months: int) -> date:
    """The same day of the month `months` later, or that month's last day."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    last = calendar.monthrange(year, month + 1)[1]
    return date(year, month + 1, min(day.day, last))


def check_period(period: str | None) -> str:
    text = (period or "").strip().lower()
    if text not in PERIOD_MONTHS:
        shown = f"'{str(period)[:20]}'" if period else "(missing)"
        raise ClinicbillError(
            f"period: {shown} is not a billing period", "monthly, quarterly or yearly"
        )
    return text


def period_start(anchor: date, period: str, index: int) -> date:
    """The first day of period number `index` (0 is the anchor's)."""
    return add_months(anchor, PERIOD_MONTHS[period] * index)


def period_bounds(anchor: date, period: str, index: int) -> tuple[date, date]:
    """(first day, last day) of period number `index`."""
    return (
        period_start(anchor, period, index),
        period_start(anchor, period, index + 1) - timedelta(days=1),
    )


def periods_until(anchor: date, period: str, until: date) -> Iterator[tuple[int, date, date]]:
    """(index, first day, last day) of every period that has started by `until`."""
    index = 0
    while True:
        start, end = period_bounds(anchor, period, index)
        if start > until:
            return
        yield index, start, end
        index += 1


def period_index_on(anchor: date, period: str, day: date) -> int | None:
    """The number of the period that contains `day` (None before the anchor)."""
    if day < anchor:
        return None
    months = PERIOD_MONTHS[period]
    index = max(((day.year - anchor.year) * 12 + day.month - anchor.month) // months - 1, 0)
    while period_start(anchor, period, index + 1) <= day:
        index += 1
    return index


def check_every(every: str | None) -> str:
    text = " ".join((every or "month").strip().lower().split())
    text = {"monthly": "month", "weekly": "week", "biweekly": "2 weeks", "2-weeks": "2 weeks"}.get(
        text, text
    )
    if text not in EVERY:
        raise ClinicbillError(
            f"every: '{str(every)[:20]}' is not a schedule", "month, 2 weeks or week"
        )
    return text


def installment_dates(start: date, every: str, count: int) -> list[date]:
    """The due dates of `count` installments from `start`."""
    if every == "month":
        return [add_months(start, i) for i in range(count)]
    step = timedelta(days=14 if every == "2 weeks" else 7)
    return [start + step * i for i in range(count)]


def split_cents(total: int, count: int) -> list[int]:
    """`total` cents in `count` installments that add up exactly: equal whole-cent parts, the
    cents that do not divide evenly on the LAST installment (e.g. $100.00 / 3 = 33.33, 33.33,
    33.34), so the patient never pays more up front than later."""
    if count < 1:
        raise ValueError(count)
    part = total // count
    return [part] * (count - 1) + [total - part * (count - 1)]
