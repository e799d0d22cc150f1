"""No N+1 on the hot paths: each command issues the same number of SQL statements on a small
synthetic practice as on one three times its size (the 10-year benchmark database is that
practice grown again; `make bench` times it). Counted with SQLAlchemy's
before_cursor_execute on the whole command, start-up included."""

from __future__ import annotations

import sqlite3
from contextlib import contextmanager
from datetime import date

import pytest
from sqlalchemy import event
from sqlalchemy.engine import Engine
from typer.testing import CliRunner

from clinicbill.dev.seed import seed_practice
from clinicbill.store.engine import dispose_all, transaction
from tests.pg import sqlite_only

pytestmark = sqlite_only  # module-scoped seeded files; the counts do not depend on the backend
END = date(2026, 10, 31)
SMALL = dict(years=1, lines_per_year=900, ready_claims=8)
LARGE = dict(years=3, lines_per_year=900, ready_claims=24)


@pytest.fixture(scope="module")
def practices(tmp_path_factory):
    """Two seeded practices: the second has three times the history and ready claims."""
    paths = {}
    for name, volume in (("small", SMALL), ("large", LARGE)):
        path = tmp_path_factory.mktemp(name) / f"{name}.db"
        with transaction(str(path), "tester") as session:
            seed_practice(session, providers=5, seed=3, end=END, **volume)
        paths[name] = str(path)
    dispose_all()
    return paths


@contextmanager
def counting():
    statements: list[str] = []

    def before(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    event.listen(Engine, "before_cursor_execute", before)
    try:
        yield statements
    finally:
        event.remove(Engine, "before_cursor_execute", before)


def run_counted(db: str, *args: str) -> list[str]:
    from clinicbill.cli import app

    with counting() as statements:
        result = CliRunner().invoke(app, ["--db", db, "--user", "tester", *args])
    assert result.exit_code == 0, result.output
    dispose_all()
    return statements


def one(db: str, sql: str) -> tuple:
    con = sqlite3.connect(db)
    try:
        return con.execute(sql).fetchone()
    finally:
        con.close()


def newest_visit(db: str) -> tuple[str, str]:
    """The newest signed visit billed to insurance (the same shape in both practices)."""
    account, encounter = one(
        db,
        "SELECT p.account_number, e.id FROM encounter e JOIN patient p ON p.id = e.patient_id "
        "WHERE e.status = 'signed' AND e.policy_id IS NOT NULL "
        "ORDER BY e.service_date DESC, e.id DESC LIMIT 1",
    )
    return account, str(encounter)


def busiest_patient(db: str) -> str:
    return one(
        db,
        "SELECT p.account_number FROM encounter e JOIN patient p ON p.id = e.patient_id "
        "GROUP BY p.id ORDER BY count(*) DESC, p.id LIMIT 1",
    )[0]


def paid_claim(db: str) -> str:
    return str(
        one(db, "SELECT max(claim_id) FROM remittanceclaim JOIN claim ON claim.id = claim_id")[0]
    )


def assert_same_count(practices, build_args, tmp_path, limit: int, slack: int = 0):
    """`slack`: a patient's documents look up a payer or not depending on their coverage;
    that is a difference of a statement or two, never one per visit."""
    counts = []
    for name in ("small", "large"):
        db = practices[name]
        counts.append(len(run_counted(db, *build_args(db, tmp_path / name))))
    small, large = counts
    assert abs(large - small) <= slack, (
        f"{small} statements on the small practice, {large} on the large one"
    )
    assert small <= limit, f"{small} statements"


def test_patient_list(practices, tmp_path):
    assert_same_count(practices, lambda db, out: ("patient", "list"), tmp_path, limit=5)


def test_patient_show(practices, tmp_path):
    assert_same_count(
        practices, lambda db, out: ("patient", "show", busiest_patient(db)), tmp_path, 15, slack=2
    )


def test_claim_list(practices, tmp_path):
    assert_same_count(practices, lambda db, out: ("claim", "list"), tmp_path, limit=5)


def test_claim_show(practices, tmp_path):
    assert_same_count(
        practices, lambda db, out: ("claim", "show", paid_claim(db)), tmp_path, 32
    )  # + calls, acknowledgements


def test_superbill_one_visit(practices, tmp_path):
    def args(db, out):
        account, session_id = newest_visit(db)
        return ("superbill", account, "--session", session_id, "-o", f"{out}.pdf")

    assert_same_count(practices, args, tmp_path, limit=20, slack=1)


def test_statement_for_the_busiest_patient(practices, tmp_path):
    assert_same_count(
        practices,
        lambda db, out: (
            "statement",
            busiest_patient(db),
            "--as-of",
            END.isoformat(),
            "-o",
            f"{out}.pdf",
        ),  # fmt: skip
        tmp_path,
        limit=20,
        slack=2,
    )


def test_aging(practices, tmp_path):
    assert_same_count(
        practices, lambda db, out: ("aging", "--as-of", END.isoformat()), tmp_path, limit=15
    )


def test_aging_by_patient_as_csv(practices, tmp_path):
    assert_same_count(
        practices,
        lambda db, out: (
            "aging",
            "--as-of",
            "2026-06-30",
            "--by",
            "patient",
            "--format",
            "csv",
            "-o",
            f"{out}.csv",
        ),  # fmt: skip
        tmp_path,
        limit=15,
    )


def test_claim_export_837p_of_all_ready_claims(practices, tmp_path):
    """8 ready claims or 24: the same reads (claims are loaded in batches). Each exported
    claim is written once: its status, its history row and that change's audit row."""
    import shutil

    counts = {}
    for name, claims in (("small", SMALL["ready_claims"]), ("large", LARGE["ready_claims"])):
        copy = tmp_path / f"{name}.db"
        shutil.copyfile(practices[name], copy)
        statements = run_counted(
            str(copy), "claim", "export", "--ready", "--force", "--format", "837p",
            "-o", str(tmp_path / f"{name}.837"),
        )  # fmt: skip
        # the audit hook reads the chain's last hash before it appends: part of each write
        writing = [s for s in statements if "audit_log" in s or not s.lstrip().startswith("SELECT")]
        reads = [s for s in statements if s not in writing and s.startswith("SELECT")]
        writes = [s for s in writing if not s.startswith("BEGIN")]
        counts[name] = (len(reads), len(writes), claims)
    (small_reads, small_writes, few), (large_reads, large_writes, many) = counts.values()
    assert large_reads == small_reads, counts
    assert small_reads <= 40, counts
    assert large_writes - small_writes <= 5 * (many - few), counts  # see the module docstring
