"""Aging against hand-computed fixtures: bucket boundaries, basis, partial payments, who owes
what, credits apart, --as-of in the past, timely filing and no-response lists."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from clinicbill.domain.errors import ClinicbillError
from clinicbill.domain.ledger.balances import line_balances, patient_credit
from clinicbill.domain.reports.aging.report import aging_report, to_report
from clinicbill.store.engine import transaction
from clinicbill.store.models import Encounter, Patient, Policy, ServiceLine
from tests.domain.reports_data import (
    ALVAREZ,
    CASCADE,
    CHEN,
    EVERGREEN,
    HADDAD,
    KOWALSKI,
    MEDICARE,
    NATARAJAN,
    OKAFOR,
    SELF_PAY,
    TODAY,
    Books,
    ago,
)


@pytest.fixture
def books(sample_db):
    with transaction(sample_db, "tester") as session:
        yield Books(session)


def by_party(report) -> dict:
    return {row.party: row.amounts for row in report.rows}


def test_bucket_boundaries_day_30_vs_31_and_120_vs_121(books):
    for days, cents in [
        (0, 100),
        (30, 200),
        (31, 400),
        (60, 800),
        (61, 1600),
        (90, 3200),
        (91, 6400),
        (120, 12800),
        (121, 25600),
    ]:
        books.visit(HADDAD, days, cents, policy=False)
    report = aging_report(books.session, TODAY)
    assert by_party(report) == {"Patient responsibility": (300, 1200, 4800, 19200, 25600)}
    assert report.total == 51100
    assert report.totals == (300, 1200, 4800, 19200, 25600)
    assert [str(p) for p in report.percentages] == ["0.6", "2.3", "9.4", "37.6", "50.1"]


def test_basis_billed_ages_from_first_billing(books):
    line = books.visit(CHEN, 100, 5000)
    books.claim(line, [("ready", 99), ("submitted", 20)])
    assert by_party(aging_report(books.session, TODAY)) == {
        "Cascade Health Plan": (0, 0, 0, 5000, 0)
    }
    assert by_party(aging_report(books.session, TODAY, basis="billed")) == {
        "Cascade Health Plan": (5000, 0, 0, 0, 0)
    }


def test_partial_payments_leave_the_rest_with_the_patient(books):
    line = books.visit(CHEN, 45, 10000)[0]
    claim = books.claim([line], [("submitted", 40), ("partially-paid", 30)])
    books.remit(
        claim,
        30,
        [
            (line, "insurance_payment", 6000),
            (line, "adjustment", 2000, "CO", "45"),
            (line, "patient_responsibility", 2000, "PR", "3"),
        ],
    )
    books.pay(CHEN, 500, 20, applied=[(line, 500, 20)])
    books.visit(CHEN, 10, 8000)  # not billed yet: Cascade's
    report = aging_report(books.session, TODAY)
    assert by_party(report) == {
        "Cascade Health Plan": (8000, 0, 0, 0, 0),
        "Patient responsibility": (0, 1500, 0, 0, 0),
    }
    assert report.total == 9500


def test_responsible_party_follows_the_claim(books):
    s = books.session
    books.visit(OKAFOR, 5, 1000)  # unbilled, insured: the payer's
    books.claim(books.visit(OKAFOR, 5, 2000), [("submitted", 4)])
    denied = books.claim(books.visit(NATARAJAN, 5, 4000), [("submitted", 4), ("denied", 2)])
    books.remit(denied, 2, [], status_code="4")  # denial not yet moved to the patient: payer
    line = books.visit(NATARAJAN, 5, 8000)[0]
    moved = books.claim([line], [("submitted", 4), ("denied", 2)])
    books.remit(moved, 2, [(line, "patient_responsibility", 8000, "PR", "204")], "4")
    line = books.visit(CHEN, 5, 16000)[0]
    appealed = books.claim([line], [("submitted", 4), ("denied", 3), ("appealed", 1)])
    books.remit(appealed, 3, [(line, "adjustment", 0, "CO", "50")], "4")
    line = books.visit(ALVAREZ, 5, 32000)[0]
    primary = books.claim([line], [("submitted", 4), ("paid", 2)])
    books.remit(
        primary,
        2,
        [(line, "insurance_payment", 20000), (line, "patient_responsibility", 12000, "PR", "2")],
    )
    books.claim([line], [("submitted", 1)], policy_id=3, primary=primary)  # secondary: Evergreen
    books.claim(books.visit(CHEN, 5, 500), [("submitted", 4), ("closed", 1)])
    s.add(Policy(patient_id=KOWALSKI, payer_id=SELF_PAY, member_id="SELF"))
    s.flush()
    self_pay_policy = s.execute(select(Policy.id).where(Policy.patient_id == KOWALSKI)).scalar()
    books.visit(KOWALSKI, 5, 300, policy=self_pay_policy)
    books.claim(books.visit(CHEN, 5, 700), [("draft", 4), ("void", 3)])  # void: unbilled again

    report = aging_report(s, TODAY)
    assert by_party(report) == {
        "Cascade Health Plan": (1000 + 2000 + 16000 + 700, 0, 0, 0, 0),
        "Evergreen Mutual Insurance": (4000 + 12000, 0, 0, 0, 0),
        "Patient responsibility": (8000 + 500 + 300, 0, 0, 0, 0),
    }
    assert [r.payer_id for r in report.rows] == [CASCADE, EVERGREEN, None]
    assert MEDICARE not in {r.payer_id for r in report.rows}


def test_credits_are_listed_apart_and_the_total_ties_to_receivables(books):
    s = books.session
    line = books.visit(HADDAD, 3, 5000, policy=False)[0]
    books.pay(HADDAD, 20000, 10, applied=[(line, 5000, 3)])  # a prepaid package, partly used
    over = books.visit(CHEN, 20, 3000)[0]
    paid = books.claim([over], [("submitted", 18), ("paid", 5)])
    books.pay(CHEN, 3000, 20, applied=[(over, 3000, 20)])
    books.remit(paid, 5, [(over, "insurance_payment", 1000)])  # overpaid by 10.00
    books.visit(CHEN, 2, 2500)
    books.pay(KOWALSKI, 5000, 9)
    books.pay(KOWALSKI, 5000, 8, kind="refund")  # refunded: no credit left

    report = aging_report(s, TODAY)
    assert by_party(report) == {"Cascade Health Plan": (2500, 0, 0, 0, 0)}
    assert [(c.party, c.kind, c.amount) for c in report.credits] == [
        ("Patient responsibility", "overpaid line", 1000),
        ("1 patient", "unapplied payments", 15000),  # the by-payer summary
    ]
    each = aging_report(s, TODAY, by="patient")
    assert [(c.party, c.account, c.kind, c.amount) for c in each.credits] == [
        ("Chen, Maya", "P00001", "overpaid line", 1000),
        ("Haddad, Sofia", "P00006", "unapplied payment", 15000),
    ]
    assert each.credit_total == report.credit_total and each.total == report.total
    assert (report.total, report.credit_total, report.net_receivable) == (2500, 16000, -13500)

    # Independently: every open line balance and every patient's credit from
    # domain/ledger/balances.py.
    ids = s.execute(
        select(ServiceLine.id)
        .join(Encounter, Encounter.id == ServiceLine.encounter_id)
        .where(Encounter.status != "void")
    ).scalars()
    balances = [b.balance for b in line_balances(s, ids).values()]
    unapplied = sum(patient_credit(s, pid) for pid in s.execute(select(Patient.id)).scalars())
    receivable = sum(b for b in balances if b > 0)
    assert report.total == receivable
    assert report.credit_total == unapplied - sum(b for b in balances if b < 0)
    assert report.net_receivable == sum(balances) - unapplied
    last = to_report(report).notes[-1]
    assert last == (
        "Aging total $25.00 = open line balances $25.00; credits $160.00 (prepaid packages, "
        "unapplied payments, overpaid lines) are listed apart, not netted into any bucket; "
        "open balances less credits -$135.00 (patients' money held exceeds what is owed)."
    )


def test_as_of_reproduces_past_dates(books):
    line = books.visit(CHEN, 70, 10000)[0]
    claim = books.claim([line], [("ready", 65), ("submitted", 60), ("paid", 20)])
    books.remit(
        claim,
        20,
        [(line, "insurance_payment", 7000), (line, "patient_responsibility", 3000, "PR", "2")],
    )
    books.pay(CHEN, 3000, 5, applied=[(line, 3000, 5)])
    s = books.session

    assert aging_report(s, TODAY).rows == ()
    assert by_party(aging_report(s, ago(10))) == {"Patient responsibility": (0, 3000, 0, 0, 0)}
    then = aging_report(s, ago(30))
    assert by_party(then) == {"Cascade Health Plan": (0, 10000, 0, 0, 0)}
    assert [(a.reference, a.days, a.billed_on) for a in then.no_response] == [
        (claim.patient_control_number, 30, ago(60))
    ]
    assert by_party(aging_report(s, ago(64))) == {"Cascade Health Plan": (10000, 0, 0, 0, 0)}
    assert aging_report(s, ago(64)).no_response == ()
    assert aging_report(s, ago(71)).rows == ()


def test_as_of_ignores_a_later_void_of_the_visit(books):
    from datetime import UTC, datetime

    s = books.session
    line = books.visit(HADDAD, 40, 6000, policy=False)[0]
    encounter = s.get(Encounter, s.get(ServiceLine, line).encounter_id)
    encounter.status, encounter.voided_at = "void", datetime.now(UTC)
    s.flush()
    assert aging_report(s, TODAY).rows == ()
    assert by_party(aging_report(s, ago(1))) == {"Patient responsibility": (0, 6000, 0, 0, 0)}


def test_timely_filing_lists_unsent_claims_near_or_past_the_limit(books):
    near = books.visit(OKAFOR, 160, 1000)  # Cascade 180 days: 20 left
    books.visit(OKAFOR, 140, 1100)  # 40 left: not yet
    books.visit(NATARAJAN, 100, 1200)  # Evergreen 90 days: 10 past
    ready = books.claim(books.visit(NATARAJAN, 75, 1300), [("draft", 70), ("ready", 69)])
    books.claim(books.visit(NATARAJAN, 85, 1400), [("submitted", 80)])  # sent: not listed
    books.visit(HADDAD, 400, 1500, policy=False)  # self-pay: no limit
    report = aging_report(books.session, TODAY)
    alerts = [(a.status, a.days, a.deadline, a.balance, a.payer) for a in report.timely_filing]
    assert alerts == [
        ("unbilled", -10, ago(10), 1200, "Evergreen Mutual Insurance"),
        ("ready", 15, ago(-15), 1300, "Evergreen Mutual Insurance"),
        ("unbilled", 20, ago(-20), 1000, "Cascade Health Plan"),
    ]
    assert report.timely_filing[1].reference == ready.patient_control_number
    encounter_id = books.session.get(ServiceLine, near[0]).encounter_id
    assert report.timely_filing[2].reference == f"session {encounter_id}"


def test_no_response_after_30_days(books):
    waiting = books.claim(books.visit(CHEN, 40, 1000), [("submitted", 31)])
    books.claim(books.visit(CHEN, 40, 1100), [("submitted", 29)])
    answered = books.claim(books.visit(CHEN, 50, 1200), [("submitted", 45)])
    books.remit(answered, 10, [], status_code="1")  # answered: no longer silent
    accepted = books.claim(books.visit(CHEN, 50, 1300), [("submitted", 40), ("accepted", 38)])
    report = aging_report(books.session, TODAY)
    assert [(a.reference, a.days, a.balance) for a in report.no_response] == [
        (accepted.patient_control_number, 40, 1300),
        (waiting.patient_control_number, 31, 1000),
    ]
    longer = aging_report(books.session, TODAY, no_response_days=35)
    assert [a.reference for a in longer.no_response] == [accepted.patient_control_number]


def test_by_patient_and_by_provider(books):
    books.visit(CHEN, 10, 1000, provider_id=1)
    books.visit(CHEN, 40, 2000, provider_id=2, code="97810")
    books.visit(HADDAD, 70, 3000, policy=False, provider_id=2, code="97810")
    report = aging_report(books.session, TODAY, by="patient")
    assert [(r.party, r.account, r.responsible, r.amounts) for r in report.rows] == [
        ("Chen, Maya", "P00001", "Cascade Health Plan", (1000, 2000, 0, 0, 0)),
        ("Haddad, Sofia", "P00006", "Patient", (0, 0, 3000, 0, 0)),
    ]
    assert [r.party for r in report.parties] == ["Cascade Health Plan", "Patient responsibility"]

    class Lin:
        id, display_name = 2, "Wei Lin, LAC"

    only = aging_report(books.session, TODAY, provider=Lin())
    assert by_party(only) == {
        "Cascade Health Plan": (0, 2000, 0, 0, 0),
        "Patient responsibility": (0, 0, 3000, 0, 0),
    }
    assert only.provider == "Wei Lin, LAC"


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"as_of": ago(-1)}, "as-of: "),
        ({"by": "provider"}, "by: 'provider' is not a grouping"),
        ({"basis": "paid"}, "basis: 'paid' is not an aging basis"),
        ({"no_response_days": 0}, "no-response-days: 0"),
    ],
)
def test_refusals_name_the_field(books, kwargs, message):
    with pytest.raises(ClinicbillError) as err:
        aging_report(books.session, **kwargs)
    assert err.value.message.startswith(message)


def test_the_books_as_they_stand_give_the_same_answer_as_the_dated_queries(books, monkeypatch):
    import clinicbill.domain.reports.aging.report as module
    from clinicbill.domain.reports.aging.query import recorded_after

    s = books.session
    line = books.visit(CHEN, 90, 10000)[0]
    claim = books.claim([line], [("submitted", 80), ("paid", 40)])
    books.remit(
        claim,
        40,
        [(line, "insurance_payment", 7000), (line, "patient_responsibility", 3000, "PR", "2")],
    )
    books.claim(books.visit(OKAFOR, 60, 2000), [("draft", 59), ("submitted", 50)])
    books.claim(books.visit(NATARAJAN, 100, 1300), [("draft", 99), ("ready", 98)])
    visit = books.visit(HADDAD, 10, 900, policy=False)[0]
    books.pay(HADDAD, 5000, 3, applied=[(visit, 900, 3)])
    assert not recorded_after(s, ago(3)) and recorded_after(s, ago(4))
    for by in ("payer", "patient"):
        shortcut = aging_report(s, ago(2), by=by, basis="billed")
        monkeypatch.setattr(module, "recorded_after", lambda session, day: True)
        dated = aging_report(s, ago(2), by=by, basis="billed")
        monkeypatch.undo()
        assert shortcut == dated
        assert shortcut.total == 3000 + 2000 + 1300 and shortcut.credit_total == 4100
        assert len(shortcut.timely_filing) == 1 and len(shortcut.no_response) == 1
