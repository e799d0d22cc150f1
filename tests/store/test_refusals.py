"""Failures told plainly (issue 14 §3): a full disk, a lock held too long, a database from a
newer clinicbill, a damaged file, a file that is not ours (left byte for byte untouched) and
PostgreSQL connection failures are one `error:` line and one `hint:` line, exit 1, never a
traceback, never a half-written record."""

from __future__ import annotations

import hashlib
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from clinicbill.domain.errors import ClinicbillError
from clinicbill.store.engine import dispose_all, transaction
from tests.conftest import cli_subprocess
from tests.pg import pg_server_url, postgres_only, sqlite_only

CLINICBILL = str(Path(sys.executable).parent / "clinicbill")
ADD = ["patient", "add", "--first-name", "Ann", "--last-name", "Doe", "--dob", "1980-01-01"]
ADD += ["--sex", "F"]


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def counts(db: Path) -> tuple[int, int]:
    """(patients, audit rows), read with plain sqlite3."""
    conn = sqlite3.connect(db)
    try:
        return (
            conn.execute("SELECT count(*) FROM patient").fetchone()[0],
            conn.execute("SELECT count(*) FROM audit_log").fetchone()[0],
        )
    finally:
        conn.close()


def assert_refused(result, *needles: str) -> None:
    """Exit 1; stderr is exactly `error: ...` and `hint: ...`; each needle is in the error."""
    lines = result.stderr.splitlines()
    assert result.returncode == 1, result.stderr
    assert len(lines) == 2 and lines[0].startswith("error: db: ") and lines[1].startswith("hint: ")
    assert "Traceback" not in result.stderr and "unexpected" not in result.stderr
    for needle in needles:
        assert needle in lines[0], lines[0]


@pytest.fixture
def sample_file(sample_db) -> Path:
    dispose_all()  # the WAL checkpointed: the file alone is the database
    return Path(sample_db)


# A full disk ------------------------------------------------------------------------------


@sqlite_only
@pytest.mark.parametrize(
    "kib",
    [
        16,  # below SQLite's 32 KiB shared-memory file: fails as the database is opened
        32,  # the WAL's 8th page (a patient, its indexes and its audit row) is past the limit
    ],
)
def test_a_file_size_limit_is_a_refusal_and_nothing_is_saved(sample_file, kib):
    before = counts(sample_file)
    command = f"ulimit -f {kib}; exec {CLINICBILL} --db {sample_file} {' '.join(ADD)}"
    result = subprocess.run(["bash", "-c", command], capture_output=True, text=True, timeout=60)
    assert_refused(result, f"the file size limit (ulimit -f, {kib} KiB)", "nothing was saved")
    assert counts(sample_file) == before
    conn = sqlite3.connect(sample_file)
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert conn.execute("SELECT count(*) FROM patient WHERE last_name = 'Doe'").fetchone()[0] == 0
    conn.close()
    again = cli_subprocess("--db", str(sample_file), *ADD)  # no limit: the same command works
    assert again.returncode == 0, again.stderr
    assert counts(sample_file)[0] == before[0] + 1


@sqlite_only
def test_a_full_database_says_what_to_free_and_rolls_back(sample_db):
    """SQLite's own "database or disk is full" (max_page_count stands in for the disk)."""
    before = counts(Path(sample_db))
    with pytest.raises(ClinicbillError) as refused:
        with transaction(sample_db, "tester") as session:
            from clinicbill.domain.practice.patients import add_patient

            pages = session.connection().exec_driver_sql("PRAGMA page_count").scalar()
            session.connection().exec_driver_sql(f"PRAGMA max_page_count = {pages}")
            for n in range(2000):
                add_patient(
                    session, first_name="Ann", last_name=f"Doe{n}", dob="1980-01-01", sex="F"
                )
                session.flush()
    assert refused.value.message == (
        f"db: the disk holding {Path(sample_db).parent} is full; nothing was saved"
    )
    assert "free some space there" in refused.value.hint
    dispose_all()
    assert counts(Path(sample_db)) == before


