"""Optional encryption at rest for the SQLite database, with SQLCipher (`sqlcipher3`).

Off unless CLINICBILL_DB_KEY is set. Then every SQLite connection (the engine's, and the
ones `db backup`/`db restore` open) goes through sqlcipher3 and sends `PRAGMA key` first.
A new database is created encrypted; an existing plain database is NOT converted (it refuses
to open: "wrong key, or not encrypted"). Backups of an encrypted database are encrypted with
the same key. PostgreSQL is not affected (use the server's disk encryption there).
"""

from __future__ import annotations

import os
from pathlib import Path

from clinicbill.domain.errors import ClinicbillError

KEY_ENV = "CLINICBILL_DB_KEY"
INSTALL_HINT = "install the extra: pip install 'clinicbill[encryption]' (sqlcipher3)"


def db_key() -> str | None:
    return os.environ.get(KEY_ENV) or None


def _dbapi():
    try:
        from sqlcipher3 import dbapi2
    except ImportError:
        raise ClinicbillError(
            f"db: {KEY_ENV} is set but SQLCipher is not available", INSTALL_HINT
        ) from None
    return dbapi2


def engine_options() -> dict:
    """Extra create_engine() arguments for a SQLite URL: the SQLCipher driver when keyed."""
    if not db_key():
        return {}
    return {"module": _dbapi()}


def _quoted(key: str) -> str:
    # PRAGMA takes no bound parameters; a single-quoted SQL literal with quotes doubled is the
    # documented way to pass a passphrase (SQLCipher derives the key with PBKDF2).
    if "\x00" in key:
        raise ClinicbillError(f"db: {KEY_ENV} contains a NUL byte", "use a printable passphrase")
    return "'" + key.replace("'", "''") + "'"


def apply_key(dbapi_conn, path: Path | str | None = None) -> None:
    """Unlock a fresh DB-API connection (before any other statement) and prove the key works."""
    key = db_key()
    if not key:
        return
    cur = dbapi_conn.cursor()
    try:
        cur.execute("PRAGMA cipher_log_level = NONE")
    except Exception:  # older SQLCipher: no such pragma, nothing to silence
        pass
    cur.execute(f"PRAGMA key = {_quoted(key)}")
    try:
        cur.execute("SELECT count(*) FROM sqlite_master").fetchall()
    except Exception:
        where = f" {path}" if path else ""
        raise ClinicbillError(
            f"db: cannot open{where}: wrong {KEY_ENV}, or the file is not encrypted",
            f"set the key the database was created with, or unset {KEY_ENV} for a plain file",
        ) from None
    finally:
        cur.close()


def listen(engine, path: Path) -> None:
    """Register apply_key on the engine's connect event (it must run before other PRAGMAs)."""
    if not db_key():
        return
    from sqlalchemy import event

    event.listen(engine, "connect", lambda conn, _record: apply_key(conn, path), insert=True)


def connect(path: Path | str, **kwargs):
    """A raw DB-API connection to a SQLite file: sqlcipher3 and unlocked when keyed."""
    if db_key():
        conn = _dbapi().connect(str(path), **kwargs)
        apply_key(conn, path)
        return conn
    import sqlite3

    return sqlite3.connect(str(path), **kwargs)


def is_plain_sqlite(path: Path) -> bool:
    """Whether the file starts with the SQLite header (an encrypted file looks random)."""
    try:
        with open(path, "rb") as fh:
            return fh.read(16) == b"SQLite format 3\x00"
    except OSError:
        return False
