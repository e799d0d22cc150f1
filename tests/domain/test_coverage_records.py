"""Verification notes (append-only), authorizations and referrals: validation and status."""

from __future__ import annotations

import inspect
from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import func, select

from clinicbill.domain.coverage import verification
from clinicbill.domain.coverage.authorizations import (
    add_authorization,
    add_referral,
    authorizations_status,
    procedure_codes,
)
from clinicbill.domain.coverage.verification import (
    add_verification,
    allowance,
    applicable_note,
    history,
    plan_year,
)
from clinicbill.domain.errors import ClinicbillError
from clinicbill.domain.practice.lookup import find_patient, find_policy
from clinicbill.store.engine import transaction
from clinicbill.store.models import AuditLog, Verification
from tests.factories import make_encounter


@pytest.fixture
def s(sample_db):
    with transaction(sample_db, "tester") as session:
        yield session


def note(s, policy_id=1, **values):
    values.setdefault("method", "phone")
    values.setdefault("verified_by", "dana")
    return add_verification(s, find_policy(s, policy_id), **values)


# --- append-only --------------------------------------------------------------------------


def test_no_domain_function_edits_or_deletes_a_note():
    public = [name for name, obj in inspect.getmembers(verification, inspect.isfunction)]
    assert "add_verification" in public
    assert not [n for n in public if any(w in n for w in ("edit", "delete", "update", "remove"))]


def test_changing_or_deleting_a_stored_note_is_refused_and_rolled_back(sample_db):
    with transaction(sample_db, "tester") as s:
        first = note(s, verified_at="2026-02-01", visit_limit="20", copay="25").id
    with pytest.raises(ClinicbillError, match="cannot be changed or deleted"):
        with transaction(sample_db, "tester") as s:
            s.get(Verification, first).visit_limit = 30
    with pytest.raises(ClinicbillError, match="cannot be changed or deleted"):
        with transaction(sample_db, "tester") as s:
            s.delete(s.get(Verification, first))
            s.flush()
    with transaction(sample_db, "tester") as s:
        kept = s.get(Verification, first)
        assert (kept.visit_limit, kept.copay_cents) == (20, 2500)
        actions = s.execute(
            select(AuditLog.action).where(AuditLog.entity == "verification")
        ).scalars()
        assert list(actions) == ["insert"]


def test_a_correction_is_a_new_note_that_becomes_current(s):
    first = note(s, verified_at="2026-02-01", visit_limit="20")
    later = note(s, verified_at="2026-03-01", visit_limit="20", visits_used="4")
    fixed = note(s, corrects_id=first.id, visit_limit="24")
    assert fixed.corrects_id == first.id
    assert fixed.verified_at == first.verified_at  # it speaks for the call it corrects
    assert first.visit_limit == 20  # untouched
    notes = history(s, 1)
    assert [n.id for n in notes] == [first.id, fixed.id, later.id]
    assert applicable_note(notes, date(2026, 3, 10)).id == later.id
    fix_later = note(s, corrects_id=later.id, visit_limit="30", verified_at="2026-03-02")
    assert applicable_note(history(s, 1), date(2026, 3, 10)).id == fix_later.id


def test_a_correction_must_be_of_the_same_policy(s):
    other = note(s, policy_id=4, verified_at="2026-02-01")
    with pytest.raises(ClinicbillError, match="not a verification of policy 1"):
        note(s, corrects_id=other.id)


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"method": "fax"}, "method: 'fax' is not accepted"),
        ({"coinsurance": "150"}, "coinsurance: 150 is more than 100"),
        ({"deductible": "500", "deductible_met": "600"}, "deductible-met: $600.00 is more"),
        ({"oop_max": "1000", "oop_met": "1000.01"}, "oop-met: $1,000.01 is more"),
        ({"copay": "-5"}, "copay: '-5' is negative"),
        ({"in_network": "maybe"}, "in-network: 'maybe' is not yes or no"),
        ({"plan_year_start": "2026-02-30"}, "plan-year-start: '2026-02-30' is not a date"),
        ({"verified_at": "2099-01-01"}, "verified-at: 2099-01-01 is in the future"),
        ({"verified_at": "2026-03-01", "reverify_by": "2026-02-01"}, "reverify-by: 2026-02-01"),
        ({"notes": "a\x00b"}, "notes: contains control characters"),
        ({"corrects_id": "x"}, "corrects: 'x' is not a verification"),
    ],
)
def test_invalid_notes_are_refused(s, values, message):
    with pytest.raises(ClinicbillError, match=message.replace("$", r"\$").replace("(", r"\(")):
        note(s, **values)
    assert s.execute(select(func.count(Verification.id))).scalar() == 0


