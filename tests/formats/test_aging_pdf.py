"""The aging PDF read back: every number of the report, the bar chart's labels and legend, page
numbers, a header repeated on every page of a long report, and a non-blank chart."""

from __future__ import annotations

import re
import shutil
import subprocess
from datetime import date

import pytest
from pypdf import PdfReader

from clinicbill.domain.reports.aging.report import AgingReport, AgingRow, CreditRow, to_report
from clinicbill.domain.reports.aging.sections import ClaimAlert
from clinicbill.domain.reports.table import MONEY, PERCENT, cell_text
from clinicbill.formats.aging_pdf import write_aging_pdf

AS_OF = date(2026, 10, 31)


def row(party, amounts, payer_id=None):
    return AgingRow(party, party, payer_id, None, None, amounts)


def small_aging() -> AgingReport:
    parties = (
        row("Cascade Health Plan", (12500, 4000, 0, 0, 1999), 2),
        row("Evergreen Mutual Insurance", (0, 3300, 7700, 0, 0), 3),
        row("Patient responsibility", (2500, 0, 0, 6400, 25600)),
    )
    alert = ClaimAlert(
        "CB00000042",
        42,
        None,
        "Chen, Maya",
        "P00001",
        "Cascade Health Plan",
        2,
        "submitted",
        date(2026, 8, 1),
        date(2026, 8, 3),
        None,
        89,
        1999,
    )
    return AgingReport(
        as_of=AS_OF,
        basis="service",
        by="payer",
        provider=None,
        rows=parties,
        parties=parties,
        credits=(CreditRow("Alvarez, Robert", "unapplied payment", 2, None, "P00002", 5000),),
        timely_filing=(),
        no_response=(alert,),
    )


def pdf_text(path) -> tuple[list[str], str]:
    pages = [page.extract_text() for page in PdfReader(str(path)).pages]
    return pages, "\n".join(pages)


def test_every_number_the_chart_and_the_last_line(tmp_path):
    aging = small_aging()
    report = to_report(aging)
    path = write_aging_pdf(tmp_path / "aging.pdf", report, aging.parties, "Willow Creek")
    pages, text = pdf_text(path)
    assert len(pages) == 1 and "Page 1 of 1" in text
    assert "Accounts receivable aging" in text and "Willow Creek" in text
    main = report.section("aging")
    for cells in (*main.rows, main.total):
        money = [
            cell_text(v, c.kind)
            for c, v in zip(main.columns, cells, strict=True)
            if c.kind == MONEY
        ]
        assert "\n".join(money) in text
    shares = [cell_text(v, PERCENT) for v in main.share_row[1:]]
    assert "\n".join(shares) in text
    assert shares == ["23.4%", "11.4%", "12.0%", "10.0%", "43.1%", "100.0%"]
    for label in ("0-30 days", "31-60 days", "61-90 days", "91-120 days", "120+ days"):
        assert label in text  # the chart's legend
    assert text.count("Evergreen Mutual Insurance") == 2  # chart axis + table
    assert "CB00000042" in text and "$19.99" in text and "$50.00" in text
    flat = " ".join(text.split())
    assert " ".join(aging.check_line().split()) in flat
    assert "open balances less credits $589.99 (what is owed less the money held)" in flat


def test_a_long_report_repeats_its_header_on_every_page(tmp_path):
    rows = tuple(row(f"Patient {i:03d}", (100 * i, 0, 0, 0, 7), None) for i in range(1, 181))
    aging = AgingReport(AS_OF, "service", "payer", None, rows, rows[:5], (), (), ())
    path = write_aging_pdf(tmp_path / "long.pdf", to_report(aging), aging.parties)
    pages, text = pdf_text(path)
    assert len(pages) >= 4
    for number, page in enumerate(pages, start=1):
        assert f"Page {number} of {len(pages)}" in page
    table_pages = [p for p in pages if re.search(r"Patient \d{3}", p)]
    assert len(table_pages) == len(pages) or len(table_pages) == len(pages) - 1
    assert all("Responsible party" in p for p in table_pages)
    assert all(f"Patient {i:03d}" in text for i in range(1, 181))
    total = sum(100 * i + 7 for i in range(1, 181))
    assert cell_text(total, MONEY) in pages[-1] or cell_text(total, MONEY) in text


def test_an_empty_aging_says_so(tmp_path):
    aging = AgingReport(AS_OF, "billed", "patient", "Ana Reyes, LMT", (), (), (), (), ())
    path = write_aging_pdf(tmp_path / "empty.pdf", to_report(aging), aging.parties)
    _, text = pdf_text(path)
    assert "no open balances" in text and "no credits" in text
    assert "first billed" in text and "Ana Reyes, LMT" in text


@pytest.mark.skipif(shutil.which("pdftoppm") is None, reason="pdftoppm (poppler) not installed")
def test_the_chart_is_drawn_in_colour(tmp_path):
    aging = small_aging()
    path = write_aging_pdf(tmp_path / "aging.pdf", to_report(aging), aging.parties)
    subprocess.run(
        ["pdftoppm", "-png", "-r", "40", "-f", "1", "-l", "1", str(path), str(tmp_path / "p")],
        check=True,
    )
    from PIL import Image  # installed with reportlab

    image = Image.open(next(tmp_path.glob("p*.png"))).convert("RGB")
    raw = image.tobytes()
    pixels = [tuple(raw[i : i + 3]) for i in range(0, len(raw), 3)]
    reds = sum(1 for r, g, b in pixels if r > 170 and g < 110 and b < 100)
    greens = sum(1 for r, g, b in pixels if g > 130 and r < 110 and b < 130)
    assert reds > 20 and greens > 20  # the 120+ and 0-30 buckets' bars
