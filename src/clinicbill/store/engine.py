"""Engine and transaction factory: database location, file modes, SQLite pragmas, migrations.

One command = one transaction: `with transaction(db, user) as session:` commits on success
and rolls everything back on any exception.
"""

from __future__ import annotations

import os
import re
import stat
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import Engine
from sqlmodel import Session

from clinicbill.domain.errors import ClinicbillError
from clinicbill.store import timeouts
from clinicbill.store.schema_version import HEAD_REVISION

_ENGINES: dict[str, Engine] = {}


def default_db_path() -> Path:
    import platformdirs

    return Path(platformdirs.user_data_dir("clinicbill")) / "clinicbill.db"


def resolve_url(db: str | None) -> str:
    """`--db`, else CLINICBILL_DB, else the platformdirs default. `://` marks a URL."""
    value = db or os.environ.get("CLINICBILL_DB") or str(default_db_path())
    if "://" in value:
        if value.startswith("postgres://"):
            value = "postgresql+psycopg://" + value.removeprefix("postgres://")
        elif value.startswith("postgresql://"):
            value = "postgresql+psycopg://" + value.removeprefix("postgresql://")
        return value
    return "sqlite:///" + str(Path(value).expanduser().resolve())


def is_sqlite(url: str) -> bool:
    return url.startswith("sqlite")


def sqlite_path(url: str) -> Path:
    return Path(url.removeprefix("sqlite:///"))


def _prepare_sqlite_file(path: Path) -> None:
    """Create the directory 0700 and the file 0600; refuse a file that is not a clinicbill
    database before anything writes to it; warn when permissions were loosened."""
    from clinicbill.store.refusals import check_sqlite_file

    parent = path.parent
    if not parent.exists():
        try:
            parent.mkdir(parents=True, mode=0o700)
        except OSError as exc:
            raise ClinicbillError(
                f"db: cannot create the directory {parent} ({exc.strerror})",
                "give --db a path in a writable directory",
            ) from None
    if not path.exists():
        try:
            fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
            os.close(fd)
        except FileExistsError:
            pass
        except OSError as exc:
            raise ClinicbillError(
                f"db: cannot create {path} ({exc.strerror})",
                "give --db a path in a writable directory",
            ) from None
    check_sqlite_file(path)
    mode = stat.S_IMODE(path.stat().st_mode)
    if mode & 0o077:
        print(
            f"warning: {path} is readable by others (mode {mode:o}); run: chmod 600 {path}",
            file=sys.stderr,
        )


def _sqlite_pragmas(dbapi_conn, _record) -> None:
    # Autocommit at the driver level; we issue BEGIN IMMEDIATE ourselves (below) so that
    # two writers queue on the busy timeout instead of failing with "database is locked".
    dbapi_conn.isolation_level = None
    cur = dbapi_conn.cursor()
    cur.execute(f"PRAGMA busy_timeout = {timeouts.BUSY_TIMEOUT_MS}")
    cur.execute("PRAGMA journal_mode = WAL")
    cur.execute("PRAGMA synchronous = NORMAL")
    cur.execute("PRAGMA foreign_keys = ON")
    cur.close()


def _sqlite_begin(conn) -> None:
    conn.exec_driver_sql("BEGIN IMMEDIATE")


PG_WRITER_LOCK = 4242  # advisory lock key (scoped to the database by PostgreSQL)


def _postgres_begin(conn) -> None:
    # PostgreSQL's twin of BEGIN IMMEDIATE: every transaction first takes one advisory lock, so
    # a command that reads and then writes (the next account number, the unbilled sessions,
    # the audit chain's last hash) cannot interleave with another writer. Held until commit.
    conn.exec_driver_sql("SET LOCAL lock_timeout = '60s'")  # timeouts.PG_LOCK_TIMEOUT_S
    conn.exec_driver_sql("SELECT pg_advisory_xact_lock(%(key)s)", {"key": PG_WRITER_LOCK})


