"""`audit --verify`: the hash chain (verify_chain), then every audited row against its last
logged image (row_problems).

The audit log holds the after-image of every insert and update (full rows from a flush or a
bulk insert, the changed columns from a bulk update) and every delete. Folding them per
(table, id) gives what each row must hold now; a row that differs was changed outside
clinicbill, a row with no image was added outside it, and an image whose row is gone means
the row was removed outside it. Problems name the table, the id and the columns, never a
value (patient data).

Streamed, one table at a time: the table's rows in id order, merged with its images in
(entity_id, id) order (the ix_audit_entity index). Raw driver values, no ORM: for the common
case of a row written once, the row is serialised exactly as its image was (row_json) and the
two strings compared; only a mismatch or a row with several images parses JSON.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from datetime import UTC, date, datetime
from json.encoder import encode_basestring_ascii as _quote  # json's own (C) quoting

from sqlalchemy import Boolean, Date, DateTime, select
from sqlmodel import Session

from clinicbill.store.audit import (
    _HASHED_COLUMNS,
    AUDIT_COUNTER,
    GENESIS,
    NOT_AUDITED,
    hashed_text,
    row_json,
)
from clinicbill.store.models.audit_log import AuditLog

FETCH = 5_000  # rows per fetchmany
_MISSING = object()
_CURSORS = 0  # names of PostgreSQL server-side cursors


def verify_chain(session: Session) -> list[str]:
    """Problems in the hash chain, first one first: an edited row, a removed row, a broken
    link, rows missing at the end. Streams the log; an empty list means the chain holds."""
    from clinicbill.store.models import ControlCounter

    problems = []
    prev = GENESIS
    seen = 0
    # Raw driver rows (a third of the time of typed ones over millions of rows); the
    # timestamp is put in the form it was hashed in, as UTCDateTime would read it.
    columns = [c.name for c in (AuditLog.id, AuditLog.prev_hash, AuditLog.hash)]
    columns += [c.name for c in _HASHED_COLUMNS]
    sha256 = hashlib.sha256
    last_at = at_text = None  # the rows of one write share their time: converted once
    for row_id, prev_hash, digest, at, *rest in raw_rows(
        session.connection(), "audit_log", columns
    ):
        seen += 1
        if prev_hash != prev:
            problems.append(f"audit row {row_id}: previous-hash link broken (a row was removed)")
        if at != last_at:
            last_at, at_text = at, stamp(at)
        text = prev_hash + hashed_text(at_text, *rest)
        if sha256(text.encode()).hexdigest() != digest:
            problems.append(f"audit row {row_id}: content does not match its hash (edited)")
        prev = digest
    recorded = session.execute(
        select(ControlCounter.value).where(ControlCounter.name == AUDIT_COUNTER)
    ).scalar()
    if recorded is not None and recorded != seen:
        problems.append(
            f"audit log: {recorded} rows were written but {seen} remain "
            "(rows at the end were removed)"
        )
    return problems


def row_problems(session: Session, limit_per_table: int = 20) -> tuple[list[str], int]:
    """Rows that differ from the audit log, table by table (at most `limit_per_table` named
    per table, then a count of the rest), and the number of rows compared."""

    from clinicbill.store.models import load_all

    load_all()
    return compare_tables(session.connection(), limit_per_table)


def compare_tables(conn, limit_per_table: int = 20) -> tuple[list[str], int]:
    """`row_problems` on a connection: an SQLAlchemy Connection, or anything with its
    `dialect` and `connection.dbapi_connection` (audit_verify_split.py's own connection)."""
    from sqlmodel import SQLModel

    problems: list[str] = []
    compared = 0
    for name in sorted(set(SQLModel.metadata.tables) - NOT_AUDITED):
        found = _Found(limit_per_table)
        compared += _compare_table(conn, SQLModel.metadata.tables[name], found)
        problems.extend(found.kept)
        if found.count > len(found.kept):
            problems.append(f"{name}: {found.count - len(found.kept):,} more rows differ")
    return problems, compared


class _Found:
    """Problems of one table: the first `limit` kept, the rest only counted."""

    def __init__(self, limit: int):
        self.kept: list[str] = []
        self.limit = limit
        self.count = 0

    def append(self, problem: str) -> None:
        self.count += 1
        if self.count <= self.limit:
            self.kept.append(problem)


def _compare_table(conn, table, problems: _Found) -> int:
    """Merge the table's rows with their images; returns the number of rows compared."""
    names = [c.name for c in table.columns]
    converted = [(i, c.name, f) for i, c in enumerate(table.columns) if (f := _converter(c))]
    index = names.index("id")
    count = 0
    text_of = _row_text(table)
    rows = raw_rows(conn, table.name, names)
    images = _grouped(_stream(conn, *_select_images(conn, table.name)))
    row = next(rows, None)
    image = next(images, None)
    while row is not None or image is not None:
        row_id = row[index] if row is not None else None
        image_id = image[0] if image is not None else None
        if image is None or (row is not None and row_id < image_id):
            problems.append(f"{table.name} {row_id}: added outside clinicbill (no audit record)")
            row, count = next(rows, None), count + 1
            continue
        if row is None or image_id < row_id:
            if _state(image[1]) is not None:
                problems.append(f"{table.name} {image_id}: removed outside clinicbill")
            image = next(images, None)
            continue
        events = image[1]
        if len(events) != 1 or events[0][0] != "insert" or text_of(row) != events[0][1]:
            values = dict(zip(names, row, strict=True))
            for i, name, convert in converted:
                values[name] = convert(row[i])
            problem = _compare_row(table.name, row_id, values, events)
            if problem:
                problems.append(problem)
        # else the usual case: written once, unchanged since
        row, image, count = next(rows, None), next(images, None), count + 1
    return count


def _row_text(table):
    """row -> `row_json` of it as an image holds it (the converted values, keys sorted), built
    directly: cheaper than a dict and the encoder, for the millions of rows compared. A value
    of another type than text, integer, flag or NULL gives None (the row is then compared
    column by column, as is any row whose text differs)."""
    columns = list(table.columns)
    order = sorted(range(len(columns)), key=lambda i: columns[i].name)
    parts = [(i, _quote(columns[i].name) + ": ", _converter(columns[i])) for i in order]

    def text_of(row) -> str | None:
        out = []
        for i, prefix, convert in parts:
            value = row[i] if convert is None else convert(row[i])
            kind = type(value)
            if kind is str:
                out.append(prefix + _quote(value))
            elif value is None:
                out.append(prefix + "null")
            elif kind is int:
                out.append(prefix + int.__repr__(value))
            elif kind is bool:
                out.append(prefix + ("true" if value else "false"))
            else:
                return None
        return "{" + ", ".join(out) + "}"

    return text_of


def _compare_row(entity: str, row_id: int, values: dict, events: list) -> str | None:
    if len(events) == 1 and events[0][0] == "insert" and row_json(values) == events[0][1]:
        return None  # written once, unchanged since (the text differed only in its form)
    state = _state(events)
    if state is None:
        return f"{entity} {row_id}: added outside clinicbill (after its logged deletion)"
    changed = [
        name
        for name, value in values.items()
        if (logged := state.get(name, _MISSING)) is not _MISSING and not _same(value, logged)
    ]
    if changed:
        return f"{entity} {row_id}: changed outside clinicbill (columns: {', '.join(changed)})"
    return None


def _state(events: list) -> dict | None:
    """The row as the log says it is now: insert, then updates, in order; None once deleted."""
    state: dict | None = None
    for action, after in events:
        if action == "delete":
            state = None
        elif action == "insert":
            state = json.loads(after)
        elif action == "update" and after:
            state = {**(state or {}), **json.loads(after)}
    return state


def _same(value, logged) -> bool:
    """One column: the stored value (as an image would show it) against the logged one."""
    if value == logged:
        return True
    if value is None or logged is None:
        return False
    if isinstance(value, bool) or isinstance(logged, bool):
        return bool(value) == bool(logged)
    if isinstance(value, str) and isinstance(logged, str) and "T" in value:
        try:  # a timestamp logged with another UTC offset or precision
            return datetime.fromisoformat(value) == datetime.fromisoformat(logged)
        except ValueError:
            return False
    return str(value) == str(logged)  # e.g. a number given as text to a text column


def _converter(column):
    """Driver value -> the value an audit image holds (store/audit.py _jsonable)."""
    if isinstance(column.type, Boolean):
        return _flag
    if isinstance(column.type, DateTime) or isinstance(
        getattr(column.type, "impl", None), DateTime
    ):
        return stamp
    if isinstance(column.type, Date):
        return _day
    return None


def _flag(value):
    return None if value is None else bool(value)


def _day(value):
    return value.isoformat() if isinstance(value, date) else value


def stamp(value):
    """SQLite stores 'YYYY-MM-DD HH:MM:SS.ffffff' (UTC); PostgreSQL returns an aware time."""
    if value is None:
        return None
    if isinstance(value, str):
        if len(value) == 26 and value[10] == " ":  # SQLAlchemy's SQLite form, 6 digits
            if value.endswith(".000000"):  # isoformat() leaves out zero microseconds
                return f"{value[:10]}T{value[11:19]}+00:00"
            return f"{value[:10]}T{value[11:]}+00:00"
        value = datetime.fromisoformat(value)
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).isoformat()