def test_disk_full_from_the_operating_system_names_the_file_s_directory(tmp_path):
    import errno

    from clinicbill.store.refusals import refusal_for

    exc = OSError(errno.ENOSPC, "No space left on device", str(tmp_path / "out" / "bill.pdf"))
    refusal = refusal_for(exc, "sqlite:////somewhere/clinic.db")
    assert refusal.message == f"db: the disk holding {tmp_path / 'out'} is full; nothing was saved"


# A lock held past the busy timeout -------------------------------------------------------------


@sqlite_only
def test_a_lock_held_past_the_busy_timeout_names_the_wait(sample_run, monkeypatch):
    from clinicbill.store import timeouts

    monkeypatch.setattr(timeouts, "BUSY_TIMEOUT_MS", 1000)
    dispose_all()
    holder = sqlite3.connect(sample_run.db_url, timeout=0, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")  # another writer, still working
    try:
        result = sample_run(*ADD)
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        "error: db: another clinicbill command kept the database busy for 1 s; nothing was saved",
        "hint: run the command again when the other one has finished (a large import, report "
        "or backup may be running)",
    ]
    dispose_all()
    assert counts(Path(sample_run.db_url))[0] == 8


# A database from a newer clinicbill ----------------------------------------------------------


@sqlite_only
def test_a_database_from_a_newer_clinicbill_is_refused_untouched(sample_file):
    conn = sqlite3.connect(sample_file)
    conn.execute("UPDATE alembic_version SET version_num = '0099_future'")
    conn.commit()
    conn.close()
    before = sha(sample_file)
    for args in (["patient", "list"], ["db", "upgrade"], ADD):
        result = cli_subprocess("--db", str(sample_file), *args)
        assert_refused(result, "written by a newer clinicbill", "'0099_future'")
        assert "upgrade clinicbill" in result.stderr
    assert sha(sample_file) == before


# Damaged, foreign and non-SQLite files ---------------------------------------------------------