def get_engine(db: str | None = None, migrate: bool = True) -> Engine:
    """The engine for a database, created (and migrated to head) on first use."""
    url = resolve_url(db)
    engine = _ENGINES.get(url)
    if engine is not None:
        return engine
    if is_sqlite(url):
        from clinicbill.store import encryption
        from clinicbill.store.refusals import check_sqlite_schema

        path = sqlite_path(url)
        _prepare_sqlite_file(path)
        engine = create_engine(
            url,
            connect_args={"timeout": timeouts.BUSY_TIMEOUT_MS / 1000},
            **encryption.engine_options(),
        )
        encryption.listen(engine, path)  # PRAGMA key before the other PRAGMAs
        # another program's database is refused before the PRAGMAs below change its header
        event.listen(engine, "connect", lambda conn, _record: check_sqlite_schema(conn, path))
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", _sqlite_begin)
    else:
        engine = _server_engine(url)
        event.listen(engine, "begin", _postgres_begin)
    event.listen(engine, "before_cursor_execute", _refuse_nul_bytes)
    _ENGINES[url] = engine
    if migrate:
        ensure_schema(engine)
    return engine


# What repr() shows for a control character no stored text may hold: C0 but tab, newline and
# carriage return; DEL; C1 (0x80-0x9f, where 0x9b starts a terminal escape as ESC [ does).
_CONTROL_REPR = re.compile(r"\\x(?:0[0-8bcef]|1[0-9a-f]|7f|[89][0-9a-f])")
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def _refuse_nul_bytes(_conn, _cursor, _statement, parameters, context, _executemany) -> None:
    """No text value with a NUL byte or another control character reaches the database:
    PostgreSQL cannot store a NUL (a DataError deep in a command), SQLite would cut the string
    short in places, and an escape sequence (ESC [2J, ESC ]0;...) in a name or note would
    reach the terminal raw whenever it is listed. Same refusal on both backends, before
    anything is written; the command-line validators refuse most of it earlier, this is the
    one guard behind all of them.

    repr() of the parameters, done in C, shows a control character as \\xNN: a cheap first
    look at a bulk write's million values (one repr of the whole list, not one per row); only
    a hit is checked value by value (a text may hold a backslash followed by x1b and no control
    character)."""
    if not _CONTROL_REPR.search(repr(parameters)):
        return
    for value in _parameter_values(parameters):
        if isinstance(value, str) and "\x00" in value:
            raise ClinicbillError(
                "input: a value contains a NUL byte (\\x00)",
                "remove control characters from the text or file",
            )
    if any(isinstance(v, str) and _CONTROL.search(v) for v in _parameter_values(parameters)):
        raise ClinicbillError(
            f"{_field_with_control(context)}: contains control characters; nothing was saved",
            "use plain text (no escape sequences or other control characters)",
        )


def _field_with_control(context) -> str:
    """The name of the column whose value holds a control character, or `input`."""
    for params in getattr(context, "compiled_parameters", None) or ():
        for key, value in params.items():
            if isinstance(value, str) and _CONTROL.search(value):
                return str(key).rsplit("_", 1)[0] if str(key)[-1:].isdigit() else str(key)
    return "input"


def _parameter_values(parameters):
    """Every bound value, whatever the shape: a dict, a row tuple, or a list of either (an
    executemany; "insertmanyvalues" batches arrive as one flat tuple)."""
    if isinstance(parameters, dict):
        yield from parameters.values()
        return
    for item in parameters or ():
        if isinstance(item, dict):
            yield from item.values()
        elif isinstance(item, list | tuple):
            yield from item
        else:
            yield item


def _server_engine(url: str) -> Engine:
    """An engine for a database URL; a clean refusal for an unknown scheme or missing driver
    (the message names the scheme only: a URL may carry a password)."""
    from sqlalchemy.exc import ArgumentError

    scheme = url.split("://", 1)[0]
    try:
        return create_engine(url, pool_pre_ping=True)
    except ImportError:
        raise ClinicbillError(
            f"db: the driver for {scheme}:// is not installed",
            "for PostgreSQL: pip install 'clinicbill[postgres]' (psycopg 3)",
        ) from None
    except ArgumentError:
        raise ClinicbillError(
            f"db: {scheme}:// is not a supported database URL",
            "give a file path, or postgresql+psycopg://user@host/database",
        ) from None


