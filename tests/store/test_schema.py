"""Migrations: empty -> head, idempotent `db upgrade`, the head the code expects."""

from __future__ import annotations

import json

from sqlalchemy import create_engine, inspect, text

from clinicbill.store.engine import get_engine, resolve_url, stored_revision
from clinicbill.store.migrate import head_revision
from clinicbill.store.schema_version import HEAD_REVISION


def test_code_head_matches_alembic_head(db_url):
    engine = get_engine(db_url)
    assert head_revision(engine) == HEAD_REVISION


def test_first_use_migrates_empty_database_to_head(db_url):
    engine = get_engine(db_url)
    assert stored_revision(engine) == HEAD_REVISION
    tables = set(inspect(engine).get_table_names())
    assert {
        "patient",
        "policy",
        "encounter",
        "serviceline",
        "claim",
        "ledgerentry",
        "audit_log",
    } <= tables


def test_db_upgrade_is_idempotent_and_check_passes(run):
    first = run("--json", "db", "upgrade")
    assert first.exit_code == 0, first.output
    second = run("--json", "db", "upgrade")
    assert json.loads(second.stdout) == {"revision": HEAD_REVISION, "changed": False}
    check = run("--json", "db", "check")
    assert check.exit_code == 0
    data = json.loads(check.stdout)
    assert data["integrity"] == "ok" and data["schema_revision"] == HEAD_REVISION


def test_sqlite_runs_in_wal_mode(db_url):
    if "://" in db_url:
        return
    get_engine(db_url)
    raw = create_engine(resolve_url(db_url))
    with raw.connect() as conn:
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
    raw.dispose()
