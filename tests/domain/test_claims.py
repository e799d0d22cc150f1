"""Building claims: which sessions bill, grouping, limits, control numbers, lifecycle."""

from __future__ import annotations

import threading
from datetime import date, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from clinicbill.domain.claims.build import (
    CLAIM_STATUSES,
    claim_history,
    create_claims,
    next_control_numbers,
    pages_for,
    record_status,
    select_encounters,
)
from clinicbill.domain.errors import ClinicbillError
from clinicbill.store.engine import transaction
from clinicbill.store.models import Claim, ClaimLine, ClaimStatusEvent, ServiceLine
from tests.claimkit import RECENT, bill, massage_lines
from tests.factories import make_encounter


@pytest.fixture
def session(sample_db):
    with transaction(sample_db, "tester") as s:
        yield s


def test_claim_from_signed_session_copies_lines_and_total(session):
    claim = bill(
        session,
        lines=[
            {"code": "97124", "charge_cents": 6500, "units": 2, "minutes": 30},
            {"code": "97140", "charge_cents": 3800, "modifiers": "59", "minutes": 15},
        ],
    )
    lines = session.execute(select(ClaimLine).where(ClaimLine.claim_id == claim.id)).scalars()
    assert [(cl.line_number, cl.charge_cents) for cl in lines] == [(1, 6500), (2, 3800)]
    assert claim.total_cents == 10300 and claim.status == "draft"
    assert claim.payer_id == 2 and claim.priority == "primary" and claim.frequency == "1"
    assert len(claim.patient_control_number) <= 20
    assert [e.status for e in claim_history(session, claim.id)] == ["draft"]


def test_unsigned_session_refused_with_hint_to_sign(session):
    visit = make_encounter(session, 1, 1, RECENT, massage_lines(1), policy_id=1, signed=False)
    with pytest.raises(ClinicbillError) as exc:
        select_encounters(session, encounter_ids=[visit.id])
    assert "not signed" in exc.value.message
    assert f"session sign {visit.id}" in exc.value.hint


def test_void_and_self_pay_sessions_never_bill(session):
    void = make_encounter(session, 1, 1, RECENT, massage_lines(1), policy_id=1)
    void.status = "void"
    self_pay = make_encounter(session, 6, 1, RECENT, massage_lines(1), policy_id=None)
    for visit in (void, self_pay):
        with pytest.raises(ClinicbillError):
            select_encounters(session, encounter_ids=[visit.id])
    chosen, skipped = select_encounters(session, everything=True)
    assert chosen == []
    assert skipped == []  # a range passes over void and self-pay sessions silently


def test_range_skips_unsigned_and_says_why(session):
    make_encounter(session, 1, 1, RECENT, massage_lines(1), policy_id=1, signed=False)
    signed = make_encounter(session, 1, 1, RECENT - timedelta(days=1), massage_lines(1), 1)
    chosen, skipped = select_encounters(session, patient_id=1)
    assert [e.id for e in chosen] == [signed.id]
    assert len(skipped) == 1 and "not signed" in skipped[0]


def test_billed_lines_are_not_billed_twice_until_the_claim_is_voided(session):
    claim = bill(session)
    visit_id = session.execute(select(ClaimLine.service_line_id)).scalar()
    encounters, _ = select_encounters(session, everything=True)
    with pytest.raises(ClinicbillError) as exc:
        create_claims(session, encounters)
    assert "already billed" in exc.value.message
    record_status(session, claim, "void", date.today())
    again = create_claims(session, encounters)
    assert len(again.claims) == 1 and visit_id


def test_groups_by_patient_policy_and_provider(session):
    a = make_encounter(session, 1, 1, RECENT - timedelta(days=7), massage_lines(1), 1)
    b = make_encounter(session, 1, 1, RECENT, massage_lines(1), 1)
    c = make_encounter(session, 1, 2, RECENT, [{"code": "97810", "charge_cents": 7500}], 1)
    d = make_encounter(session, 7, 1, RECENT, massage_lines(1), 7)
    result = create_claims(session, [a, b, c, d])
    shapes = sorted(
        (cl.patient_id, cl.provider_id, cl.from_date, cl.to_date) for cl in result.claims
    )
    assert shapes == [
        (1, 1, a.service_date, b.service_date),
        (1, 2, RECENT, RECENT),
        (7, 1, RECENT, RECENT),
    ]


def test_more_than_50_lines_continue_on_another_claim(session):
    lines = [{"code": "97124", "charge_cents": 100 + i, "modifiers": f"{i:02d}"} for i in range(51)]
    visit = make_encounter(session, 1, 1, RECENT, lines, 1)
    result = create_claims(session, [visit])
    counts = [
        len(session.execute(select(ClaimLine).where(ClaimLine.claim_id == c.id)).all())
        for c in result.claims
    ]
    assert counts == [50, 1]
    assert sum(c.total_cents for c in result.claims) == sum(100 + i for i in range(51))


