"""`db backup` and `db restore`: online backups that are verified before anything is replaced.

SQLite: the online backup API (a consistent snapshot while others keep working), written to
a temporary file and renamed into place, mode 0600. A restore (store/restore.py) copies the
backup INTO the live database with the same API (one transaction: all or nothing), after
keeping the current file as `<db>.before-restore-<time>`. PostgreSQL: `pg_dump
--format=custom`; a restore replays it with psql in a single transaction after keeping the
current database as a dump too.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from clinicbill.domain.errors import ClinicbillError
from clinicbill.store import encryption, timeouts
from clinicbill.store.engine import is_sqlite, sqlite_path


@dataclass(frozen=True)
class BackupInfo:
    """What a verified backup holds."""

    path: Path
    backend: str
    revision: str | None
    size: int


def _stamp() -> str:
    return datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")


def _user_path(value: str | Path) -> Path:
    """A path the user typed, its folders resolved (`~`, `..`, links to folders) before
    anything is decided; the last part is kept as typed, so a link there is seen (and refused
    by store/files.py), never followed."""
    text = str(value)
    if not text.strip() or "\x00" in text:
        raise ClinicbillError(f"path: {text!r} is not a usable path", "give a file path")
    path = Path(text).expanduser()
    if path.is_dir():
        return path.resolve()
    return path.parent.resolve() / path.name


def _write_private(tmp: Path) -> None:
    fd = os.open(tmp, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
    os.close(fd)


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _publish(tmp: Path, dest: Path) -> None:
    """Make the finished temporary file the destination atomically and durably."""
    os.chmod(tmp, 0o600)
    _fsync(tmp)
    os.replace(tmp, dest)
    _fsync(dest.parent)


def backup_destination(url: str, dest: str | Path) -> Path:
    """Where a backup goes: a file, or a new dated file inside an existing directory. Whether
    it may be written (no link, an existing file only with --force) is store/files.py's rule."""
    path = _user_path(dest)
    suffix = ".db" if is_sqlite(url) else ".dump"
    if path.is_dir() and not path.is_symlink():
        path = path / f"clinicbill-{_stamp()}{suffix}"
    if not path.parent.is_dir():
        raise ClinicbillError(
            f"path: {path.parent} is not a directory", "create the directory first"
        )
    if is_sqlite(url) and path.resolve() in _sqlite_files(sqlite_path(url).resolve()):
        raise ClinicbillError(f"path: {path} is the database itself", "back up to another file")
    return path


def _sqlite_files(db: Path) -> set[Path]:
    return {db, Path(f"{db}-wal"), Path(f"{db}-shm"), Path(f"{db}-journal")}


def backup_database(url: str, dest: str | Path, force: bool = False) -> BackupInfo:
    """Write a backup of the database at `url` to `dest`; returns the verified backup."""
    from clinicbill.store.files import private_path

    path = backup_destination(url, dest)
    with private_path(path, force=force) as tmp:
        if is_sqlite(url):
            _sqlite_copy(sqlite_path(url), tmp, fresh=True, created=True)
        else:
            _pg_dump(url, tmp, created=True)
    return verify_backup(path, "sqlite" if is_sqlite(url) else "postgresql")


def _sqlite_connect(path: Path, read_only: bool = False):
    if read_only:
        from urllib.parse import quote

        conn = encryption.connect(f"file:{quote(str(path))}?mode=ro&immutable=1", uri=True)
    else:
        conn = encryption.connect(path, timeout=timeouts.BUSY_TIMEOUT_MS / 1000)
        conn.execute(f"PRAGMA busy_timeout = {int(timeouts.BUSY_TIMEOUT_MS)}")
    return conn


def _sqlite_copy(
    source: Path, target: Path, fresh: bool, source_read_only=False, created=False
) -> None:
    """Copy every page of `source` into `target` with the online backup API (one transaction
    on the target: a reader of the target sees the old or the new database, never a mix).
    `fresh`: a new self-contained file, created here 0600 unless `created` (already made)."""
    if not source.exists():
        raise ClinicbillError(f"db: {source} does not exist", "check --db / CLINICBILL_DB")
    if fresh and not created:
        _write_private(target)
    src = _sqlite_connect(source, read_only=source_read_only)
    try:
        dst = _sqlite_connect(target)
        try:
            src.backup(dst)
            if fresh:  # a backup file is one self-contained file, no -wal beside it
                dst.execute("PRAGMA journal_mode = DELETE")
        finally:
            dst.close()
    except ClinicbillError:
        raise
    except Exception as exc:
        raise ClinicbillError(
            f"db: copying {source.name} failed ({type(exc).__name__}: {exc})",
            "check the disk space and that no other program holds the database",
        ) from None
    finally:
        src.close()


def verify_backup(path: str | Path, backend: str) -> BackupInfo:
    """Refuse anything that is not a sound clinicbill backup this version can restore."""
    path = _user_path(path)
    if not path.is_file() or path.stat().st_size == 0:
        raise ClinicbillError(
            f"backup: {path} is not a backup file", "give the file a backup wrote"
        )
    if backend == "sqlite":
        revision = _verify_sqlite_backup(path)
    else:
        revision = _verify_pg_backup(path)
    from clinicbill.store.migrate import known_revisions

    if revision not in known_revisions():
        raise ClinicbillError(
            f"backup: {path.name} has schema revision {revision!r}, unknown to this version",
            "restore it with the clinicbill version that wrote it (or a newer one)",
        )
    return BackupInfo(path=path, backend=backend, revision=revision, size=path.stat().st_size)