def test_multi_line_notes_and_money_are_kept(s):
    row = note(s, notes="line one\nline two", deductible="$1,000.50", coinsurance="20")
    assert row.notes == "line one\nline two"
    assert (row.deductible_cents, row.coinsurance_pct) == (100050, 20)


# --- plan years (pure) ----------------------------------------------------------------------


@given(
    on=st.dates(min_value=date(2000, 1, 1), max_value=date(2100, 12, 31)),
    start=st.none() | st.dates(min_value=date(2000, 1, 1), max_value=date(2100, 12, 31)),
)
def test_plan_year_contains_the_date_and_lasts_a_year(on, start):
    begin, end = plan_year(on, start)
    assert begin <= on <= end
    assert 364 <= (end - begin).days <= 365
    if start is None:
        assert (begin.month, begin.day) == (1, 1)
    elif (start.month, start.day) != (2, 29):
        assert (begin.month, begin.day) == (start.month, start.day)
    assert plan_year(end + timedelta(days=1), start)[0] == end + timedelta(days=1)


@given(
    practice=st.integers(0, 60),
    payer=st.none() | st.integers(0, 60),
    limit=st.integers(1, 60),
)
def test_allowance_is_limit_minus_the_larger_count(practice, payer, limit):
    row = Verification(
        policy_id=1,
        method="phone",
        verified_by="x",
        verified_at=verification.parse_verified_at("2026-02-01"),
        plan_year_start=date(2026, 1, 1),
        visit_limit=limit,
        visits_used_reported=payer,
    )
    got = allowance(row, date(2026, 5, 1), practice, None)
    assert got.remaining == limit - max(practice, payer or 0)
    assert got.payer == payer
    assert allowance(row, date(2027, 5, 1), practice, None).payer is None


# --- authorizations ---------------------------------------------------------------------------


def auth(s, number, start, end, policy_id=1, **values):
    return add_authorization(
        s, find_policy(s, policy_id), number=number, start_date=start, end_date=end, **values
    )


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("A", "2026-05-01", "2026-04-01"), "end: 2026-04-01 is before start 2026-05-01"),
        (("A", "2026-05-01", "2026-06-01"), "visits: a value is required"),
        (("A", "2026-05-01", "2026-06-01", {"visits_authorized": "0"}), "0 is not accepted"),
        (("A", "2026-05-01", "2026-06-01", {"visits_authorized": "x"}), "not a whole number"),
        (("A", "2026-05-01", "2026-06-01", {"units_authorized": "4", "codes": "9712"}), "9712"),
        (("", "2026-05-01", "2026-06-01", {"units_authorized": "4"}), "number: a value"),
    ],
)
def test_invalid_authorizations_are_refused(s, args, message):
    number, start, end, *extra = args
    with pytest.raises(ClinicbillError, match=message):
        auth(s, number, start, end, **(extra[0] if extra else {}))


def test_duplicate_auth_number_on_a_policy_is_refused(s):
    auth(s, "pa-1", "2026-01-01", "2026-03-31", visits_authorized="4")
    with pytest.raises(ClinicbillError, match="PA-1 is already authorization"):
        auth(s, "PA-1", "2026-04-01", "2026-06-30", visits_authorized="4")
    assert auth(s, "PA-1", "2026-04-01", "2026-06-30", policy_id=4, visits_authorized="4").id


def test_codes_are_normalised():
    assert procedure_codes("97124, 97140,97124,,g0283") == ("97124", "97140", "G0283")


