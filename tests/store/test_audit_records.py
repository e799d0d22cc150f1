"""`audit --verify` compares every audited row with its last logged image (issue 14 §3): a row
changed, added or removed behind clinicbill's back is named (table, id, columns; no values),
and a database used only through clinicbill verifies clean, on SQLite and PostgreSQL."""

from __future__ import annotations

import json
import sqlite3
from datetime import date, timedelta

from sqlalchemy import create_engine, text

from clinicbill.store.engine import resolve_url, transaction
from tests.conftest import cli_subprocess
from tests.pg import sqlite_only

SESSION = [
    "session", "add", "--patient", "P00001", "--provider", "Reyes", "--dx", "M54.50",
    "--line", "97124:minutes=38", "--subjective", "Low back tight", "--objective", "o",
    "--assessment", "a", "--plan", "p",
]  # fmt: skip


def _raw(db_url: str, sql: str, **params) -> None:
    """Change the database behind clinicbill's back (no audit hook, no clinicbill code)."""
    engine = create_engine(resolve_url(db_url))
    with engine.begin() as conn:
        conn.execute(text(sql), params)
    engine.dispose()


def _verify(run):
    result = run("audit", "--verify")
    return result.exit_code, result.stdout, result.stderr


def _workflow(run, tmp_path) -> None:
    """Most kinds of write: flush inserts and updates, deletes (an edited session's lines),
    audited bulk inserts and updates (an 835 import), payments, coverage, documents."""
    from clinicbill.formats.x12_835_write import Outcome, remittance_835_for_claims

    day = (date.today() - timedelta(days=3)).isoformat()
    steps = [
        [*SESSION, "--date", day],
        ["session", "edit", "1", "--line", "97124:minutes=25", "--line", "97140:minutes=15:mod=59",
         "--dx", "M54.50", "--dx", "M62.830"],
        ["session", "sign", "1"],
        ["session", "addendum", "1", "--text", "Called: better"],
        ["patient", "edit", "P00001", "--phone", "503-555-0101", "--city", "Bend"],
        ["policy", "add", "P00002", "--payer", "Evergreen", "--member-id", "EVM7654321",
         "--priority", "secondary"],
        ["claim", "create", "--all"],
        ["claim", "check", "--all"],
        ["claim", "export", "--ready", "--format", "837p", "-o", str(tmp_path / "c.837")],
        ["fee", "set", "97124", "33.50"],
    ]  # fmt: skip
    for args in steps:
        result = run(*args)
        assert result.exit_code == 0, (args, result.output)
    with transaction(run.db_url, "tester") as session:
        remittance, _ = remittance_835_for_claims(
            session,
            {1: Outcome(coinsurance_percent=20)},
            trace_number="VERIFY1",
            payment_date=date.today(),
        )
        session.rollback()
    (tmp_path / "r.835").write_text(remittance)
    for args in (
        ["era", "import", str(tmp_path / "r.835")],
        ["adjust", "P00001", "1", "--reason", "courtesy"],
        ["payment", "add", "P00001", "5", "--method", "card"],
    ):
        result = run(*args)
        assert result.exit_code == 0, (args, result.output)


def test_a_database_used_only_through_clinicbill_verifies_clean(sample_run, tmp_path):
    _workflow(sample_run, tmp_path)
    code, out, err = _verify(sample_run)
    assert code == 0, err
    assert "none edited or removed" in out and "records match their logged images" in out
    data = json.loads(sample_run("--json", "audit", "--verify").stdout)
    assert data["ok"] is True and data["records"] > 50


def test_a_patient_row_changed_directly_is_named_with_its_columns(sample_run, sample_db):
    assert _verify(sample_run)[0] == 0
    _raw(
        sample_db, "UPDATE patient SET phone = '5035559999', dob = :d WHERE id = 2", d="1970-01-01"
    )
    code, _out, err = _verify(sample_run)
    assert code == 1
    assert "patient 2: changed outside clinicbill (columns: dob, phone)" in err
    assert "5035559999" not in err and "1970" not in err  # names columns, never values


def test_a_deleted_payment_row_is_named(sample_run, sample_db):
    result = sample_run("payment", "add", "P00001", "40", "--method", "card")
    assert result.exit_code == 0, result.output
    payment_id = int(result.stdout.split()[1].rstrip(":"))
    assert _verify(sample_run)[0] == 0
    _raw(sample_db, "DELETE FROM ledgerentry WHERE payment_id = :p", p=payment_id)
    _raw(sample_db, "DELETE FROM payment WHERE id = :p", p=payment_id)
    code, _out, err = _verify(sample_run)
    assert code == 1
    assert f"payment {payment_id}: removed outside clinicbill" in err


def test_a_row_inserted_without_audit_is_named(sample_run, sample_db):
    _raw(
        sample_db,
        "INSERT INTO payer (name, payer_id, type, profile, created_at) "
        "VALUES ('Back Door Health', 'BDH01', 'commercial', 'commercial', :at)",
        at="2026-01-01 00:00:00",
    )
    code, _out, err = _verify(sample_run)
    assert code == 1
    assert "payer 6: added outside clinicbill (no audit record)" in err


