"""`export-all`: every table as CSV and JSON, with a manifest: the practice owns its data.

The export reads one consistent snapshot (one transaction; REPEATABLE READ on PostgreSQL),
streams rows so a large database does not sit in memory, and writes each file through
store.files (0600: it is protected health information; a temporary name, then a rename;
never through a symlink). Values are exported as stored: money as integer cents (columns
ending in `_cents`), dates and UTC timestamps in ISO 8601. The JSON files keep every value
exactly; the CSV files are for spreadsheets, so a text cell that could run as a formula
(starting with = + - @ tab or CR) is prefixed with ' (store.files.spreadsheet_cell).
"""

from __future__ import annotations

import csv
import hashlib
import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from clinicbill.domain.errors import ClinicbillError
from clinicbill.store.files import private_directory, private_file, spreadsheet_cell

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
    return private_directory(path)


def _value(value):
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def _csv_cell(value):
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return spreadsheet_cell(_value(value))


class _HashingWriter:
    """A text file being written; sha256 and size of what was written."""

    def __init__(self, handle, name: str):
        self.fh = handle
        self.name = name
        self.digest = hashlib.sha256()
        self.size = 0

    def write(self, text: str) -> None:
        data = text.encode("utf-8")
        self.digest.update(data)
        self.size += len(data)
        self.fh.write(text)

    def result(self) -> ExportedFile:
        return ExportedFile(self.name, self.size, self.digest.hexdigest())


@contextmanager
def _hashing_file(path: Path) -> Iterator[_HashingWriter]:
    """A private file (store.files) replacing an earlier export's file of the same name."""
    with private_file(path, force=True, text=True) as handle:
        yield _HashingWriter(handle, path.name)


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
        with (
            _hashing_file(directory / f"{table.name}.csv") as csv_out,
            _hashing_file(directory / f"{table.name}.json") as json_out,
        ):
            count = _write_table(rows, columns, csv_out, json_out)
        exported.append(ExportedTable(table.name, count, csv_out.result(), json_out.result()))
    manifest = Manifest(
        directory=directory,
        exported_at=datetime.now(UTC).isoformat(),
        schema_revision=revision,
        backend=conn.dialect.name,
        tables=tuple(exported),
    )
    with _hashing_file(directory / MANIFEST) as out:
        out.write(json.dumps(manifest.as_dict(), indent=2) + "\n")
    return manifest


def _write_table(rows, columns: list[str], csv_out, json_out) -> int:
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
    return count


def _begin_snapshot(session: Session) -> None:
    """PostgreSQL: make the transaction one consistent snapshot (SQLite's already is)."""
    bind = session.get_bind()
    if bind.dialect.name == "postgresql":
        session.connection(execution_options={"isolation_level": "REPEATABLE READ"})
