"""`clinicbill audit`: filters, and --verify catching edited, removed and truncated rows."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from sqlalchemy import create_engine, text

from clinicbill.store.engine import resolve_url
from tests.conftest import cli_subprocess


def _raw(db_url: str, sql: str, **params) -> None:
    """Tamper with the database behind clinicbill's back (as an intruder with file access)."""
    engine = create_engine(resolve_url(db_url))
    with engine.begin() as conn:
        conn.execute(text(sql), params)
    engine.dispose()


def _trail(run, *args):
    result = run("--json", "audit", *args)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_filters_by_patient_entity_and_user(sample_run):
    sample_run("patient", "edit", "P00001", "--phone", "5035550101", user="frontdesk")
    sample_run("patient", "edit", "P00002", "--city", "Eugene", user="billing")
    rows = _trail(sample_run, "--patient", "P00001")
    assert rows and {r["patient_id"] for r in rows} == {1}
    assert {r["entity"] for r in rows} >= {"patient", "policy"}
    update = [r for r in rows if r["action"] == "update"]
    assert update[-1]["user"] == "frontdesk"
    assert update[-1]["before"]["phone"] != update[-1]["after"]["phone"] == "5035550101"

    by_user = _trail(sample_run, "--user", "billing")
    assert len(by_user) == 1 and by_user[0]["patient_id"] == 2

    payers = _trail(sample_run, "--entity", "payer")
    assert len(payers) == 5 and {r["action"] for r in payers} == {"insert"}
    sessions = _trail(sample_run, "--entity", "session")  # the CLI word for an encounter
    assert sessions == []


def test_date_window_and_limit(sample_run):
    today = datetime.now(UTC).date()
    assert _trail(sample_run, "--from", str(today + timedelta(days=1))) == []
    assert _trail(sample_run, "--to", str(today - timedelta(days=1))) == []
    everything = _trail(sample_run, "--from", str(today), "--to", str(today), "--limit", "10000")
    assert len(everything) > 20
    latest = _trail(sample_run, "--limit", "3")
    assert [r["id"] for r in latest] == [r["id"] for r in everything[-3:]]


def test_table_output_names_changed_fields(sample_run):
    sample_run("patient", "edit", "P00001", "--phone", "5035550101", "--city", "Bend")
    result = sample_run("audit", "--patient", "1", "--entity", "patient")
    assert result.exit_code == 0
    assert "update" in result.stdout and "phone" in result.stdout and "city" in result.stdout


def test_bad_filters_are_refused(sample_run):
    for args, needle in [
        (["--entity", "spaceship"], "entity: 'spaceship' is not an audited record"),
        (["--from", "2026-02-30"], "from: '2026-02-30' is not a date"),
        (["--from", "2026-03-02", "--to", "2026-03-01"], "before --from"),
        (["--patient", "Nobody-Such"], "patient:"),
    ]:
        result = sample_run("audit", *args)
        assert result.exit_code == 1, args
        assert needle in result.stderr, (args, result.stderr)
    assert sample_run("audit", "--limit", "0").exit_code == 2


def test_a_deleted_patient_is_still_found_by_id(sample_run, db_url):
    sample_run(
        "patient",
        "add",
        "--first-name",
        "Gone",
        "--last-name",
        "Soon",
        "--dob",
        "1990-01-01",
        "--sex",
        "U",
    )
    from clinicbill.store.engine import transaction
    from clinicbill.store.models import Patient

    with transaction(db_url, "cleanup") as session:
        session.delete(session.get(Patient, 9))
    rows = _trail(sample_run, "--patient", "9")
    assert [r["action"] for r in rows] == ["insert", "delete"]


def test_verify_passes_on_an_untouched_trail(sample_run):
    result = sample_run("audit", "--verify")
    assert result.exit_code == 0, result.output
    assert "verified" in result.stdout


def test_verify_names_an_edited_row(sample_run, sample_db):
    _raw(sample_db, "UPDATE audit_log SET after = :v WHERE id = 7", v='{"name": "forged"}')
    result = sample_run("audit", "--verify")
    assert result.exit_code == 1
    assert "error: audit: audit row 7: content does not match" in result.stderr
    # the forged image no longer matches the payer row it claims to describe, either
    assert "payer 4: changed outside clinicbill (columns: name)" in result.stderr


def test_verify_names_the_row_after_a_removed_one(sample_run, sample_db):
    _raw(sample_db, "DELETE FROM audit_log WHERE id = 12")
    result = sample_run("audit", "--verify")
    assert result.exit_code == 1
    assert "audit row 13: previous-hash link broken" in result.stderr


def test_verify_catches_rows_cut_from_the_end(sample_run, sample_db):
    _raw(sample_db, "DELETE FROM audit_log WHERE id = (SELECT max(id) FROM audit_log)")
    result = sample_run("audit", "--verify")
    assert result.exit_code == 1
    assert "rows at the end were removed" in result.stderr


def test_verify_catches_a_rewritten_user_and_timestamp(sample_run, sample_db):
    _raw(sample_db, 'UPDATE audit_log SET "user" = :u WHERE id = 3', u="someone-else")
    assert "audit row 3" in sample_run("audit", "--verify").stderr


def test_verify_subprocess_exit_codes(sample_db):
    ok = cli_subprocess("--db", sample_db, "audit", "--verify")
    assert ok.returncode == 0, ok.stderr
    _raw(sample_db, "UPDATE audit_log SET entity_id = 99 WHERE id = 2")
    bad = cli_subprocess("--db", sample_db, "audit", "--verify")
    assert bad.returncode == 1
    assert "audit row 2" in bad.stderr and "Traceback" not in bad.stderr
