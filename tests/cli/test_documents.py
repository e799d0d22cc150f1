"""`superbill`, `statement`, `receipt`, `estimate …` through the real CLI."""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest
from pypdf import PdfReader
from sqlalchemy import func, select

from clinicbill.store.engine import transaction
from clinicbill.store.models import Estimate
from tests.conftest import cli_subprocess
from tests.documents_data import HADDAD, REYES, build_history, pdf_words
from tests.factories import make_encounter


@pytest.fixture
def history(sample_db):
    with transaction(sample_db, "tester") as session:
        return build_history(session)


def _estimates(url) -> int:
    with transaction(url, "tester") as session:
        return session.execute(select(func.count(Estimate.id))).scalar()


def test_superbill_default_name_in_the_current_directory(
    sample_run, history, tmp_path, monkeypatch
):
    monkeypatch.chdir(tmp_path)
    result = sample_run("superbill", "P00001")
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("wrote superbill-P00001-2026-02-10.pdf (1 visit")
    assert "charged $97.50" in result.stdout
    assert "Massage therapy" in pdf_words(tmp_path / "superbill-P00001-2026-02-10.pdf")


def test_superbill_range_and_output(sample_run, history, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = sample_run("superbill", "Chen", "--from", "2026-01-01", "--to", "2026-02-28")
    assert result.exit_code == 0, result.output
    path = tmp_path / "superbill-P00001-2026-01-06_2026-02-10.pdf"
    assert f"wrote {path.name} (2 visits" in result.stdout
    assert "Total charged $200.50" in pdf_words(path)
    out = tmp_path / "sub" / "sb.pdf"
    out.parent.mkdir()
    result = sample_run(
        "--json", "superbill", "P00001", "--session", str(history["chen_1"]), "-o", str(out)
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["path"] == str(out) and data["visits"] == 1
    assert (data["charged"], data["paid"], data["balance"]) == ("103.00", "70.00", "15.00")
    assert len(PdfReader(str(out)).pages) == 1


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["superbill", "P00008"], "error: patient: no sessions to bill"),
        (["superbill", "Nobody"], "error: patient: no patient matches 'Nobody'"),
        (
            ["superbill", "P00001", "--from", "2026-13-01"],
            "error: from: '2026-13-01' is not a date",
        ),
        (["superbill", "P00001", "--session", "1", "--from", "2026-01-01"], "both given"),
        (["superbill", "P00001", "--session", "999"], "error: session: no session 999"),
        (["statement", "P00001", "--as-of", "soon"], "error: as-of: 'soon' is not a date"),
        (["receipt", "999"], "error: payment: no payment with id 999"),
        (["estimate", "P00006", "--code", "97124", "--visits", "0"], "error: visits: 0"),
        (["estimate", "P00006"], "error: code: at least one service is required"),
        (["estimate", "show", "7"], "error: estimate: no estimate with id 7"),
    ],
)
def test_refusals_exit_1_without_traceback(
    sample_run, history, tmp_path, monkeypatch, args, message
):
    monkeypatch.chdir(tmp_path)
    result = sample_run(*args)
    assert result.exit_code == 1
    assert message in result.stderr
    assert "hint:" in result.stderr and "Traceback" not in result.output
    assert list(tmp_path.glob("*.pdf")) == []


def test_usage_errors_exit_2(sample_run):
    assert sample_run("superbill").exit_code == 2
    assert sample_run("superbill", "P00001", "--session", "x").exit_code == 2
    assert sample_run("estimate", "P00006", "--visits", "many").exit_code == 2


