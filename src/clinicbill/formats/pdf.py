"""Shared reportlab helpers: page template with "Page N of M", styles, money cells.

Import this module only when writing a PDF (reportlab costs ~100 ms to import).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from reportlab.lib import colors
from reportlab.lib.pagesizes import LETTER
from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
from reportlab.lib.units import inch
from reportlab.pdfgen import canvas as rl_canvas
from reportlab.platypus import Paragraph, SimpleDocTemplate, Table, TableStyle

MARGIN = 0.6 * inch
_styles = getSampleStyleSheet()
STYLES = {
    "title": ParagraphStyle("cb-title", parent=_styles["Title"], fontSize=16, spaceAfter=6),
    "h2": ParagraphStyle(
        "cb-h2", parent=_styles["Heading2"], fontSize=11, spaceBefore=8, spaceAfter=4
    ),
    "body": ParagraphStyle("cb-body", parent=_styles["BodyText"], fontSize=9, leading=11.5),
    "small": ParagraphStyle("cb-small", parent=_styles["BodyText"], fontSize=7.5, leading=9.5),
    "cell": ParagraphStyle("cb-cell", parent=_styles["BodyText"], fontSize=8, leading=10),
}


def para(text: str, style: str = "body") -> Paragraph:
    """A paragraph of plain text (escaped: names may contain & or <)."""
    from xml.sax.saxutils import escape

    return Paragraph(escape(text).replace("\n", "<br/>"), STYLES[style])


def markup(text: str, style: str = "body") -> Paragraph:
    """A paragraph of trusted reportlab markup (our own templates only)."""
    return Paragraph(text, STYLES[style])


class NumberedCanvas(rl_canvas.Canvas):
    """Writes "Page N of M" on every page once the total is known."""

    footer_text = ""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._saved_pages: list[dict] = []

    def showPage(self):  # noqa: N802 - reportlab API
        self._saved_pages.append(dict(self.__dict__))
        self._startPage()

    def save(self):
        total = len(self._saved_pages)
        for state in self._saved_pages:
            self.__dict__.update(state)
            self.setFont("Helvetica", 7.5)
            width, _ = self._pagesize
            self.drawRightString(width - MARGIN, 0.4 * inch, f"Page {self._pageNumber} of {total}")
            if self.footer_text:
                self.drawString(MARGIN, 0.4 * inch, self.footer_text[:140])
            super().showPage()
        super().save()


def build(path: str | Path, story: list, title: str, footer: str = "", pagesize=LETTER) -> Path:
    """Write a Platypus story to `path` with page numbers on every page; returns the path."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)

    class _Canvas(NumberedCanvas):
        footer_text = footer

    doc = SimpleDocTemplate(
        str(path),
        pagesize=pagesize,
        leftMargin=MARGIN,
        rightMargin=MARGIN,
        topMargin=MARGIN,
        bottomMargin=0.7 * inch,
        title=title,
        author="clinicbill",
    )
    doc.build(story, canvasmaker=_Canvas)
    return path


def grid_table(
    rows: Sequence[Sequence],
    col_widths: Sequence[float] | None = None,
    header_rows: int = 1,
    right_cols: Sequence[int] = (),
    total_row: bool = False,
) -> Table:
    """A ruled table whose header repeats on every page and whose rows never split."""
    table = Table(list(rows), colWidths=col_widths, repeatRows=header_rows, splitByRow=1)
    style = [
        ("FONT", (0, 0), (-1, -1), "Helvetica", 8),
        ("FONT", (0, 0), (-1, header_rows - 1), "Helvetica-Bold", 8),
        ("BACKGROUND", (0, 0), (-1, header_rows - 1), colors.HexColor("#e8eef4")),
        ("GRID", (0, 0), (-1, -1), 0.4, colors.HexColor("#9aa8b5")),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("TOPPADDING", (0, 0), (-1, -1), 2),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
    ]
    for col in right_cols:
        style.append(("ALIGN", (col, 0), (col, -1), "RIGHT"))
    if total_row:
        style.append(("FONT", (0, -1), (-1, -1), "Helvetica-Bold", 8))
    table.setStyle(TableStyle(style))
    return table
