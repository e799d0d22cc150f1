"""`clinicbill aging` and `clinicbill report …` through the real CLI: the terminal table, CSV,
JSON and PDF agree on every number; refusals and usage errors; files and paths."""

from __future__ import annotations

import csv
import io
import json
import re
from datetime import date, timedelta

import pytest
from pypdf import PdfReader

from clinicbill.domain.reports.aging.report import aging_report, to_report
from clinicbill.domain.reports.table import MONEY, PERCENT, cell_text
from clinicbill.store.engine import transaction
from tests.conftest import cli_subprocess
from tests.domain.reports_data import ALVAREZ, CHEN, HADDAD, NATARAJAN, OKAFOR, TODAY, Books

MONEY_TEXT = re.compile(r"-?\$[\d,]+\.\d\d")


@pytest.fixture
def history(sample_db):
    """A practice with balances in every bucket, payer and patient parties, and credits."""
    with transaction(sample_db, "tester") as session:
        books = Books(session)
        books.visit(OKAFOR, 5, 1000)
        books.visit(HADDAD, 45, 2500, policy=False)
        books.visit(HADDAD, 130, 4000, policy=False, provider_id=2, code="97810")
        books.claim(books.visit(NATARAJAN, 70, 3300), [("submitted", 65)])
        line = books.visit(CHEN, 100, 10000)[0]
        claim = books.claim([line], [("submitted", 95), ("paid", 60)])
        books.remit(
            claim,
            60,
            [
                (line, "insurance_payment", 6000),
                (line, "adjustment", 1500, "CO", "45"),
                (line, "patient_responsibility", 2500, "PR", "2"),
            ],
        )
        books.pay(CHEN, 1000, 30, applied=[(line, 1000, 30)])
        books.pay(ALVAREZ, 5000, 3)  # unapplied: a credit
    return sample_db


def domain_report(db_url, **kwargs):
    with transaction(db_url, "tester") as session:
        return to_report(aging_report(session, TODAY, **kwargs))


def money_rows(section):
    """Each row's money cells as people see them, for the table and the PDF."""
    out = []
    for row in (*section.rows, section.total):
        cells = zip(section.columns, row, strict=True)
        out.append([cell_text(v, c.kind) for c, v in cells if c.kind == MONEY])
    return out


def test_table_csv_json_and_pdf_agree_on_every_number(sample_run, history, tmp_path):
    report = domain_report(history)
    main = report.section("aging")
    assert len(main.rows) == 3  # Cascade, Evergreen, patients

    table = sample_run("aging", "--as-of", TODAY.isoformat())
    assert table.exit_code == 0, table.stderr
    assert "\x1b[" not in table.stdout  # colour only on a terminal
    lines = table.stdout.splitlines()
    for label, cells in zip([r[0] for r in main.rows] + ["Total"], money_rows(main), strict=True):
        line = next(x for x in lines if f" {label} " in x and MONEY_TEXT.search(x))
        assert MONEY_TEXT.findall(line) == cells
    share = next(x for x in lines if "% of total" in x)
    assert re.findall(r"[\d.]+%", share) == [cell_text(v, PERCENT) for v in main.share_row[1:]]
    assert lines[-1] == report.notes[-1]

    out = tmp_path / "aging.csv"
    assert sample_run("aging", "--format", "csv", "-o", str(out)).exit_code == 0
    grid = list(csv.reader(io.StringIO(out.read_text())))
    header = grid.index(["Responsible party", "0-30", "31-60", "61-90", "91-120", "120+", "Total"])
    for offset, row in enumerate((*main.rows, main.total), start=1):
        assert grid[header + offset] == [row[0], *(f"{v / 100:.2f}" for v in row[1:])]
    assert grid[header + len(main.rows) + 2][1:] == [str(v) for v in main.share_row[1:]]
    assert grid[-1] == [report.notes[-1]]

    for args in (["aging", "--format", "json"], ["--json", "aging"]):
        data = json.loads(sample_run(*args).stdout)
        rows = data["sections"]["aging"]["rows"]
        assert [r["party"] for r in rows] == [r[0] for r in main.rows]
        for got, row in zip(rows, main.rows, strict=True):
            assert [got[c.key] for c in main.columns[1:]] == [f"{v / 100:.2f}" for v in row[1:]]
        assert data["summary"] == {
            "open_balances": f"{report.summary['open_balances'] / 100:.2f}",
            "credits": f"{report.summary['credits'] / 100:.2f}",
            "net_receivable": f"{report.summary['net_receivable'] / 100:.2f}",
        }
        credits = data["sections"]["credits"]["rows"]
        assert [(c["party"], c["amount"]) for c in credits] == [("1 patient", "50.00")]

    pdf = tmp_path / "aging.pdf"
    result = sample_run("aging", "--format", "pdf", "-o", str(pdf))
    assert result.exit_code == 0 and result.stdout.strip() == f"wrote {pdf}"
    text = "\n".join(page.extract_text() for page in PdfReader(str(pdf)).pages)
    for cells in money_rows(main):
        assert "\n".join(cells) in text
    assert " ".join(report.notes[-1].split()) in " ".join(text.split())


