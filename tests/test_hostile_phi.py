"""No patient data in error lines, logs or tracebacks, even when something unexpected breaks.

A database trigger makes every audit-log insert fail, so editing a patient fails deep inside
SQLAlchemy with an error whose text carries the audit row's before-image (the patient's name,
date of birth, member id...). The user must see one line and the log path; neither that line
nor the log file may contain the patient's data.
"""

from __future__ import annotations

from sqlalchemy import create_engine, text

from clinicbill.store.engine import resolve_url, transaction
from tests.conftest import cli_subprocess
from tests.pg import on_postgres

LAST = "Quillfeather"
FIRST = "Zenobia"
DOB = "1944-04-04"
MEMBER = "QZX998877"
SECRETS = (LAST, FIRST, DOB, MEMBER, "Quillfeather".lower())


def _patient_with_a_policy(db_url: str) -> tuple[int, int]:
    from clinicbill.domain.practice.patients import add_patient
    from clinicbill.domain.practice.sample import load_sample

    with transaction(db_url, "tester") as session:
        load_sample(session)
        patient = add_patient(session, first_name=FIRST, last_name=LAST, dob=DOB, sex="F")
        from clinicbill.store.models import Policy

        policy = Policy(patient_id=patient.id, payer_id=2, priority="primary", member_id=MEMBER)
        session.add(policy)
        session.flush()
        return patient.id, policy.id


def _break_audit_inserts(db_url: str) -> None:
    engine = create_engine(resolve_url(db_url))
    with engine.begin() as conn:
        if on_postgres():
            conn.execute(
                text(
                    "CREATE FUNCTION fail_audit() RETURNS trigger AS $$ BEGIN "
                    "RAISE EXCEPTION 'simulated storage failure'; END $$ LANGUAGE plpgsql"
                )
            )
            conn.execute(
                text(
                    "CREATE TRIGGER fail_audit BEFORE INSERT ON audit_log "
                    "FOR EACH ROW EXECUTE FUNCTION fail_audit()"
                )
            )
        else:
            conn.execute(
                text(
                    "CREATE TRIGGER fail_audit BEFORE INSERT ON audit_log "
                    "BEGIN SELECT RAISE(ABORT, 'simulated storage failure'); END"
                )
            )
    engine.dispose()


def _log_text() -> str:
    from clinicbill.cli.render import log_path

    path = log_path()
    return path.read_text() if path.exists() else ""


def _assert_no_phi(*texts: str) -> None:
    for blob in texts:
        for secret in SECRETS:
            assert secret not in blob, f"patient data {secret!r} leaked: {blob[:500]!r}"


def test_unexpected_failure_shows_one_line_without_patient_data(db_url):
    pid, policy = _patient_with_a_policy(db_url)
    _break_audit_inserts(db_url)
    for args in (
        ["patient", "edit", str(pid), "--phone", "5035550199"],
        ["policy", "edit", str(policy), "--group", "G1"],
    ):
        result = cli_subprocess("--db", db_url, *args)
        assert result.returncode == 1, (args, result.stdout, result.stderr)
        if args[0] == "patient":
            assert "unexpected failure" in result.stderr, result.stderr
            assert len(result.stderr.strip().splitlines()) == 1
            assert "clinicbill.log" in result.stderr
        assert "Traceback" not in result.stderr
        _assert_no_phi(result.stdout, result.stderr)
    log = _log_text()
    assert log, "the unexpected failure was not logged"
    _assert_no_phi(log)
    # Nothing was written: the edit rolled back with its failed audit row.
    engine = create_engine(resolve_url(db_url))
    with engine.connect() as conn:
        phone = conn.execute(text("SELECT phone FROM patient WHERE id = :i"), {"i": pid})
        assert phone.scalar() != "5035550199"
    engine.dispose()


def test_in_process_failure_keeps_patient_data_out_of_output_and_log(run, db_url):
    pid, _ = _patient_with_a_policy(db_url)
    _break_audit_inserts(db_url)
    result = run("patient", "edit", str(pid), "--city", "Astoria")
    assert result.exit_code == 1
    assert "unexpected failure" in result.stderr
    _assert_no_phi(result.stdout, result.stderr, _log_text())


def test_refusals_name_only_what_was_typed(run, db_url):
    pid, _ = _patient_with_a_policy(db_url)
    for args in (
        ["patient", "edit", str(pid), "--dob", "2026-02-30"],
        ["patient", "edit", str(pid), "--state", "Atlantis"],
        [
            "session",
            "add",
            "--patient",
            str(pid),
            "--provider",
            "Reyes",
            "--dx",
            "M54.5",
            "--line",
            "97124:minutes=30",
            "--date",
            "2026-03-02",
        ],  # fmt: skip
        ["payment", "add", str(pid), "NaN", "--method", "cash"],
    ):
        result = run(*args)
        assert result.exit_code == 1, (args, result.output)
        assert "unexpected" not in result.stderr
        _assert_no_phi(result.stdout, result.stderr)
