"""`estimate insured` prints and writes the PDF (read back); `session add` says what to
collect today; `report estimates` runs as a subprocess."""

from __future__ import annotations

import json

from tests.conftest import cli_subprocess
from tests.documents_data import pdf_words

VERIFY = [
    "verify",
    "add",
    "1",
    "--method",
    "phone",
    "--in-network",
    "yes",
    "--massage-covered",
    "yes",
    "--visit-limit",
    "4",
    "--visits-used",
    "2",
    "--plan-year-start",
    "2026-01-01",
    "--deductible",
    "100",
    "--deductible-met",
    "40",
    "--coinsurance",
    "20",
    "--verified-at",
    "2026-02-20",
]


def test_estimate_insured_per_visit_and_plan_of_care(sample_run, tmp_path):
    assert sample_run(*VERIFY).exit_code == 0
    pdf = tmp_path / "e.pdf"
    out = sample_run(
        "--json",
        "estimate",
        "insured",
        "P00001",
        "--code",
        "97124:units=4",
        "--visits",
        "3",
        "--date",
        "2026-03-01",
        "-o",
        str(pdf),
    )
    assert out.exit_code == 0, out.output
    data = json.loads(out.output)
    # contracted $28 x4 = $112: $60 deductible + 20% of $52; then 20% of $112; then beyond
    # the 2 visits remaining: the standard fee $32.50 x4
    assert data["per_visit"] == ["70.40", "22.40", "130.00"]
    assert data["total"] == "222.80"
    words = pdf_words(pdf)
    for expected in (
        "What your visits are expected to cost you",
        "Cascade Health Plan",
        "$70.40",
        "$222.80",
        "Deductible still to meet: $60.00",
    ):
        assert expected in words, expected
    text = sample_run(
        "estimate",
        "insured",
        "P00001",
        "--code",
        "97124:units=4",
        "--date",
        "2026-03-01",
        "-o",
        str(tmp_path / "f.pdf"),
    )
    assert "visit 1: allowed $112.00, deductible $60.00" in text.output


def test_session_add_says_what_to_collect(sample_run):
    assert sample_run(*VERIFY).exit_code == 0
    out = sample_run(
        "session",
        "add",
        "--patient",
        "P00001",
        "--provider",
        "Reyes",
        "--dx",
        "M54.50",
        "--line",
        "97124:minutes=60",
        "--date",
        "2026-03-02",
        "--subjective",
        "x",
    )
    assert out.exit_code == 0, out.output
    assert "collect $70.40 today (estimated patient share from verification 1)" in out.output


def test_refusals(sample_run):
    none = sample_run("estimate", "insured", "P00001", "--code", "97124")
    assert none.exit_code == 1 and "error: verification:" in none.output
    selfpay = sample_run("estimate", "insured", "P00006", "--code", "97124")
    assert selfpay.exit_code == 1 and "error: policy:" in selfpay.output
    assert "hint: for a self-pay patient use 'clinicbill estimate PATIENT" in selfpay.output


def test_report_estimates_subprocess(sample_db):
    out = cli_subprocess(
        "--db",
        sample_db,
        "--json",
        "report",
        "estimates",
        "--from",
        "2026-01-01",
        "--to",
        "2026-06-30",
    )
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout)["sections"]["estimates"]["rows"] == []
