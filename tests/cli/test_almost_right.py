"""Input that is almost right (issue 14 §4): amounts, and a practice billing under an SSN."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from clinicbill.store.engine import transaction
from clinicbill.store.models import LedgerEntry, Payment
from tests.conftest import cli_subprocess
from tests.documents_data import build_history, pdf_words


@pytest.fixture
def history(sample_db):
    with transaction(sample_db, "tester") as session:
        return build_history(session)


def _money_rows(url) -> tuple[int, int]:
    with transaction(url, "tester") as s:
        return (
            s.execute(select(func.count(LedgerEntry.id))).scalar(),
            s.execute(select(func.count(Payment.id))).scalar(),
        )


@pytest.mark.parametrize(
    ("typed", "problem"),
    [
        ("1e2", "is not an amount"),
        ("١٠", "is not an amount"),
        ("0x10", "is not an amount"),
        ("Infinity", "is not an amount"),
        ("NaN", "is not an amount"),
        ("85.001", "has more than two decimals"),
        ("1,00", "is not an amount"),
        ("-5", "is negative"),
        ("-5.50", "is negative"),
        ("-$5", "is negative"),
    ],
)
@pytest.mark.parametrize(
    "command",
    [
        ["adjust", "P00006", "{a}", "--reason", "courtesy"],
        ["payment", "add", "P00006", "{a}", "--method", "cash"],
        ["refund", "P00006", "{a}", "--method", "check"],
        ["fee", "set", "97124", "{a}"],
    ],
)
def test_almost_right_amounts_are_refused_by_name(sample_run, history, command, typed, problem):
    before = _money_rows(sample_run.db_url)
    result = sample_run(*[typed if part == "{a}" else part for part in command])
    assert result.exit_code == 1, result.output
    assert result.stderr.startswith(f"error: amount: '{typed}' {problem}")
    assert "hint:" in result.stderr and "No such option" not in result.stderr
    assert _money_rows(sample_run.db_url) == before


def test_a_good_amount_still_posts(sample_run, history):
    result = sample_run("adjust", "P00006", "$1.50", "--reason", "courtesy")
    assert result.exit_code == 0, result.stderr
    assert "adjusted $1.50" in result.stdout
    note = sample_run("adjust", "P00006", "1", "--reason", "courtesy", "--note", "-5")
    assert note.exit_code == 0, note.stderr  # an option's value may start with a dash


def test_negative_amount_in_a_real_process(sample_db, history):
    result = cli_subprocess(
        "adjust", "P00006", "-5", "--reason", "courtesy", env={"CLINICBILL_DB": sample_db}
    )
    assert result.returncode == 1
    assert result.stderr == (
        "error: amount: '-5' is negative\nhint: amounts are positive dollars, e.g. 5 or 5.00\n"
    )


SSN, MASKED = "123-45-6789", "XXX-XX-6789"


@pytest.fixture
def ssn_practice(sample_run, history):
    result = sample_run("practice", "edit", "--tax-id", SSN)
    assert result.exit_code == 0, result.stderr
    assert "EIN" in result.stderr and result.stderr.startswith("note: the tax id is an SSN")
    assert len(result.stderr.strip().splitlines()) == 1
    return sample_run


def test_patient_documents_never_print_the_whole_ssn(ssn_practice, history, tmp_path):
    run = ssn_practice
    files = {
        "superbill": ["superbill", "P00001"],
        "statement": ["statement", "P00001", "--as-of", "2026-03-31"],
        "receipt": ["receipt", str(history["hsa_payment"])],
        "estimate": ["estimate", "P00006", "--code", "97124", "--provider", "Reyes"],
        "note": ["session", "note", str(history["chen_1"])],
    }
    seen = {}
    for name, args in files.items():
        path = tmp_path / f"{name}.pdf"
        result = run(*args, "-o", str(path))
        assert result.exit_code == 0, result.stderr
        words = pdf_words(path)
        assert SSN not in words and "123456789" not in words and "123 45 6789" not in words
        seen[name] = words.count(MASKED)
    assert seen == {"superbill": 1, "statement": 1, "receipt": 2, "estimate": 1, "note": 0}


def test_the_claim_still_carries_the_ssn_for_the_payer(ssn_practice, tmp_path):
    import pypdf

    run = ssn_practice
    assert run("claim", "create", "--all").exit_code == 0
    out = tmp_path / "cms1500.pdf"
    result = run("claim", "export", "1", "--format", "cms1500", "-o", str(out), "--force")
    assert result.exit_code == 0, result.stderr
    text = pypdf.PdfReader(str(out)).pages[0].extract_text()
    assert "123456789" in text and MASKED not in text


def test_an_ein_gets_no_note(sample_run):
    result = sample_run("practice", "edit", "--tax-id", "93-1234567")
    assert result.exit_code == 0 and result.stderr == ""


def test_init_with_an_ssn_recommends_an_ein(run):
    result = run(
        "init", "--name", "Solo Massage", "--npi", "1234567893", "--tax-id", SSN,
        "--taxonomy", "225700000X", "--address1", "1 Main St", "--city", "Portland",
        "--state", "OR", "--zip", "972120000", "--phone", "5035550100",
    )  # fmt: skip
    assert result.exit_code == 0, result.stderr
    assert result.stderr.startswith("note: the tax id is an SSN") and "EIN" in result.stderr
    assert "XXX-XX-6789" in result.stderr and SSN not in result.stderr
