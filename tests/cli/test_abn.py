"""`clinicbill abn`: the notice recorded and its PDF read back; the GA/GZ scrub rule against
the ABNs on file (domain/claims/scrub/abn.py), tripping and not."""

from __future__ import annotations

import json
from datetime import date

import pypdf
import pytest
from sqlalchemy import select

from clinicbill.domain.cases.abn import issue_abn
from clinicbill.domain.claims.scrub import scrub
from clinicbill.domain.claims.scrub.abn import abn_modifiers
from clinicbill.store.engine import transaction
from clinicbill.store.models import AdvanceBeneficiaryNotice, Patient
from tests.claimkit import bill, snapshot
from tests.conftest import cli_subprocess

DAY = date(2026, 11, 2)
ABN = ["abn", "P00002", "--code", "97810", "--code", "97811", "--reason",
       "Medicare covers acupuncture only for chronic low back pain", "--cost", "95"]  # fmt: skip


def test_abn_is_recorded_and_its_pdf_has_the_cms_r_131_contents(sample_run, tmp_path):
    out = tmp_path / "abn.pdf"
    result = sample_run(*ABN, "--date", "2026-11-01", "-o", str(out))
    assert result.exit_code == 0, result.output
    assert "ABN 1 recorded for P00002 (97810, 97811, 2026-11-01)" in result.output
    text = " ".join(page.extract_text() for page in pypdf.PdfReader(str(out)).pages)
    text = " ".join(text.split())
    for expected in (
        "Advance Beneficiary Notice of Non-coverage (ABN)",
        "A. Notifier: Willow Creek Bodywork",
        "B. Patient Name: Robert Alvarez",
        "C. Identification Number: P00002",
        "97810",
        "97811",
        "only for chronic low back pain",
        "$95.00",
        "OPTION 1.",
        "OPTION 2.",
        "OPTION 3.",
        "1-800-MEDICARE",
        "Form CMS-R-131",
    ):
        assert expected in text, expected
    with transaction(sample_run.db_url, "tester") as s:
        [row] = s.execute(select(AdvanceBeneficiaryNotice)).scalars().all()
        assert (row.codes, row.estimated_cost_cents, row.issued_on) == (
            "97810,97811",
            9500,
            date(2026, 11, 1),
        )


def test_abn_refusals_write_nothing(sample_run):
    none = sample_run("abn", "P00002", "--reason", "x")
    assert none.exit_code == 1 and "code: at least one service is required" in none.output
    bad = sample_run("abn", "P00002", "--code", "978", "--reason", "x")
    assert bad.exit_code == 1 and "not a CPT/HCPCS code" in bad.output
    no_reason = sample_run("abn", "P00002", "--code", "97810")
    assert no_reason.exit_code == 2 and "reason: a value is required" in no_reason.output
    with transaction(sample_run.db_url, "tester") as s:
        assert s.execute(select(AdvanceBeneficiaryNotice)).first() is None


def test_abn_in_a_real_subprocess(sample_db, tmp_path):
    out = tmp_path / "a.pdf"
    result = cli_subprocess("--db", sample_db, "--json", *ABN, "-o", str(out))
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["codes"] == ["97810", "97811"] and out.stat().st_size > 0


@pytest.fixture
def session(sample_db):
    with transaction(sample_db, "tester") as s:
        yield s


def _acupuncture(session, modifiers="", dx=("M62.830",)):
    lines = [{"code": "97810", "charge_cents": 8500, "minutes": 15, "modifiers": modifiers}]
    claim = bill(session, patient_id=2, policy_id=2, provider_id=2, day=DAY, lines=lines,
                 diagnoses=dx)  # fmt: skip
    return snapshot(session, claim, as_of=date(2026, 11, 10))


def test_expected_denial_without_ga_or_gz_is_an_error(session):
    [found] = abn_modifiers(_acupuncture(session))
    assert found.severity == "error" and "neither GA nor GZ" in found.message


def test_gz_without_an_abn_is_accepted_and_the_coverage_error_becomes_a_warning(session):
    s = _acupuncture(session, "GZ")
    assert abn_modifiers(s) == []
    coverage = [f for f in scrub(s) if f.rule == "medicare_acupuncture"]
    assert coverage and all(f.severity == "warning" for f in coverage)


def test_ga_needs_an_abn_on_file(session):
    [found] = abn_modifiers(_acupuncture(session, "GA"))
    assert "GA says an ABN is on file, but none covers 97810" in found.message
    issue_abn(session, session.get(Patient, 2), ["97810"], "not covered", on=date(2026, 10, 1))
    assert abn_modifiers(_acupuncture(session, "GA")) == []


def test_an_abn_on_file_needs_ga(session):
    issue_abn(session, session.get(Patient, 2), ["97810"], "not covered", on=date(2026, 10, 1))
    [found] = abn_modifiers(_acupuncture(session, dx=("M54.50",)))
    assert "an ABN on file covers 97810" in found.message and found.hint == (
        "add GA to the line's modifiers"
    )
    # a covered diagnosis with no ABN and no modifier: nothing to say
    s = _acupuncture(session, dx=("M54.50",))
    assert [f for f in abn_modifiers(replace_abns(s)) if f.severity == "error"] == []


def replace_abns(s):
    from dataclasses import replace

    return replace(s, context=replace(s.context, abns=()))
