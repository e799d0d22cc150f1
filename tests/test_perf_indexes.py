"""The aging report's queries use the indexes made for them (EXPLAIN QUERY PLAN on SQLite).

Every statement `aging` sends is explained with its own parameters:
- a claim's status on a past date is one seek into ix_claimstatusevent_claim_date (claim,
  date, id), never a scan of the history nor a sort per claim; asking whether anything was
  recorded after the date is a seek too (claim history, claims, voided visits);
- the per-line sums of the ledger read ix_ledger_line_kind alone (a covering index), never
  the ledger table itself;
- no real table is joined through an index SQLite has to build on the fly (AUTOMATIC INDEX
  on a base table means a missing index; on a subquery's result it is normal).
"""

from __future__ import annotations

import sqlite3
from datetime import date

import pytest
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlmodel import SQLModel
from typer.testing import CliRunner

from clinicbill.dev.seed import seed_practice
from clinicbill.store.engine import dispose_all, transaction
from tests.pg import sqlite_only

pytestmark = sqlite_only  # EXPLAIN QUERY PLAN is SQLite's
END = date(2026, 10, 31)


@pytest.fixture(scope="module")
def practice(tmp_path_factory) -> str:
    path = tmp_path_factory.mktemp("indexes") / "practice.db"
    with transaction(str(path), "tester") as session:
        seed_practice(session, years=2, providers=5, seed=4, end=END, lines_per_year=1500)
    dispose_all()
    return str(path)


def aging_plans(db: str, *args: str) -> list[tuple[str, list[str]]]:
    """(statement, plan lines) for every SELECT the aging command sends."""
    from clinicbill.cli import app

    sent: list[tuple[str, tuple]] = []

    def before(conn, cursor, statement, parameters, context, executemany):
        if statement.lstrip().upper().startswith(("SELECT", "WITH")):
            sent.append((statement, parameters))

    event.listen(Engine, "before_cursor_execute", before)
    try:
        result = CliRunner().invoke(app, ["--db", db, "aging", *args])
    finally:
        event.remove(Engine, "before_cursor_execute", before)
        dispose_all()
    assert result.exit_code == 0, result.output
    con = sqlite3.connect(db)
    try:
        return [
            (sql, [row[3] for row in con.execute("EXPLAIN QUERY PLAN " + sql, params)])
            for sql, params in sent
        ]
    finally:
        con.close()


def lines_about(plans, table: str) -> list[str]:
    return [
        line for _, plan in plans for line in plan if f" {table} " in f" {line} ".replace("(", " ")
    ]


@pytest.mark.parametrize(
    "args",
    [("--as-of", "2026-03-31"), ("--as-of", "2026-03-31", "--basis", "billed", "--by", "patient")],
    ids=["past-date", "past-date-billed-by-patient"],
)
def test_status_on_a_past_date_is_one_seek_per_claim(practice, args):
    plans = aging_plans(practice, *args)
    history = lines_about(plans, "claimstatusevent")
    per_claim = [line for line in history if "claim_id=?" in line]
    assert per_claim, "aging --as-of no longer reads the claim status history"
    for line in history:
        assert line.startswith("SEARCH claimstatusevent USING"), line
    for line in per_claim:
        assert "ix_claimstatusevent_claim_date" in line, line
    for table in ("claim", "encounter"):
        for line in lines_about(plans, table):
            assert not line.startswith(f"SCAN {table}") or "INDEX" in line, line


@pytest.mark.parametrize("as_of", ["2026-10-31", "2025-12-31"])
def test_ledger_sums_read_the_covering_index_only(practice, as_of):
    plans = aging_plans(practice, "--as-of", as_of)
    ledger = lines_about(plans, "ledgerentry")
    assert ledger
    for line in ledger:
        if line.startswith("SCAN ledgerentry"):  # a pass over every posting: index only
            assert "COVERING INDEX ix_ledger_line_kind" in line, line
        else:
            assert line.startswith("SEARCH ledgerentry USING"), line


def test_no_join_needs_an_index_built_on_the_fly(practice):
    tables = set(SQLModel.metadata.tables)
    for args in (("--as-of", "2026-10-31"), ("--as-of", "2026-01-31", "--basis", "billed")):
        for sql, plan in aging_plans(practice, *args):
            for line in plan:
                if "AUTOMATIC" in line:
                    name = line.split()[1]
                    assert name not in tables, f"{line}\n{sql[:300]}"
