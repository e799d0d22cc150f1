"""The engine's safety settings: private files, WAL, busy timeout, BEGIN IMMEDIATE, encryption,
and a clean refusal for a file that is not a clinicbill database."""

from __future__ import annotations

import json
import os
import stat

import pytest

from clinicbill.store.engine import get_engine, transaction
from tests.conftest import cli_subprocess
from tests.pg import sqlite_only

pytestmark = sqlite_only


def test_new_database_dir_is_0700_and_file_0600(tmp_path):
    db = tmp_path / "deep" / "er" / "clinic.db"
    result = cli_subprocess("--db", str(db), "init", "--sample")
    assert result.returncode == 0, result.stderr
    assert stat.S_IMODE(db.stat().st_mode) == 0o600
    assert stat.S_IMODE(db.parent.stat().st_mode) == 0o700
    assert "warning" not in result.stderr


def test_loosened_file_mode_warns_on_every_start(tmp_path):
    db = tmp_path / "clinic.db"
    assert cli_subprocess("--db", str(db), "init", "--sample").returncode == 0
    os.chmod(db, 0o644)
    for _ in range(2):
        result = cli_subprocess("--db", str(db), "patient", "list")
        assert result.returncode == 0
        assert "warning:" in result.stderr and "chmod 600" in result.stderr
    os.chmod(db, 0o600)
    assert "warning" not in cli_subprocess("--db", str(db), "patient", "list").stderr


def test_pragmas_wal_busy_timeout_foreign_keys(db_url):
    from sqlalchemy import text

    with get_engine(db_url).connect() as conn:
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert conn.execute(text("PRAGMA busy_timeout")).scalar() >= 10_000
        assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1


def test_every_transaction_takes_the_write_lock_up_front(db_url, tmp_path):
    """BEGIN IMMEDIATE: a second writer waits at BEGIN (busy timeout) instead of failing
    later with 'database is locked' on a read-to-write upgrade."""
    import sqlite3

    get_engine(db_url)
    with transaction(db_url, "a") as _session:
        _session.connection()  # begins: takes the RESERVED lock
        other = sqlite3.connect(db_url, timeout=0)
        with pytest.raises(sqlite3.OperationalError, match="locked"):
            other.execute("BEGIN IMMEDIATE")
        other.close()


def test_a_junk_file_is_refused_cleanly(tmp_path):
    junk = tmp_path / "junk.db"
    junk.write_bytes(os.urandom(4096))
    os.chmod(junk, 0o600)
    result = cli_subprocess("--db", str(junk), "patient", "list")
    assert result.returncode == 1
    assert result.stderr.startswith(
        "error: db: junk.db is not a clinicbill database (not a SQLite file"
    )
    assert "Traceback" not in result.stderr


def test_unwritable_directory_is_refused_cleanly(tmp_path):
    target = tmp_path / "file-not-dir"
    target.write_text("x")
    result = cli_subprocess("--db", str(target / "clinic.db"), "patient", "list")
    assert result.returncode == 1
    assert result.stderr.startswith("error: db: cannot create")


# Encryption at rest (SQLCipher) --------------------------------------------------------------

sqlcipher3 = pytest.importorskip("sqlcipher3", reason="sqlcipher3 not installed")


def test_encrypted_database_is_unreadable_without_the_key(tmp_path):
    db = tmp_path / "secret.db"
    key = {"CLINICBILL_DB_KEY": "correct horse 'battery' staple"}
    assert cli_subprocess("--db", str(db), "init", "--sample", env=key).returncode == 0
    listed = cli_subprocess("--db", str(db), "--json", "patient", "list", env=key)
    assert len(json.loads(listed.stdout)) == 8
    raw = db.read_bytes()
    assert not raw.startswith(b"SQLite format 3") and b"Okafor" not in raw
    plain = cli_subprocess("--db", str(db), "patient", "list")
    assert plain.returncode == 1 and "is not a clinicbill database" in plain.stderr
    wrong = cli_subprocess("--db", str(db), "patient", "list", env={"CLINICBILL_DB_KEY": "guess"})
    assert wrong.returncode == 1 and "wrong CLINICBILL_DB_KEY" in wrong.stderr
    assert "Traceback" not in wrong.stderr and "ERROR CORE" not in wrong.stderr


def test_encrypted_backup_and_restore(tmp_path):
    db = tmp_path / "secret.db"
    backup = tmp_path / "secret.bak"
    key = {"CLINICBILL_DB_KEY": "k3y"}
    assert cli_subprocess("--db", str(db), "init", "--sample", env=key).returncode == 0
    made = cli_subprocess("--db", str(db), "db", "backup", str(backup), env=key)
    assert made.returncode == 0, made.stderr
    assert not backup.read_bytes().startswith(b"SQLite format 3")
    cli_subprocess("--db", str(db), "patient", "edit", "P00001", "--city", "Bend", env=key)
    back = cli_subprocess("--db", str(db), "db", "restore", str(backup), "--force", env=key)
    assert back.returncode == 0, back.stderr
    shown = cli_subprocess("--db", str(db), "--json", "patient", "show", "P00001", env=key)
    assert json.loads(shown.stdout)["city"] != "Bend"
    unkeyed = cli_subprocess("--db", str(db), "db", "restore", str(backup), "--force")
    assert unkeyed.returncode == 1 and "Traceback" not in unkeyed.stderr
