"""`export-all`: every table as CSV and JSON, with a manifest: the practice owns its data.

The export reads one consistent snapshot (one transaction; REPEATABLE READ on PostgreSQL),
streams rows so a large database does not sit in memory, and writes each file privately
(0600: it is protected health information) under a temporary name before renaming it.
Values are exported as stored: money as integer cents (columns ending in `_cents`), dates
and UTC timestamps in ISO 8601.
"""

from __future__ import annotations

import csv
import hashlib
import json
import os
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from clinicbill.domain.errors import ClinicbillError

MANIFEST = "manifest.json"


@dataclass(frozen=True)
class ExportedFile:
    name: str
    bytes: int
    sha256: str


@dataclass(frozen=True)
class ExportedTable:
    table: str
    rows: int
    csv: ExportedFile
    json: ExportedFile


@dataclass(frozen=True)
class Manifest:
    directory: Path
    exported_at: str
    schema_revision: str | None
    backend: str
    tables: tuple[ExportedTable, ...] = field(default_factory=tuple)

    def as_dict(self) -> dict:
        from dataclasses import asdict

        data = asdict(self)
        data["directory"] = str(self.directory)
        return data


def export_directory(value: str | Path, force: bool) -> Path:
    """The user's DIR resolved; created 0700 when missing; an earlier export needs --force."""
    text = str(value)
    if not text.strip() or "\x00" in text:
        raise ClinicbillError(f"dir: {text!r} is not a usable directory", "give a directory path")
    path = Path(text).expanduser().resolve()
    if path.exists() and not path.is_dir():
        raise ClinicbillError(f"dir: {path} is a file", "give a directory (new or empty)")
    if path.is_dir() and any(path.iterdir()):
        if not (path / MANIFEST).exists():
            raise ClinicbillError(
                f"dir: {path} is not empty", "give a new or empty directory, or an earlier export"
            )
        if not force:
            raise ClinicbillError(
                f"dir: {path} holds an earlier export", "add --force to replace it"
            )
    try:
        path.mkdir(parents=True, exist_ok=True, mode=0o700)
    except OSError as exc:
        raise ClinicbillError(
            f"dir: cannot create {path} ({exc.strerror})", "give a writable directory"
        ) from None
    return path


def _value(value):
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def _csv_cell(value):
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return _value(value)


class _HashingWriter:
    """A text file opened 0600 under a temporary name; sha256 and size of what was written."""

    def __init__(self, path: Path):
        self.path = path
        self.tmp = path.with_name(f".{path.name}.partial")
        self.tmp.unlink(missing_ok=True)
        fd = os.open(self.tmp, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
        self.fh = open(fd, "w", encoding="utf-8", newline="")
        self.digest = hashlib.sha256()
        self.size = 0

    def write(self, text: str) -> None:
        data = text.encode("utf-8")
        self.digest.update(data)
        self.size += len(data)
        self.fh.write(text)

    def close(self) -> ExportedFile:
        self.fh.flush()
        os.fsync(self.fh.fileno())
        self.fh.close()
        os.replace(self.tmp, self.path)
        return ExportedFile(self.path.name, self.size, self.digest.hexdigest())


def _tables():
    from sqlmodel import SQLModel

    from clinicbill.store.models import load_all

    load_all()  # registers every table

    return [SQLModel.metadata.tables[name] for name in sorted(SQLModel.metadata.tables)]


def export_all(session: Session, directory: Path) -> Manifest:
    """Write every table to `directory` (from export_directory) and the manifest."""
    if not session.in_transaction():
        _begin_snapshot(session)
    conn = session.connection()
    revision = conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
    exported = []
    for table in _tables():
        columns = [c.name for c in table.columns]
        order = list(table.primary_key.columns) or list(table.columns)
        rows = conn.execute(select(table).order_by(*order).execution_options(yield_per=2000))
        csv_out = _HashingWriter(directory / f"{table.name}.csv")
        json_out = _HashingWriter(directory / f"{table.name}.json")
        writer = csv.writer(csv_out, lineterminator="\n")
        writer.writerow(columns)
        json_out.write("[")
        count = 0
        for row in rows:
            values = tuple(row)
            writer.writerow([_csv_cell(v) for v in values])
            record = {name: _value(v) for name, v in zip(columns, values, strict=True)}
            json_out.write(("," if count else "") + "\n  " + json.dumps(record, ensure_ascii=False))
            count += 1
        json_out.write("\n]\n" if count else "]\n")
        exported.append(ExportedTable(table.name, count, csv_out.close(), json_out.close()))
    manifest = Manifest(
        directory=directory,
        exported_at=datetime.now(UTC).isoformat(),
        schema_revision=revision,
        backend=conn.dialect.name,
        tables=tuple(exported),
    )
    out = _HashingWriter(directory / MANIFEST)
    out.write(json.dumps(manifest.as_dict(), indent=2) + "\n")
    out.close()
    return manifest


def _begin_snapshot(session: Session) -> None:
    """PostgreSQL: make the transaction one consistent snapshot (SQLite's already is)."""
    bind = session.get_bind()
    if bind.dialect.name == "postgresql":
        session.connection(execution_options={"isolation_level": "REPEATABLE READ"})
