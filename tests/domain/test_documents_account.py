"""Statement and receipt data (domain/documents/account.py)."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from clinicbill.domain.documents.account import (
    HSA_ASK,
    HSA_LMN_ON_FILE,
    HSA_NO,
    HSA_WITH_LMN,
    HSA_YES,
    bucket_label,
    bucket_labels,
    hsa_wording,
    receipt,
    statement,
)
from clinicbill.domain.errors import ClinicbillError
from clinicbill.domain.practice.lookup import find_patient
from clinicbill.store.engine import transaction
from clinicbill.store.models import Encounter, Payment, Referral
from tests.documents_data import CHEN, HADDAD, build_history, lines_of, patient_payment, post


@pytest.fixture
def history(sample_db):
    with transaction(sample_db, "tester") as session:
        ids = build_history(session)
    return sample_db, ids


def test_statement_splits_patient_due_from_pending_insurance(history):
    url, _ = history
    with transaction(url, "tester") as session:
        doc = statement(session, find_patient(session, "P00001"), date(2026, 3, 31))
    first, second = doc.lines
    # answered by the payer: the $15.00 PR is hers; the 97140 line is paid off and not listed
    assert (first.code, first.balance, first.patient_due, first.pending_insurance) == (
        "97124",
        1500,
        1500,
        0,
    )
    assert (first.insurance_paid, first.adjusted) == (4000, 1000)
    # not answered yet: still with the payer, not due
    assert (second.service_date, second.patient_due, second.pending_insurance) == (
        date(2026, 2, 10),
        0,
        9750,
    )
    assert (doc.balance, doc.patient_due, doc.pending_insurance) == (11250, 1500, 9750)
    assert dict(doc.aging)["61-90"] == 1500  # 84 days after 2026-01-06
    assert doc.amount_due == 1500 and doc.credit == 0


def test_statement_self_pay_with_payments_and_credit(history):
    url, _ = history
    with transaction(url, "tester") as session:
        patient_payment(session, HADDAD, 5000, date(2026, 3, 20), "card", "VISA 1111")
    with transaction(url, "tester") as session:
        doc = statement(session, find_patient(session, "P00006"), date(2026, 3, 31))
    assert [(x.code, x.patient_due) for x in doc.lines] == [("97811", 2000), ("97124", 13000)]
    assert [p.amount for p in doc.payments] == [10000, 5000]
    assert doc.payments[0].method == "HSA card"
    assert doc.credit == 5000  # unapplied card payment
    assert doc.amount_due == 2000 + 13000 - 5000
    aging = dict(doc.aging)
    assert (aging["31-60"], aging["0-30"]) == (2000, 13000)


def test_statement_as_of_ignores_later_postings(history):
    url, _ = history
    with transaction(url, "tester") as session:
        before = statement(session, find_patient(session, "P00001"), date(2026, 1, 31))
    # on Jan 31 the payer had not answered: the whole visit was pending insurance
    assert [(x.balance, x.pending_insurance) for x in before.lines] == [(6500, 6500), (3800, 3800)]
    assert before.amount_due == 0


def test_statement_with_nothing_open(sample_db):
    with transaction(sample_db, "tester") as session:
        doc = statement(session, find_patient(session, "P00008"), date(2026, 3, 31))
    assert doc.lines == () and doc.amount_due == 0
    assert sum(cents for _, cents in doc.aging) == 0


def test_statement_totals_hold(history):
    url, _ = history
    with transaction(url, "tester") as session:
        for ref in ("P00001", "P00006"):
            doc = statement(session, find_patient(session, ref), date(2026, 12, 31))
            assert doc.balance == doc.patient_due + doc.pending_insurance
            assert sum(cents for _, cents in doc.aging) == doc.patient_due
            for x in doc.lines:
                assert x.charge == x.insurance_paid + x.patient_paid + x.adjusted + x.balance


@given(st.integers(min_value=0, max_value=10_000))
def test_every_age_has_exactly_one_bucket(age):
    label = bucket_label(age)
    assert label in bucket_labels()
    low = {"0-30": 0, "31-60": 31, "61-90": 61, "91-120": 91, "120+": 121}[label]
    assert age >= low
    assert (label == "120+") == (age > 120)


def test_receipt_lists_services_paid_with_hsa_marks(history):
    url, ids = history
    with transaction(url, "tester") as session:
        doc = receipt(session, ids["hsa_payment"])
    assert doc.patient.name == "Sofia Haddad" and not doc.is_refund
    assert (doc.payment.amount, doc.payment.method, doc.payment.reference) == (
        10000,
        "HSA card",
        "HSA 4411",
    )
    assert [(x.code, x.amount, x.hsa, x.provider) for x in doc.lines] == [
        ("97810", 7500, HSA_YES, "Wei Lin, LAC"),
        ("97811", 2500, HSA_YES, "Wei Lin, LAC"),
    ]
    assert doc.unapplied == 0 and doc.hsa_eligible_total == 10000
    assert doc.medical_necessity is None


def test_receipt_massage_needs_medical_necessity(history):
    url, ids = history
    with transaction(url, "tester") as session:
        (massage,) = lines_of(session, session.get(Encounter, ids["haddad_2"]))
        pay = patient_payment(session, HADDAD, 15000, date(2026, 3, 3), "fsa")
        post(session, massage, "patient_payment", 13000, date(2026, 3, 3), pay)
        pay_id = pay.id
    with transaction(url, "tester") as session:
        doc = receipt(session, pay_id)
    assert [(x.code, x.hsa) for x in doc.lines] == [("97124", HSA_WITH_LMN)]
    assert doc.hsa_eligible_total == 0 and doc.unapplied == 2000
    with transaction(url, "tester") as session:
        session.add(
            Referral(
                patient_id=HADDAD,
                first_name="Helen",
                last_name="Park",
                npi="1679576722",
                referral_date=date(2026, 2, 20),
                expires_on=date(2026, 8, 20),
            )
        )
    with transaction(url, "tester") as session:
        doc = receipt(session, pay_id)
    assert [x.hsa for x in doc.lines] == [HSA_LMN_ON_FILE]
    assert "Helen Park" in doc.medical_necessity and doc.hsa_eligible_total == 13000


def test_hsa_wording_per_catalog():
    assert hsa_wording("97813", False) == HSA_YES
    assert hsa_wording("97124", False) == HSA_WITH_LMN
    assert hsa_wording("97124", True) == HSA_LMN_ON_FILE
    assert hsa_wording("WM030", True) == HSA_NO
    assert hsa_wording("99999", True) == HSA_ASK


def test_receipt_refusals(history):
    url, _ = history
    with transaction(url, "tester") as session:
        insurer = Payment(
            source="insurance",
            payer_id=2,
            method="eft",
            amount_cents=7000,
            received_on=date(2026, 2, 1),
        )
        session.add(insurer)
        session.flush()
        with pytest.raises(ClinicbillError, match="insurance payment"):
            receipt(session, insurer.id)
        with pytest.raises(ClinicbillError, match="payment: no payment with id 999"):
            receipt(session, 999)
        with pytest.raises(ClinicbillError, match="is not an id"):
            receipt(session, "abc")


def test_receipt_for_an_unapplied_prepayment(history):
    url, _ = history
    with transaction(url, "tester") as session:
        pay_id = patient_payment(session, CHEN, 20000, date(2026, 3, 1), "check", "1042").id
    with transaction(url, "tester") as session:
        doc = receipt(session, pay_id)
    assert doc.lines == () and doc.unapplied == 20000


def test_overpaid_line_owes_nothing(history):
    url, ids = history
    with transaction(url, "tester") as session:
        (line,) = lines_of(session, session.get(Encounter, ids["chen_2"]))
        post(session, line, "insurance_payment", 10000, date(2026, 3, 1))  # $2.50 too much
    with transaction(url, "tester") as session:
        doc = statement(session, find_patient(session, "P00001"), date(2026, 3, 31))
    overpaid = doc.lines[-1]
    assert (overpaid.balance, overpaid.patient_due, overpaid.pending_insurance) == (-250, 0, 0)
    assert doc.amount_due == 1500
