"""Use cases on the database itself: migrate, check, back up, restore, and how a location or
a failure is told. They take the `--db` value (a path, URL or None for the default) rather
than a unit of work: each manages its own connections (a restore replaces the file)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Upgraded:
    before: str | None
    after: str


@dataclass(frozen=True)
class Checked:
    schema_revision: str | None
    expected_revision: str
    problems: list[str]
    backend: str

    @property
    def ok(self) -> bool:
        return not self.problems and self.schema_revision == self.expected_revision


@dataclass(frozen=True)
class Restored:
    source: str
    source_name: str
    kept: str | None
    schema_revision: str | None
    problems: list[str]


def upgrade_schema(db: str | None) -> Upgraded:
    """Apply the migrations the database lacks."""
    from clinicbill.store.engine import get_engine, stored_revision, upgrade

    engine = get_engine(db, migrate=False)
    before = stored_revision(engine)
    return Upgraded(before, upgrade(engine))


def check_database(db: str | None) -> Checked:
    """The integrity check and the schema revision against the one this version expects."""
    from clinicbill.store.engine import get_engine, stored_revision
    from clinicbill.store.integrity import integrity_problems
    from clinicbill.store.schema_version import HEAD_REVISION

    engine = get_engine(db)
    problems = integrity_problems(engine)
    return Checked(stored_revision(engine), HEAD_REVISION, problems, engine.dialect.name)


def backup(db: str | None, path: str, force: bool = False):
    """An online backup, verified; returns its BackupInfo (path, size, revision)."""
    from clinicbill.store.backup import backup_database
    from clinicbill.store.engine import get_engine, resolve_url

    url = resolve_url(db)
    get_engine(db)  # a database that does not exist yet is refused here, not backed up
    return backup_database(url, path, force=force)


def restore(db: str | None, path: str, force: bool = False, user: str | None = None) -> Restored:
    """Verify a backup and restore it; the database it replaces is kept beside it."""
    from clinicbill.store.engine import get_engine, resolve_url, stored_revision
    from clinicbill.store.integrity import integrity_problems
    from clinicbill.store.restore import restore_database

    # migrated, checked and given its audit row before it replaces the database
    result = restore_database(resolve_url(db), path, force=force, user=user)
    engine = get_engine(db)
    return Restored(
        source=str(result.source.path),
        source_name=result.source.path.name,
        kept=str(result.kept) if result.kept else None,
        schema_revision=stored_revision(engine),
        problems=integrity_problems(engine),
    )


def describe_location(db: str | None) -> str:
    """Where the database is, for a person (a path, or a URL without its password)."""
    from clinicbill.store.engine import describe_location as describe

    return describe(db)


def known_failure(exc: Exception, db: str | None):
    """A database or disk failure as a plain refusal (store/refusals.py), else None."""
    from clinicbill.store.engine import resolve_url
    from clinicbill.store.refusals import refusal_for

    return refusal_for(exc, resolve_url(db))


def acting_user(given: str | None = None) -> str:
    """Who acts, for the audit log: `--user` when given, else the login name."""
    from clinicbill.store.engine import current_user

    return given or current_user()


def export_target(directory: str, force: bool):
    """`export-all`'s DIR checked before the database is opened: resolved, created 0700 when
    missing; an earlier export is replaced only with `force`."""
    from clinicbill.domain.practice.export import export_directory

    return export_directory(directory, force)


def export_tables(session, directory):
    """Every table as CSV and JSON into `directory` (from export_target), with a manifest of
    row counts and sha256 sums; returns the manifest."""
    from clinicbill.domain.practice.export import export_all

    return export_all(session, directory)
