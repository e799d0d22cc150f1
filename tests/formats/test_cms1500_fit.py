"""CMS-1500 values never lose a character: any value within its NUCC length is printed whole
(shrunk or wrapped to fit its box) and read back from the PDF; box 32 blank when it is box 33;
box 24 headers whole; overlay phones without parentheses."""

from __future__ import annotations

import re

import pypdf
from hypothesis import given, settings
from hypothesis import strategies as st

from clinicbill.formats import cms1500_layout as grid
from clinicbill.formats.cms1500 import _place, draw_placements, placements, write_cms1500
from clinicbill.store.engine import transaction
from tests.claimkit import bill, snapshot

WORD = st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789&#-,./'", min_size=1, max_size=12)


@st.composite
def box_and_value(draw):
    key = draw(st.sampled_from(sorted(grid.TEXT)))
    limit = grid.NUCC_LENGTH[key]
    words = draw(st.lists(WORD, min_size=1, max_size=limit))
    value = " ".join(words)[:limit].strip()
    return key, value or "X"


def _render(tmp_path, items) -> list[tuple[float, float, str]]:
    from reportlab.lib.pagesizes import LETTER
    from reportlab.pdfgen import canvas

    path = tmp_path / "fit.pdf"
    pdf = canvas.Canvas(str(path), pagesize=LETTER)
    draw_placements(pdf, items)
    pdf.showPage()
    pdf.save()
    found = []

    def visit(text, cm, tm, font, size):
        if text.strip():
            found.append((tm[4], tm[5], text.strip()))

    pypdf.PdfReader(str(path)).pages[0].extract_text(visitor_text=visit)
    return found


@settings(max_examples=60, deadline=None)
@given(box_and_value())
def test_no_box_loses_a_character(tmp_path_factory, case):
    key, value = case
    line, column, width = grid.TEXT[key]
    items = _place(key, line, column, width, value)
    box_right = grid.x_of(column + width)
    for item in items:  # every piece inside the box
        assert grid.x_of(item.column) + len(item.text) * item.size * 0.6 <= box_right + 0.01
        assert item.size >= 2.5
    read = _render(tmp_path_factory.mktemp("fit"), items)
    read.sort(key=lambda t: (-t[1], t[0]))
    assert " ".join(text for _, _, text in read) == re.sub(r"\s+", " ", value)
    for x, y, _ in read:  # on the box's line, from its column (amounts right-aligned)
        found_line, found_column = grid.grid_position(x, y)
        assert found_line == line
        assert found_column == column or (key in grid.RIGHT_ALIGNED and found_column > column)


def test_long_practice_name_and_street_print_whole(sample_db, tmp_path):
    with transaction(sample_db, "tester") as session:
        s = snapshot(session, bill(session))
    text = pypdf.PdfReader(str(write_cms1500(tmp_path / "c.pdf", [s]))).pages[0].extract_text()
    assert "WILLOW CREEK BODYWORK & ACUPUNCTURE LLC" in text
    assert "2100 SE DIVISION ST SUITE 4" in text
    boxes = {p.box: p.text for p in placements(s, 0)}
    assert "32" not in boxes and "32_street" not in boxes  # the same as box 33: left blank
    assert boxes["33"] == "WILLOW CREEK BODYWORK & ACUPUNCTURE LLC"


def test_box_24_headers_and_every_label_are_whole(sample_db, tmp_path):
    with transaction(sample_db, "tester") as session:
        s = snapshot(session, bill(session))
    text = pypdf.PdfReader(str(write_cms1500(tmp_path / "c.pdf", [s]))).pages[0].extract_text()
    words = set(text.split())
    for label, *_ in grid.BOXES:
        missing = [w for w in label.split() if w not in words]
        assert not missing, (label, missing)


def test_overlay_prints_phones_without_parentheses(sample_db):
    with transaction(sample_db, "tester") as session:
        s = snapshot(session, bill(session))
    form = {p.box: p.text for p in placements(s, 0)}
    overlay = {p.box: p.text for p in placements(s, 0, overlay=True)}
    assert form["33_phone"] == "(503) 555-0142"
    assert overlay["33_phone"] == "503 555-0142"
    assert "(" not in overlay["5_phone"] and overlay["5_phone"].replace(" ", "").replace("-", "")
