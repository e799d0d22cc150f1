"""`claim …` through Typer's runner (exit codes, output, then the database) and a subprocess."""

from __future__ import annotations

import csv
import json
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from clinicbill.store.engine import transaction
from clinicbill.store.models import Claim, ExportBatch
from tests.claimkit import RECENT, post_primary
from tests.conftest import cli_subprocess
from tests.factories import make_encounter
from tests.x12check import assert_valid

MASSAGE = {"code": "97124", "charge_cents": 6500, "units": 2, "minutes": 30}
MANUAL_NO_59 = {"code": "97140", "charge_cents": 3800, "minutes": 15}


@pytest.fixture
def visits(sample_db):
    """Three signed sessions: Chen (clean), Okafor (dependent, clean), Whitfield (NCCI error)."""
    with transaction(sample_db, "tester") as s:
        ids = [
            make_encounter(s, 1, 1, RECENT, [MASSAGE], 1).id,
            make_encounter(s, 3, 1, RECENT, [MASSAGE], 4).id,
            make_encounter(s, 7, 1, RECENT, [MASSAGE, MANUAL_NO_59], 7).id,
        ]
    return ids


def claims_in(db_url) -> list[Claim]:
    with transaction(db_url, "tester") as s:
        return list(s.execute(select(Claim).order_by(Claim.id)).scalars())


def test_create_check_export_837p(sample_run, visits, tmp_path):
    result = sample_run("claim", "create", "--all")
    assert result.exit_code == 0, result.output
    assert "created 3 draft claim(s)" in result.output
    checked = sample_run("--json", "claim", "check", "--all")
    assert checked.exit_code == 1  # the NCCI error
    data = json.loads(checked.stdout)
    assert data["claims"] == {"1": "ready", "2": "ready", "3": "draft"}
    assert any(f["claim"] == 3 and "59" in f["message"] for f in data["findings"])
    out = tmp_path / "batch.837"
    exported = sample_run("claim", "export", "--ready", "--format", "837p", "-o", str(out))
    assert exported.exit_code == 0, exported.output
    assert str(out) in exported.output and "2 claim(s)" in exported.output
    assert_valid(out.read_text())
    assert [c.status for c in claims_in(sample_run.db_url)] == ["submitted", "submitted", "draft"]


def test_export_refuses_errors_and_writes_nothing(sample_run, visits, tmp_path):
    sample_run("claim", "create", "--all")
    out = tmp_path / "x.837"
    result = sample_run("claim", "export", "3", "--format", "837p", "-o", str(out))
    assert result.exit_code == 1
    assert "error: export: 1 error(s) in claim(s) 3" in result.stderr
    assert "--force" in result.stderr and not out.exists()
    with transaction(sample_run.db_url, "tester") as s:
        assert s.execute(select(func.count()).select_from(ExportBatch)).scalar() == 0
    assert claims_in(sample_run.db_url)[2].status == "draft"
    forced = sample_run("claim", "export", "3", "--format", "837p", "-o", str(out), "--force")
    assert forced.exit_code == 0 and out.exists()


def test_interchange_numbers_increase_across_exports(sample_run, visits, tmp_path):
    sample_run("claim", "create", "--all")
    numbers = []
    for name in ("a.837", "b.837"):
        result = sample_run(
            "--json", "claim", "export", "1", "--format", "837p", "-o", str(tmp_path / name)
        )
        numbers.append(json.loads(result.stdout)["interchange_control_number"])
        isa = (tmp_path / name).read_text().split("~")[0].split("*")
        assert int(isa[13]) == numbers[-1]
    assert numbers[1] > numbers[0]


def test_cms1500_default_name_and_overlay(sample_run, visits, tmp_path, monkeypatch):
    import pypdf

    monkeypatch.chdir(tmp_path)
    sample_run("claim", "create", "--session", str(visits[0]))
    result = sample_run("claim", "export", "1", "--format", "cms1500")
    assert result.exit_code == 0 and "cms1500-1-batch1.pdf" in result.output
    assert len(pypdf.PdfReader(str(tmp_path / "cms1500-1-batch1.pdf")).pages) == 1
    overlay = sample_run("claim", "export", "1", "--format", "cms1500", "--overlay", "-o", "o.pdf")
    assert overlay.exit_code == 0
    text = pypdf.PdfReader(str(tmp_path / "o.pdf")).pages[0].extract_text()
    assert "CHEN, MAYA" in text and "PATIENT'S NAME" not in text


def test_csv_and_json_rows_per_line_named_by_box(sample_run, visits, tmp_path):
    sample_run("claim", "create", "--all")
    sample_run("claim", "export", "1", "3", "--format", "csv", "-o", str(tmp_path / "c.csv"))
    rows = list(csv.DictReader((tmp_path / "c.csv").open()))
    assert len(rows) == 3  # 1 line + 2 lines
    assert rows[0]["box_1a"] == "CHP884412001" and rows[0]["box_24D_code"] == "97124"
    assert rows[2]["box_24D_code"] == "97140" and rows[2]["box_28"] == "103.00"
    sample_run("claim", "export", "2", "--format", "json", "-o", str(tmp_path / "c.json"))
    [row] = json.loads((tmp_path / "c.json").read_text())
    assert row["box_6"] == "CHILD" and row["box_4"] == "OKAFOR, GRACE"
    assert [c.status for c in claims_in(sample_run.db_url)] == ["draft"] * 3  # not submitted