def _verify_sqlite_backup(path: Path) -> str | None:
    if not encryption.db_key() and not encryption.is_plain_sqlite(path):
        raise ClinicbillError(
            f"backup: {path.name} is not a SQLite database (or it is encrypted)",
            f"give a file 'clinicbill db backup' wrote; set {encryption.KEY_ENV} if encrypted",
        )
    try:
        conn = _sqlite_connect(path, read_only=True)
    except ClinicbillError:
        raise
    except Exception:
        raise ClinicbillError(
            f"backup: {path.name} cannot be opened", "give a backup file"
        ) from None
    try:
        check = [row[0] for row in conn.execute("PRAGMA integrity_check")]
        if check != ["ok"]:
            raise ClinicbillError(
                f"backup: {path.name} is damaged ({check[0]})", "use an older backup"
            )
        return conn.execute("SELECT version_num FROM alembic_version").fetchone()[0]
    except ClinicbillError:
        raise
    except Exception:
        raise ClinicbillError(
            f"backup: {path.name} is not a clinicbill database", "give a file 'db backup' wrote"
        ) from None
    finally:
        conn.close()


# PostgreSQL -------------------------------------------------------------------------------


def _pg_tool(name: str) -> str:
    found = shutil.which(name)
    if not found:
        raise ClinicbillError(
            f"db: {name} is not installed",
            "install the PostgreSQL client tools (Debian: apt-get install postgresql-client)",
        )
    return found


def _pg_target(url: str) -> tuple[str, dict]:
    """A libpq connection string without the password, and the environment carrying it."""
    from sqlalchemy.engine import make_url

    parsed = make_url(url)
    env = dict(os.environ)
    if parsed.password:
        env["PGPASSWORD"] = str(parsed.password)
    plain = parsed.set(drivername="postgresql", password=None)
    return plain.render_as_string(hide_password=False), env


def _run(
    args: list[str],
    env: dict,
    what: str,
    input: bytes | None = None,
    field: str = "db",
    hint: str = "check the server, the URL and the PostgreSQL client tools' version",
) -> bytes:
    result = subprocess.run(args, env=env, input=input, capture_output=True, check=False)
    if result.returncode != 0:
        lines = result.stderr.decode(errors="replace").strip().splitlines() or ["no message"]
        raise ClinicbillError(f"{field}: {what} failed: {lines[0][:300]}", hint)
    return result.stdout


def _pg_dump(url: str, target: Path, created: bool = False) -> None:
    conninfo, env = _pg_target(url)
    if not created:
        _write_private(target)
    _run(
        [_pg_tool("pg_dump"), "--format=custom", "--no-owner", "--no-privileges"]
        + ["--file", str(target), "--dbname", conninfo],
        env,
        "pg_dump",
    )


def _verify_pg_backup(path: Path) -> str | None:
    listing = _run(
        [_pg_tool("pg_restore"), "--list", str(path)],
        dict(os.environ),
        f"reading {path.name}",
        field="backup",
        hint="give a file 'clinicbill db backup' wrote (a pg_dump custom-format archive)",
    )
    if b"TABLE DATA public alembic_version" not in listing:
        raise ClinicbillError(
            f"backup: {path.name} is not a clinicbill database dump",
            "give a file 'db backup' wrote",
        )
    script = _run(
        [_pg_tool("pg_restore"), "--data-only", "--table=alembic_version", "--file=-", str(path)],
        dict(os.environ),
        "pg_restore",
    ).decode()
    lines = script.split("COPY public.alembic_version", 1)[-1].splitlines()[1:]
    return lines[0].strip() if lines and lines[0].strip() != "\\." else None


def _pg_has_tables(url: str) -> bool:
    from sqlalchemy import inspect

    from clinicbill.store.engine import get_engine

    return bool(inspect(get_engine(url, migrate=False)).get_table_names())


def _pg_restore(url: str, source: Path, force: bool) -> Path | None:
    from clinicbill.store.engine import dispose_all

    kept = None
    has_tables = _pg_has_tables(url)
    dispose_all()
    if has_tables:
        kept = source.parent / f"before-restore-{_stamp()}.dump"
        if not force:
            raise ClinicbillError(
                "db: the database already holds data and restoring would replace it",
                f"add --force (the current database is first dumped to {kept})",
            )
        tmp = kept.with_name(f".{kept.name}.partial-{os.getpid()}")
        try:
            _pg_dump(url, tmp)
            _publish(tmp, kept)
        finally:
            tmp.unlink(missing_ok=True)
    script = _run(
        [_pg_tool("pg_restore"), "--no-owner", "--no-privileges", "--file=-", str(source)],
        dict(os.environ),
        "pg_restore",
    )
    conninfo, env = _pg_target(url)
    # One transaction: the old schema is dropped and the backup replayed, or nothing happens.
    prologue = b"DROP SCHEMA IF EXISTS public CASCADE;\nCREATE SCHEMA public;\n"
    _run(
        [_pg_tool("psql"), "--no-psqlrc", "--quiet", "--single-transaction"]
        + ["--set", "ON_ERROR_STOP=1", "--dbname", conninfo],
        env,
        "psql",
        input=prologue + script,
    )
    return kept
