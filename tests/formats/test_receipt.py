"""The receipt PDF read back: payment, services paid with HSA/FSA marks, medical necessity
statement; embedded fonts; a golden text layout."""

from __future__ import annotations

from datetime import date

import pytest
from pypdf import PdfReader

from clinicbill.domain.documents.account import receipt
from clinicbill.formats.receipt import render_receipt
from clinicbill.store.engine import transaction
from tests.documents_data import (
    CHEN,
    assert_first_page_prints,
    build_history,
    check_golden,
    embedded_font_problems,
    layout_text,
    patient_payment,
    pdf_words,
)


@pytest.fixture
def rendered(sample_db, tmp_path):
    with transaction(sample_db, "tester") as session:
        ids = build_history(session)
    with transaction(sample_db, "tester") as session:
        doc = receipt(session, ids["hsa_payment"])
    return render_receipt(doc, tmp_path / "receipt.pdf")


def test_receipt_has_every_element(rendered):
    words = pdf_words(rendered)
    required = [
        "Payment receipt",
        "Willow Creek Bodywork & Acupuncture LLC",
        "Tax ID (EIN): 93-1234567",
        "Sofia Haddad",
        "Receipt number: 1",
        "Date received: 02/03/2026",
        "Method: HSA card",
        "Reference: HSA 4411",
        "Amount: $100.00",
        # date, provider, service, eligibility, amount per service
        "02/03/2026 Wei Lin, LAC 97810 Acupuncture without electrical Yes $75.00",
        "02/03/2026 Wei Lin, LAC 97811 Acupuncture without electrical Yes $25.00",
        "Total received $100.00",
        "HSA/FSA-eligible services paid with this payment: $100.00",
        "IRS Publication 502",
        "Medical necessity on file: no",
        "Page 1 of 1",
    ]
    missing = [item for item in required if item not in words]
    assert not missing, missing


def test_receipt_pdf_properties(rendered, tmp_path):
    reader = PdfReader(str(rendered))
    assert reader.metadata.title == "Receipt 1"
    assert embedded_font_problems(rendered) == []
    assert_first_page_prints(rendered, tmp_path)


def test_receipt_golden_layout(rendered, update_golden):
    check_golden("receipt.txt", layout_text(rendered), update_golden)


def test_prepayment_receipt_shows_the_credit(sample_db, tmp_path):
    with transaction(sample_db, "tester") as session:
        pay_id = patient_payment(session, CHEN, 20000, date(2026, 3, 1), "check", "1042").id
    with transaction(sample_db, "tester") as session:
        doc = receipt(session, pay_id)
    words = pdf_words(render_receipt(doc, tmp_path / "pre.pdf"))
    assert "This payment has not been applied to a service yet." in words
    assert "Kept as credit on account $200.00 Total received $200.00" in words