def test_unwritable_output_is_a_refusal(sample_run, history, tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("")
    result = sample_run("superbill", "P00001", "-o", str(blocker / "sb.pdf"))
    assert result.exit_code == 1
    assert f"error: output: {blocker} is not a folder" in result.stderr


def test_statement_command(sample_run, history, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = sample_run("statement", "P00006", "--as-of", "2026-03-31")
    assert result.exit_code == 0, result.output
    assert "wrote statement-P00006-2026-03-31.pdf (amount due $150.00" in result.stdout
    assert "Amount due $150.00" in pdf_words(tmp_path / "statement-P00006-2026-03-31.pdf")
    data = json.loads(sample_run("--json", "statement", "P00001", "--as-of", "2026-03-31").stdout)
    assert (data["amount_due"], data["pending_insurance"]) == ("15.00", "97.50")
    assert data["aging"]["61-90"] == "15.00"


def test_receipt_command(sample_run, history, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = sample_run("receipt", str(history["hsa_payment"]))
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith(f"wrote receipt-{history['hsa_payment']}.pdf ($100.00")
    assert "HSA/FSA-eligible $100.00" in result.stdout
    assert "Method: HSA card" in pdf_words(tmp_path / f"receipt-{history['hsa_payment']}.pdf")


def test_estimate_create_list_show_pdf(sample_run, sample_db, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = sample_run(
        "estimate",
        "P00006",
        "--code",
        "97124:units=4",
        "--visits",
        "12",
        "--frequency",
        "weekly",
        "--provider",
        "Reyes",
        "--dx",
        "M54.50",
    )
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith(
        "estimate 1: 12 visit(s), total $1,560.00; wrote estimate-1.pdf"
    )
    assert result.stderr == ""  # self-pay: no warning
    assert "Good Faith Estimate" in pdf_words(tmp_path / "estimate-1.pdf")
    # the explicit verb does the same
    again = sample_run("estimate", "create", "P00006", "--code", "97810", "--provider", "Lin")
    assert again.exit_code == 0 and "estimate 2:" in again.stdout
    listed = json.loads(sample_run("--json", "estimate", "list", "--patient", "P00006").stdout)
    assert [(r["id"], r["estimated"], r["billed"]) for r in listed] == [
        (1, "1560.00", "0.00"),
        (2, "75.00", "0.00"),
    ]
    shown = sample_run("estimate", "show", "1")
    assert shown.exit_code == 0 and "97124" in shown.stdout and "weekly" in shown.stdout
    again = sample_run("estimate", "pdf", "1", "-o", str(tmp_path / "copy.pdf"))
    assert again.exit_code == 0
    assert "Estimate number 1" in pdf_words(tmp_path / "copy.pdf")


def test_estimate_list_warns_at_400_over(sample_run, sample_db, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    start = date.today() - timedelta(days=60)
    assert (
        sample_run(
            "estimate", "P00006", "--code", "97124:charge=100", "--provider", "Reyes"
        ).exit_code
        == 0
    )
    with transaction(sample_db, "tester") as session:
        session.execute(select(Estimate)).scalar().issued_on = start
        make_encounter(
            session,
            HADDAD,
            REYES,
            start + timedelta(days=7),
            [{"code": "97124", "charge_cents": 50000}],
        )
    result = sample_run("estimate", "list")
    assert result.exit_code == 0
    assert "warning: estimate 1: billed $500.00 is $400.00 over the estimate of $100.00" in (
        result.stderr
    )
    statement = sample_run("statement", "P00006")
    assert statement.exit_code == 0 and "warning: estimate 1" in statement.stderr


def test_estimate_for_an_insured_patient_warns(sample_run, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = sample_run("estimate", "P00001", "--code", "97124", "--provider", "Reyes")
    assert result.exit_code == 0
    assert "warning: the patient has insurance (Cascade Health Plan)" in result.stderr


def test_failed_estimate_pdf_stores_nothing(sample_run, sample_db, tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("")
    result = sample_run(
        "estimate", "P00006", "--code", "97124", "--provider", "Reyes", "-o", str(blocker / "e.pdf")
    )
    assert result.exit_code == 1
    assert _estimates(sample_db) == 0


def test_documents_in_a_real_subprocess(sample_db, history, tmp_path):
    env = {"CLINICBILL_DB": sample_db}
    sb = cli_subprocess(
        "superbill",
        "P00006",
        "--from",
        "2026-01-01",
        "--to",
        "2026-12-31",
        "-o",
        str(tmp_path / "sb.pdf"),
        env=env,
    )
    assert sb.returncode == 0, sb.stderr
    assert "(2 visits, charged $250.00, balance $150.00)" in sb.stdout
    words = pdf_words(tmp_path / "sb.pdf")
    assert "Wei Lin" in words and "Ana Reyes" in words
    rc = cli_subprocess("receipt", "1", "-o", str(tmp_path / "rc.pdf"), env=env)
    assert rc.returncode == 0, rc.stderr
    bad = cli_subprocess("estimate", "show", "x", env=env)
    assert bad.returncode == 1 and "error: estimate: 'x' is not an id" in bad.stderr
    assert "Traceback" not in bad.stderr


def test_estimate_asks_for_services_at_a_terminal(sample_db, tmp_path):
    import sys
    from pathlib import Path

    import pexpect

    child = pexpect.spawn(
        str(Path(sys.executable).parent / "clinicbill"),
        [
            "--db",
            sample_db,
            "estimate",
            "P00006",
            "--provider",
            "Reyes",
            "--visits",
            "4",
            "-o",
            str(tmp_path / "e.pdf"),
        ],
        encoding="utf-8",
        timeout=60,
        dimensions=(40, 120),
    )
    child.expect("Services per visit")
    child.sendline("97124:units=2, 97140")
    child.expect(r"estimate 1: 4 visit\(s\), total \$412\.00")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
    assert "Good Faith Estimate" in pdf_words(tmp_path / "e.pdf")


def test_superbill_wording_follows_how_the_visit_was_billed(
    sample_run, history, tmp_path, monkeypatch
):
    """issue 15: a patient whose visit the practice billed is not invited to claim it again."""
    monkeypatch.chdir(tmp_path)
    billed = tmp_path / "billed.pdf"
    assert sample_run("superbill", "P00001", "-o", str(billed)).exit_code == 0
    words = " ".join(pdf_words(billed).split())
    assert "out-of-network reimbursement" not in words
    assert "has billed your health plan for these services" in words
    cash = tmp_path / "cash.pdf"
    assert sample_run("superbill", "P00006", "-o", str(cash)).exit_code == 0
    words = " ".join(pdf_words(cash).split())
    assert "request out-of-network reimbursement" in words
    assert "has billed your health plan" not in words


def test_an_acupuncture_estimate_goes_to_the_acupuncturist(sample_run, tmp_path, monkeypatch):
    """issue 15: the default provider of an estimate is one who provides those services, not
    whoever treated the patient last; the phone is printed once, not as '((503)'."""
    monkeypatch.chdir(tmp_path)
    massage = sample_run(
        "session", "add", "--patient", "P00006", "--provider", "Reyes", "--date", "2026-11-20",
        "--self-pay", "--line", "97124:minutes=60", "--subjective", "a", "--objective", "b",
        "--assessment", "c", "--plan", "d", "--sign",
    )  # fmt: skip
    assert massage.exit_code == 0, massage.output
    made = sample_run("estimate", "create", "P00006", "--code", "97810", "--code", "97811")
    assert made.exit_code == 0, made.output
    shown = json.loads(sample_run("--json", "estimate", "show", "1").stdout)
    assert shown["provider"].startswith("Wei Lin")
    words = pdf_words(tmp_path / "estimate-1.pdf")
    assert "((" not in words and "(503) 555-0142" in words
