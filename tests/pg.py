"""Which backend the tests run on.

Default: a SQLite file per test. With CLINICBILL_TEST_PG set to a server URL
(postgresql+psycopg://user@host:port/postgres), each test gets its own new database there,
dropped when the test ends. `make test` runs the whole suite both ways (scripts/ci/test-pg.sh
starts a throwaway cluster for the second pass).
"""

from __future__ import annotations

import os
import uuid
from pathlib import Path

import pytest

SQLITE_ONLY_REASON = "SQLite-specific (file modes, PRAGMAs, the online backup API)"
PG_ONLY_REASON = "needs PostgreSQL: runs in the PostgreSQL pass of `make test`"


def pg_server_url() -> str | None:
    return os.environ.get("CLINICBILL_TEST_PG") or None


def on_postgres() -> bool:
    return pg_server_url() is not None


sqlite_only = pytest.mark.skipif(on_postgres(), reason=SQLITE_ONLY_REASON)
postgres_only = pytest.mark.skipif(not on_postgres(), reason=PG_ONLY_REASON)


def _admin_engine():
    from sqlalchemy import create_engine

    return create_engine(pg_server_url(), isolation_level="AUTOCOMMIT")


def check_server() -> str | None:
    """None when the test server answers, else why not (for a clear start-up failure)."""
    from sqlalchemy import text

    engine = _admin_engine()
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    except Exception as exc:  # the reason goes to the person running the tests
        return f"{type(exc).__name__}: {str(exc).splitlines()[0]}"
    finally:
        engine.dispose()
    return None


def new_database() -> str:
    """A new, empty database on the test server; returns its URL."""
    from sqlalchemy import text

    name = "cb_" + uuid.uuid4().hex[:16]
    engine = _admin_engine()
    with engine.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    engine.dispose()
    return pg_server_url().rsplit("/", 1)[0] + "/" + name


def drop_database(url: str) -> None:
    from sqlalchemy import text

    name = url.rsplit("/", 1)[1]
    if not name.startswith("cb_") or not name[3:].isalnum():
        raise ValueError(f"refusing to drop {name!r}: not a test database")
    engine = _admin_engine()
    with engine.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    engine.dispose()


def fresh_database_url(tmp_path: Path) -> str:
    if not on_postgres():
        return str(tmp_path / "clinic.db")
    return new_database()


def clone_database(url: str, tmp_path: Path, name: str) -> str:
    """A copy of a test database (SQLite: the online backup API; PostgreSQL: CREATE DATABASE
    … TEMPLATE, which needs no open connection to the original)."""
    from clinicbill.store.engine import dispose_all

    dispose_all()
    if not on_postgres():
        import sqlite3

        target = tmp_path / f"{name}.db"
        target.unlink(missing_ok=True)
        src, dst = sqlite3.connect(url), sqlite3.connect(target)
        src.backup(dst)
        dst.close()
        src.close()
        target.chmod(0o600)
        return str(target)
    from sqlalchemy import text

    copy = "cb_" + uuid.uuid4().hex[:16]
    engine = _admin_engine()
    with engine.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{copy}" TEMPLATE "{url.rsplit("/", 1)[1]}"'))
    engine.dispose()
    return pg_server_url().rsplit("/", 1)[0] + "/" + copy


def discard_database(url: str) -> None:
    """Remove a database made by clone_database."""
    from clinicbill.store.engine import dispose_all

    dispose_all()
    if on_postgres():
        drop_database(url)
    else:
        for suffix in ("", "-wal", "-shm"):
            Path(url + suffix).unlink(missing_ok=True)
