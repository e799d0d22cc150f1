"""domain.fields.from_row: a result record read from a row by field name."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from types import SimpleNamespace

import pytest

from clinicbill.domain.fields import from_row


@dataclass(frozen=True)
class Line:
    code: str
    units: int
    service_date: date
    paid: int
    note: str = "none"
    derived: int = field(default=0, init=False)


def test_fields_not_given_are_read_from_the_row_and_given_ones_win():
    row = SimpleNamespace(code="97140", units=2, service_date=date(2026, 3, 2), paid=1, note="x")
    line = from_row(Line, row, paid=5000)
    assert line == Line("97140", 2, date(2026, 3, 2), 5000, "x")


def test_a_field_the_row_lacks_is_named():
    row = SimpleNamespace(code="97140", service_date=date(2026, 3, 2), note="x")
    with pytest.raises(AttributeError, match=r"Line\.units: the row has no attribute 'units'"):
        from_row(Line, row, paid=0)


def test_a_database_row_serves(db):
    from sqlalchemy import literal, select

    row = db.execute(
        select(
            literal("97112").label("code"),
            literal(1).label("units"),
            literal("y").label("note"),
        )
    ).one()
    line = from_row(Line, row, service_date=date(2026, 1, 5), paid=0)
    assert (line.code, line.units, line.note, line.derived) == ("97112", 1, "y", 0)
