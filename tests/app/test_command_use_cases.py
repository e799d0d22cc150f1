"""The use cases the commands of issue 21 now call (app/practice.py, app/coverage.py,
app/clearinghouse.py, app/codes.py, app/payer_demo.py, app/rows.py) called from Python on a
real migrated database, and the option parsers they moved to (cli/parse.py)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import select

from clinicbill.app import clearinghouse, codes, coverage, payer_demo, practice
from clinicbill.app.rows import pick, pick_rows
from clinicbill.cli import parse
from clinicbill.domain.errors import ClinicbillError
from clinicbill.store.engine import transaction
from clinicbill.store.models import Authorization, ClearinghouseSetting, FeeSchedule


def test_practice_changes_and_fees_from_python(sample_db):
    with transaction(sample_db, "tester") as s:
        changed = practice.change_practice(s, {"phone": "503-555-0199", "tax_id": None})
        fee = practice.set_fee(s, "97124", "33.25", "Cascade")
        standard = practice.set_fee(s, "97140", "40", None)
    assert changed.changed == {"phone": "5035550199"}  # digits, as the domain keeps them
    assert changed.tax_id_note is None  # the tax id did not change
    assert (fee.payer_name, standard.payer_name) == ("Cascade Health Plan", None)
    with transaction(sample_db, "tester") as s:
        assert practice.get_practice(s).phone == "5035550199"
        standard_fees = select(FeeSchedule.code, FeeSchedule.amount_cents).where(
            FeeSchedule.payer_id.is_(None)
        )
        amounts = dict(s.execute(standard_fees).all())
    assert amounts["97140"] == 4000
    with transaction(sample_db, "tester") as s, pytest.raises(ClinicbillError, match="already"):
        practice.record_practice(s, {"name": "Another"})


def test_an_ssn_tax_id_comes_back_with_its_note(sample_db):
    required, fields = practice.practice_field_rules()
    assert "name" in required and "tax_id" in fields
    with transaction(sample_db, "tester") as s:
        changed = practice.change_practice(s, {"tax_id": "123-45-6789"})
    assert "tax_id" in changed.changed
    assert changed.tax_id_note and "6789" in changed.tax_id_note


def test_authorization_recorded_and_listed_from_python(sample_db):
    today = date.today()
    values = {
        "number": "PA-1",
        "start_date": (today - timedelta(days=1)).isoformat(),
        "end_date": (today + timedelta(days=10)).isoformat(),
        "visits_authorized": "2",
        "units_authorized": None,
    }
    with transaction(sample_db, "tester") as s:
        policy_id = coverage.policy_id_of(s, "1")
        auth = coverage.record_authorization(s, policy_id, "97124", values)
        auth_id = auth.id
    with transaction(sample_db, "tester") as s:
        assert s.get(Authorization, auth_id).visits_authorized == 2
        found = coverage.list_authorizations(s, today, None, "1")
        expiring = coverage.list_authorizations(s, today, 30, None)
    assert [a.authorization_id for a in found] == [auth_id]
    assert auth_id in [a.authorization_id for a in expiring]  # 2 visits: nearly used up
    with transaction(sample_db, "tester") as s, pytest.raises(ClinicbillError, match="policy"):
        coverage.list_authorizations(s, today, None, "no-such-member")


def test_referral_and_verification_history_from_python(sample_db):
    today = date.today()
    values = {
        "first_name": "Helen",
        "last_name": "Park",
        "npi": "1679576722",
        "referral_date": today.isoformat(),
        "visits_ordered": "6",
        "expires_on": None,
    }
    with transaction(sample_db, "tester") as s:
        patient_id = coverage.patient_id_of(s, "P00001")
        added = coverage.record_referral(s, patient_id, None, values, ["M54.50"], "DN", None)
    assert added.patient_id == patient_id and added.referral.visits_ordered == 6
    note = {"method": "portal", "in_network": "yes", "verified_by": "tester"}
    with transaction(sample_db, "tester") as s:
        first = coverage.record_verification(s, "1", note, None, None, today).note.id
    with transaction(sample_db, "tester") as s:
        fix = coverage.record_verification(s, "1", note, str(first), None, today)
    assert fix.corrected == []  # a correction that changed nothing says so
    with transaction(sample_db, "tester") as s:
        history = coverage.list_verifications(s, "1", today)
    statuses = {row["id"]: row["status"] for row in history.rows}
    assert statuses[first] == f"corrected by {fix.note.id}"
    assert statuses[fix.note.id] == f"current; corrects {first}"
    assert history.policy_id == 1 and history.visits.plan_year_start is not None


def test_clearinghouse_connection_saved_and_shown_without_a_password(sample_db, tmp_path):
    key = tmp_path / "id_ed25519"
    key.write_text("not read here")
    with transaction(sample_db, "tester") as s, pytest.raises(ClinicbillError, match="clearing"):
        clearinghouse.show_connection(s)
    with transaction(sample_db, "tester") as s:
        saved = clearinghouse.save_connection(
            s,
            name="CH",
            host="sftp.example.test",
            username="willow",
            key_path=str(key),
            host_key="SHA256:" + "A" * 43,
        )
    with transaction(sample_db, "tester") as s:
        shown = clearinghouse.show_connection(s)
        assert s.execute(select(ClearinghouseSetting.username)).scalar() == "willow"
    assert shown == saved
    assert list(shown) == ["name", "host", "port", "user", "key", "host_key", "outbound", "inbound"]
    assert (shown["user"], shown["port"], shown["key"]) == ("willow", 22, str(key.resolve()))


def test_code_look_ups_and_units():
    assert codes.search_icd("M54.50", 5)[0]["code"] == "M54.50"
    rows = codes.search_cpt("97124")
    assert rows[0]["code"] == "97124" and rows[0]["hsa"] in ("yes", "no", "with LMN")
    result = codes.units_for({"97124": 38, "97140": 15}, parse.unit_rule("cms-8-minute"))
    assert result.total_units == 4 and result.total_minutes == 53  # 53-67 min: 4 units
    with pytest.raises(ClinicbillError, match="^rule: "):
        parse.unit_rule("round-up")


@given(st.lists(st.integers(min_value=0, max_value=1440), min_size=1, max_size=6))
def test_minutes_read_back_as_given(minutes):
    by_service = parse.minutes_by_service([str(m) for m in minutes])
    assert list(by_service.values()) == minutes
    assert list(by_service) == [f"service {n}" for n in range(1, len(minutes) + 1)]
    coded = parse.minutes_by_service([f"97124={m}" for m in minutes])
    assert sum(coded.values()) == sum(minutes) and len(coded) == len(minutes)


@pytest.mark.parametrize("bad", ["abc", "97124=", "97124=1441", "-5", "=x"])
def test_minutes_refused_naming_the_option(bad):
    with pytest.raises(ClinicbillError, match="^minutes: "):
        parse.minutes_by_service([bad])


def test_year_and_eob_line_options():
    assert parse.year(None) == date.today().year
    assert parse.year(2020) == 2020
    with pytest.raises(ClinicbillError):
        parse.year(1492)
    assert parse.eob_lines(None) == []
    (line,) = parse.eob_lines(["1 paid=57.60 CO-45=18 PR-2=14.40"])
    assert line.paid_cents == 5760
    with pytest.raises(ClinicbillError):
        parse.eob_lines(["1 paid=lots"])


def test_the_demo_patient_owes_nothing_before_any_session(sample_db):
    with transaction(sample_db, "tester") as s:
        assert payer_demo.patient_owes(s, "P00001") == 0
        with pytest.raises(ClinicbillError, match="patient"):
            payer_demo.patient_owes(s, "P99999")


def test_rows_pick_attributes_and_functions():
    class Line:
        code, amount_cents, note = "97124", 1250, None

    columns = {"code": "code", "amount": lambda x: x.amount_cents / 100, "note": "note"}
    assert pick(Line(), columns) == {"code": "97124", "amount": 12.5, "note": None}
    assert pick_rows([Line(), Line()], {"code": "code"}) == [{"code": "97124"}] * 2
    assert pick_rows([], columns) == []


@pytest.mark.parametrize("kind", ["verification", "referral", "authorization"])
def test_coverage_prompts_check_with_the_fields_the_domain_cleans(kind):
    required, fields = coverage.field_rules(kind)
    assert required and required <= set(fields)
    assert all(callable(clean) for clean in fields.values())


def test_unlikely_verification_values_are_named():
    assert coverage.verification_warnings({"visit_limit": "20", "visits_used": "3"}) == []
    (warning,) = coverage.verification_warnings({"visit_limit": "10", "visits_used": "12"})
    assert warning.startswith("visits-used: 12 used is more than the limit of 10")
