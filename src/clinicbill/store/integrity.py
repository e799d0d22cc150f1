"""Database integrity checks for `db check` (and for verifying a backup before a restore)."""

from __future__ import annotations

from sqlalchemy import inspect, text
from sqlalchemy.engine import Connection, Engine


def integrity_problems(engine: Engine) -> list[str]:
    """Everything wrong with the stored database; an empty list means it is sound.

    SQLite: PRAGMA integrity_check and foreign_key_check. PostgreSQL: invalid indexes and
    constraints left by an interrupted operation. Both: every table the code expects exists.
    """
    with engine.connect() as conn:
        if conn.dialect.name == "sqlite":
            problems = sqlite_problems(conn)
        else:
            problems = postgres_problems(conn)
        problems.extend(missing_tables(conn))
    return problems


def sqlite_problems(conn: Connection) -> list[str]:
    problems: list[str] = []
    rows = [r[0] for r in conn.execute(text("PRAGMA integrity_check"))]
    if rows != ["ok"]:
        problems.extend(rows[:10])
    broken = conn.execute(text("PRAGMA foreign_key_check")).fetchall()
    if broken:
        tables = sorted({row[0] for row in broken})
        problems.append(f"{len(broken)} rows break a foreign key (in {', '.join(tables)})")
    return problems


def postgres_problems(conn: Connection) -> list[str]:
    problems: list[str] = []
    invalid_indexes = conn.execute(
        text(
            "SELECT c.relname FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid "
            "JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = current_schema() AND NOT (i.indisvalid AND i.indisready)"
        )
    ).scalars()
    problems.extend(f"index {name} is invalid" for name in invalid_indexes)
    unvalidated = conn.execute(
        text(
            "SELECT con.conname FROM pg_constraint con "
            "JOIN pg_namespace n ON n.oid = con.connamespace "
            "WHERE n.nspname = current_schema() AND NOT con.convalidated"
        )
    ).scalars()
    problems.extend(f"constraint {name} is not validated" for name in unvalidated)
    return problems


def missing_tables(conn: Connection) -> list[str]:
    from sqlmodel import SQLModel

    from clinicbill.store.models import load_all

    load_all()  # registers every table

    present = set(inspect(conn).get_table_names())
    expected = set(SQLModel.metadata.tables)
    return [f"table {name} is missing" for name in sorted(expected - present)]
