"""CMS-1500 PDF: text read back with pypdf lands at each box's grid position; pagination."""

from __future__ import annotations

from datetime import timedelta

import pypdf
import pytest

from clinicbill.domain.claims.actions import secondary_claim
from clinicbill.formats import cms1500_layout as grid
from clinicbill.formats.cms1500 import placements, write_cms1500
from clinicbill.store.engine import transaction
from tests.claimkit import RECENT, bill, post_primary, snapshot
from tests.factories import make_encounter


@pytest.fixture
def session(sample_db):
    with transaction(sample_db, "tester") as s:
        yield s


def read_back(path) -> list[dict[tuple[int, int], str]]:
    """Per page: grid (line, column) -> text drawn there."""
    pages = []
    for page in pypdf.PdfReader(str(path)).pages:
        found: dict[tuple[int, int], str] = {}

        def visit(text, cm, tm, font, size, found=found):
            if text.strip():
                x, y = tm[4], tm[5]
                found[grid.grid_position(x, y)] = text.strip()

        page.extract_text(visitor_text=visit)
        pages.append(found)
    return pages


def value_at(page: dict, line: int, column: int) -> str | None:
    return page.get((line, column))


def test_every_box_value_is_at_its_place(session, tmp_path):
    claim = bill(
        session,
        patient_id=3,
        policy_id=4,
        lines=[
            {"code": "97124", "charge_cents": 6500, "units": 2, "minutes": 30},
            {"code": "97140", "charge_cents": 3800, "modifiers": "59", "pointers": "1,2"},
        ],
        diagnoses=("M54.50", "M62.830"),
    )
    s = snapshot(session, claim)
    path = write_cms1500(tmp_path / "claim.pdf", [s])
    [page] = read_back(path)
    expected = {
        (8, 50): "CHP77310002",  # 1a insured's ID
        (10, 1): "OKAFOR, LUCAS",  # 2 patient's name
        (10, 31): "11 05 2012",  # 3 birth date
        (10, 42): "X",  # 3 sex M
        (10, 50): "OKAFOR, GRACE",  # 4 insured's name
        (12, 1): "2930 N WILLIAMS AVE",  # 5
        (12, 42): "X",  # 6 child
        (14, 1): "PORTLAND",
        (14, 26): "OR",
        (16, 1): "97227-1822",
        (18, 50): "G4100",  # 11 group
        (20, 53): "02 14 1981",  # 11a insured's birth date
        (20, 75): "X",  # 11a sex F
        (20, 41): "X",  # 10a employment: no
        (26, 57): "X",  # 11d: no other plan
        (29, 7): "SIGNATURE ON FILE",  # 12
        (29, 55): "SIGNATURE ON FILE",  # 13
        (37, 42): "0",  # 21 ICD indicator
        (38, 3): "M5450",  # 21A
        (38, 16): "M62830",  # 21B
        (44, 1): RECENT.strftime("%m %d %y"),  # 24A row 1
        (44, 19): "11",  # 24B
        (44, 25): "97124",  # 24D
        (44, 45): "A",  # 24E
        (44, 53): "65 00",  # 24F right-aligned
        (44, 61): "2",  # 24G
        (44, 68): "1746503824",  # 24J
        (46, 25): "97140",
        (46, 33): "59",
        (46, 45): "AB",
        (56, 1): "931234567",  # 25
        (56, 19): "X",  # 25 EIN
        (56, 23): s.patient_control_number,  # 26
        (56, 38): "X",  # 27 yes
        (56, 54): "103 00",  # 28
        (56, 66): "0 00",  # 29
        (58, 50): "WILLOW CREEK BODYWORK & ACUPUNCTU",  # 33 (cut to the box)
        (61, 50): "1928374655",  # 33a
        (60, 1): "ANA REYES LMT",  # 31
    }
    for (line, column), text in expected.items():
        got = value_at(page, line, column)
        assert got is not None and got.startswith(text[:20]), ((line, column), text, got)
    # and everything placements() says is printed is where the PDF has it
    for item in placements(s, 0):
        assert value_at(page, item.line, item.column) == item.text.strip(), item


def test_overlay_prints_data_only(session, tmp_path):
    s = snapshot(session, bill(session))
    form = pypdf.PdfReader(str(write_cms1500(tmp_path / "f.pdf", [s]))).pages[0].extract_text()
    data = pypdf.PdfReader(str(write_cms1500(tmp_path / "o.pdf", [s], overlay=True)))
    text = data.pages[0].extract_text()
    assert "HEALTH INSURANCE CLAIM FORM" in form and "PATIENT'S NAME" in form
    assert "HEALTH INSURANCE CLAIM FORM" not in text and "PATIENT'S NAME" not in text
    assert "CHEN, MAYA" in text and "CHP884412001" in text


@pytest.mark.parametrize(("count", "pages"), [(6, 1), (7, 2), (12, 2), (13, 3)])
def test_pagination_six_lines_a_page_totals_on_the_last(session, tmp_path, count, pages):
    lines = [
        {"code": "97124", "charge_cents": 1000 + i, "modifiers": f"{i:02d}"} for i in range(count)
    ]
    visit = make_encounter(session, 1, 1, RECENT, lines, 1)
    from clinicbill.domain.claims.build import create_claims

    [claim] = create_claims(session, [visit]).claims
    s = snapshot(session, claim)
    read = read_back(write_cms1500(tmp_path / "p.pdf", [s]))
    assert len(read) == pages
    cents = sum(1000 + i for i in range(count))
    total = f"{cents // 100} {cents % 100:02d}"
    for number, page in enumerate(read, start=1):
        rows = [k for k in page if k[1] == 25 and 44 <= k[0] <= 54]
        expected_rows = min(6, count - 6 * (number - 1))
        assert len(rows) == expected_rows
        totals = [v for (line, col), v in page.items() if line == 56 and 50 <= col <= 60]
        if number == pages:
            assert totals == [total]
        else:
            assert totals == []
        if pages > 1:
            assert page[(1, 66)] == f"PAGE {number} OF {pages}"


def test_secondary_claim_shows_other_insurance_and_amount_paid(session, tmp_path):
    primary = bill(session, 2, 1, [{"code": "97124", "charge_cents": 6500, "units": 2}], 2)
    post_primary(session, primary, {1: 4000}, [(1, "adjustment", "CO", "45", 2500)])
    s = snapshot(session, secondary_claim(session, primary, RECENT + timedelta(days=5)))
    [page] = read_back(write_cms1500(tmp_path / "s.pdf", [s]))
    assert value_at(page, 18, 1) == "ALVAREZ, ROBERT"  # 9 other insured
    assert value_at(page, 20, 1) == "1EG4TE5MK72"  # 9a: Medicare id (no group)
    assert value_at(page, 26, 52) == "X"  # 11d yes
    assert value_at(page, 56, 65) == "40 00"  # 29 amount paid by the primary
