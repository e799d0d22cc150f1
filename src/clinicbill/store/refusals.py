"""Database failures told as refusals: what happened, that nothing was saved, what to do.

`refusal_for(exc, url)` maps a driver error (SQLite, PostgreSQL, the OS) to a ClinicbillError,
or None when the error is not one we know. `check_sqlite_file(path)` looks at a SQLite file
before clinicbill opens it for writing: only a missing or empty file becomes a new database;
a file that is not SQLite, is damaged, or belongs to another program is refused untouched.

Nothing heavy is imported at module level: the root app calls this on its error path.
"""

from __future__ import annotations

import errno
import os
import re
from pathlib import Path

from clinicbill.domain.errors import ClinicbillError

SQLITE_MAGIC = b"SQLite format 3\x00"
RESTORE_HINT = (
    "restore from a backup with `clinicbill db restore BACKUP --force` "
    "(the damaged file is kept beside it)"
)
_DISK_FULL_ERRNOS = {errno.ENOSPC, getattr(errno, "EDQUOT", errno.ENOSPC)}


def _chain(exc: BaseException):
    """The exception, the driver error it wraps (`.orig`), and its causes."""
    seen: set[int] = set()
    todo = [exc]
    while todo:
        item = todo.pop(0)
        if item is None or id(item) in seen:
            continue
        seen.add(id(item))
        yield item
        todo.extend([getattr(item, "orig", None), item.__cause__, item.__context__])


def _where(url: str | None) -> Path | None:
    if url and url.startswith("sqlite:///"):
        return Path(url.removeprefix("sqlite:///"))
    return None


def refusal_for(exc: BaseException, url: str | None = None) -> ClinicbillError | None:
    """The refusal that tells this failure plainly, or None for an unknown failure."""
    if isinstance(exc, ClinicbillError):
        return None
    for item in _chain(exc):
        message = str(item)
        if isinstance(item, OSError) and item.errno in _DISK_FULL_ERRNOS:
            return disk_full(Path(os.fsdecode(item.filename)) if item.filename else _where(url))
        if isinstance(item, OSError) and item.errno == errno.EFBIG:
            return size_limit()
        if "database or disk is full" in message or "No space left on device" in message:
            return disk_full(_where(url))
        if "disk I/O error" in message:
            return _io_error(_where(url))
        if "database is locked" in message or "database table is locked" in message:
            return busy(_busy_seconds())
        if "lock timeout" in message:
            from clinicbill.store import timeouts

            return busy(timeouts.PG_LOCK_TIMEOUT_S)
        if "database disk image is malformed" in message:
            return damaged(_where(url))
        if _pg_operational(item) and url and "://" in url:
            return pg_connection_refusal(item, url)
        if isinstance(item, OverflowError) or _pg_out_of_range(item, message):
            return out_of_range()
    return None


def _pg_out_of_range(item: BaseException, message: str) -> bool:
    """PostgreSQL's SQLSTATE 22003 (numeric_value_out_of_range): `integer out of range`,
    `bigint out of range`, `value ... is out of range for type integer`."""
    return type(item).__name__ == "NumericValueOutOfRange" or bool(
        re.search(r"\b(?:integer|bigint|smallint) out of range|out of range for type", message)
    )


def out_of_range() -> ClinicbillError:
    """A number too large for the database (SQLite's 64-bit, PostgreSQL's integer columns) or
    a count of days that takes a date past the calendar: told once, whatever the option."""
    return ClinicbillError(
        "input: a number is out of range; nothing was saved",
        "check the ids, counts and days typed (a count of days is at most a few thousand)",
    )


def _pg_operational(exc: BaseException) -> bool:
    """psycopg's OperationalError itself (the connection failed), not a subclass such as a
    query cancelled or a missing table."""
    return type(exc).__name__ == "OperationalError" and type(exc).__module__.startswith("psycopg")


def _busy_seconds() -> int:
    from clinicbill.store import timeouts

    return timeouts.BUSY_TIMEOUT_MS // 1000


def busy(seconds: int) -> ClinicbillError:
    return ClinicbillError(
        f"db: another clinicbill command kept the database busy for {seconds} s; nothing was saved",
        "run the command again when the other one has finished (a large import, report or "
        "backup may be running)",
    )


def disk_full(db: Path | None) -> ClinicbillError:
    place = f"the disk holding {db.parent}" if db else "the database server's disk"
    return ClinicbillError(
        f"db: {place} is full; nothing was saved",
        "free some space there (exports, old backups, *.before-restore-* copies you no longer "
        "need), then run the command again",
    )


def size_limit() -> ClinicbillError:
    import resource

    soft, _hard = resource.getrlimit(resource.RLIMIT_FSIZE)
    return ClinicbillError(
        f"db: the file size limit (ulimit -f, {soft // 1024} KiB) stopped the write; "
        "nothing was saved",
        "raise the limit (ulimit -f unlimited) or free space, then run the command again",
    )


def _io_error(db: Path | None) -> ClinicbillError:
    """SQLite says only "disk I/O error": a file size limit, a full disk, or a failing disk."""
    import resource
    import shutil

    soft, _hard = resource.getrlimit(resource.RLIMIT_FSIZE)
    if soft != resource.RLIM_INFINITY:
        return size_limit()
    if db is not None:
        try:
            if shutil.disk_usage(db.parent).free < 16 * 1024 * 1024:
                return disk_full(db)
        except OSError:
            pass
    where = f" writing {db.parent}" if db else ""
    return ClinicbillError(
        f"db: the disk reported an error{where} (disk I/O error); nothing was saved",
        "check the disk and its free space, then run `clinicbill db check`",
    )


