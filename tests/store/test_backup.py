"""`db backup` and `db restore`: verified, never overwriting without --force, data equal."""

from __future__ import annotations

import json
import os
import sqlite3
import stat
from datetime import date

import pytest

from clinicbill.store.engine import transaction
from clinicbill.store.schema_version import HEAD_REVISION
from tests.conftest import cli_subprocess
from tests.pg import on_postgres, sqlite_only
from tests.store.helpers import fingerprint, table_rows

AUDIT_FREE = ("audit_log", "controlcounter")


def _add_visit(db_url):
    from tests.factories import make_encounter

    with transaction(db_url, "tester") as session:
        make_encounter(
            session, 1, 1, date(2026, 3, 2), [{"code": "97124", "charge_cents": 9000, "units": 2}]
        )


def test_backup_then_restore_gives_back_the_same_data(sample_run, sample_db, tmp_path):
    _add_visit(sample_db)
    before = fingerprint(sample_db)
    expected = table_rows(sample_db)
    backup = tmp_path / "backups" / "clinic.bak"
    backup.parent.mkdir()
    result = sample_run("--json", "db", "backup", str(backup))
    assert result.exit_code == 0, result.output
    info = json.loads(result.stdout)
    assert info["schema_revision"] == HEAD_REVISION and info["bytes"] == backup.stat().st_size
    assert stat.S_IMODE(backup.stat().st_mode) == 0o600

    sample_run(
        "patient",
        "add",
        "--first-name",
        "Late",
        "--last-name",
        "Arrival",
        "--dob",
        "1970-05-05",
        "--sex",
        "F",
    )
    assert fingerprint(sample_db) != before

    restored = sample_run("--json", "db", "restore", str(backup), "--force")
    assert restored.exit_code == 0, restored.output
    data = json.loads(restored.stdout)
    assert data["integrity"] == "ok" and data["kept"]
    check = sample_run("db", "check")
    assert check.exit_code == 0, check.output
    # Every table equal; the audit trail equal too, plus one row recording the restore.
    after_rows = table_rows(sample_db)
    for name in expected:
        if name not in AUDIT_FREE:
            assert after_rows[name] == expected[name], name
    assert after_rows["audit_log"][:-1] == expected["audit_log"]
    assert after_rows["audit_log"][-1][3] == "restore"
    assert not any(r for r in after_rows["patient"] if "Arrival" in r)
    assert sample_run("audit", "--verify").exit_code == 0


def test_restored_data_equals_backed_up_data(sample_run, sample_db, tmp_path):
    backup = tmp_path / "b.bak"
    expected = table_rows(sample_db, exclude=AUDIT_FREE)
    assert sample_run("db", "backup", str(backup)).exit_code == 0
    sample_run("patient", "edit", "P00001", "--phone", "5035550000")
    assert sample_run("db", "restore", str(backup), "--force").exit_code == 0
    assert table_rows(sample_db, exclude=AUDIT_FREE) == expected


def test_restore_refuses_to_overwrite_without_force(sample_run, sample_db, tmp_path):
    backup = tmp_path / "b.bak"
    assert sample_run("db", "backup", str(backup)).exit_code == 0
    sample_run("patient", "edit", "P00001", "--phone", "5035550000")
    before = fingerprint(sample_db)
    result = sample_run("db", "restore", str(backup))
    assert result.exit_code == 1
    assert "--force" in result.stderr and "Traceback" not in result.output
    assert fingerprint(sample_db) == before


def test_backup_never_overwrites_an_existing_file_without_force(sample_run, tmp_path):
    target = tmp_path / "b.bak"
    target.write_text("precious")
    result = sample_run("db", "backup", str(target))
    assert result.exit_code == 1 and "already exists" in result.stderr
    assert target.read_text() == "precious"
    assert sample_run("db", "backup", str(target), "--force").exit_code == 0
    assert target.read_bytes() != b"precious"


@pytest.mark.parametrize("force", [False, True])
def test_backup_refuses_a_symlink_at_the_destination(sample_run, tmp_path, force):
    """Like every other writer (store/files.py): a link at the target, to a file or dangling,
    is refused even with --force; what it points to is untouched, no partial file is left."""
    victim = tmp_path / "elsewhere" / "victim.txt"
    victim.parent.mkdir()
    victim.write_text("precious")
    out = tmp_path / "out"
    out.mkdir()
    link, dangling = out / "clinic.bak", out / "dangling.bak"
    link.symlink_to(victim)
    dangling.symlink_to(tmp_path / "elsewhere" / "missing.db")
    for target in (link, dangling):
        args = ["db", "backup", str(target)] + (["--force"] if force else [])
        result = sample_run(*args)
        assert result.exit_code == 1, result.output
        assert "symbolic link" in result.stderr and "Traceback" not in result.output
        assert target.is_symlink()
    assert victim.read_text() == "precious"
    assert not (tmp_path / "elsewhere" / "missing.db").exists()
    assert sorted(p.name for p in out.iterdir()) == ["clinic.bak", "dangling.bak"]


