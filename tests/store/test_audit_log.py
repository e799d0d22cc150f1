"""The audit log records every insert, update and delete with user, before and after."""

from __future__ import annotations

import json

from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import select, text

from clinicbill.store.audit_verify import verify_chain
from clinicbill.store.engine import transaction
from clinicbill.store.models import AuditLog


def _audit(db_url):
    with transaction(db_url, "reader") as session:
        return session.execute(select(AuditLog).order_by(AuditLog.id)).scalars().all()


def test_cli_changes_are_audited_with_user_before_after(run, db_url):
    run(
        "patient",
        "add",
        "--first-name",
        "Ada",
        "--last-name",
        "Byron",
        "--dob",
        "1990-01-02",
        "--sex",
        "F",
        user="frontdesk",
    )
    run("patient", "edit", "Byron", "--phone", "503-555-0100", user="billing")
    rows = _audit(db_url)
    insert = next(r for r in rows if r.entity == "patient" and r.action == "insert")
    update = next(r for r in rows if r.entity == "patient" and r.action == "update")
    assert insert.user == "frontdesk" and insert.before is None
    assert json.loads(insert.after)["last_name"] == "Byron"
    assert update.user == "billing"
    assert json.loads(update.before)["phone"] is None
    assert json.loads(update.after)["phone"] == "5035550100"
    assert update.patient_id == insert.entity_id
    assert update.at.tzinfo is not None


def test_delete_is_audited(db_url):
    from clinicbill.domain.practice.patients import add_patient

    with transaction(db_url, "u1") as session:
        patient = add_patient(session, first_name="Tmp", last_name="Row", dob="2000-01-01", sex="U")
        pid = patient.id
    with transaction(db_url, "u2") as session:
        from clinicbill.store.models import Patient

        session.delete(session.get(Patient, pid))
    rows = _audit(db_url)
    deleted = [r for r in rows if r.action == "delete"]
    assert deleted and deleted[0].user == "u2"
    assert json.loads(deleted[0].before)["last_name"] == "Row"


def test_chain_detects_edited_and_removed_rows(sample_db):
    with transaction(sample_db) as session:
        assert verify_chain(session) == []
        session.execute(text("UPDATE audit_log SET \"user\" = 'mallory' WHERE id = 3"))
    with transaction(sample_db) as session:
        problems = verify_chain(session)
    assert any("row 3" in p and "edited" in p for p in problems)


def test_chain_detects_deleted_row(sample_db):
    with transaction(sample_db) as session:
        session.execute(text("DELETE FROM audit_log WHERE id = 5"))
    with transaction(sample_db) as session:
        problems = verify_chain(session)
    assert any("row 6" in p and "removed" in p for p in problems)


def test_refused_command_writes_nothing_not_even_audit(sample_run, sample_db):
    before = len(_audit(sample_db))
    result = sample_run(
        "patient",
        "add",
        "--first-name",
        "X",
        "--last-name",
        "Y",
        "--dob",
        "2026-02-30",
        "--sex",
        "F",
    )
    assert result.exit_code == 1
    assert "dob: '2026-02-30' is not a date" in result.stderr
    assert len(_audit(sample_db)) == before


_TEXT = st.one_of(st.none(), st.text(max_size=40))
_ID = st.one_of(st.none(), st.integers(-(2**63), 2**63 - 1))
_ODD = st.one_of(st.booleans(), st.floats(allow_nan=False), st.integers().map(str))


@settings(max_examples=300, deadline=None)
@given(
    st.text(max_size=32),
    st.tuples(_TEXT, _TEXT, _TEXT, _ID, _ID, _TEXT, _TEXT),
    st.lists(st.tuples(st.integers(0, 6), _ODD), max_size=2),
)
def test_hashed_text_is_exactly_the_encoders_json(at, values, odd):
    """The hash walk's direct JSON is byte for byte the encoder's (sorted keys, compact, ASCII
    escapes, null), for any text including quotes, controls and non-ASCII, and values of
    other types fall back to the encoder: a chain written before verifies the same."""
    from clinicbill.store.audit import _HASHED_JSON, _HASHED_KEYS, hashed_text

    values = list(values)
    for index, value in odd:
        values[index] = value
    fields = dict(zip(_HASHED_KEYS, (at, *values), strict=True))
    assert hashed_text(at, *values) == _HASHED_JSON(fields)
