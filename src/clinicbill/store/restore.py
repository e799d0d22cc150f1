"""`db restore`: a verified backup replaces the database, which is kept beside it.

The restored database carries an audit row recording the restore. On SQLite both arrive in one
transaction: the backup is staged beside the database, migrated, checked and given its audit
row there, then copied in with the online backup API (all or nothing), so a kill at any
instant leaves the old database or the restored one with its audit row
(tests/test_restore_crash.py). PostgreSQL: the dump is replayed in one psql transaction, then
the audit row is appended in a second one.
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass
from pathlib import Path

from clinicbill.domain.errors import ClinicbillError
from clinicbill.store.backup import (
    BackupInfo,
    _pg_restore,
    _publish,
    _sqlite_copy,
    _sqlite_files,
    _stamp,
    _write_private,
    verify_backup,
)
from clinicbill.store.engine import is_sqlite, sqlite_path


@dataclass(frozen=True)
class RestoreResult:
    source: BackupInfo
    kept: Path | None  # where the database that was replaced now lives


def restore_database(
    url: str, source: str | Path, force: bool = False, user: str | None = None
) -> RestoreResult:
    """Replace the database at `url` with a verified backup; the current one is kept."""
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