def test_status_flags_expiry_and_exhaustion(s):
    on = date(2026, 6, 1)
    soon = auth(s, "SOON", "2026-01-01", "2026-06-20", visits_authorized="10")
    low = auth(s, "LOW", "2026-01-01", "2026-12-31", visits_authorized="4")
    done = auth(s, "DONE", "2026-01-01", "2026-12-31", visits_authorized="1")
    units = auth(s, "UNITS", "2026-01-01", "2026-12-31", units_authorized="10", codes="97124")
    auth(s, "OLD", "2025-01-01", "2025-12-31", visits_authorized="10")
    fine = auth(s, "FINE", "2026-01-01", "2026-12-31", visits_authorized="20")
    for day, link in ((2, low), (3, low), (4, done), (5, units), (6, units)):
        enc = make_encounter(
            s, 1, 1, date(2026, 5, day), [{"code": "97124", "charge_cents": 1, "units": 3}], 1
        )
        enc.authorization_id = link.id
    voided = make_encounter(s, 1, 1, date(2026, 5, 7), [{"code": "97124", "charge_cents": 1}], 1)
    voided.authorization_id, voided.status = low.id, "void"
    s.flush()
    rows = {r.number: r for r in authorizations_status(s, on, None)}
    assert rows["SOON"].flags == ("expiring",)  # 19 days left, inside the default 30
    assert rows["LOW"].visits_used == 2 and rows["LOW"].visits_remaining == 2
    assert rows["LOW"].flags == ("nearly-exhausted",)
    assert rows["DONE"].flags == ("exhausted",)
    assert (rows["UNITS"].units_used, rows["UNITS"].units_remaining) == (6, 4)
    assert rows["UNITS"].flags == ("nearly-exhausted",)  # 4 units < 2 visits x 3 units
    assert rows["OLD"].flags == ("expired",) and rows["FINE"].flags == ()
    expiring = [r.number for r in authorizations_status(s, on, 30)]
    assert expiring == ["SOON", "LOW", "DONE", "UNITS"]
    assert [r.number for r in authorizations_status(s, on, 10)] == ["LOW", "DONE", "UNITS"]
    assert soon.id and fine.id


# --- referrals --------------------------------------------------------------------------------


def referral(s, patient="P00001", **values):
    base = {
        "first_name": "Helen",
        "last_name": "Park",
        "npi": "1679576722",
        "referral_date": "2026-02-01",
    }
    return add_referral(s, find_patient(s, patient), **{**base, **values})


def test_referral_diagnoses_are_checked_on_the_referral_date(s):
    row = referral(s, diagnoses=["m5450", "M62.830", "M54.50"], qualifier="dk")
    assert row.diagnoses == "M54.50,M62.830" and row.qualifier == "DK"
    with pytest.raises(ClinicbillError) as refused:
        referral(s, diagnoses=["M54.5"])
    assert "M54.50" in refused.value.hint and refused.value.message.startswith("dx: M54.5")


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"npi": "1234567890"}, "npi: '1234567890' is not a valid NPI"),
        ({"qualifier": "DQ"}, "qualifier: 'DQ' is not accepted"),
        ({"referral_date": "2099-01-01"}, "referral-date: 2099-01-01 is in the future"),
        ({"expires_on": "2026-01-01"}, "expires: 2026-01-01 is before the referral date"),
        ({"visits_ordered": "0"}, "visits-ordered: 0 is not accepted"),
        ({"last_name": ""}, "last-name: a value is required"),
    ],
)
def test_invalid_referrals_are_refused(s, values, message):
    with pytest.raises(ClinicbillError, match=message):
        referral(s, **values)


def test_referral_for_another_patients_policy_is_refused(s):
    with pytest.raises(ClinicbillError, match="policy: 4 is not patient 1's policy"):
        referral(s, policy=find_policy(s, 4))


def test_status_on_a_past_date_reproduces_that_day(s):
    from clinicbill.domain.coverage.visits import policy_visit_status

    pa = auth(s, "PAST", "2026-01-01", "2026-12-31", visits_authorized="5")
    for day in (date(2026, 3, 1), date(2026, 5, 1)):
        enc = make_encounter(s, 1, 1, day, [{"code": "97124", "charge_cents": 1}], 1)
        enc.authorization_id = pa.id
    note(s, verified_at="2026-02-01", plan_year_start="2026-01-01", visit_limit="10")
    note(s, verified_at="2026-04-15", plan_year_start="2026-01-01", visit_limit="30")
    s.flush()
    march = authorizations_status(s, date(2026, 3, 31), None)[0]
    assert (march.visits_used, march.visits_remaining) == (1, 4)
    assert authorizations_status(s, date(2026, 6, 1), None)[0].visits_used == 2
    then = policy_visit_status(s, 1, date(2026, 3, 31))
    assert (then.visit_limit, then.visits_used_practice, then.visits_remaining) == (10, 1, 9)
    later = policy_visit_status(s, 1, date(2026, 6, 1))
    assert (later.visit_limit, later.visits_used_practice, later.visits_remaining) == (30, 2, 28)
