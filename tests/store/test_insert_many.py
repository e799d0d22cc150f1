"""store/audit_insert.insert_many converts each distinct date or timestamp once per bulk
write: what it stores is what converting every value would store (equal instants written
in two zones stay apart; a repeated value, None and a naive timestamp for a UTC column are
handled as the column type handles them)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

import pytest
from sqlalchemy import Column, Date, DateTime, Integer, MetaData, Table, create_engine, text

from clinicbill.store.audit_insert import insert_many
from clinicbill.store.types import UTCDateTime

EST = timezone(timedelta(hours=-5))


def _table():
    return Table(
        "t",
        MetaData(),
        Column("id", Integer, primary_key=True),
        Column("day", Date),
        Column("at", DateTime),
        Column("utc", UTCDateTime),
    )


def test_repeated_and_equal_values_are_stored_as_each_would_be(tmp_path):
    table = _table()
    engine = create_engine(f"sqlite:///{tmp_path / 'many.db'}")
    table.metadata.create_all(engine)
    noon = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
    same_instant = noon.astimezone(EST)  # equal to noon, written 07:00-05:00
    rows = [
        {"id": 1, "day": date(2026, 3, 1), "at": noon, "utc": noon},
        {"id": 2, "day": date(2026, 3, 1), "at": same_instant, "utc": same_instant},
        {"id": 3, "day": None, "at": noon, "utc": None},
        {"id": 4, "day": date(2026, 3, 2), "at": same_instant, "utc": same_instant},
    ]
    with engine.begin() as conn:
        insert_many(conn, table, rows)
    with engine.connect() as conn:
        stored = conn.execute(text("SELECT id, day, at, utc FROM t ORDER BY id")).all()
    # a plain DateTime keeps the wall time it was given: equal instants stay apart
    assert [r.at for r in stored] == [
        "2026-03-01 12:00:00.000000",
        "2026-03-01 07:00:00.000000",
        "2026-03-01 12:00:00.000000",
        "2026-03-01 07:00:00.000000",
    ]
    assert [r.day for r in stored] == ["2026-03-01", "2026-03-01", None, "2026-03-02"]
    # the UTC column converts both to UTC: the same text
    assert stored[0].utc == stored[1].utc == stored[3].utc and stored[2].utc is None


def test_a_naive_timestamp_for_a_utc_column_is_still_refused(tmp_path):
    table = _table()
    engine = create_engine(f"sqlite:///{tmp_path / 'naive.db'}")
    table.metadata.create_all(engine)
    aware = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
    rows = [{"id": 1, "day": None, "at": None, "utc": aware}]
    rows.append({"id": 2, "day": None, "at": None, "utc": aware.replace(tzinfo=None)})
    with engine.begin() as conn, pytest.raises(ValueError, match="naive datetime"):
        insert_many(conn, table, rows)