def test_long_claim_lists_show_the_first_20_unless_all(sample_run, sample_db):
    with transaction(sample_db, "tester") as session:
        books = Books(session)
        for i in range(23):
            books.claim(books.visit(CHEN, 60, 1000 + i), [("submitted", 40 + i)])
    table = sample_run("aging")
    assert table.exit_code == 0
    more = [x for x in table.stdout.splitlines() if x.startswith("... and 3 more")]
    assert more == [
        "... and 3 more, $30.03 (--all lists every one; so do --format csv, json, pdf and "
        "'clinicbill report followup')"
    ]
    assert table.stdout.count("T000") == 20
    assert sample_run("aging", "--all").stdout.count("T000") == 23
    data = json.loads(sample_run("aging", "--format", "json").stdout)
    assert len(data["sections"]["no_response"]["rows"]) == 23


def test_by_patient_basis_provider_and_as_of(sample_run, history):
    result = sample_run("--json", "aging", "--by", "patient", "--provider", "Lin")
    data = json.loads(result.stdout)
    assert data["parameters"]["provider"] == "Wei Lin, LAC"
    assert [
        (r["patient"], r["responsible"], r["120+"]) for r in data["sections"]["aging"]["rows"]
    ] == [("Haddad, Sofia", "Patient", "40.00")]
    assert data["sections"]["credits"]["rows"] == []  # unapplied money is not per provider
    billed = json.loads(sample_run("--json", "aging", "--basis", "billed").stdout)
    assert billed["parameters"]["basis"] == "billed"
    past = json.loads(sample_run("--json", "aging", "--as-of", "2020-01-01").stdout)
    assert past["sections"]["aging"]["rows"] == []


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (["aging", "--as-of", "2999-01-01"], 1, "error: as-of: 2999-01-01 is in the future"),
        (["aging", "--as-of", "31/12/2025"], 1, "error: as-of: '31/12/2025' is not a date"),
        (["aging", "--provider", "Nobody"], 1, "error: provider: no provider matches"),
        (["aging", "--by", "provider"], 2, "Invalid value for '--by'"),
        (["aging", "--format", "xlsx"], 2, "Invalid value for '--format'"),
        (["report", "revenue", "--from", "2026-05-01", "--to", "2026-04-01"], 1, "error: from:"),
        (["report", "underpaid", "--payer", "Nobody"], 1, "error: payer: no payer matches"),
    ],
)
def test_refusals_and_usage_errors(sample_run, args, code, message):
    result = sample_run(*args)
    assert result.exit_code == code
    assert message in result.stderr
    assert "Traceback" not in result.stderr + result.stdout


def test_default_file_names_in_the_current_directory(sample_run, history, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = sample_run("aging", "--format", "pdf")
    name = f"aging-{date.today().isoformat()}.pdf"
    assert result.stdout.strip() == f"wrote {name}"
    assert (tmp_path / name).read_bytes().startswith(b"%PDF")
    result = sample_run("report", "denials", "--format", "csv")
    assert (tmp_path / result.stdout.strip().removeprefix("wrote ")).is_file()
    printed = sample_run("aging", "--format", "csv", "-o", "-")
    assert printed.stdout.startswith("Accounts receivable aging\n")


def test_report_commands(sample_run, history):
    followup = sample_run("report", "followup")
    assert followup.exit_code == 0 and "Claims that need action" in followup.stdout
    items = json.loads(sample_run("--json", "report", "followup").stdout)
    assert [r["why"] for r in items["sections"]["followup"]["rows"]] == [
        f"no response 65 days after billing on {TODAY - timedelta(days=65)}"
    ]
    revenue = json.loads(
        sample_run("--json", "report", "revenue", "--by", "payer", "--from", "2000-01-01").stdout
    )
    total = revenue["sections"]["revenue"]["total"]
    assert (total["charges"], total["insurance_paid"], total["patient_paid"]) == (
        "208.00",
        "60.00",
        "10.00",
    )
    denials = sample_run("report", "denials", "--format", "json")
    assert json.loads(denials.stdout)["summary"] == {"denied": "0.00", "recovered": "0.00"}
    underpaid = sample_run("report", "underpaid", "--payer", "CHP01", "--from", "2000-01-01")
    assert underpaid.exit_code == 0 and "no underpaid lines" in underpaid.stdout
    visits = sample_run("report", "visits")
    assert visits.exit_code == 0 and "Plan-year visits per policy" in visits.stdout
    assert "Chen, Maya" in visits.stdout


def test_demo_steps_run_on_the_sample_practice(sample_run, history, tmp_path):
    from clinicbill.cli.reports import DEMO_STEPS

    for _, step in DEMO_STEPS:
        args = step(tmp_path) if callable(step) else step
        result = sample_run(*args)
        assert result.exit_code == 0, (args, result.stderr)
    assert (tmp_path / f"aging-{date.today().isoformat()}.pdf").is_file()


def test_aging_in_a_real_subprocess(history):
    result = cli_subprocess("--db", history, "aging", "--format", "json")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["report"] == "aging"
    assert (
        data["sections"]["aging"]["total"]["total"]
        == "208.00"[:0] + data["summary"]["open_balances"]
    )
    result = cli_subprocess("--db", history, "report", "followup", "--as-of", "tomorrow")
    assert result.returncode == 1
    assert result.stderr.startswith("error: as-of: 'tomorrow' is not a date")
