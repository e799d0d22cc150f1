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
    from clinicbill.app.database import upgrade_schema
    from clinicbill.cli.render import done

    result = upgrade_schema(STATE.db)
    before, after = result.before, result.after
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
    from clinicbill.app.database import check_database
    from clinicbill.cli.render import record
    from clinicbill.domain.errors import ClinicbillError

    checked = check_database(STATE.db)
    result = {
        "schema_revision": checked.schema_revision,
        "expected_revision": checked.expected_revision,
        "integrity": "ok" if not checked.problems else "; ".join(checked.problems),
        "backend": checked.backend,
    }
    record(result, "database")
    if not checked.ok:
        raise ClinicbillError("db: check failed", "restore from a backup ('clinicbill db restore')")


@db_app.command("backup")
def db_backup(
    path: Annotated[str, typer.Argument(help="Backup file, or a directory for a dated file.")],
    force: Annotated[bool, typer.Option("--force", help="Replace an existing file.")] = False,
) -> None:
    """Write an online backup (SQLite backup API; pg_dump for PostgreSQL), verified.

    Example: clinicbill db backup ~/backups/clinic-2026-03-31.db
    """
    from clinicbill.app.database import backup
    from clinicbill.cli.render import done

    info = backup(STATE.db, path, force=force)
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
    from clinicbill.app.database import restore
    from clinicbill.cli.render import done

    result = restore(STATE.db, path, force=force, user=STATE.user)
    problems, revision = result.problems, result.schema_revision
    kept = f"; the previous database is kept as {result.kept}" if result.kept else ""
    done(
        f"restored {result.source_name} (schema {revision}, "
        f"integrity {'ok' if not problems else 'FAILED'}){kept}",
        {
            "restored_from": result.source,
            "kept": result.kept,
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
    from clinicbill.app.database import export_tables, export_target
    from clinicbill.cli.common import unit_of_work
    from clinicbill.cli.render import done

    directory = export_target(dir, force)  # refused before the database is opened
    with unit_of_work() as session:
        manifest = export_tables(session, directory)
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