def damaged(db: Path | None) -> ClinicbillError:
    name = db.name if db else "the database"
    return ClinicbillError(
        f"db: integrity check failed: {name} is truncated or damaged", RESTORE_HINT
    )


def newer_schema(revision: str, head: str) -> ClinicbillError:
    return ClinicbillError(
        f"db: the database was written by a newer clinicbill (schema revision {revision!r}; "
        f"this version knows up to {head!r}); nothing was changed",
        "upgrade clinicbill (pip install --upgrade clinicbill), or use the version that wrote it",
    )


# PostgreSQL -------------------------------------------------------------------------------


def pg_connection_refusal(exc: BaseException, url: str) -> ClinicbillError:
    """Server down, login refused or database missing, in one line; never the password."""
    from sqlalchemy.engine import make_url

    parsed = make_url(url)
    server = f"{parsed.host or 'localhost'}:{parsed.port or 5432}"
    text = str(exc)
    if parsed.password:
        text = text.replace(str(parsed.password), "***")
    lower = text.lower()
    if "password authentication failed" in lower or "no password supplied" in lower:
        return ClinicbillError(
            f"db: the PostgreSQL server at {server} refused the login of user "
            f"{parsed.username!r} (password authentication failed)",
            "check the user name and password in --db / CLINICBILL_DB (or ~/.pgpass)",
        )
    if "does not exist" in lower and "database" in lower:
        return ClinicbillError(
            f"db: the PostgreSQL server at {server} has no database {parsed.database!r}",
            f"create it (createdb {parsed.database}) or fix the database name in --db",
        )
    if (
        "authentication" in lower
        or "pg_hba.conf" in lower
        or re.search(r'role ".*" does not', lower)
    ):
        return ClinicbillError(
            f"db: the PostgreSQL server at {server} refused the login of user "
            f"{parsed.username!r} ({_first_line(text)})",
            "check the user in --db / CLINICBILL_DB and the server's pg_hba.conf",
        )
    return ClinicbillError(
        f"db: cannot reach the PostgreSQL server at {server} ({_first_line(text)})",
        "start the server, or check the host and port in --db / CLINICBILL_DB",
    )


def _first_line(text: str) -> str:
    for marker in ("Connection refused", "timeout expired", "could not translate host name"):
        if marker in text:
            return marker[0].lower() + marker[1:]
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return (lines[-1] if lines else "no message")[:200]


# SQLite files -----------------------------------------------------------------------------


def check_sqlite_file(path: Path) -> None:
    """Refuse, before anything writes to it, a file that is not a clinicbill database.

    A missing or empty file becomes a new database. Anything else must be SQLite, whole (the
    header's page count fits the file), and either hold clinicbill's tables or nothing at all.
    An encrypted file (CLINICBILL_DB_KEY) is checked by the key itself (store/encryption.py).
    """
    from clinicbill.store import encryption

    try:
        size = path.stat().st_size
    except FileNotFoundError:
        return
    if size == 0 or encryption.db_key():
        return
    with open(path, "rb") as fh:
        header = fh.read(100)
    if not header.startswith(SQLITE_MAGIC):
        raise ClinicbillError(
            f"db: {path.name} is not a clinicbill database (not a SQLite file, or an encrypted "
            "one); it was not changed",
            "check --db / CLINICBILL_DB (a new file name starts a new database); for an "
            f"encrypted database set {encryption.KEY_ENV}",
        )
    if _truncated(path, header, size):
        raise damaged(path)


def check_sqlite_schema(dbapi_conn, path: Path) -> None:
    """On each new connection, before clinicbill's PRAGMAs (WAL mode rewrites the header):
    a database holding tables but not clinicbill's is another program's, refused untouched."""
    cur = dbapi_conn.cursor()
    try:
        rows = cur.execute("SELECT name FROM sqlite_master").fetchall()
    except Exception as exc:
        if "malformed" in str(exc) or "not a database" in str(exc):
            raise damaged(path) from None
        raise
    finally:
        cur.close()
    tables = {name for (name,) in rows if not name.startswith("sqlite_")}
    if tables and not {"alembic_version", "patient"} <= tables:
        shown = ", ".join(sorted(tables)[:3]) + (", ..." if len(tables) > 3 else "")
        raise ClinicbillError(
            f"db: {path.name} is a SQLite database of another program (tables: {shown}), "
            "not a clinicbill database; it was not changed",
            "give --db the clinicbill database, or a new file name for a new database",
        )


def _truncated(path: Path, header: bytes, size: int) -> bool:
    """The header's page count is past the end of the file (and no WAL holds the rest)."""
    if len(header) < 100:
        return True
    page_size = int.from_bytes(header[16:18], "big")
    page_size = 65536 if page_size == 1 else page_size
    pages = int.from_bytes(header[28:32], "big")
    if header[24:28] != header[92:96]:  # the page count is not valid (written by old SQLite)
        return False
    wal = Path(f"{path}-wal")
    if wal.exists() and wal.stat().st_size > 0:
        return False
    return pages * page_size > size
