"""Database integrity checks for `db check`."""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.engine import Engine


def integrity_problems(engine: Engine) -> list[str]:
    """SQLite: PRAGMA integrity_check and foreign_key_check. PostgreSQL: a catalogue query."""
    problems: list[str] = []
    with engine.connect() as conn:
        if engine.dialect.name == "sqlite":
            rows = [r[0] for r in conn.execute(text("PRAGMA integrity_check"))]
            if rows != ["ok"]:
                problems.extend(rows[:10])
            fk = conn.execute(text("PRAGMA foreign_key_check")).fetchall()
            if fk:
                problems.append(f"{len(fk)} rows break a foreign key")
        else:
            conn.execute(text("SELECT count(*) FROM pg_catalog.pg_class"))
    return problems
