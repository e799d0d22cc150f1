"""`db backup` and `db restore`: online backups that are verified before anything is replaced.

SQLite: the online backup API (a consistent snapshot while others keep working), written to
a temporary file and renamed into place, mode 0600. A restore copies the backup INTO the live
database with the same API (one transaction: all or nothing), after keeping the current file
as `<db>.before-restore-<time>`. PostgreSQL: `pg_dump --format=custom`; a restore replays it
with psql in a single transaction after keeping the current database as a dump too.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from clinicbill.domain.errors import ClinicbillError
from clinicbill.store import encryption
from clinicbill.store.engine import BUSY_TIMEOUT_MS, is_sqlite, sqlite_path


@dataclass(frozen=True)
class BackupInfo:
    """What a verified backup holds."""

    path: Path
    backend: str
    revision: str | None
    size: int


@dataclass(frozen=True)
class RestoreResult:
    source: BackupInfo
    kept: Path | None  # where the database that was replaced now lives


def _stamp() -> str:
    return datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")


def _user_path(value: str | Path) -> Path:
    """A path the user typed, resolved (`~`, `..`, symlinks) before anything is decided."""
    text = str(value)
    if not text.strip() or "\x00" in text:
        raise ClinicbillError(f"path: {text!r} is not a usable path", "give a file path")
    return Path(text).expanduser().resolve()


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


def backup_destination(url: str, dest: str | Path, force: bool) -> Path:
    """Where a backup goes: a file, or a new dated file inside an existing directory."""
    path = _user_path(dest)
    suffix = ".db" if is_sqlite(url) else ".dump"
    if path.is_dir():
        path = path / f"clinicbill-{_stamp()}{suffix}"
    if not path.parent.is_dir():
        raise ClinicbillError(
            f"path: {path.parent} is not a directory", "create the directory first"
        )
    if is_sqlite(url) and path in _sqlite_files(sqlite_path(url)):
        raise ClinicbillError(f"path: {path} is the database itself", "back up to another file")
    if path.exists() and not force:
        raise ClinicbillError(
            f"path: {path} already exists", "choose a new name, or add --force to replace it"
        )
    return path


def _sqlite_files(db: Path) -> set[Path]:
    return {db, Path(f"{db}-wal"), Path(f"{db}-shm"), Path(f"{db}-journal")}


def backup_database(url: str, dest: str | Path, force: bool = False) -> BackupInfo:
    """Write a backup of the database at `url` to `dest`; returns the verified backup."""
    path = backup_destination(url, dest, force)
    tmp = path.with_name(f".{path.name}.partial-{os.getpid()}")
    try:
        if is_sqlite(url):
            _sqlite_copy(sqlite_path(url), tmp, fresh=True)
        else:
            _pg_dump(url, tmp)
        _publish(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    return verify_backup(path, "sqlite" if is_sqlite(url) else "postgresql")


def _sqlite_connect(path: Path, read_only: bool = False):
    if read_only:
        from urllib.parse import quote

        conn = encryption.connect(f"file:{quote(str(path))}?mode=ro&immutable=1", uri=True)
    else:
        conn = encryption.connect(path, timeout=BUSY_TIMEOUT_MS / 1000)
        conn.execute(f"PRAGMA busy_timeout = {int(BUSY_TIMEOUT_MS)}")
    return conn


def _sqlite_copy(source: Path, target: Path, fresh: bool, source_read_only=False) -> None:
    """Copy every page of `source` into `target` with the online backup API (one transaction
    on the target: a reader of the target sees the old or the new database, never a mix)."""
    if not source.exists():
        raise ClinicbillError(f"db: {source} does not exist", "check --db / CLINICBILL_DB")
    if fresh:
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


def restore_database(
    url: str, source: str | Path, force: bool = False, user: str | None = None
) -> RestoreResult:
    """Replace the database at `url` with a verified backup; the current one is kept.

    The restored database carries an audit row recording the restore. On SQLite both arrive
    in one transaction: the backup is staged beside the database, migrated, checked and
    given its audit row there, then copied in with the online backup API (all or nothing), so
    a kill at any instant leaves the old database or the restored one with its audit row.
    """
    from clinicbill.store.engine import dispose_all

    backend = "sqlite" if is_sqlite(url) else "postgresql"
    info = verify_backup(source, backend)
    dispose_all()  # no pooled connection of ours may sit on the old database
    if backend == "sqlite":
        kept = _sqlite_restore(sqlite_path(url), info, force, user)
    else:
        kept = _pg_restore(url, info.path, force)
        _record_restore(url, info, kept, user)
    return RestoreResult(source=info, kept=kept)


def _record_restore(url: str, info: BackupInfo, kept: Path | None, user: str | None) -> None:
    """Bring the restored database to the current schema, refuse it if it fails its check,
    and append the audit row that records the restore (the restored trail goes on)."""
    from clinicbill.store.audit import record_event
    from clinicbill.store.engine import dispose_all, get_engine, transaction
    from clinicbill.store.integrity import integrity_problems

    try:
        problems = integrity_problems(get_engine(url))  # get_engine migrates an older backup
        if problems:
            raise ClinicbillError(
                f"backup: {info.path.name} fails its check ({'; '.join(problems)[:300]})",
                "use another backup",
            )
        with transaction(url, user) as session:
            detail = {"from": info.path.name, "kept": kept.name if kept else None}
            record_event(session, "restore", "database", detail)
    finally:
        dispose_all()


def _sqlite_restore(target: Path, info: BackupInfo, force: bool, user: str | None) -> Path | None:
    source = info.path
    if source in _sqlite_files(target):
        raise ClinicbillError(f"backup: {source} is the live database", "give a backup file")
    existing = target.exists() and target.stat().st_size > 0
    if existing and not force:
        raise ClinicbillError(
            f"db: {target} exists and restoring would replace it",
            f"add --force (the current database is kept as {_kept_path(target).name})",
        )
    if not target.parent.exists():
        target.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    _remove_abandoned_stages(target)
    staged = target.with_name(f".{target.name}.restoring-{os.getpid()}")
    try:
        _sqlite_copy(source, staged, fresh=True, source_read_only=True)
        kept = _keep_current(target) if existing else None
        _record_restore(f"sqlite:///{staged}", info, kept, user)
        if not target.exists():
            _write_private(target)
        _sqlite_replace(staged, target)
    finally:
        for path in _sqlite_files(staged):
            path.unlink(missing_ok=True)
    return kept


def _kept_path(target: Path) -> Path:
    """`<db>.before-restore-<time>`, never the name of an earlier kept copy."""
    kept = target.with_name(f"{target.name}.before-restore-{_stamp()}")
    n = 1
    while kept.exists():
        n += 1
        kept = target.with_name(f"{target.name}.before-restore-{_stamp()}-{n}")
    return kept


def _keep_current(target: Path) -> Path:
    """Copy the current database aside (a temporary file, published whole). A damaged one,
    which SQLite cannot copy page by page, is kept as its bytes."""
    kept = _kept_path(target)
    tmp = kept.with_name(f".{kept.name}.partial-{os.getpid()}")
    try:
        try:
            _sqlite_copy(target, tmp, fresh=True)
        except ClinicbillError:
            tmp.unlink(missing_ok=True)
            _write_private(tmp)
            shutil.copyfile(target, tmp)
        _publish(tmp, kept)
    finally:
        tmp.unlink(missing_ok=True)
    return kept


def _sqlite_replace(staged: Path, target: Path) -> None:
    """Copy the finished database in with the online backup API: one transaction on the live
    file. A live file SQLite cannot open (damaged; it was kept aside) is replaced by rename,
    its stale -wal and -shm removed first so they can never be replayed onto the new file."""
    try:
        _sqlite_copy(staged, target, fresh=False)
        return
    except ClinicbillError as exc:
        if "malformed" not in exc.message and "not a database" not in exc.message:
            raise
    for stale in (Path(f"{target}-wal"), Path(f"{target}-shm"), Path(f"{target}-journal")):
        stale.unlink(missing_ok=True)
    _publish(staged, target)


def _remove_abandoned_stages(target: Path) -> None:
    """Staged restores left by a killed `db restore` (their process is gone)."""
    import re

    for path in target.parent.glob(f".{target.name}.restoring-*"):
        found = re.search(r"\.restoring-(\d+)(?:-wal|-shm|-journal)?$", path.name)
        if found and not _alive(int(found.group(1))):
            path.unlink(missing_ok=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


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


def _pg_dump(url: str, target: Path) -> None:
    conninfo, env = _pg_target(url)
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