def test_a_deleted_row_put_back_is_named(sample_run, sample_db):
    """A row whose deletion was logged, inserted again behind clinicbill's back."""
    two_lines = [*SESSION, "--line", "97140:minutes=15:mod=59"]
    assert sample_run(*two_lines, "--date", date.today().isoformat()).exit_code == 0
    # lines 1 and 2 are deleted (logged); the new line takes id 1 again
    assert (
        sample_run(
            "session", "edit", "1", "--line", "97140:minutes=15", "--replace-lines"
        ).exit_code
        == 0
    )
    _raw(
        sample_db,
        "INSERT INTO serviceline (id, encounter_id, line_number, code, modifiers, minutes, "
        "units, charge_cents, pointers, description) "
        "VALUES (2, 1, 9, '97124', '', 38, 3, 9750, '1', 'massage')",
    )
    code, _out, err = _verify(sample_run)
    assert code == 1
    assert "serviceline 2: added outside clinicbill (after its logged deletion)" in err


def test_booleans_dates_and_money_survive_the_comparison(sample_run, sample_db):
    """A value written back unchanged in another spelling is not a change; a flipped flag or
    a cent is."""
    _raw(sample_db, "UPDATE provider SET active = active WHERE id = 1")
    _raw(sample_db, "UPDATE feeschedule SET amount_cents = amount_cents WHERE id = 1")
    assert _verify(sample_run)[0] == 0
    _raw(sample_db, "UPDATE provider SET active = NOT active WHERE id = 1")
    _raw(sample_db, "UPDATE feeschedule SET amount_cents = amount_cents + 1 WHERE id = 1")
    code, _out, err = _verify(sample_run)
    assert code == 1
    assert "provider 1: changed outside clinicbill (columns: active)" in err
    assert "feeschedule 1: changed outside clinicbill (columns: amount_cents)" in err


@sqlite_only
def test_sqlite3_module_edit_is_named_from_a_real_process(tmp_path):
    path = tmp_path / "practice.db"
    assert cli_subprocess("--db", str(path), "init", "--sample").returncode == 0
    assert cli_subprocess("--db", str(path), "audit", "--verify").returncode == 0
    with sqlite3.connect(path) as con:
        con.execute("UPDATE patient SET last_name = 'Changed' WHERE id = 1")
    result = cli_subprocess("--db", str(path), "audit", "--verify")
    assert result.returncode == 1
    assert "patient 1: changed outside clinicbill (columns: last_name)" in result.stderr
    assert "Changed" not in result.stderr and "Traceback" not in result.stderr


def test_the_direct_row_text_is_the_image_text(sample_run, sample_db):
    """audit --verify compares most rows by a text built directly from the raw row; for every
    row of the sample practice written once, it is exactly what the audit log holds."""
    from sqlmodel import SQLModel

    from clinicbill.store.audit import NOT_AUDITED, row_json
    from clinicbill.store.audit_verify import _converter, _row_text, raw_rows
    from clinicbill.store.models import load_all

    sample_run("pay", "P00001", "40", "--method", "card")
    load_all()
    checked = 0
    with transaction(sample_db, "tester") as session:
        conn = session.connection()
        for name in sorted(set(SQLModel.metadata.tables) - NOT_AUDITED):
            table = SQLModel.metadata.tables[name]
            names = [c.name for c in table.columns]
            text_of = _row_text(table)
            for row in raw_rows(conn, name, names):
                values = {
                    c.name: (f(v) if (f := _converter(c)) else v)
                    for c, v in zip(table.columns, row, strict=True)
                }
                assert text_of(row) == row_json(values), name
                checked += 1
    assert checked > 30


@sqlite_only
def test_the_split_verify_finds_what_the_sequential_one_finds(sample_run, sample_db):
    """A large SQLite log is verified on two processes (store/audit_verify_split.py): a forked
    child compares the rows while the chain is walked. Forced here on the sample practice,
    with a row changed, a row removed and an audit row edited behind clinicbill's back."""
    from clinicbill.store.audit_verify import row_problems, verify_chain
    from clinicbill.store.audit_verify_split import _result, _start, verify_both

    _raw(sample_db, "UPDATE patient SET phone = '5035559999' WHERE id = 2")
    _raw(sample_db, "DELETE FROM feeschedule WHERE id = 1")
    _raw(sample_db, "UPDATE audit_log SET user = 'mallory' WHERE id = 3")
    with transaction(sample_db, "tester") as session:
        expected = (verify_chain(session), *row_problems(session))
        child = _start(session, split_from=0)
        assert child is not None  # the split really happens (a fork, not the fallback)
        assert _result(*child) == expected[1:]
        assert verify_both(session, split_from=0) == expected
    chain, rows, compared = expected
    assert chain == ["audit row 3: content does not match its hash (edited)"]
    assert "patient 2: changed outside clinicbill (columns: phone)" in rows
    assert "feeschedule 1: removed outside clinicbill" in rows
    assert compared > 30


@sqlite_only
def test_a_failed_split_child_falls_back_to_comparing_here(sample_run, sample_db, monkeypatch):
    """A child that fails (here: its compare raises) gives no result: the rows are compared
    in this process, and the answer is the same."""
    from clinicbill.store import audit_verify
    from clinicbill.store.audit_verify_split import _result, _start, verify_both

    _raw(sample_db, "UPDATE patient SET phone = '5035559999' WHERE id = 2")

    def broken(*_args, **_kwargs):
        raise RuntimeError("the child failed")

    with transaction(sample_db, "tester") as session:
        with monkeypatch.context() as patched:
            patched.setattr(audit_verify, "compare_tables", broken)
            assert _result(*_start(session, split_from=0)) is None
        with monkeypatch.context() as patched:
            patched.setattr(audit_verify, "compare_tables", broken)
            patched.setattr(audit_verify, "row_problems", lambda _s: (["fallback"], 1))
            assert verify_both(session, split_from=0)[1:] == (["fallback"], 1)
        _chain, rows, _n = verify_both(session, split_from=0)
        assert "patient 2: changed outside clinicbill (columns: phone)" in rows
