"""Audited bulk writes: executemany INSERT/UPDATE with the same audit rows a flush writes.

Large imports (e.g. a 10,000-claim 835) write with one executemany instead of building ORM
objects; the flush hook (audit.py) cannot see those rows, so these helpers audit them the
same way, in the same hash chain.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, DateTime, TypeDecorator, func, select, text, update
from sqlmodel import Session

from clinicbill.store.audit import _append, _jsonable, _writer_lock, row_json
from clinicbill.store.audit_insert import insert_many
from clinicbill.store.types import utcnow


def insert_audited(session: Session, model, rows: list[dict]) -> list[int]:
    """INSERT many rows in one executemany, audited like a flush; returns the new ids in the
    order of `rows`. Each dict gets every column (missing ones None, timestamps now)."""
    if not rows:
        return []
    table = model.__table__
    now = utcnow()
    names = [c.name for c in table.columns if c.name != "id"]
    stamped = [n for n in names if n in ("posted_at", "imported_at", "at", "created_at")]
    _writer_lock(session)
    ids = _reserve_ids(session, table, len(rows))
    full = []
    for row_id, row in zip(ids, rows, strict=True):
        values = {"id": row_id, **{n: row.get(n) for n in names}}
        for name in stamped:
            if values[name] is None:
                values[name] = now
        full.append(values)
    insert_many(session.connection(), table, full)
    user = session.info.get("user", "unknown")
    # plain str: a table's name is SQLAlchemy's quoted_name (a str subclass), which the
    # sqlite3 driver adapts value by value (a __conform__ look-up through its __getattr__)
    entity = str(table.name)
    # dates and timestamps as their images hold them; each distinct value formatted once
    timed = [c.name for c in table.columns if isinstance(c.type, Date | DateTime | TypeDecorator)]
    texts: dict = {}

    def image(values: dict) -> str:
        shown = values.copy()
        for name in timed:
            value = shown[name]
            if isinstance(value, datetime | date):
                text_value = texts.get(value)
                if text_value is None:
                    text_value = texts[value] = value.isoformat()
                shown[name] = text_value
        return row_json(shown)

    _append(
        session,
        [
            {
                "user": user,
                "action": "insert",
                "entity": entity,
                "entity_id": values["id"],
                "patient_id": values.get("patient_id"),
                "before": None,
                "after": image(values),
            }
            for values in full
        ],
    )
    return ids


def _reserve_ids(session: Session, table, count: int) -> list[int]:
    """Ids for `count` new rows, reserved before one executemany (RETURNING in parameter
    order would cost one statement per row on SQLite). PostgreSQL: from the id sequence.
    SQLite: after the current largest id, as SQLite itself assigns them; the transaction
    holds the write lock (BEGIN IMMEDIATE), so no other writer can take them."""
    conn = session.connection()
    if conn.dialect.name == "postgresql":
        rows = conn.execute(
            text("SELECT nextval(pg_get_serial_sequence(:t, 'id')) FROM generate_series(1, :n)"),
            {"t": table.name, "n": count},
        )
        return [int(r[0]) for r in rows]
    last = conn.execute(select(func.max(table.c.id))).scalar() or 0
    return list(range(last + 1, last + 1 + count))


def update_audited(session: Session, model, changes: list[tuple[int, dict, dict]]) -> None:
    """UPDATE many rows by id in one executemany, audited: each change is (id, the changed
    columns' old values, their new values)."""
    if not changes:
        return
    from sqlalchemy import bindparam

    by_columns: dict[tuple, list] = {}
    for row_id, before, after in changes:
        by_columns.setdefault(tuple(sorted(after)), []).append((row_id, before, after))
    _writer_lock(session)
    table = model.__table__
    for columns, group in by_columns.items():
        statement = (
            update(table)
            .where(table.c.id == bindparam("_id"))
            .values({name: bindparam("_v_" + name) for name in columns})
        )
        session.connection().execute(
            statement,
            [
                {"_id": row_id, **{"_v_" + k: v for k, v in after.items()}}
                for row_id, _b, after in group
            ],
        )
    user = session.info.get("user", "unknown")
    patients = _patients_of(session, table, [row_id for row_id, _b, _a in changes])
    _append(
        session,
        [
            {
                "user": user,
                "action": "update",
                "entity": str(table.name),  # plain str (see insert_audited)
                "entity_id": row_id,
                "patient_id": patients.get(row_id),
                "before": row_json({k: _jsonable(v) for k, v in before.items()}),
                "after": row_json({k: _jsonable(v) for k, v in after.items()}),
            }
            for row_id, before, after in changes
        ],
    )


def _patients_of(session: Session, table, ids: list[int]) -> dict[int, int]:
    """{row id: patient id} for a table with a patient_id column (so `audit --patient` finds
    bulk updates too); {} for other tables."""
    if "patient_id" not in table.c:
        return {}
    found: dict[int, int] = {}
    conn = session.connection()
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        rows = conn.execute(select(table.c.id, table.c.patient_id).where(table.c.id.in_(chunk)))
        found.update({row_id: patient for row_id, patient in rows})
    return found
