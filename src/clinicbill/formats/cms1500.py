"""CMS-1500 (02/12) claim form as PDF.

Default: draws the form's boxes and labels with the data, for review and for payers that accept
a printed image. `overlay=True`: data only, on the NUCC grid (10 cpi, 6 lpi) for printing onto the
red pre-printed form. Six service lines per page; a longer claim continues on further pages of
the same claim with the totals (boxes 28, 29) on the last page only.

The form is a fixed grid, so this draws on a reportlab canvas directly rather than flowing a
Platypus story (formats/pdf.py); values come from formats/claim_table.py.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from clinicbill.domain.claims.snapshot import ClaimSnapshot
from clinicbill.formats import cms1500_layout as grid
from clinicbill.formats.claim_table import claim_boxes, line_boxes

DATA_FONT = ("Courier", 12.0)  # 12 pt Courier is exactly 10 characters per inch
LABEL_FONT = ("Helvetica", 5.0)
FORM_RED = (0.72, 0.13, 0.13)


MIN_DATA_SIZE = 5.0  # the smallest font a long value shrinks to before it wraps


@dataclass(frozen=True)
class Placement:
    box: str
    line: int
    column: int
    text: str
    size: float = DATA_FONT[1]  # smaller when the value is longer than its box
    drop: float = 0.0  # points below the line's baseline (a wrapped value's second line)


def _form_money(text: str) -> str:
    """`120.50` -> `  120 50`: dollars and cents either side of the form's dotted divider."""
    dollars, _, cents = text.partition(".")
    return f"{dollars:>5} {cents or '00'}"