def test_backup_into_a_linked_directory_writes_inside_it(sample_run, tmp_path):
    real = tmp_path / "real"
    real.mkdir()
    (tmp_path / "backups").symlink_to(real, target_is_directory=True)
    result = sample_run("--json", "db", "backup", str(tmp_path / "backups"))
    assert result.exit_code == 0, result.output
    written = [p for p in real.iterdir()]
    assert len(written) == 1 and written[0].name.startswith("clinicbill-")
    assert stat.S_IMODE(written[0].stat().st_mode) == 0o600


def test_backup_into_a_directory_makes_a_dated_file(sample_run, tmp_path):
    result = sample_run("--json", "db", "backup", str(tmp_path))
    assert result.exit_code == 0, result.output
    path = json.loads(result.stdout)["path"]
    assert os.path.dirname(path) == str(tmp_path) and "clinicbill-" in path
    assert not [p for p in tmp_path.iterdir() if ".partial" in p.name]


@pytest.mark.parametrize(
    "content",
    [b"", b"not a database at all\n" * 50, os.urandom(8192), b"SQLite format 3\x00" + b"\x00" * 90],
    ids=["empty", "text", "random", "truncated-header"],
)
def test_restore_verifies_the_backup_first(sample_run, sample_db, tmp_path, content):
    junk = tmp_path / "junk.bak"
    junk.write_bytes(content)
    before = fingerprint(sample_db)
    result = sample_run("db", "restore", str(junk), "--force")
    assert result.exit_code == 1, result.output
    assert result.stderr.startswith("error: backup:")
    assert "Traceback" not in result.output
    assert fingerprint(sample_db) == before


def test_restore_refuses_a_sqlite_file_that_is_not_clinicbill(sample_run, sample_db, tmp_path):
    other = tmp_path / "other.db"
    conn = sqlite3.connect(other)
    conn.execute("CREATE TABLE notes (t TEXT)")
    conn.commit()
    conn.close()
    result = sample_run("db", "restore", str(other), "--force")
    assert result.exit_code == 1
    assert "backup:" in result.stderr


def test_restore_of_a_missing_file_is_a_clean_refusal(sample_run, tmp_path):
    result = sample_run("db", "restore", str(tmp_path / "nope.bak"))
    assert result.exit_code == 1 and "not a backup file" in result.stderr


@sqlite_only
def test_restore_keeps_the_old_database_file(sample_run, sample_db, tmp_path):
    backup = tmp_path / "b.bak"
    sample_run("db", "backup", str(backup))
    sample_run("patient", "edit", "P00001", "--phone", "5035550000")
    changed = fingerprint(sample_db)
    result = sample_run("--json", "db", "restore", str(backup), "--force")
    kept = json.loads(result.stdout)["kept"]
    assert kept.startswith(sample_db + ".before-restore-")
    assert stat.S_IMODE(os.stat(kept).st_mode) == 0o600
    assert fingerprint(kept) == changed


@sqlite_only
def test_restore_into_a_new_database_path(sample_run, tmp_path):
    backup = tmp_path / "b.bak"
    sample_run("db", "backup", str(backup))
    fresh = tmp_path / "new" / "clinic.db"
    result = cli_subprocess("--db", str(fresh), "db", "restore", str(backup))
    assert result.returncode == 0, result.stderr
    assert "kept" not in result.stdout
    listed = cli_subprocess("--db", str(fresh), "--json", "patient", "list")
    assert len(json.loads(listed.stdout)) == 8


@sqlite_only
def test_backup_is_consistent_while_another_process_writes(sample_db, tmp_path):
    """The online backup API copies a consistent snapshot even with a writer holding WAL
    frames that are not yet checkpointed."""
    writer = sqlite3.connect(sample_db)
    writer.execute("PRAGMA journal_mode=WAL")
    writer.execute("UPDATE patient SET phone = '5035559999' WHERE id = 1")
    writer.commit()  # committed into the WAL, not checkpointed: the connection stays open
    result = cli_subprocess("--db", sample_db, "db", "backup", str(tmp_path / "b.bak"))
    writer.close()
    assert result.returncode == 0, result.stderr
    copy = sqlite3.connect(tmp_path / "b.bak")
    assert copy.execute("SELECT phone FROM patient WHERE id = 1").fetchone()[0] == "5035559999"
    assert copy.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    copy.close()


def test_backup_restore_subprocess_round_trip(sample_db, tmp_path):
    backup = tmp_path / "round.bak"
    assert cli_subprocess("--db", sample_db, "db", "backup", str(backup)).returncode == 0
    expected = table_rows(sample_db, exclude=AUDIT_FREE)
    edit = cli_subprocess("--db", sample_db, "patient", "edit", "P00002", "--city", "Salem")
    assert edit.returncode == 0, edit.stderr
    restore = cli_subprocess("--db", sample_db, "db", "restore", str(backup), "--force")
    assert restore.returncode == 0, restore.stderr
    assert cli_subprocess("--db", sample_db, "db", "check").returncode == 0
    assert table_rows(sample_db, exclude=AUDIT_FREE) == expected
    if on_postgres():
        assert list(tmp_path.glob("before-restore-*.dump"))
