"""The Good Faith Estimate PDF read back: every element 45 CFR 149.610 asks for (DOMAIN.md
§12); embedded fonts; a golden text layout."""

from __future__ import annotations

from datetime import date

import pytest
from pypdf import PdfReader

from clinicbill.domain.documents.estimates import create_estimate, estimate_document
from clinicbill.domain.practice.lookup import find_patient, find_provider
from clinicbill.formats.estimate import render_estimate
from clinicbill.store.engine import transaction
from tests.documents_data import (
    assert_first_page_prints,
    check_golden,
    embedded_font_problems,
    layout_text,
    pdf_words,
)


@pytest.fixture
def rendered(sample_db, tmp_path):
    with transaction(sample_db, "tester") as session:
        estimate, _ = create_estimate(
            session,
            find_patient(session, "P00006"),
            codes=["97124:units=4"],
            visits=12,
            provider=find_provider(session, "Reyes"),
            service_date=date(2026, 1, 12),
            diagnoses=["M62.830"],
            primary_service="Therapeutic massage, 60 minutes",
            frequency="weekly",
            issued_on=date(2026, 1, 5),
        )
        doc = estimate_document(session, estimate)
    return render_estimate(doc, tmp_path / "estimate.pdf")


def test_estimate_has_every_required_element(rendered):
    words = pdf_words(rendered)
    required = [
        "Good Faith Estimate",
        "Estimate number 1",
        "Issued 01/05/2026",
        # patient name and date of birth
        "Sofia Haddad",
        "Date of birth: 06/08/1995",
        # primary service and its date
        "Therapeutic massage, 60 minutes · Scheduled: 01/12/2026 · Course: 12 visits, weekly",
        # itemised services with codes and expected charges
        "97124 Massage therapy, each 15 minutes 4 $32.50 $130.00 12 $1,560.00",
        "Estimated total $1,560.00",
        # diagnosis codes where known
        "M62.830 Muscle spasm of back",
        # provider name, NPI, tax id, location
        "Ana Reyes, LMT",
        "NPI: 1746503824",
        "Tax ID (EIN): 93-1234567",
        "Location: 2100 SE Division St Suite 4, Portland, OR 97202-1234",
        # disclaimers
        "This is an estimate",
        "may differ from this estimate",
        "at least $400.00 more",
        "patient-provider dispute resolution",
        "six years",
        "Page 1 of 1",
    ]
    missing = [item for item in required if item not in words]
    assert not missing, missing


def test_estimate_pdf_properties(rendered, tmp_path):
    reader = PdfReader(str(rendered))
    assert reader.metadata.title == "Good Faith Estimate 1"
    assert embedded_font_problems(rendered) == []
    assert_first_page_prints(rendered, tmp_path)


def test_estimate_golden_layout(rendered, update_golden):
    check_golden("estimate.txt", layout_text(rendered), update_golden)