def page_count(snapshot: ClaimSnapshot) -> int:
    return max(1, -(-len(snapshot.lines) // grid.LINES_PER_PAGE))


def _overlay_phone(text: str) -> str:
    """`(503) 555-0142` -> `503 555-0142`: the red form prints the parentheses."""
    return text.replace("(", "").replace(")", "")


def placements(snapshot: ClaimSnapshot, page: int, overlay: bool = False) -> list[Placement]:
    """Everything printed on page `page` (0-based) of a claim, as grid positions."""
    boxes = claim_boxes(snapshot)
    if overlay:
        for key in ("5_phone", "33_phone"):
            boxes[key] = _overlay_phone(boxes.get(key, ""))
    pages = page_count(snapshot)
    last = page == pages - 1
    out: list[Placement] = []
    for key, (line, column, width) in grid.TEXT.items():
        value = boxes.get(key, "")
        if key in ("28", "29"):
            if not last:
                continue  # totals on the last page only
            value = _form_money(value)
        if value:
            out.extend(_place(key, line, column, width, value))
    for key, (line, options) in grid.CHECKS.items():
        column = options.get(boxes.get(key, ""))
        if column is not None:
            out.append(Placement(key, line, column, "X"))
    if pages > 1:
        out.append(Placement("page", 1, 66, f"PAGE {page + 1} OF {pages}"))
    rows = snapshot.lines[page * grid.LINES_PER_PAGE : (page + 1) * grid.LINES_PER_PAGE]
    for row, line in enumerate(rows, start=1):
        values = line_boxes(snapshot, line)
        values["24F"] = _form_money(values["24F"])
        for key, (column, width) in grid.LINE_TEXT.items():
            if values.get(key):
                out.extend(_place(key, grid.line_of_row(row), column, width, values[key]))
    return out


def _place(key: str, line: int, column: int, width: int, value: str) -> list[Placement]:
    """A value in its box, never cut: longer than the box, it shrinks (down to MIN_DATA_SIZE)
    and then wraps onto two lines; right-aligned amounts start where their first digit lands."""
    value = value.rstrip()
    size = DATA_FONT[1]
    if len(value) <= width:
        if key in grid.RIGHT_ALIGNED:
            padded = value.rjust(width)
            column += len(padded) - len(padded.lstrip())
            value = padded.lstrip()
        return [Placement(key, line, column, value)]
    if len(value) * MIN_DATA_SIZE <= width * size:
        return [Placement(key, line, column, value, size * width / len(value))]
    first, second = _split(value)
    longest = max(len(first), len(second))
    small = min(MIN_DATA_SIZE, size * width / longest)
    return [
        Placement(key, line, column, first, small, -small * 0.9),
        Placement(key, line, column, second, small, small * 0.35),
    ]


def _split(value: str) -> tuple[str, str]:
    """Two lines, broken at the space nearest the middle (or in the middle)."""
    middle = len(value) // 2
    spaces = [i for i, c in enumerate(value) if c == " "]
    cut = min(spaces, key=lambda i: abs(i - middle)) if spaces else middle
    return value[:cut].rstrip(), value[cut:].lstrip()


def _wrap(canvas, text: str, width: float, size: float) -> list[str]:
    font = LABEL_FONT[0]
    lines: list[str] = []
    for word in text.split():
        if lines and canvas.stringWidth(f"{lines[-1]} {word}", font, size) <= width:
            lines[-1] += f" {word}"
        else:
            lines.append(word)
    return lines


def _fit_label(canvas, label: str, width: float, height: float) -> tuple[float, list[str]]:
    """The label's font size and lines: wrapped to the box's width, shrunk until every word
    fits and the lines fit the room; never cut."""
    size = LABEL_FONT[1]
    while True:
        lines = _wrap(canvas, label, width, size)
        widest = max(canvas.stringWidth(line, LABEL_FONT[0], size) for line in lines)
        if size <= 2.5 or (widest <= width and len(lines) * (size + 0.3) <= height):
            return size, lines
        size -= 0.25


def _draw_form(canvas) -> None:
    from reportlab.lib.colors import Color

    red = Color(*FORM_RED)
    canvas.setStrokeColor(red)
    canvas.setFillColor(red)
    canvas.setFont("Helvetica-Bold", 11)
    canvas.drawString(grid.x_of(1), grid.baseline_of(5), "HEALTH INSURANCE CLAIM FORM")
    canvas.setFont("Helvetica", 5.5)
    canvas.drawString(
        grid.x_of(1),
        grid.baseline_of(6),
        "APPROVED BY NATIONAL UNIFORM CLAIM COMMITTEE (NUCC) 02/12",
    )
    canvas.drawString(grid.x_of(41), grid.top_of(2) + 2, "CARRIER")
    canvas.setLineWidth(0.5)
    font, size = LABEL_FONT
    for label, top, bottom, left, right in grid.BOXES:
        x0, x1 = grid.x_of(left) - 1.5, grid.x_of(right + 1) - 1.5
        y0, y1 = grid.top_of(bottom + 1), grid.top_of(top)
        canvas.rect(x0, y0, x1 - x0, y1 - y0, stroke=1, fill=0)
        # a label above data keeps to the box's top line; a header (box 24) has the whole box
        room = (y1 - y0) if label in grid.HEADERS else grid.LINE_PT * (bottom - top)
        label_size, lines = _fit_label(canvas, label, x1 - x0 - 2, room)
        canvas.setFont(font, label_size)
        for index, text in enumerate(lines):
            canvas.drawString(x0 + 1, y1 - (label_size + 0.3) * (index + 1), text)
    for label, line, left, right in grid.SUB_CELLS:
        x0, x1 = grid.x_of(left) - 1.5, grid.x_of(right + 1) - 1.5
        canvas.rect(x0, grid.top_of(line + 1), x1 - x0, grid.LINE_PT, stroke=1, fill=0)
        canvas.setFont(font, size)
        canvas.drawString(x0 + 1, grid.top_of(line + 1) + 1.5, label)
    for row in range(1, grid.LINES_PER_PAGE + 1):
        data = grid.line_of_row(row)
        y0, y1 = grid.top_of(data + 1), grid.top_of(data - 1)
        x0, x1 = grid.x_of(1) - 1.5, grid.x_of(80) - 1.5
        canvas.setFillColorRGB(0.97, 0.9, 0.9)
        canvas.rect(x0, grid.top_of(data), x1 - x0, grid.LINE_PT, stroke=0, fill=1)
        canvas.rect(x0, y0, x1 - x0, y1 - y0, stroke=1, fill=0)
        for column in grid.LINE_DIVIDERS:
            x = grid.x_of(column) - 1.5
            canvas.line(x, y0, x, grid.top_of(data))
        canvas.setFillColor(red)
        canvas.setFont(font, size)
        canvas.drawString(grid.x_of(1) - 6.5, y0 + 3, str(row))
        canvas.drawString(grid.x_of(65), grid.top_of(data) - 6, "NPI")
    for line, options in grid.CHECKS.values():
        for name, column in options.items():
            canvas.drawString(grid.x_of(column), grid.baseline_of(line - 1) - 1, name)
    for index in range(12):
        line, column, _ = grid.TEXT[f"21{chr(65 + index)}"]
        canvas.drawString(grid.x_of(column) - 7, grid.baseline_of(line), f"{chr(65 + index)}.")
    canvas.setStrokeColorRGB(0, 0, 0)
    canvas.setFillColorRGB(0, 0, 0)


def draw_placements(pdf, items) -> None:
    for item in items:
        pdf.setFont(DATA_FONT[0], item.size)
        pdf.drawString(grid.x_of(item.column), grid.baseline_of(item.line) - item.drop, item.text)


def write_cms1500(target, snapshots: list[ClaimSnapshot], overlay: bool = False) -> Path | None:
    """Write every claim's pages to one PDF at `target` (a store.files.Output or a new file
    path); returns the path (None for standard output)."""
    from clinicbill.store.files import write_output

    return write_output(target, cms1500_pdf(snapshots, overlay))


def cms1500_pdf(snapshots: list[ClaimSnapshot], overlay: bool = False) -> bytes:
    """Every claim's pages as one PDF, rendered in memory."""
    import io

    from reportlab.lib.pagesizes import LETTER
    from reportlab.pdfgen import canvas as rl_canvas

    buffer = io.BytesIO()
    pdf = rl_canvas.Canvas(buffer, pagesize=LETTER, pageCompression=1)
    pdf.setTitle("CMS-1500 claim" + ("s" if len(snapshots) > 1 else ""))
    pdf.setAuthor("clinicbill")
    pdf.setCreator("clinicbill")
    for snapshot in snapshots:
        for page in range(page_count(snapshot)):
            if not overlay:
                _draw_form(pdf)
            draw_placements(pdf, placements(snapshot, page, overlay))
            pdf.showPage()
    pdf.save()
    return buffer.getvalue()
