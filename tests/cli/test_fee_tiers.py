"""`fee tier …`: sliding-scale tiers charged by `session add` on self-pay visits (percent off,
or the tier's own per-code fee), the review-date warning, the discount by tier in
`report revenue`; insured visits untouched."""

from __future__ import annotations

import json

from tests.conftest import cli_subprocess

VISIT = ["session", "add", "--patient", "P00006", "--provider", "Reyes", "--subjective", "x"]


def _tiers(run):
    assert (
        run("fee", "tier", "add", "Tier B", "--percent", "25", "--code", "97810=50").exit_code == 0
    )
    out = run(
        "fee",
        "tier",
        "assign",
        "P00006",
        "Tier B",
        "--proof-seen",
        "2026-01-05",
        "--review-by",
        "2026-03-01",
        "--start",
        "2026-01-05",
    )
    assert out.exit_code == 0 and "patient P00006: on Tier B from 2026-01-05" in out.output


def test_self_pay_sessions_are_charged_at_the_tier(sample_run):
    _tiers(sample_run)
    # 97124 x4 at $32.50 = $130.00, 25% off = $97.50; 97810 at the tier's own $50.00
    out = sample_run(
        *VISIT,
        "--self-pay",
        "--date",
        "2026-02-02",
        "--line",
        "97124:minutes=60",
        "--line",
        "97810:minutes=15",
    )
    assert out.exit_code == 0, out.output
    assert "sliding scale Tier B: charged $147.50 (standard fee $205.00)" in out.output
    assert "warning" not in out.output
    late = sample_run(*VISIT, "--self-pay", "--date", "2026-03-02", "--line", "97124:minutes=30")
    assert "charged $48.75 (standard fee $65.00)" in late.output
    assert "warning: the sliding-scale review was due 2026-03-01" in late.output
    lines = json.loads(sample_run("--json", "balance", "P00006").output)["lines"]
    assert sorted(x["patient_due"] for x in lines) == ["48.75", "50.00", "97.50"]
    report = json.loads(
        sample_run(
            "--json", "report", "revenue", "--from", "2026-01-01", "--to", "2026-12-31"
        ).output
    )
    tiers = report["sections"]["tiers"]
    assert tiers["rows"][0]["tier"] == "Tier B" and tiers["rows"][0]["sessions"] == 2
    assert tiers["rows"][0]["discount"] == "73.75"


def test_insured_visits_and_other_patients_pay_the_standard_fee(sample_run):
    _tiers(sample_run)
    insured = sample_run(
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
        "2026-02-02",
        "--subjective",
        "x",
    )
    assert insured.exit_code == 0 and "sliding scale" not in insured.output
    assert (
        sample_run("fee", "tier", "assign", "P00006", "none", "--start", "2026-02-01").exit_code
        == 0
    )
    off = sample_run(*VISIT, "--self-pay", "--date", "2026-02-02", "--line", "97124:minutes=60")
    assert off.exit_code == 0 and "sliding scale" not in off.output


def test_refusals_and_the_overdue_list(sample_run):
    bad = sample_run("fee", "tier", "add", "X", "--percent", "150")
    assert bad.exit_code == 1 and "error: percent: '150' is not a percent" in bad.output
    none = sample_run("fee", "tier", "add", "X")
    assert none.exit_code == 1 and "give --percent or at least one --code" in none.output
    code = sample_run("fee", "tier", "add", "X", "--code", "97124")
    assert code.exit_code == 1 and "is not CODE=DOLLARS" in code.output
    assert sample_run("fee", "tier", "add", "T", "--percent", "10").exit_code == 0
    proof = sample_run("fee", "tier", "assign", "P00006", "T")
    assert proof.exit_code == 1 and "error: proof-seen:" in proof.output
    assert (
        sample_run(
            "fee",
            "tier",
            "assign",
            "P00006",
            "T",
            "--proof-seen",
            "2026-01-01",
            "--review-by",
            "2026-02-01",
            "--start",
            "2026-01-01",
        ).exit_code
        == 0
    )
    listed = sample_run("fee", "tier", "patients", "--as-of", "2026-03-01")
    assert "OVERDUE" in listed.output and "1 sliding-scale review(s) past due" in listed.output


def test_fee_tier_subprocess(sample_db):
    out = cli_subprocess("--db", sample_db, "fee", "tier", "add", "Tier A", "--percent", "40")
    assert out.returncode == 0, out.stderr
    out = cli_subprocess("--db", sample_db, "--json", "fee", "tier", "list")
    assert json.loads(out.stdout) == [
        {"id": 1, "name": "Tier A", "percent_off": "40%", "code_fees": ""}
    ]
