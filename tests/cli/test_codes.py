"""`codes icd|cpt|units` through the CLI."""

from __future__ import annotations

import json

from tests.conftest import cli_subprocess


def test_codes_units_shows_the_result_and_why(run):
    result = run("codes", "units", "38", "15")
    assert result.exit_code == 0
    assert "service 1: 38 min -> 3 units" in result.stdout
    assert "service 2: 15 min -> 1 unit" in result.stdout
    assert "total: 53 min -> 4 units" in result.stdout
    assert "why: CMS 8-minute rule: 53 timed minutes in all (53-67 min) = 4 units" in result.stdout


def test_codes_units_by_code_json_and_midpoint(run):
    data = json.loads(run("--json", "codes", "units", "97110=33", "97140=7").stdout)
    assert data["units"] == {"97110": 2, "97140": 1} and data["total_units"] == 3
    result = run("codes", "units", "97110=33", "97140=7", "--rule", "ama-midpoint")
    assert "97140: 7 min -> 0 units" in result.stdout and "AMA midpoint" in result.stdout
    assert run("codes", "units", "x").exit_code == 1
    bad = run("codes", "units", "10", "--rule", "guess")
    assert bad.exit_code == 1 and "cms-8-minute" in bad.stderr


def test_codes_icd_searches_words_and_codes(run):
    result = run("--json", "codes", "icd", "low", "back", "pain")
    hits = json.loads(result.stdout)
    assert [h["code"] for h in hits[:3]] == ["M54.50", "M54.59", "M54.51"]
    header = json.loads(run("--json", "codes", "icd", "M54.5").stdout)
    assert [(h["code"], h["billable"]) for h in header] == [
        ("M54.5", False),
        ("M54.50", True),
        ("M54.51", True),
        ("M54.59", True),
    ]
    assert "no ICD-10-CM codes" in run("codes", "icd", "zzzqqq").stdout


def test_codes_cpt_lists_the_catalog(run):
    result = run("codes", "cpt", "acupuncture")
    assert result.exit_code == 0
    for code in ("97810", "97811", "97813", "97814"):
        assert code in result.stdout
    data = json.loads(run("--json", "codes", "cpt").stdout)
    by_code = {row["code"]: row for row in data}
    assert by_code["97124"]["timed"] is True and by_code["97124"]["hsa"] == "with LMN"
    assert by_code["97140"]["modifiers"] == "59,XS,GP"


def test_codes_as_a_real_subprocess(tmp_path):
    result = cli_subprocess("--db", str(tmp_path / "c.db"), "codes", "icd", "m5450")
    assert result.returncode == 0
    assert "Low back pain, unspecified" in result.stdout