def test_unsigned_session_refused_nothing_written(sample_run, sample_db):
    with transaction(sample_db, "tester") as s:
        visit = make_encounter(s, 1, 1, RECENT, [MASSAGE], 1, signed=False).id
    result = sample_run("claim", "create", "--session", str(visit))
    assert result.exit_code == 1
    assert "not signed" in result.stderr and f"session sign {visit}" in result.stderr
    assert claims_in(sample_db) == []


def test_list_show_mark_void(sample_run, visits):
    sample_run("claim", "create", "--all")
    listed = json.loads(sample_run("--json", "claim", "list", "--payer", "CHP01").stdout)
    assert [c["id"] for c in listed] == [3, 2, 1]
    assert sample_run("claim", "mark", "1", "submitted", "--note", "paper").exit_code == 0
    shown = json.loads(sample_run("--json", "claim", "show", "1").stdout)
    assert shown["status"] == "submitted"
    assert [h["status"] for h in shown["history"]] == ["draft", "submitted"]
    assert shown["lines"][0]["code"] == "97124" and shown["lines"][0]["balance"] == "65.00"
    text = sample_run("claim", "show", "3").stdout
    assert "findings" in text and "59" in text
    bad = sample_run("claim", "mark", "1", "lost")
    assert bad.exit_code == 1 and "not a claim status" in bad.stderr
    refused = sample_run("claim", "void", "1")
    assert refused.exit_code == 1 and "resubmit 1 --void" in refused.stderr
    assert sample_run("claim", "void", "2").exit_code == 0
    assert [c.status for c in claims_in(sample_run.db_url)] == ["submitted", "void", "draft"]


def test_resubmit_and_secondary(sample_run, sample_db):
    with transaction(sample_db, "tester") as s:
        make_encounter(s, 2, 1, RECENT, [MASSAGE], 2)
    sample_run("claim", "create", "--all")
    with transaction(sample_db, "tester") as s:
        post_primary(s, s.get(Claim, 1), {1: 4000}, [(1, "adjustment", "CO", "45", 2500)])
    secondary = sample_run("--json", "claim", "secondary", "1")
    assert secondary.exit_code == 0, secondary.output
    data = json.loads(secondary.stdout)
    assert data["priority"] == "secondary" and data["primary_claim_id"] == 1
    replaced = json.loads(sample_run("--json", "claim", "resubmit", "1", "--replace").stdout)
    assert replaced["frequency"] == "7" and replaced["original_claim_id"] == 1
    shown = json.loads(sample_run("--json", "claim", "show", "1").stdout)
    assert shown["status"] == "closed"
    assert shown["postings"][0]["kind"] == "insurance_payment"
    assert shown["lines"][0]["insurance_paid"] == "40.00"


def test_claim_group_as_a_real_subprocess(sample_db, visits, tmp_path):
    db = sample_db.removeprefix("sqlite:///") if sample_db.startswith("sqlite") else sample_db
    created = cli_subprocess("--db", db, "claim", "create", "--session", str(visits[1]))
    assert created.returncode == 0, created.stderr
    out = tmp_path / "one.837"
    exported = cli_subprocess("--db", db, "claim", "export", "1", "-o", str(out))
    assert exported.returncode == 0, exported.stderr
    assert "Traceback" not in exported.stderr
    assert_valid(out.read_text())
    bad = cli_subprocess("--db", db, "claim", "show", "99")
    assert bad.returncode == 1 and bad.stderr.startswith("error: claim: no claim")


def test_help_examples(run):
    for command in ("create", "check", "list", "show", "export", "mark", "resubmit", "void"):
        result = run("claim", command, "--help")
        assert result.exit_code == 0 and "Example: clinicbill claim" in result.output


def test_nothing_to_bill_is_a_clear_refusal(sample_run):
    result = sample_run("claim", "create", "--all")
    assert result.exit_code == 1 and "no signed, insured sessions" in result.stderr
    recent = (RECENT - timedelta(days=1)).isoformat()
    result = sample_run("claim", "create", "--patient", "Chen", "--from", recent)
    assert result.exit_code == 1


def test_naming_no_claims_is_a_usage_error(sample_run):
    """`claim export` / `claim check` with neither ids nor --ready/--all, and a status inquiry
    given ids and --older-than (the filter would be ignored), are usage errors: exit 2."""
    for args in (
        ("claim", "export", "--format", "837p", "-o", "x.837"),
        ("claim", "check"),
        ("claim", "status-request", "1", "--older-than", "5", "-o", "s.276"),
    ):
        result = sample_run(*args)
        assert result.exit_code == 2, (args, result.output)
        assert "error: " in result.stderr and "Traceback" not in result.output