@sqlite_only
@pytest.mark.parametrize("damage", ["truncated", "pages overwritten"])
def test_a_damaged_database_says_integrity_check_failed(sample_file, damage):
    size = sample_file.stat().st_size
    if damage == "truncated":
        os.truncate(sample_file, size // 3)
    else:
        with open(sample_file, "r+b") as fh:  # the schema's and the tables' first pages
            fh.seek(4096)
            fh.write(os.urandom(4096 * 40))
    before = sha(sample_file)
    for args in (["patient", "list"], ADD, ["patient", "show", "P00001"]):
        result = cli_subprocess("--db", str(sample_file), *args)
        assert_refused(result, f"integrity check failed: {sample_file.name}")
        assert "clinicbill db restore" in result.stderr
    assert sha(sample_file) == before


@sqlite_only
def test_the_hint_works_a_damaged_database_is_restored_over_and_kept(sample_file, tmp_path):
    backup = tmp_path / "backup.db"
    assert cli_subprocess("--db", str(sample_file), "db", "backup", str(backup)).returncode == 0
    os.truncate(sample_file, sample_file.stat().st_size // 2)
    damaged = sample_file.read_bytes()
    restored = cli_subprocess("--db", str(sample_file), "db", "restore", str(backup), "--force")
    assert restored.returncode == 0, restored.stderr
    assert "integrity ok" in restored.stdout
    (kept,) = tmp_path.glob("clinic.db.before-restore-*")
    assert kept.read_bytes() == damaged and kept.stat().st_mode & 0o777 == 0o600
    assert counts(sample_file)[0] == 8
    listed = cli_subprocess("--db", str(sample_file), "patient", "list")
    assert listed.returncode == 0, listed.stderr


@sqlite_only
def test_another_programs_sqlite_database_is_refused_byte_for_byte_untouched(tmp_path):
    other = tmp_path / "other-app.sqlite"
    conn = sqlite3.connect(other)
    conn.execute("CREATE TABLE notes (body TEXT)")
    conn.execute("INSERT INTO notes VALUES ('mine')")
    conn.commit()
    conn.close()
    os.chmod(other, 0o600)
    before, listing = sha(other), sorted(os.listdir(tmp_path))
    for args in (["patient", "list"], ["db", "upgrade"], ["init", "--sample"], ADD):
        result = cli_subprocess("--db", str(other), *args)
        assert_refused(result, "other-app.sqlite is a SQLite database of another program")
        assert "(tables: notes)" in result.stderr and "it was not changed" in result.stderr
    assert sha(other) == before
    assert sorted(os.listdir(tmp_path)) == listing  # no -wal, no -shm beside it


@sqlite_only
@pytest.mark.parametrize(
    "content",
    [b"hello, not a database\n", b"\x00" * 100, os.urandom(8192)],
    ids=["text", "zeros", "random"],
)
def test_a_file_that_is_not_sqlite_is_refused_untouched(tmp_path, content):
    path = tmp_path / "clinic.db"
    path.write_bytes(content)
    os.chmod(path, 0o600)
    result = cli_subprocess("--db", str(path), *ADD)
    assert_refused(result, "clinic.db is not a clinicbill database (not a SQLite file")
    assert path.read_bytes() == content


@sqlite_only
@pytest.mark.parametrize("exists", [True, False])
def test_only_an_empty_or_missing_file_becomes_a_new_database(tmp_path, exists):
    path = tmp_path / "new" / "clinic.db"
    if exists:
        path.parent.mkdir(mode=0o700)
        path.touch(mode=0o600)
    result = cli_subprocess("--db", str(path), *ADD)
    assert result.returncode == 0, result.stderr
    assert counts(path)[0] == 1


# PostgreSQL -------------------------------------------------------------------------------


def _pg_url(**changes) -> str:
    from sqlalchemy.engine import make_url

    url = make_url(pg_server_url() or "postgresql+psycopg://u@127.0.0.1:5432/postgres")
    return url.set(**changes).render_as_string(hide_password=False)


def test_postgres_server_down_is_one_line_without_the_password():
    url = "postgresql+psycopg://clerk:s3cret-pw@127.0.0.1:1/clinic"
    result = cli_subprocess("--db", url, "patient", "list")
    assert_refused(result, "cannot reach the PostgreSQL server at 127.0.0.1:1 (connection refused)")
    assert "s3cret-pw" not in result.stderr + result.stdout


@postgres_only
def test_postgres_missing_database_is_named():
    result = cli_subprocess(
        "--db", _pg_url(database="cb_nosuchdb", password="pw1"), "patient", "list"
    )
    assert_refused(result, "has no database 'cb_nosuchdb'")
    assert "createdb cb_nosuchdb" in result.stderr and "pw1" not in result.stderr


@postgres_only
def test_postgres_unknown_role_is_a_refused_login():
    result = cli_subprocess(
        "--db", _pg_url(username="nosuchrole", password="pw2"), "patient", "list"
    )
    assert_refused(result, "refused the login of user 'nosuchrole'")
    assert "pw2" not in result.stderr


def test_postgres_password_failure_is_a_refused_login_without_the_password():
    """The throwaway test cluster trusts every login, so the server's own message is given."""
    import psycopg

    from clinicbill.store.refusals import refusal_for

    url = "postgresql+psycopg://clerk:hunter2@db.example:5433/clinic"
    exc = psycopg.OperationalError(
        'connection failed: connection to server at "10.0.0.5", port 5433 failed: FATAL:  '
        'password authentication failed for user "clerk"'
    )
    refusal = refusal_for(exc, url)
    assert refusal.message == (
        "db: the PostgreSQL server at db.example:5433 refused the login of user 'clerk' "
        "(password authentication failed)"
    )
    assert "hunter2" not in refusal.message + refusal.hint
