"""Records that cannot go wrong quietly (issue 15): corrections carry values, duplicates are
refused, missing values are named all at once, a real practice sends production claims."""

from __future__ import annotations

import json

PRACTICE = [
    "--name", "Willow Creek", "--npi", "1928374655", "--tax-id", "93-1234567",
    "--taxonomy", "225700000X", "--address1", "1 Main St", "--city", "Portland",
    "--state", "OR", "--zip", "97202", "--phone", "5035550142",
]  # fmt: skip


def test_a_correction_carries_every_value_it_does_not_change(sample_run):
    run = sample_run
    first = run(
        "verify", "add", "1", "--method", "phone", "--in-network", "yes",
        "--massage-covered", "yes", "--visit-limit", "20", "--visits-used", "3",
        "--copay", "25", "--plan-year-start", "2026-01-01", "--reverify-by", "2027-01-01",
    )  # fmt: skip
    assert first.exit_code == 0, first.output
    assert "17 remaining" in first.output
    fixed = run("verify", "add", "1", "--corrects", "1", "--method", "phone", "--visit-limit", "24")
    assert fixed.exit_code == 0, fixed.output
    assert "changed visit-limit)" in fixed.output
    assert "21 remaining" in fixed.output
    note = json.loads(run("--json", "verify", "show", "2").output)
    assert note["in_network"] is True and note["massage_covered"] is True
    assert note["visits_used_reported"] == 3
    assert note["plan_year_start"] == "2026-01-01" and note["reverify_by"] == "2027-01-01"
    assert note["copay_cents"] == 2500 or note.get("copay") in ("25.00", "$25.00")


def test_duplicate_payer_id_is_refused(sample_run):
    payer = json.loads(sample_run("--json", "payer", "show", "1").output)
    again = sample_run(
        "payer", "add", "--name", "Another", "--payer-id", payer["payer_id"], "--type", "commercial"
    )
    assert again.exit_code == 1
    assert f"payer-id: {payer['payer_id']} is already payer 1" in again.output
    assert sample_run("payer", "show", payer["payer_id"]).exit_code == 0


def test_duplicate_patient_needs_allow_duplicate(sample_run):
    args = ["patient", "add", "--first-name", "Rosa", "--last-name", "Ng", "--dob", "1980-01-02",
            "--sex", "F"]  # fmt: skip
    assert sample_run(*args).exit_code == 0
    again = sample_run(*args)
    assert again.exit_code == 1
    assert "already on file (account P" in again.output
    assert "Rosa" not in again.output and "1980" not in again.output  # no PHI in error lines
    assert "--allow-duplicate" in again.output
    assert sample_run(*args, "--allow-duplicate").exit_code == 0


def test_duplicate_policy_is_refused(sample_run):
    policy = json.loads(sample_run("--json", "policy", "list").output)[0]
    again = sample_run(
        "policy", "add", str(policy["patient_id"]), "--payer", str(policy["payer_id"]),
        "--member-id", policy["member_id"],
    )  # fmt: skip
    assert again.exit_code == 1, again.output
    assert f"already policy {policy['id']}" in again.output


def test_missing_values_are_named_at_once_and_are_a_usage_error(run):
    result = run("init", "--name", "Willow Creek")
    assert result.exit_code == 2
    line = result.output.splitlines()[0]
    for name in ("npi", "tax-id", "taxonomy", "address1", "city", "state", "zip", "phone"):
        assert name in line


def test_init_of_a_real_practice_sends_production_claims(run, monkeypatch, tmp_path):
    result = run("init", *PRACTICE)
    assert result.exit_code == 0, result.output
    assert "the default database" not in result.output
    practice = json.loads(run("--json", "practice", "show").output)
    assert practice["x12_usage"] == "P"


def test_sample_practice_sends_test_claims(sample_run):
    assert json.loads(sample_run("--json", "practice", "show").output)["x12_usage"] == "T"


def test_payer_add_says_its_type(run):
    assert run("init", *PRACTICE).exit_code == 0
    out = run("payer", "add", "--name", "OHP", "--payer-id", "OHP01", "--type", "medicaid").output
    assert "(medicaid;" in out