def raw_rows(conn, table: str, names: list[str]) -> Iterator[tuple]:
    """A table's columns as the driver returns them, in id order, streamed."""
    quote = conn.dialect.identifier_preparer.quote
    columns = ", ".join(quote(n) for n in names)
    sql = f"SELECT {columns} FROM {quote(table)} ORDER BY {quote('id')}"  # noqa: S608
    return _stream(conn, sql)


_IMAGES = (
    "SELECT entity_id, action, after FROM audit_log "
    "WHERE entity = ? AND entity_id IS NOT NULL ORDER BY entity_id, id"
)


def _select_images(conn, entity: str) -> tuple[str, tuple]:
    """The images of one table's rows, in (entity_id, id) order: the ix_audit_entity index."""
    sql = _IMAGES if conn.dialect.paramstyle == "qmark" else _IMAGES.replace("?", "%s")
    return sql, (entity,)


def _stream(conn, sql: str, params: tuple = ()) -> Iterator[tuple]:
    """Raw driver rows in batches, on a cursor of their own (PostgreSQL: a server-side
    cursor, so a large table is never held in memory whole)."""
    raw = conn.connection.dbapi_connection
    if conn.dialect.name == "postgresql":
        global _CURSORS
        _CURSORS += 1
        cursor = raw.cursor(name=f"clinicbill_verify_{_CURSORS}")
    else:
        cursor = raw.cursor()
    try:
        cursor.execute(sql, params)
        while batch := cursor.fetchmany(FETCH):
            yield from batch
    finally:
        cursor.close()


def _grouped(images: Iterator[tuple]) -> Iterator[tuple[int, list]]:
    """(entity_id, [(action, after), ...]) per row, in id order."""
    current = None
    events: list = []
    for entity_id, action, after in images:
        if entity_id != current:
            if events:
                yield current, events
            current, events = entity_id, []
        events.append((action, after))
    if events:
        yield current, events
