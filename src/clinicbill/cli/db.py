"""`db …` (migrations, integrity check, backup, restore) and `export-all`."""

from __future__ import annotations

from typing import Annotated

import typer

from clinicbill.cli.context import STATE

db_app = typer.Typer(
    help="Database: migrations, integrity check, backup, restore.", no_args_is_help=True
)


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Apply schema migrations (also done automatically on first use).

    Example: clinicbill db upgrade
    """
    from clinicbill.cli.render import done
    from clinicbill.store.engine import get_engine, stored_revision, upgrade

    engine = get_engine(STATE.db, migrate=False)
    before = stored_revision(engine)
    after = upgrade(engine)
    if before == after:
        done(f"schema already at revision {after}", {"revision": after, "changed": False})
    else:
        done(
            f"schema upgraded from {before or 'empty'} to {after}",
            {"revision": after, "changed": True},
        )


@db_app.command("check")
def db_check() -> None:
    """Run an integrity check and report the schema version.

    Example: clinicbill db check
    """
    from clinicbill.cli.render import record
    from clinicbill.domain.errors import ClinicbillError
    from clinicbill.store.engine import get_engine, stored_revision
    from clinicbill.store.integrity import integrity_problems
    from clinicbill.store.schema_version import HEAD_REVISION

    engine = get_engine(STATE.db)
    problems = integrity_problems(engine)
    revision = stored_revision(engine)
    result = {
        "schema_revision": revision,
        "expected_revision": HEAD_REVISION,
        "integrity": "ok" if not problems else "; ".join(problems),
        "backend": engine.dialect.name,
    }
    record(result, "database")
    if problems or revision != HEAD_REVISION:
        raise ClinicbillError("db: check failed", "restore from a backup ('clinicbill db restore')")


@db_app.command("backup")
def db_backup(
    path: Annotated[str, typer.Argument(help="Backup file, or a directory for a dated file.")],
    force: Annotated[bool, typer.Option("--force", help="Replace an existing file.")] = False,
) -> None:
    """Write an online backup (SQLite backup API; pg_dump for PostgreSQL), verified.

    Example: clinicbill db backup ~/backups/clinic-2026-03-31.db
    """
    from clinicbill.cli.render import done
    from clinicbill.store.backup import backup_database
    from clinicbill.store.engine import get_engine, resolve_url

    url = resolve_url(STATE.db)
    get_engine(STATE.db)  # a database that does not exist yet is refused here, not backed up
    info = backup_database(url, path, force=force)
    done(
        f"backup written: {info.path} ({info.size:,} bytes, schema {info.revision}, verified)",
        {"path": str(info.path), "bytes": info.size, "schema_revision": info.revision},
    )


@db_app.command("restore")
def db_restore(
    path: Annotated[str, typer.Argument(help="A file written by 'clinicbill db backup'.")],
    force: Annotated[
        bool, typer.Option("--force", help="Replace the current database (it is kept aside).")
    ] = False,
) -> None:
    """Verify a backup, then restore it; the database it replaces is kept beside it.

    Example: clinicbill db restore ~/backups/clinic-2026-03-31.db --force
    """
    from clinicbill.cli.render import done
    from clinicbill.store.engine import get_engine, resolve_url, stored_revision
    from clinicbill.store.integrity import integrity_problems
    from clinicbill.store.restore import restore_database

    url = resolve_url(STATE.db)
    # migrated, checked and given its audit row before it replaces the database
    result = restore_database(url, path, force=force, user=STATE.user)
    engine = get_engine(STATE.db)
    problems = integrity_problems(engine)
    revision = stored_revision(engine)
    kept = f"; the previous database is kept as {result.kept}" if result.kept else ""
    done(
        f"restored {result.source.path.name} (schema {revision}, "
        f"integrity {'ok' if not problems else 'FAILED'}){kept}",
        {
            "restored_from": str(result.source.path),
            "kept": str(result.kept) if result.kept else None,
            "schema_revision": revision,
            "integrity": "ok" if not problems else "; ".join(problems),
        },
    )
    if problems:
        from clinicbill.domain.errors import ClinicbillError

        raise ClinicbillError("db: the restored database fails its check", "; ".join(problems))


def export_all(
    dir: Annotated[
        str, typer.Argument(help="Directory for the files (new, or an earlier export).")
    ],
    force: Annotated[bool, typer.Option("--force", help="Replace an earlier export.")] = False,
) -> None:
    """Write every table as CSV and JSON, with a manifest (row counts, sha256).

    Example: clinicbill export-all ~/clinic-export
    """
    from clinicbill.cli.common import unit_of_work
    from clinicbill.cli.render import done
    from clinicbill.domain.practice.export import export_all as write_export
    from clinicbill.domain.practice.export import export_directory

    directory = export_directory(dir, force)
    with unit_of_work() as session:
        manifest = write_export(session, directory)
    rows = sum(t.rows for t in manifest.tables)
    done(
        f"exported {len(manifest.tables)} tables ({rows:,} rows) as CSV and JSON to "
        f"{manifest.directory}; manifest: {manifest.directory / 'manifest.json'}",
        manifest.as_dict(),
    )


# Steps this module adds to `clinicbill demo` (see cli/demo.py).
DEMO_STEPS: list = [
    ("Integrity check", ["db", "check"]),
    # --force: a second `make demo` into the same directory replaces the earlier files
    ("An online backup, verified", ["db", "backup", "{dir}/clinicbill-backup.db", "--force"]),
    ("Every table as CSV and JSON, with a manifest", ["export-all", "{dir}/export", "--force"]),
]


def register(app: typer.Typer) -> None:
    app.add_typer(db_app, name="db")
    app.command("export-all")(export_all)
