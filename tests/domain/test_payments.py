"""Patient payments, allocation to the oldest open balance, credits, write-offs, refunds,
packages and memberships."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from clinicbill.domain.errors import ClinicbillError
from clinicbill.domain.ledger import balances as ledger
from clinicbill.domain.ledger.package_draws import draw_from_package
from clinicbill.domain.ledger.packages import add_package, package_statuses
from clinicbill.domain.ledger.payments import (
    add_adjustment,
    add_patient_payment,
    add_refund,
    apply_credit,
    free_credit,
)
from clinicbill.domain.practice.lookup import find_patient
from clinicbill.domain.remittance.match import load_billed_claims
from clinicbill.domain.remittance.posting import post_remittance
from clinicbill.formats.x12_835_write import Outcome, advice_for, claim_payment
from clinicbill.store.engine import transaction
from clinicbill.store.models import Encounter, LedgerEntry, Payment, ServiceLine
from tests.factories import make_encounter
from tests.remittance_factories import make_claim

ON = date(2026, 3, 1)


@pytest.fixture
def s(sample_db):
    with transaction(sample_db, "tester") as session:
        yield session


@pytest.fixture
def chen(s):
    return find_patient(s, "P00001")


@pytest.fixture
def haddad(s):
    return find_patient(s, "P00006")  # self-pay


def adjudicated_claim(s, day: int, coinsurance=20):
    """A claim the payer answered: the patient owes the coinsurance."""
    claim = make_claim(s, [{"code": "97140", "charge_cents": 10000}], date(2026, 1, day))
    billed = load_billed_claims(s, ids=[claim.id])[claim.id]
    cp = claim_payment(billed, Outcome(coinsurance_percent=coinsurance))
    post_remittance(s, advice_for([cp], trace_number=f"T{day}", payment_date=date(2026, 2, 1)))
    return ledger.line_details(s, claim_id=claim.id)[0]


def self_pay_visit(s, patient, day: int, charge=9000):
    encounter = make_encounter(
        s, patient.id, 1, date(2026, 1, day), [{"code": "97124", "charge_cents": charge}]
    )
    return encounter


def test_payment_goes_to_the_oldest_open_patient_balance_then_credit(s, chen):
    newer = adjudicated_claim(s, 20)  # patient owes 16.00 each (20% of 80.00)
    older = adjudicated_claim(s, 6)
    assert (older.patient_due, newer.patient_due) == (1600, 1600)
    result = add_patient_payment(s, chen, 2000, "card", ON, reference="4417")
    assert [(a.service_line_id, a.amount_cents) for a in result.applied] == [
        (older.service_line_id, 1600),
        (newer.service_line_id, 400),
    ]
    assert result.credit_cents == 0
    over = add_patient_payment(s, chen, 5000, "cash", ON)
    assert over.applied_cents == 1200
    assert over.credit_cents == 3800 == ledger.patient_credit(s, chen.id)
    assert all(x.balance == 0 for x in ledger.line_details(s, patient_id=chen.id))


def test_insured_balance_not_yet_answered_is_not_taken_without_session(s, chen):
    claim = make_claim(s, [{"code": "97140", "charge_cents": 10000}])
    line = ledger.line_details(s, claim_id=claim.id)[0]
    assert (line.insurance_due, line.patient_due) == (10000, 0)
    result = add_patient_payment(s, chen, 2500, "card", ON)
    assert result.applied == () and result.credit_cents == 2500
    # a copay at check-in is applied to the session when it is named
    copay = add_patient_payment(s, chen, 2500, "card", ON, encounter_id=line.encounter_id)
    assert copay.applied_cents == 2500
    assert ledger.line_details(s, claim_id=claim.id)[0].balance == 7500


def test_apply_credit_later_and_refund(s, chen):
    add_patient_payment(s, chen, 3000, "check", ON)
    assert free_credit(s, chen.id) == 3000
    line = adjudicated_claim(s, 6)
    result = apply_credit(s, chen, ON)
    assert result.applied_cents == 1600 and result.credit_cents == 1400
    assert ledger.line_details(s, claim_id=None, patient_id=chen.id)[0].balance == 0
    assert line.patient_due == 1600
    with pytest.raises(ClinicbillError, match=r"more than the patient's credit \$14.00"):
        add_refund(s, chen, 1401, "check", ON)
    refund = add_refund(s, chen, 1400, "check", ON, reference="1043")
    assert refund.kind == "refund" and refund.amount_cents == 1400
    assert ledger.patient_credit(s, chen.id) == 0
    assert free_credit(s, chen.id) == 0
    nothing = apply_credit(s, chen, ON)  # nothing to apply is not an error
    assert nothing.applied == () and nothing.credit_cents == 0
    # aging's all-patients credit query agrees with the one-patient function
    rows = dict(s.execute(ledger.patient_credits_query()).all())
    assert rows[chen.id] == 0


def test_write_offs(s, haddad):
    visit = self_pay_visit(s, haddad, 10)
    add_patient_payment(s, haddad, 8550, "cash", ON)
    applied = add_adjustment(s, haddad, 450, "small-balance", ON, note="left after payment")
    assert [a.amount_cents for a in applied] == [450]
    entry = s.execute(select(LedgerEntry).where(LedgerEntry.kind == "adjustment")).scalar_one()
    assert (entry.reason_code, entry.note) == ("small-balance", "left after payment")
    assert ledger.line_details(s, encounter_id=visit.id)[0].balance == 0
    with pytest.raises(ClinicbillError, match="more than the open balance"):
        add_adjustment(s, haddad, 1, "courtesy", ON)
    with pytest.raises(ClinicbillError, match="is not an adjustment reason"):
        add_adjustment(s, haddad, 1, "because", ON)


def test_adjust_one_line_of_another_patient_is_refused(s, chen, haddad):
    visit = self_pay_visit(s, haddad, 10)
    line_id = ledger.line_details(s, encounter_id=visit.id)[0].service_line_id
    with pytest.raises(ClinicbillError, match="is not a service line of patient"):
        add_adjustment(s, chen, 100, "courtesy", ON, service_line_id=line_id)
    add_adjustment(s, haddad, 100, "courtesy", ON, service_line_id=line_id)
    assert ledger.line_details(s, encounter_id=visit.id)[0].adjusted == 100


def test_session_of_another_patient_refused(s, chen, haddad):
    visit = self_pay_visit(s, haddad, 10)
    with pytest.raises(ClinicbillError, match="is not a session of patient"):
        add_patient_payment(s, chen, 100, "cash", ON, encounter_id=visit.id)


@pytest.mark.parametrize("method", ["bitcoin", "", None])
def test_payment_method_refused(s, chen, method):
    count = s.execute(select(func.count(Payment.id))).scalar()
    with pytest.raises(ClinicbillError, match="method"):
        add_patient_payment(s, chen, 100, method, ON)
    assert s.execute(select(func.count(Payment.id))).scalar() == count


def test_package_of_ten_drawn_down_exactly(s, haddad):
    package = add_package(s, haddad, "10 massages", 85000, "card", visits=10, purchased_on=ON)
    assert ledger.patient_credit(s, haddad.id) == 85000
    assert free_credit(s, haddad.id) == 0  # prepaid money stays with the package
    visits = [self_pay_visit(s, haddad, day, 10000) for day in range(1, 11)]
    for visit in visits:
        applied = draw_from_package(s, visit, package)
        assert sum(a.amount_cents for a in applied) == 8500
        line = ledger.line_details(s, encounter_id=visit.id)[0]
        assert (line.patient_paid, line.adjusted, line.balance) == (8500, 1500, 0)
    (status,) = package_statuses(s, haddad.id)
    assert (status.visits_used, status.visits_left, status.value_left_cents) == (10, 0, 0)
    assert ledger.patient_credit(s, haddad.id) == 0
    extra = self_pay_visit(s, haddad, 20)
    with pytest.raises(ClinicbillError, match="has no visits left"):
        draw_from_package(s, extra, package)


def test_package_price_not_divisible_puts_the_remainder_on_the_last_visit(s, haddad):
    package = add_package(s, haddad, "3 for 100", 10000, "cash", visits=3, purchased_on=ON)
    amounts = []
    for day in (1, 2, 3):
        visit = self_pay_visit(s, haddad, day, 9000)
        amounts.append(sum(a.amount_cents for a in draw_from_package(s, visit, package)))
    assert amounts == [3333, 3333, 3334]
    assert package_statuses(s, haddad.id)[0].value_left_cents == 0


def test_membership_covers_sessions_until_it_expires(s, haddad):
    package = add_package(
        s, haddad, "March membership", 8000, "card", purchased_on=ON, expires_on=date(2026, 3, 31)
    )
    first = make_encounter(
        s, haddad.id, 1, date(2026, 3, 3), [{"code": "97124", "charge_cents": 9000}]
    )
    second = make_encounter(
        s, haddad.id, 1, date(2026, 3, 17), [{"code": "97124", "charge_cents": 9000}]
    )
    assert sum(a.amount_cents for a in draw_from_package(s, first, package)) == 8000
    assert draw_from_package(s, second, package) == ()
    for visit in (first, second):
        assert ledger.line_details(s, encounter_id=visit.id)[0].balance == 0
    late = make_encounter(
        s, haddad.id, 1, date(2026, 4, 2), [{"code": "97124", "charge_cents": 9000}]
    )
    with pytest.raises(ClinicbillError, match="expired on 2026-03-31"):
        draw_from_package(s, late, package)
    assert s.get(Encounter, first.id).package_id == package.id


def test_package_refusals(s, haddad, chen):
    package = add_package(s, haddad, "5 visits", 40000, "card", visits=5, purchased_on=ON)
    visit = self_pay_visit(s, haddad, 5)
    draw_from_package(s, visit, package)
    with pytest.raises(ClinicbillError, match="already drew"):
        draw_from_package(s, visit, package)
    insured = make_claim(s, [{"code": "97140", "charge_cents": 9000}])
    insured_visit = s.get(Encounter, ledger.line_details(s, claim_id=insured.id)[0].encounter_id)
    with pytest.raises(ClinicbillError, match="belongs to another patient"):
        draw_from_package(s, insured_visit, package)
    mine = add_package(s, chen, "chen", 1000, "card", visits=1, purchased_on=ON)
    with pytest.raises(ClinicbillError, match="billed to insurance"):
        draw_from_package(s, insured_visit, mine)
    for bad in (
        dict(name="", price_cents=100),
        dict(name="x", price_cents=0),
        dict(name="x", price_cents=100, visits=0),
        dict(name="x", price_cents=100, expires_on=date(2020, 1, 1)),
    ):
        with pytest.raises(ClinicbillError):
            add_package(s, haddad, method="card", purchased_on=ON, **bad)


def _package_entries(s, encounter) -> list[tuple[str, int]]:
    from clinicbill.store.models import ServiceLine

    return [
        (kind, int(cents))
        for kind, cents in s.execute(
            select(LedgerEntry.kind, LedgerEntry.amount_cents)
            .join(ServiceLine, ServiceLine.id == LedgerEntry.service_line_id)
            .where(ServiceLine.encounter_id == encounter.id)
            .order_by(LedgerEntry.id)
        ).all()
    ]


def test_voiding_a_session_gives_its_visit_back_to_the_package(s, haddad):
    from clinicbill.domain.sessions.record import void_session

    package = add_package(s, haddad, "3 for 240", 24000, "card", visits=3, purchased_on=ON)
    first, second = (self_pay_visit(s, haddad, day, 10000) for day in (2, 9))
    for visit in (first, second):
        draw_from_package(s, visit, package)
    assert ledger.patient_credit(s, haddad.id) == 8000
    given = void_session(s, second, "entered twice").given_back
    assert (given.package_id, given.value_cents, given.discount_cents) == (package.id, 8000, 2000)
    assert given.remaining == "2 of 3 visits left"
    (status,) = package_statuses(s, haddad.id)
    assert (status.visits_used, status.value_used_cents, status.value_left_cents) == (
        1,
        8000,
        16000,
    )
    assert ledger.patient_credit(s, haddad.id) == 16000  # prepaid credit again
    assert free_credit(s, haddad.id) == 0  # still the package's, not ordinary credit
    # the draw is reversed by entries of the opposite sign, nothing deleted
    assert _package_entries(s, second) == [
        ("patient_payment", 8000),
        ("adjustment", 2000),
        ("patient_payment", -8000),
        ("adjustment", -2000),
    ]
    kept = ledger.line_details(s, encounter_id=first.id)[0]
    assert (kept.patient_paid, kept.adjusted, kept.balance) == (8000, 2000, 0)  # untouched
    # the visit given back is drawn again by the next session, and the last takes the rest
    for day in (16, 23):
        draw_from_package(s, self_pay_visit(s, haddad, day, 10000), package)
    (status,) = package_statuses(s, haddad.id)
    assert (status.visits_left, status.value_left_cents) == (0, 0)
    assert ledger.patient_credit(s, haddad.id) == 0


def test_voiding_a_membership_session_then_the_package(s, haddad):
    from clinicbill.domain.ledger.packages import void_package
    from clinicbill.domain.sessions.record import void_session

    package = add_package(s, haddad, "March", 8000, "card", purchased_on=ON)
    visit = self_pay_visit(s, haddad, 3, 9000)
    draw_from_package(s, visit, package)
    with pytest.raises(ClinicbillError, match="voiding it would unpay them"):
        void_package(s, package, "sold in error")
    given = void_session(s, visit, "wrong patient").given_back
    assert (given.value_cents, given.discount_cents) == (8000, 1000)
    assert given.remaining == "membership"
    assert package_statuses(s, haddad.id)[0].value_left_cents == 8000
    payment_id = void_package(s, package, "sold in error")  # nothing used any more
    assert payment_id and free_credit(s, haddad.id) == 8000  # ordinary credit now


def test_voiding_a_session_without_a_package_gives_nothing_back(s, haddad):
    from clinicbill.domain.sessions.record import Voided, void_session

    add_package(s, haddad, "3 visits", 24000, "card", visits=3, purchased_on=ON)
    visit = self_pay_visit(s, haddad, 4)
    assert void_session(s, visit, "mistake") == Voided(None, 0)
    assert _package_entries(s, visit) == []
    assert package_statuses(s, haddad.id)[0].value_left_cents == 24000


def test_voiding_a_paid_session_makes_its_payment_credit_again(s, haddad):
    """A patient payment applied to a session that is then voided is not lost: an entry of
    the opposite sign makes it the patient's ordinary credit (refundable, usable)."""
    from clinicbill.domain.sessions.record import void_session

    visit = self_pay_visit(s, haddad, 5, 13000)
    kept = self_pay_visit(s, haddad, 12, 9000)
    paid = add_patient_payment(s, haddad, 15000, "cash", ON)
    assert [a.amount_cents for a in paid.applied] == [13000, 2000]
    assert free_credit(s, haddad.id) == 0
    voided = void_session(s, visit, "entered for the wrong patient")
    assert (voided.given_back, voided.released_cents) == (None, 13000)
    assert free_credit(s, haddad.id) == 13000
    assert ledger.patient_credit(s, haddad.id) == 13000
    entries = s.execute(
        select(LedgerEntry.amount_cents, LedgerEntry.payment_id)
        .join(ServiceLine, ServiceLine.id == LedgerEntry.service_line_id)
        .where(ServiceLine.encounter_id == visit.id)
        .order_by(LedgerEntry.id)
    ).all()
    assert entries == [(13000, paid.payment.id), (-13000, paid.payment.id)]  # nothing deleted
    (line,) = ledger.line_details(s, patient_id=haddad.id)  # the void session is not owed
    assert (line.encounter_id, line.patient_paid, line.balance) == (kept.id, 2000, 7000)
