"""The statement PDF read back: open balances by date of service, aging, payments, amount due,
remit-to block; embedded fonts; a golden text layout."""

from __future__ import annotations

from datetime import date

import pytest
from pypdf import PdfReader

from clinicbill.domain.documents.account import statement
from clinicbill.domain.practice.lookup import find_patient
from clinicbill.formats.statement import render_statement
from clinicbill.store.engine import transaction
from tests.documents_data import (
    HADDAD,
    assert_first_page_prints,
    build_history,
    check_golden,
    embedded_font_problems,
    layout_text,
    patient_payment,
    pdf_words,
)

AS_OF = date(2026, 3, 31)


@pytest.fixture
def rendered(sample_db, tmp_path):
    with transaction(sample_db, "tester") as session:
        build_history(session)
        patient_payment(session, HADDAD, 5000, date(2026, 3, 20), "card", "VISA 1111")
    with transaction(sample_db, "tester") as session:
        doc = statement(session, find_patient(session, "P00006"), AS_OF)
    return render_statement(doc, tmp_path / "statement.pdf")


def test_statement_has_every_element(rendered):
    words = pdf_words(rendered)
    required = [
        "Patient statement",
        "Statement date: 03/31/2026",
        "Sofia Haddad",
        "Account: P00006",
        "3321 SE Belmont St",
        # open balances by date of service
        "02/03/2026 97811 Acupuncture without electrical",
        "03/03/2026 97124 Massage therapy",
        "$45.00 $0.00 $0.00 $25.00 $0.00 $20.00",
        "$130.00 $0.00 $0.00 $0.00 $0.00 $130.00",
        # aging columns
        "0-30 days 31-60 days 61-90 days 91-120 days 120+ days Total you owe",
        "$130.00 $20.00 $0.00 $0.00 $0.00 $150.00",
        # payments received
        "02/03/2026 HSA card HSA 4411 $100.00",
        "03/20/2026 Card VISA 1111 $50.00",
        # amount due after the unapplied credit
        "Credit on your account $50.00",
        "Amount due $100.00",
        # remit-to block
        "Remit to Amount due",
        "Willow Creek Bodywork & Acupuncture LLC Account: P00006",
        "Amount enclosed:",
        "make checks payable to Willow Creek Bodywork & Acupuncture LLC",
        "Page 1 of 1",
    ]
    missing = [item for item in required if item not in words]
    assert not missing, missing


def test_statement_pdf_properties(rendered, tmp_path):
    reader = PdfReader(str(rendered))
    assert reader.metadata.title == "Statement P00006 2026-03-31"
    assert reader.metadata.author == "clinicbill"
    assert embedded_font_problems(rendered) == []
    assert_first_page_prints(rendered, tmp_path)


def test_statement_golden_layout(rendered, update_golden):
    check_golden("statement.txt", layout_text(rendered), update_golden)


def test_insured_statement_says_what_is_not_due_yet(sample_db, tmp_path):
    with transaction(sample_db, "tester") as session:
        build_history(session)
    with transaction(sample_db, "tester") as session:
        doc = statement(session, find_patient(session, "P00001"), AS_OF)
    words = pdf_words(render_statement(doc, tmp_path / "chen.pdf"))
    assert "With insurance (not due yet) $97.50" in words
    assert "Amount due $15.00" in words
    assert "No payments in this period." in words
