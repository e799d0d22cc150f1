"""One executemany INSERT through the driver, for the bulk writes of the audit log and of
audited imports (store/audit.py `_append`, store/audit_bulk.py `insert_audited`)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Date, DateTime, TypeDecorator, insert


def insert_many(conn, table, rows: list[dict]) -> None:
    """INSERT `rows` (dicts with the same keys, columns of `table`) with the driver's own
    executemany: the statement compiled once and each value through its column type's bind
    processor, as SQLAlchemy's executemany does, without its per-row bookkeeping (most of an
    835 import's write time). Engine events (the NUL-byte refusal) still see every value."""
    if not rows:
        return
    dialect = conn.dialect
    compiled = insert(table).compile(dialect=dialect, column_keys=list(rows[0]))
    order = compiled.positiontup if compiled.positional else list(compiled.binds)
    keys = [compiled.binds[name].key for name in order]
    processors = [(i, _remembered(p) if _is_time(table.c[k].type) else p)
                  for i, k in enumerate(keys)
                  if (p := table.c[k].type._cached_bind_processor(dialect))]  # fmt: skip
    if compiled.positional:
        params = [[row[k] for k in keys] for row in rows]
        for values in params:
            for i, process in processors:
                values[i] = process(values[i])
        params = [tuple(values) for values in params]
    else:
        params = []
        for row in rows:
            values = {name: row[k] for name, k in zip(order, keys, strict=True)}
            for i, process in processors:
                values[order[i]] = process(values[order[i]])
            params.append(values)
    conn.exec_driver_sql(str(compiled), params)


def _is_time(column_type) -> bool:
    if isinstance(column_type, TypeDecorator):
        column_type = column_type.impl
    return isinstance(column_type, Date | DateTime)


def _remembered(process):
    """A date or timestamp column's bind processor, each distinct value converted once: a
    bulk write repeats a few values (every audit row of one write shares its `at`). A
    timestamp is known by its offset too: equal instants in two zones are written apart."""
    done: dict = {}

    def remembered(value):
        key = (value, value.utcoffset()) if isinstance(value, datetime) else value
        found = done.get(key, done)
        if found is done:
            found = done[key] = process(value)
        return found

    return remembered
