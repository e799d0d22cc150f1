"""Reports as CSV and JSON: the same cells as the terminal table and the PDF, in machine form
(money as exact decimal strings such as "1234.50", percentages as "12.5", dates ISO).

The CSV is meant for spreadsheets: every cell goes through store.files.spreadsheet_cell (a
text cell starting with = + - @ tab or CR is prefixed with ', a plain number is kept); the
JSON keeps every value exactly."""

from __future__ import annotations

import csv
import io
import json

from clinicbill.domain.reports.table import MONEY, Report, Section, cell_data
from clinicbill.store.files import spreadsheet_cell


def _row_data(section: Section, row: tuple, share: bool = False) -> dict:
    out = {}
    for column, value in zip(section.columns, row, strict=True):
        kind = "percent" if share and column.kind == MONEY else column.kind
        out[column.key] = cell_data(value, kind)
    return out


def report_data(report: Report) -> dict:
    """The report as plain JSON-ready data."""
    sections = {}
    for section in report.sections:
        data = {
            "title": section.title,
            "columns": [c.key for c in section.columns],
            "rows": [_row_data(section, row) for row in section.rows],
        }
        if section.total is not None:
            data["total"] = _row_data(section, section.total)
        if section.share_row is not None:
            data["percent_of_total"] = _row_data(section, section.share_row, share=True)
        sections[section.key] = data
    return {
        "report": report.name,
        "title": report.title,
        "parameters": report.parameters,
        "sections": sections,
        "summary": {key: cell_data(value, MONEY) for key, value in report.summary.items()},
        "notes": list(report.notes),
    }


def report_json(report: Report) -> str:
    return json.dumps(report_data(report), indent=2, ensure_ascii=False) + "\n"


def _csv_cells(section: Section, row: tuple, share: bool = False) -> list:
    cells = []
    for column, value in zip(section.columns, row, strict=True):
        kind = "percent" if share and column.kind == MONEY else column.kind
        data = cell_data(value, kind)
        cells.append("" if data is None else data)
    return cells


def report_csv(report: Report) -> str:
    """One CSV: a title block, then each section (title, header, rows, totals) and the notes,
    separated by blank rows, so a spreadsheet shows it the way the terminal does."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")

    def row(cells) -> None:
        writer.writerow([spreadsheet_cell(cell) for cell in cells])

    row([report.title])
    if report.subtitle():
        row([report.subtitle()])
    for section in report.sections:
        row([])
        row([section.title])
        row([c.label for c in section.columns])
        for cells in section.rows:
            row(_csv_cells(section, cells))
        if section.total is not None:
            row(_csv_cells(section, section.total))
        if section.share_row is not None:
            row(_csv_cells(section, section.share_row, share=True))
    if report.notes:
        row([])
        for note in report.notes:
            row([note])
    return buffer.getvalue()
