"""The superbill PDF read back: every element payers ask for (DOMAIN.md §11), pagination of a
year of visits, embedded fonts, deterministic bytes, editable wording, a golden text layout."""

from __future__ import annotations

import re
from datetime import date, timedelta
from decimal import Decimal

import pytest
from pypdf import PdfReader

from clinicbill.domain.documents.superbill_data import superbill
from clinicbill.domain.errors import ClinicbillError
from clinicbill.domain.practice.lookup import find_patient
from clinicbill.formats.superbill import render_superbill
from clinicbill.store.engine import transaction
from tests.documents_data import (
    HADDAD,
    LIN,
    REYES,
    assert_first_page_prints,
    build_history,
    check_golden,
    embedded_font_problems,
    layout_text,
    pdf_pages,
    pdf_words,
)
from tests.factories import make_encounter

ISSUED = date(2026, 2, 15)


@pytest.fixture
def history(sample_db):
    with transaction(sample_db, "tester") as session:
        ids = build_history(session)
    return sample_db, ids


def _one_visit(url, ids, path):
    with transaction(url, "tester") as session:
        doc = superbill(
            session, find_patient(session, "P00001"), encounter_id=ids["chen_1"], issued_on=ISSUED
        )
    return render_superbill(doc, path)


def test_one_visit_has_every_required_element_on_one_page(history, tmp_path):
    url, ids = history
    path = _one_visit(url, ids, tmp_path / "sb.pdf")
    assert len(PdfReader(str(path)).pages) == 1
    words = pdf_words(path)
    required = [
        # practice / billing provider
        "Willow Creek Bodywork & Acupuncture LLC",
        "2100 SE Division St Suite 4",
        "Portland, OR 97202-1234",
        "(503) 555-0142",
        "Tax ID (EIN): 93-1234567",
        "Billing NPI: 1928374655",
        # rendering provider: name, credential, license, NPI
        "Ana Reyes",
        "LMT",
        "OR MT-22871",
        "1746503824",
        # patient
        "Maya Chen",
        "Date of birth: 03/02/1984",
        "415 NE Fremont St",
        "Portland, OR 97212-4410",
        "Account: P00001",
        "Member ID: CHP884412001",
        # services: date, place of service, code, modifiers, units, description, pointers, charge
        "01/06/2026 11 97124 2 Massage therapy",
        "01/06/2026 11 97140 59 1 Manual therapy",
        "A,B $38.00",
        "$65.00",
        # diagnoses with descriptions
        "A M54.50 Low back pain, unspecified",
        "B M62.830 Muscle spasm of back",
        # totals
        "Total charged $103.00",
        "Paid by insurance $70.00",
        "Paid by patient $0.00",
        "Adjustments $18.00",
        "Balance due $15.00",
        # signature line, dates, page number
        "Provider signature (Ana Reyes, LMT): ____",
        "Date: ____",
        "Date of service: 01/06/2026",
        "Issued 02/15/2026",
        "Page 1 of 1",
    ]
    missing = [item for item in required if item not in words]
    assert not missing, missing


def test_metadata_fonts_and_letter_size(history, tmp_path):
    url, ids = history
    path = _one_visit(url, ids, tmp_path / "sb.pdf")
    reader = PdfReader(str(path))
    assert reader.metadata.title == "Superbill P00001 2026-01-06"
    assert reader.metadata.author == "clinicbill"
    box = reader.pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == (612, 792)  # US Letter
    assert embedded_font_problems(path) == []


def test_same_data_gives_identical_bytes(history, tmp_path, monkeypatch):
    url, ids = history
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1767225600")  # fixes the creation date
    first = _one_visit(url, ids, tmp_path / "a.pdf").read_bytes()
    second = _one_visit(url, ids, tmp_path / "b.pdf").read_bytes()
    assert first == second
    assert b"D:20260101" in first


def test_golden_layout(history, tmp_path, update_golden):
    url, ids = history
    path = _one_visit(url, ids, tmp_path / "sb.pdf")
    check_golden("superbill.txt", layout_text(path), update_golden)


def test_page_renders_to_a_non_blank_png(history, tmp_path):
    url, ids = history
    assert_first_page_prints(_one_visit(url, ids, tmp_path / "sb.pdf"), tmp_path)


ROW = re.compile(r"^\s*(\d\d/\d\d/\d{4})\s+11\s+(97124|97140)\b.*?\$(\d+\.\d\d)\s+([12])\s*$")