def test_more_than_12_diagnoses_start_a_new_claim(session):
    codes = ["M54.50", "M62.830", "M54.2", "M54.6", "M25.511", "M25.512", "M79.18"]
    more = ["M54.51", "M54.59", "M62.838", "M79.7", "G44.209", "M53.3"]
    a = make_encounter(session, 1, 1, RECENT - timedelta(days=2), massage_lines(1), 1, tuple(codes))
    b = make_encounter(session, 1, 1, RECENT, massage_lines(1), 1, tuple(more))
    result = create_claims(session, [a, b])
    assert len(result.claims) == 2


def test_patient_control_numbers_unique_and_short(session):
    claims = [bill(session, day=RECENT - timedelta(days=i)) for i in range(3)]
    numbers = [c.patient_control_number for c in claims]
    assert len(set(numbers)) == 3 and all(len(n) <= 20 and n.isalnum() for n in numbers)


def test_record_status_validates_and_appends_dated_history(session):
    claim = bill(session)
    record_status(session, claim, "submitted", date(2026, 1, 5), "clearinghouse")
    assert claim.status == "submitted" and claim.first_billed_on == date(2026, 1, 5)
    record_status(session, claim, "paid", date(2026, 2, 1))
    assert claim.first_billed_on == date(2026, 1, 5)
    events = session.execute(
        select(ClaimStatusEvent)
        .where(ClaimStatusEvent.claim_id == claim.id)
        .order_by(ClaimStatusEvent.id)
    ).scalars()
    assert [(e.status, e.user) for e in events][-2:] == [
        ("submitted", "tester"),
        ("paid", "tester"),
    ]
    with pytest.raises(ClinicbillError) as exc:
        record_status(session, claim, "lost", date.today())
    assert "partially-paid" in exc.value.hint
    assert claim.status == "paid" and "partially-paid" in CLAIM_STATUSES


def test_cms1500_pages_six_lines_each():
    assert [pages_for(n) for n in (1, 6, 7, 12, 13, 50)] == [1, 1, 2, 2, 3, 9]


def test_control_numbers_increase_and_never_repeat(session):
    first = next_control_numbers(session, "x12_interchange")
    block = next_control_numbers(session, "x12_interchange", 3)
    assert list(first) == [1] and list(block) == [2, 3, 4]


def test_control_numbers_unique_across_concurrent_transactions(sample_db):
    seen: list[int] = []
    lock = threading.Lock()

    def worker():
        for _ in range(5):
            with transaction(sample_db, "tester") as s:
                number = next_control_numbers(s, "x12_interchange")[0]
            with lock:
                seen.append(number)

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(seen) == list(range(1, 21))


def test_claim_rows_only_for_policy_patients(session):
    bill(session, patient_id=3, policy_id=4)
    claim = session.execute(select(Claim)).scalar()
    assert claim.patient_id == 3 and claim.policy_id == 4


@settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    visits=st.lists(
        st.tuples(
            st.integers(min_value=1, max_value=30),  # lines in the session
            st.integers(min_value=1, max_value=5),  # diagnoses
            st.sampled_from([(1, 1), (3, 4), (7, 7)]),  # patient, policy
            st.integers(min_value=0, max_value=20),  # days ago
        ),
        min_size=1,
        max_size=6,
    )
)
def test_grouping_bills_every_line_once_within_the_limits(session, visits):
    codes = ["M54.50", "M62.830", "M54.2", "M54.6", "M25.511", "M79.18", "M54.51", "M53.3"]
    encounters = []
    for n, (line_count, dx_count, (patient, policy), ago) in enumerate(visits):
        lines = [
            {"code": "97124", "charge_cents": 100 + i, "modifiers": f"{i:02d}"}
            for i in range(line_count)
        ]
        dx = tuple(codes[(n + k) % len(codes)] for k in range(dx_count))
        day = RECENT - timedelta(days=ago)
        encounters.append(make_encounter(session, patient, 1, day, lines, policy, dx))
    claims = create_claims(session, encounters).claims
    billed = []
    for claim in claims:
        rows = session.execute(select(ClaimLine).where(ClaimLine.claim_id == claim.id)).scalars()
        rows = list(rows)
        assert 1 <= len(rows) <= 50
        assert claim.total_cents == sum(r.charge_cents for r in rows)
        assert [r.line_number for r in rows] == list(range(1, len(rows) + 1))
        billed += [r.service_line_id for r in rows]
        from clinicbill.domain.claims.snapshot_load import load_snapshot

        assert len(load_snapshot(session, claim.id).diagnoses) <= 12
    expected = [
        line.id
        for e in encounters
        for line in session.execute(
            select(ServiceLine).where(ServiceLine.encounter_id == e.id)
        ).scalars()
    ]
    assert sorted(billed) == sorted(expected)  # every line exactly once
