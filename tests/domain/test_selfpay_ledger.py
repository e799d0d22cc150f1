"""Memberships, payment plans and sliding-scale tiers under random sequences of enrolments,
pauses, resumes, cancellations, billing runs, tier assignments, member visits, payment plans
and payments.

After every operation (accepted or refused):
- each member is charged at most once per period, never for a period that starts while
  paused or after cancellation, and after a billing run every billable period started by its
  date is charged;
- the ledger identity holds on every line (charge = insurance paid + patient paid +
  adjustments + balance, balance >= 0), with the checks of tests/domain/test_ledger_invariant.py.
"""

from __future__ import annotations

from collections import Counter
from datetime import date, timedelta

from hypothesis import HealthCheck, event, example, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from clinicbill.app.selfpay import bill_new_session, billing_run
from clinicbill.domain.errors import ClinicbillError
from clinicbill.domain.ledger.payments import add_patient_payment
from clinicbill.domain.practice.lookup import find_patient
from clinicbill.domain.selfpay import memberships as m
from clinicbill.domain.selfpay.payment_plans import add_plan as add_payment_plan
from clinicbill.domain.selfpay.payment_plans import installment_states
from clinicbill.domain.selfpay.periods import periods_until
from clinicbill.domain.selfpay.tiers import add_tier, assign
from clinicbill.store.engine import transaction
from clinicbill.store.models import (
    Membership,
    MembershipCharge,
    MembershipPlan,
    ServiceLine,
)
from tests.domain.test_ledger_invariant import check_invariant
from tests.factories import make_encounter

DAY0 = date(2026, 1, 1)
PATIENTS = ("P00006", "P00008")
days = st.integers(0, 400)
operations = st.lists(
    st.one_of(
        st.tuples(st.just("enroll"), st.integers(0, 1), st.integers(0, 1), days),
        st.tuples(st.just("pause"), st.integers(0, 1), days),
        st.tuples(st.just("resume"), st.integers(0, 1), days),
        st.tuples(st.just("cancel"), st.integers(0, 1), days),
        st.tuples(st.just("run"), days),
        st.tuples(st.just("visit"), st.integers(0, 1), days, st.integers(5000, 15000)),
        st.tuples(st.just("plan"), st.integers(0, 1), st.integers(1, 40_000), st.integers(1, 6)),
        st.tuples(st.just("pay"), st.integers(0, 1), st.integers(1, 30_000)),
        st.tuples(st.just("tier"), st.integers(0, 1), st.sampled_from([None, 0, 1]), days),
    ),
    max_size=14,
)


def _day(offset: int) -> date:
    return DAY0 + timedelta(days=offset)


def check_charges(session, ran_until: date | None):
    """Each (member, period) charged at most once, only for billable periods, and (right after
    a billing run) every billable period started by the run's date is charged."""
    charges = session.execute(
        select(MembershipCharge.membership_id, MembershipCharge.period_start)
    ).all()
    counts = Counter(charges)
    assert all(n == 1 for n in counts.values()), counts
    lines = session.execute(
        select(func.count(ServiceLine.id)).where(ServiceLine.code == "MEMBERSHIP")
    ).scalar()
    assert lines == len(charges)
    rows = session.execute(
        select(Membership, MembershipPlan).join(
            MembershipPlan, MembershipPlan.id == Membership.plan_id
        )
    ).all()
    paused = m.pauses(session, [x.id for x, _p in rows])
    for membership, plan in rows:
        mine = {s for mid, s in charges if mid == membership.id}
        for start in mine:
            assert m.billable(membership, paused.get(membership.id, []), start), start
        if ran_until is None:
            continue
        expected = {
            s
            for _i, s, _e in periods_until(membership.start_on, plan.period, ran_until)
            if m.billable(membership, paused.get(membership.id, []), s)
        }
        assert expected <= mine, (expected - mine, membership.id)


@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@example(ops=[("enroll", 0, 0, 0), ("pause", 0, 40), ("run", 120), ("resume", 0, 70), ("run", 130)])
@example(ops=[("enroll", 1, 1, 5), ("visit", 1, 6, 9000), ("cancel", 0, 95), ("run", 300)])
@example(ops=[("tier", 0, 1, 0), ("enroll", 0, 0, 0), ("visit", 0, 3, 9000), ("visit", 0, 4, 9999)])
@given(ops=operations)
def test_members_are_charged_once_per_billable_period_and_the_ledger_balances(sample_db, ops):
    with transaction(sample_db, "tester") as session:
        example = session.begin_nested()
        plans = [
            m.add_plan(session, "Monthly", 9900, "monthly", visits=1, member_rate_cents=7000),
            m.add_plan(session, "Quarterly", 25000, "quarterly", visits=2, rollover=True),
        ]
        patients = [find_patient(session, p) for p in PATIENTS]
        tiers = [
            add_tier(session, "Tier A", 3333),
            add_tier(session, "Tier B", 1000, [("97124", 2000)]),
        ]
        members: list[Membership] = []
        for op in ops:
            step = session.begin_nested()
            try:
                _run(session, op, plans, patients, members, tiers)
            except ClinicbillError:
                step.rollback()
                event(f"{op[0]} refused")
            else:
                step.commit()
                event(f"{op[0]} done")
            check_charges(session, _day(op[1]) if op[0] == "run" else None)
            for patient in patients:
                check_invariant(session, patient.id)
            for item in installment_states(session, _day(400)):
                assert 0 <= item.paid_cents <= item.amount_cents
        example.rollback()


def _run(session, op, plans, patients, members, tiers):
    kind = op[0]
    if kind == "enroll":
        membership = m.enroll(session, patients[op[1]], plans[op[2]], _day(op[3]))
        members.append(membership)
    elif kind in ("pause", "resume", "cancel"):
        if op[1] >= len(members):
            return
        getattr(m, kind)(session, members[op[1]], _day(op[2]))
    elif kind == "run":
        billing_run(session, _day(op[1]), "tester")
    elif kind == "visit":
        patient = patients[op[1]]
        visit = make_encounter(
            session, patient.id, 1, _day(op[2]), [{"code": "97124", "charge_cents": op[3]}]
        )
        bill_new_session(session, visit)
    elif kind == "tier":
        tier = None if op[2] is None else tiers[op[2]]
        assign(session, patients[op[1]], tier, _day(op[3]), _day(op[3]), None)
    elif kind == "plan":
        add_payment_plan(session, patients[op[1]], op[2], op[3], _day(30), "month", _day(0))
    else:
        add_patient_payment(session, patients[op[1]], op[2], "card", received_on=_day(400))
