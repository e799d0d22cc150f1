"""`statement year`: the year-end HSA/FSA summary PDF read back (eligibility per code, massage
only with a letter of medical necessity on file), `--all`, refusals; `statement PATIENT` still
writes the patient statement."""

from __future__ import annotations

import json

from tests.conftest import cli_subprocess
from tests.documents_data import pdf_words
from tests.selfpay_data import self_pay_visit


def _paid_year(run):
    visit = self_pay_visit("P00006", "2026-03-02", "97124:minutes=60", "97810:minutes=15")
    assert run(*visit).exit_code == 0
    out = run("payment", "add", "P00006", "250", "--method", "hsa", "--date", "2026-03-03")
    assert out.exit_code == 0, out.output
    assert (
        run("payment", "add", "P00006", "10", "--method", "cash", "--date", "2025-12-30").exit_code
        == 0
    )


def test_year_summary_marks_eligible_services(sample_run, tmp_path):
    _paid_year(sample_run)
    pdf = tmp_path / "y.pdf"
    out = sample_run("--json", "statement", "year", "P00006", "--year", "2026", "-o", str(pdf))
    assert out.exit_code == 0, out.output
    [written] = json.loads(out.output)["files"]
    # the $10 of 2025 stays credit (no visit then); $250 in 2026: $130 + $75 + $45 credit
    assert written["paid"] == "250.00" and written["eligible"] == "75.00"
    words = pdf_words(pdf)
    assert "2026 payments and HSA/FSA-eligible services" in words
    assert "Yes, with a letter of" in words  # massage, no referral on file
    assert "Acupuncture" in words and "kept as credit $45.00" in words
    assert "Paid for HSA/FSA-eligible services$75.00" in words.replace("services $", "services$")


def test_massage_is_eligible_with_a_referral_on_file(sample_run, tmp_path):
    _paid_year(sample_run)
    out = sample_run(
        "referral",
        "add",
        "P00006",
        "--first-name",
        "Helen",
        "--last-name",
        "Park",
        "--npi",
        "1679576722",
        "--date",
        "2026-01-10",
    )
    assert out.exit_code == 0, out.output
    summary = sample_run(
        "--json", "statement", "year", "P00006", "--year", "2026", "-o", str(tmp_path / "y.pdf")
    )
    assert json.loads(summary.output)["files"][0]["eligible"] == "205.00"
    words = pdf_words(tmp_path / "y.pdf")
    assert "Yes (medical" in words and "necessity on file)" in words, words[300:900]


def test_all_patients_and_refusals(sample_run, tmp_path):
    _paid_year(sample_run)
    folder = tmp_path / "hsa"
    folder.mkdir()  # outputs never go to a folder that does not exist (store/files.py)
    out = sample_run("--json", "statement", "year", "--all", "--year", "2026", "-o", str(folder))
    assert out.exit_code == 0, out.output
    files = json.loads(out.output)["files"]
    assert [f["patient"] for f in files] == ["P00006"]
    assert (folder / "hsa-summary-P00006-2026.pdf").exists()
    both = sample_run("statement", "year", "P00006", "--all", "--year", "2026")
    assert both.exit_code == 1 and "error: patient: give a patient or --all" in both.output
    future = sample_run("statement", "year", "P00006", "--year", "2099")
    assert future.exit_code == 1 and "error: year: 2099" in future.output


def test_statement_patient_still_works_as_a_subprocess(sample_db, tmp_path):
    pdf = tmp_path / "s.pdf"
    out = cli_subprocess(
        "--db", sample_db, "statement", "P00001", "--as-of", "2026-03-31", "-o", str(pdf)
    )
    assert out.returncode == 0, out.stderr
    assert "Statement" in pdf_words(pdf)
    year = cli_subprocess(
        "--db",
        sample_db,
        "statement",
        "year",
        "P00001",
        "--year",
        "2026",
        "-o",
        str(tmp_path / "y.pdf"),
    )
    assert year.returncode == 0, year.stderr
    assert "No payments in 2026" in pdf_words(tmp_path / "y.pdf")
