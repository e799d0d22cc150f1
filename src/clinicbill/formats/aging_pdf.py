"""The aging as a PDF: a stacked bar chart of the buckets per responsible party (reportlab
graphics, no plotting dependency), then every section of the report as a ruled table.

The numbers are the report's own cells (domain/reports/table.py), so the PDF agrees with the
terminal table, the CSV and the JSON.
"""

from __future__ import annotations

from pathlib import Path

from reportlab.graphics.charts.barcharts import HorizontalBarChart
from reportlab.graphics.charts.legends import Legend
from reportlab.graphics.shapes import Drawing
from reportlab.lib import colors
from reportlab.platypus import Spacer

from clinicbill.domain.reports.aging.query import BUCKET_LABELS
from clinicbill.domain.reports.table import MONEY, PERCENT, TEXT, Report, Section, cell_text
from clinicbill.formats.pdf import MARGIN, build, grid_table, para

# Green (current) to red (oldest), one per bucket.
BUCKET_COLOURS = ("#4c9a6a", "#9cc36b", "#f2c14e", "#ec8a3c", "#c8453b")
PAGE_WIDTH = 612 - 2 * MARGIN  # US Letter portrait
NUMBER_WIDTH = 56
CHART_ROW_HEIGHT = 22


def _axis_dollars(value) -> str:
    """Axis tick labels: whole dollars (ticks are drawing positions, not money amounts)."""
    return f"${int(value) // 100:,}"


def bucket_chart(parties, width: float = PAGE_WIDTH) -> Drawing:
    """One horizontal bar per responsible party, stacked by bucket, with a legend."""
    height = 70 + CHART_ROW_HEIGHT * len(parties)
    drawing = Drawing(width, height)
    chart = HorizontalBarChart()
    chart.x = 150
    chart.y = 40
    chart.width = width - 165
    chart.height = height - 60
    chart.data = [tuple(p.amounts[i] for p in parties) for i in range(len(BUCKET_LABELS))]
    chart.categoryAxis.categoryNames = [p.party[:30] for p in parties]
    chart.categoryAxis.style = "stacked"
    chart.categoryAxis.reverseDirection = 1
    chart.categoryAxis.labels.fontSize = 7.5
    chart.valueAxis.valueMin = 0
    chart.valueAxis.labels.fontSize = 7
    chart.valueAxis.labelTextFormat = _axis_dollars
    chart.barSpacing = 0
    chart.groupSpacing = 6
    for index, colour in enumerate(BUCKET_COLOURS):
        chart.bars[index].fillColor = colors.HexColor(colour)
        chart.bars[index].strokeColor = colors.white
    drawing.add(chart)
    legend = Legend()
    legend.x = 150
    legend.y = 14
    legend.dx = legend.dy = 7
    legend.fontSize = 7.5
    legend.alignment = "right"
    legend.columnMaximum = 1
    legend.deltax = 62
    legend.colorNamePairs = [
        (colors.HexColor(colour), f"{label} days")
        for colour, label in zip(BUCKET_COLOURS, BUCKET_LABELS, strict=True)
    ]
    drawing.add(legend)
    return drawing


def _widths(section: Section) -> list[float]:
    numbers = [c.kind not in (TEXT,) for c in section.columns]
    fixed = NUMBER_WIDTH * sum(numbers)
    text_count = len(numbers) - sum(numbers)
    text_width = max((PAGE_WIDTH - fixed) / max(text_count, 1), 50)
    return [NUMBER_WIDTH if n else text_width for n in numbers]


def _cells(section: Section, row: tuple, share: bool = False) -> list:
    out = []
    for column, value in zip(section.columns, row, strict=True):
        kind = PERCENT if share and column.kind == MONEY else column.kind
        text = cell_text(value, kind)
        out.append(para(text, "cell") if column.kind == TEXT else text)
    return out


def section_flowables(section: Section) -> list:
    """A section's heading and its table (or the line saying it is empty)."""
    story = [para(section.title, "h2")]
    if not section.rows:
        story.append(para(section.empty))
        return story
    rows = [[c.label for c in section.columns]]
    rows.extend(_cells(section, row) for row in section.rows)
    if section.total is not None:
        rows.append(_cells(section, section.total))
    if section.share_row is not None:
        rows.append(_cells(section, section.share_row, share=True))
    right = [i for i, c in enumerate(section.columns) if c.kind != TEXT]
    story.append(
        grid_table(
            rows,
            col_widths=_widths(section),
            right_cols=right,
            total_row=section.total is not None and section.share_row is None,
        )
    )
    return story


def write_aging_pdf(path, report: Report, parties, practice_name: str = "") -> Path | None:
    """Write the aging report (`report` from domain/aging_report.to_report, `parties` the
    per-party rows for the chart) to `path`."""
    story = [para(report.title, "title")]
    if practice_name:
        story.append(para(practice_name))
    story.append(para(report.subtitle(), "small"))
    story.append(Spacer(1, 6))
    if parties:
        story.append(para("Open balances by responsible party", "h2"))
        story.append(bucket_chart(parties))
    for section in report.sections:
        story.extend(section_flowables(section))
    story.append(Spacer(1, 8))
    for note in report.notes:
        story.append(para(note))
    footer = f"{report.title}, as of {report.parameters.get('as_of', '')}"
    return build(path, story, title=report.title, footer=footer)
