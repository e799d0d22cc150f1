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
    font_name = "Helvetica"  # embedded_fonts() names an embedded TrueType font instead

    def __init__(self, *args, **kwargs):
        kwargs["initialFontName"] = kwargs.get("initialFontName") or self.font_name
        super().__init__(*args, **kwargs)
        self._saved_pages: list[dict] = []

    def showPage(self):  # noqa: N802 - reportlab API
        self._saved_pages.append(dict(self.__dict__))
        self._startPage()

    def save(self):
        total = len(self._saved_pages)
        for state in self._saved_pages:
            self.__dict__.update(state)
            self.setFont(self.font_name, 7.5)
            width, _ = self._pagesize
            self.drawRightString(width - MARGIN, 0.4 * inch, f"Page {self._pageNumber} of {total}")
            if self.footer_text:
                self.drawString(MARGIN, 0.4 * inch, self.footer_text[:140])
            super().showPage()
        super().save()


def render(
    story: list,
    title: str,
    footer: str = "",
    pagesize=LETTER,
    font: str = "Helvetica",
    subject: str = "",
) -> bytes:
    """A Platypus story as PDF bytes, with page numbers on every page (rendered in memory:
    the file is written by store.files, privately).

    `font` is used for the page numbers and footer (pass embedded_fonts()[0] for documents
    that must embed every font). The creation date is the only varying byte: set
    SOURCE_DATE_EPOCH to fix it (reportlab honours it) and the output is byte-identical."""
    import io

    class _Canvas(NumberedCanvas):
        footer_text = footer
        font_name = font

    buffer = io.BytesIO()
    doc = SimpleDocTemplate(
        buffer,
        pagesize=pagesize,
        leftMargin=MARGIN,
        rightMargin=MARGIN,
        topMargin=MARGIN,
        bottomMargin=0.7 * inch,
        title=title,
        author="clinicbill",
        subject=subject,
        creator="clinicbill",
    )
    doc.build(story, canvasmaker=_Canvas)
    return buffer.getvalue()


def build(target, story: list, title: str, footer: str = "", **options) -> Path | None:
    """Render the story (see `render`) and write it to `target`: a store.files.Output (from
    resolve_output: a checked path or standard output) or a new file path. Returns the path
    written (None for standard output)."""
    from clinicbill.store.files import write_output

    return write_output(target, render(story, title, footer, **options))


def grid_table(
    rows: Sequence[Sequence],
    col_widths: Sequence[float] | None = None,
    header_rows: int = 1,
    right_cols: Sequence[int] = (),
    total_row: bool = False,
    font: str = "Helvetica",
    bold_font: str = "Helvetica-Bold",
) -> Table:
    """A ruled table whose header repeats on every page and whose rows never split."""
    table = Table(list(rows), colWidths=col_widths, repeatRows=header_rows, splitByRow=1)
    style = [
        ("FONT", (0, 0), (-1, -1), font, 8),
        ("FONT", (0, 0), (-1, header_rows - 1), bold_font, 8),
        ("BACKGROUND", (0, 0), (-1, header_rows - 1), colors.HexColor("#e8eef4")),
        ("GRID", (0, 0), (-1, -1), 0.4, colors.HexColor("#9aa8b5")),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("TOPPADDING", (0, 0), (-1, -1), 2),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
    ]
    for col in right_cols:
        style.append(("ALIGN", (col, 0), (col, -1), "RIGHT"))
    if total_row:
        style.append(("FONT", (0, -1), (-1, -1), bold_font, 8))
    table.setStyle(TableStyle(style))
    return table


# Embedded fonts (PDF/A-friendly documents): Bitstream Vera ships inside reportlab itself, so
# no system font is needed. Registered once per process; TrueType subsets are embedded.
EMBEDDED_FONT = "CB-Sans"
EMBEDDED_BOLD = "CB-Sans-Bold"
_EMBEDDED_FILES = {
    EMBEDDED_FONT: "Vera.ttf",
    EMBEDDED_BOLD: "VeraBd.ttf",
    "CB-Sans-Oblique": "VeraIt.ttf",
    "CB-Sans-BoldOblique": "VeraBI.ttf",
}


def embedded_fonts() -> tuple[str, str]:
    """Register the embedded font family (regular, bold, italics for <b>/<i> markup) and
    return the (regular, bold) names."""
    from reportlab.pdfbase import pdfmetrics

    if EMBEDDED_FONT not in pdfmetrics.getRegisteredFontNames():
        import reportlab
        from reportlab.lib.fonts import addMapping
        from reportlab.pdfbase.ttfonts import TTFont

        folder = Path(reportlab.__file__).parent / "fonts"
        for name, filename in _EMBEDDED_FILES.items():
            pdfmetrics.registerFont(TTFont(name, str(folder / filename)))
        for bold, italic, name in (
            (0, 0, EMBEDDED_FONT),
            (1, 0, EMBEDDED_BOLD),
            (0, 1, "CB-Sans-Oblique"),
            (1, 1, "CB-Sans-BoldOblique"),
        ):
            addMapping(EMBEDDED_FONT, bold, italic, name)
    return EMBEDDED_FONT, EMBEDDED_BOLD


def embedded_styles() -> dict[str, ParagraphStyle]:
    """STYLES in the embedded font (titles and headings in its bold)."""
    regular, bold = embedded_fonts()
    heavy = {"title", "h2"}
    return {
        key: ParagraphStyle(
            f"{style.name}-embedded", parent=style, fontName=bold if key in heavy else regular
        )
        for key, style in STYLES.items()
    }
