"""`db …`: schema migrations and integrity checks."""

from __future__ import annotations

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


def register(app: typer.Typer) -> None:
    app.add_typer(db_app, name="db")
