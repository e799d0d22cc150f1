"""0002_cases (injury cases, ABNs, encounter.case_id) goes down and up again on SQLite and
PostgreSQL with the encounters kept: upgrade -> rows written -> downgrade -> upgrade."""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy import MetaData, create_engine, inspect, text

from clinicbill.store.engine import resolve_url

BEFORE = "0002_denials"  # 0002_cases' down revision


def _migrate(url: str, verb: str, revision: str) -> None:
    from alembic import command

    from clinicbill.store.migrate import alembic_config

    engine = create_engine(url)
    try:
        getattr(command, verb)(alembic_config(engine), revision)
    finally:
        engine.dispose()


def _shape(url: str) -> tuple[set[str], set[str], set[str]]:
    engine = create_engine(url)
    try:
        found = inspect(engine)
        tables = set(found.get_table_names())
        columns = {c["name"] for c in found.get_columns("encounter")}
        indexes = {i["name"] for i in found.get_indexes("encounter")}
    finally:
        engine.dispose()
    return tables, columns, indexes


def _insert(url: str, table: str, **values) -> None:
    engine = create_engine(url)
    try:
        meta = MetaData()
        meta.reflect(engine, only=[table])
        with engine.begin() as conn:
            conn.execute(meta.tables[table].insert(), values)
    finally:
        engine.dispose()


def _rows(url: str, sql: str) -> list[tuple]:
    engine = create_engine(url)
    try:
        with engine.begin() as conn:
            result = conn.execute(text(sql))
            return [tuple(r) for r in result] if result.returns_rows else []
    finally:
        engine.dispose()


NOW = datetime(2026, 3, 1, tzinfo=UTC)


def _seed(url: str) -> None:
    _insert(
        url,
        "patient",
        id=1,
        account_number="P00001",
        first_name="Ana",
        last_name="Test",
        dob=date(1980, 1, 2),
        sex="F",
        signature_on_file=True,
        assignment_on_file=True,
        created_at=NOW,
    )
    _insert(
        url,
        "provider",
        id=1,
        first_name="Wei",
        last_name="Lin",
        credential="LAc",
        npi="1234567893",
        taxonomy="171100000X",
        active=True,
        created_at=NOW,
    )
    _insert(
        url,
        "encounter",
        id=1,
        patient_id=1,
        provider_id=1,
        service_date=date(2026, 2, 27),
        place_of_service="11",
        status="signed",
        created_at=NOW,
    )


def _case(url: str, case_id: int, kind: str) -> None:
    _insert(
        url,
        "injury_case",
        id=case_id,
        patient_id=1,
        kind=kind,
        injury_date=date(2026, 2, 1),
        status="open",
        created_at=NOW,
    )


def test_cases_migration_goes_down_and_up_again(db_url):
    url = resolve_url(db_url)
    _migrate(url, "upgrade", "0002_cases")
    tables, columns, indexes = _shape(url)
    assert {"injury_case", "abn"} <= tables and "case_id" in columns
    assert "ix_encounter_case_id" in indexes
    _seed(url)
    _case(url, 1, "auto")
    _rows(url, "UPDATE encounter SET case_id = 1 WHERE id = 1")

    _migrate(url, "downgrade", BEFORE)
    tables, columns, indexes = _shape(url)
    assert "injury_case" not in tables and "abn" not in tables
    assert "case_id" not in columns and "ix_encounter_case_id" not in indexes
    assert _rows(url, "SELECT id, service_date FROM encounter") in (
        [(1, date(2026, 2, 27))],
        [(1, "2026-02-27")],  # SQLite hands the date back as text through raw SQL
    )

    _migrate(url, "upgrade", "head")
    tables, columns, _ = _shape(url)
    assert {"injury_case", "abn"} <= tables and "case_id" in columns
    assert _rows(url, "SELECT id, case_id FROM encounter") == [(1, None)]
    _case(url, 2, "workers-comp")
    _rows(url, "UPDATE encounter SET case_id = 2 WHERE id = 1")
    assert _rows(url, "SELECT case_id FROM encounter WHERE id = 1") == [(2,)]