def stored_revision(engine: Engine) -> str | None:
    """The schema revision recorded in the database, read without loading Alembic."""
    from clinicbill.store.refusals import refusal_for

    try:
        with engine.connect() as conn:
            return conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
    except ClinicbillError:
        raise
    except Exception as exc:
        refusal = refusal_for(exc, engine.url.render_as_string(hide_password=False))
        if refusal is not None:
            raise refusal from None
        if "file is not a database" in str(exc):
            raise ClinicbillError(
                "db: the file is not a clinicbill database (or it is encrypted)",
                "check --db / CLINICBILL_DB; for an encrypted database set CLINICBILL_DB_KEY",
            ) from None
        if _is_connection_error(exc):
            raise ClinicbillError(
                "db: cannot connect to the database", "check --db / CLINICBILL_DB and the server"
            ) from None
        return None


def _is_connection_error(exc: Exception) -> bool:
    from sqlalchemy.exc import OperationalError

    if not isinstance(exc, OperationalError):
        return False
    message = str(exc.orig) if getattr(exc, "orig", None) else str(exc)
    return "no such table" not in message and "does not exist" not in message


def ensure_schema(engine: Engine) -> None:
    """Apply migrations when the stored revision differs from the head this code knows."""
    if stored_revision(engine) == HEAD_REVISION:
        return
    upgrade(engine)


def upgrade(engine: Engine) -> str:
    """Migrate to head; a database from a newer clinicbill is refused, not touched."""
    from clinicbill.store.migrate import known_revisions, upgrade_to_head
    from clinicbill.store.refusals import newer_schema

    stored = stored_revision(engine)
    if stored is not None and stored not in known_revisions():
        raise newer_schema(stored, HEAD_REVISION)
    return upgrade_to_head(engine)


@contextmanager
def transaction(db: str | None = None, user: str | None = None) -> Iterator[Session]:
    """One unit of work: commit on success, roll back on any exception."""
    from clinicbill.store.audit import install_audit

    engine = get_engine(db)
    session = _Session(engine, expire_on_commit=False)
    session.info["user"] = user or current_user()
    install_audit(session)
    try:
        yield session
        session.commit()
    except BaseException as exc:
        session.rollback()
        _refuse_known_failure(exc, engine)
        raise
    finally:
        session.close()


_ROW_ID_RANGE = range(-(2**63), 2**63)  # what a SQLite or PostgreSQL id column can hold


class _Session(Session):
    """The unit of work. `get` by an id no column can hold finds nothing (so `session show
    99999999999999999999` says "no session with id ...") instead of the driver's
    OverflowError."""

    def get(self, entity, ident, *args, **kwargs):
        if isinstance(ident, int) and ident not in _ROW_ID_RANGE:
            return None
        return super().get(entity, ident, *args, **kwargs)


def _refuse_known_failure(exc: BaseException, engine: Engine) -> None:
    """A full disk, a lock held past the busy timeout, a damaged file: a clean refusal
    (store/refusals.py) instead of the driver's error."""
    from clinicbill.store.refusals import refusal_for

    refusal = refusal_for(exc, engine.url.render_as_string(hide_password=False))
    if refusal is not None:
        raise refusal from None


def current_user() -> str:
    user = os.environ.get("CLINICBILL_USER")
    if user:
        return user
    try:
        import getpass

        return getpass.getuser()
    except Exception:  # pragma: no cover - no login name (containers)
        return "unknown"


def dispose_all() -> None:
    """Close pooled connections (tests, backup/restore)."""
    for engine in _ENGINES.values():
        engine.dispose()
    _ENGINES.clear()


def describe_location(db: str | None) -> str:
    """Where the database is, for messages: the SQLite file's path, or the URL without its
    password. `db` as given to --db (None: CLINICBILL_DB, else the default path)."""
    url = resolve_url(db)
    if is_sqlite(url):
        return str(sqlite_path(url))
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)