def test_a_year_of_weekly_visits_paginates_cleanly(sample_db, tmp_path):
    with transaction(sample_db, "tester") as session:
        for week in range(52):
            make_encounter(
                session,
                HADDAD,
                LIN if week % 4 == 3 else REYES,
                date(2025, 1, 6) + timedelta(weeks=week),
                [
                    {"code": "97124", "charge_cents": 6500 + week, "units": 2},
                    {"code": "97140", "charge_cents": 3800, "modifiers": "59", "pointers": "1,2"},
                ],
                diagnoses=("M54.50", "M62.830"),
            )
    with transaction(sample_db, "tester") as session:
        doc = superbill(
            session,
            find_patient(session, "P00006"),
            from_date=date(2025, 1, 1),
            to_date=date(2025, 12, 31),
            issued_on=date(2026, 1, 2),
        )
        path = render_superbill(doc, tmp_path / "year.pdf")
    pages = pdf_pages(path)
    assert len(pages) == 4  # reviewed: 104 service rows + the header blocks and signatures
    rows: list[tuple[str, str, str]] = []
    for number, page in enumerate(pages, start=1):
        assert f"Page {number} of {len(pages)}" in page
        header = [line.split() for line in page.splitlines() if line.split()[:2] == ["Date", "POS"]]
        assert header == [
            ["Date", "POS", "Code", "Modifiers", "Units", "Description", "Dx", "Charge", "Prov."]
        ], f"page {number}: the services header repeats once"
        # a row never splits: its date, code, charge and provider key sit on one line
        rows += [m.groups()[:3] for m in map(ROW.match, page.splitlines()) if m]
    assert len(rows) == 104 and len(set(rows)) == 104
    assert {d for d, _, _ in rows} == {
        (date(2025, 1, 6) + timedelta(weeks=w)).strftime("%m/%d/%Y") for w in range(52)
    }
    total = sum(Decimal(amount) for _, _, amount in rows)
    expected = sum(Decimal(6500 + w + 3800) for w in range(52)) / 100
    assert total == expected
    words = " ".join(" ".join(pages).split())
    assert f"Total charged ${total:,}" in words
    assert "Dates of service: 01/06/2025 to 12/29/2025 (52 visits)" in words
    # both providers are identified, each with a signature line
    assert "Provider signature (Ana Reyes, LMT)" in words
    assert "Provider signature (Wei Lin, LAC)" in words


def test_practice_wording_overrides_the_shipped_template(history, tmp_path):
    from clinicbill.formats import document_parts
    from clinicbill.resources import config_dir, shipped_dir

    url, ids = history
    own = config_dir() / "templates" / "documents"
    own.mkdir(parents=True)
    text = (shipped_dir("templates") / "documents" / "superbill.j2").read_text()
    (own / "superbill.j2").write_text(
        text.replace(
            "{% block title %}Superbill{% endblock %}",
            "{% block title %}Receipt for insurance{% endblock %}",
        )
    )
    document_parts._environment.cache_clear()
    try:
        words = pdf_words(_one_visit(url, ids, tmp_path / "sb.pdf"))
        assert words.startswith("Receipt for insurance")
        (own / "superbill.j2").write_text("{% block title %}{{ doc.nope }{% endblock %}")
        document_parts._environment.cache_clear()
        with pytest.raises(ClinicbillError, match=r"template: documents/superbill.j2 line 1"):
            _one_visit(url, ids, tmp_path / "broken.pdf")
    finally:
        document_parts._environment.cache_clear()


def test_signature_image_is_drawn_for_a_solo_practitioner(history, tmp_path):
    from PIL import Image

    from clinicbill.store.models import Practice

    url, ids = history
    png = tmp_path / "sig.png"
    Image.new("RGB", (300, 100), "white").save(png)
    with transaction(url, "tester") as session:
        session.get(Practice, 1).signature_image = str(png)
    path = _one_visit(url, ids, tmp_path / "sb.pdf")
    xobjects = PdfReader(str(path)).pages[0]["/Resources"].get("/XObject", {})
    assert any(x.get_object()["/Subtype"] == "/Image" for x in xobjects.values())
    png.write_text("not an image")
    with pytest.raises(ClinicbillError, match="signature-image"):
        _one_visit(url, ids, tmp_path / "sb2.pdf")
