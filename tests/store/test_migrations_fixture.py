"""A database from every released schema version upgrades to head with its data intact.

tests/store/fixtures/schema-<revision>.db is a SQLite database written by that release (see
make_fixture.py). On SQLite the file itself is upgraded. On PostgreSQL a fresh database is
migrated to the fixture's revision, filled with the fixture's rows, then upgraded to head.
"""

from __future__ import annotations

import json
import shutil
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from sqlalchemy import MetaData, create_engine, func, select, text

from clinicbill.store.engine import resolve_url
from tests.conftest import cli_subprocess
from tests.pg import on_postgres

FIXTURES = sorted((Path(__file__).parent / "fixtures").glob("schema-*.db"))
# Columns a later migration drops or renames on purpose: {revision: {table: {column, ...}}}.
DROPPED: dict[str, dict[str, set[str]]] = {}


def _normal(value):
    if isinstance(value, datetime):
        value = value if value.tzinfo else value.replace(tzinfo=UTC)
        return value.astimezone(UTC).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return value


def _read(url: str) -> dict[str, dict]:
    """{table: {primary key: {column: value}}} for every table, values normalised."""
    engine = create_engine(url)
    meta = MetaData()
    meta.reflect(engine)
    out = {}
    with engine.connect() as conn:
        for table in meta.sorted_tables:
            key = [c.name for c in table.primary_key.columns]
            rows = {}
            for row in conn.execute(select(table)).mappings():
                rows[tuple(row[k] for k in key)] = {k: _normal(v) for k, v in row.items()}
            out[table.name] = rows
    engine.dispose()
    return out


def _load_into_postgres(fixture: Path, url: str, revision: str) -> None:
    from alembic import command

    from clinicbill.store.migrate import alembic_config

    target = create_engine(url)
    command.upgrade(alembic_config(target), revision)
    source = create_engine(f"sqlite:///{fixture}")
    src_meta, dst_meta = MetaData(), MetaData()
    src_meta.reflect(source)
    dst_meta.reflect(target)
    with source.connect() as src, target.begin() as dst:
        for table in src_meta.sorted_tables:
            if table.name == "alembic_version":
                continue
            rows = [
                {
                    k: (v.replace(tzinfo=UTC) if isinstance(v, datetime) and not v.tzinfo else v)
                    for k, v in row.items()
                }
                for row in src.execute(select(table)).mappings()
            ]
            if rows:
                dst.execute(dst_meta.tables[table.name].insert(), rows)
            if "id" in table.c:  # the next insert must not collide with a copied id
                top = dst.execute(select(func.max(dst_meta.tables[table.name].c.id))).scalar()
                dst.execute(
                    text("SELECT setval(pg_get_serial_sequence(:t, 'id'), :v, :called)"),
                    {"t": f'"{table.name}"', "v": top or 1, "called": top is not None},
                )
    source.dispose()
    target.dispose()


@pytest.mark.parametrize("fixture", FIXTURES, ids=[f.stem for f in FIXTURES])
def test_fixture_upgrades_to_head_with_data_intact(fixture, db_url, tmp_path):
    revision = fixture.stem.removeprefix("schema-")
    before = _read(f"sqlite:///{fixture}")
    assert before["patient"] and before["claim"] and before["ledgerentry"]
    if on_postgres():
        _load_into_postgres(fixture, resolve_url(db_url), revision)
    else:
        shutil.copyfile(fixture, db_url)
        Path(db_url).chmod(0o600)

    upgrade = cli_subprocess("--db", db_url, "--json", "db", "upgrade")
    assert upgrade.returncode == 0, upgrade.stderr
    head = json.loads(upgrade.stdout)["revision"]
    check = cli_subprocess("--db", db_url, "--json", "db", "check")
    assert check.returncode == 0, check.stderr
    assert json.loads(check.stdout)["schema_revision"] == head

    after = _read(resolve_url(db_url))
    dropped = DROPPED.get(revision, {})
    for table, rows in before.items():
        if table == "alembic_version":
            continue
        assert set(after[table]) >= set(rows), f"{table}: rows lost"
        for key, old in rows.items():
            new = after[table][key]
            kept = {c: v for c, v in old.items() if c not in dropped.get(table, set())}
            assert {c: new[c] for c in kept} == kept, f"{table} {key} changed"

    # The chain holds, and no audited record was changed or removed by the upgrade. The
    # fixture's seeded rows were written around the audit log (`dev seed`): verify names
    # them as added outside clinicbill, and nothing else.
    verify = cli_subprocess("--db", db_url, "audit", "--verify")
    assert "audit row" not in verify.stderr and "audit log:" not in verify.stderr
    for wrong in (": changed outside", ": removed outside", "after its logged deletion"):
        assert wrong not in verify.stderr, verify.stderr
    assert verify.returncode == 0 or "(no audit record)" in verify.stderr, verify.stderr
    added = cli_subprocess(
        "--db",
        db_url,
        "--json",
        "patient",
        "add",
        "--first-name",
        "After",
        "--last-name",
        "Upgrade",
        "--dob",
        "1999-09-09",
        "--sex",
        "M",
    )
    assert added.returncode == 0, added.stderr
    assert json.loads(added.stdout)["id"] > max(k[0] for k in before["patient"])


def test_there_is_a_fixture_for_the_current_schema():
    from clinicbill.store.schema_version import HEAD_REVISION

    assert f"schema-{HEAD_REVISION}" in [f.stem for f in FIXTURES], (
        "a new schema revision needs its fixture: python -m tests.store.fixtures.make_fixture"
    )
