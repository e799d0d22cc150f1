"""A seeded-error run through the CLI (issue 18): claims that each carry one error payers
reject are caught by `session add` or `claim check`, and the same claims done right come out
with no finding at all (no error, no warning)."""

from __future__ import annotations

import json

import pytest

SOAP = ("--subjective", "s", "--objective", "o", "--assessment", "a")
MASSAGE = ("--provider", "Reyes", "--line")


@pytest.fixture
def clinic(sample_run):
    """The sample practice with benefit verifications, a workers' comp prescription and
    authorization, and an open workers' comp case for Brooks (P00005, policy 6)."""

    def ok(*args):
        result = sample_run("--json", *args)
        assert result.exit_code == 0, result.output
        return json.loads(result.stdout) if result.stdout.strip() else None

    for policy in ("1", "2", "6", "7"):
        ok("verify", "add", policy, "--method", "phone", "--representative", "Jo",
           "--in-network", "yes", "--massage-covered", "yes", "--acupuncture-covered", "yes",
           "--plan-year-start", "2026-01-01")  # fmt: skip
    ok("referral", "add", "P00005", "--first-name", "Helen", "--last-name", "Park", "--npi",
       "1679576722", "--date", "2026-09-01", "--dx", "S39.012A", "--visits", "24",
       "--expires", "2027-03-01", "--policy", "6")  # fmt: skip
    ok("auth", "add", "6", "--number", "PA778812", "--start", "2026-09-01", "--end",
       "2027-02-28", "--visits", "30")  # fmt: skip
    case = ok("case", "add", "P00005", "--kind", "workers-comp", "--injury-date",
              "2026-08-14", "--claim-number", "WC-55123", "--policy", "6")  # fmt: skip
    return sample_run, ok, case["id"]


def _bill(clinic, *args, plan="p"):
    """`session add ... --sign`, `claim create`, `claim check`: the findings, or the refusal."""
    run, ok, _ = clinic
    added = run("--json", "session", "add", *args, *SOAP, "--plan", plan, "--sign")
    if added.exit_code != 0:
        return added.output
    session_id = json.loads(added.stdout)["id"]
    claim = ok("claim", "create", "--session", str(session_id))["claims"][0]["id"]
    checked = json.loads(run("--json", "claim", "check", str(claim)).stdout)
    return sorted({(f["severity"], f["rule"]) for f in checked["findings"]})


def test_clean_claims_have_no_finding(clinic):
    case = clinic[2]
    assert _bill(clinic, "--patient", "P00001", *MASSAGE, "97124:minutes=30", "--date",
                 "2026-11-20", "--dx", "M54.50") == []  # fmt: skip
    assert _bill(clinic, "--patient", "P00007", "--provider", "Lin", "--date", "2026-11-20",
                 "--dx", "M54.50", "--line", "97810", "--line", "97811:units=1", "--detail",
                 "needle_count=10", "--detail", "estim=no") == []  # fmt: skip
    assert _bill(clinic, "--patient", "P00005", *MASSAGE, "97124:minutes=30:mod=GP", "--date",
                 "2026-11-20", "--dx", "S39.012A", "--case", str(case)) == []  # fmt: skip


def test_seeded_errors_are_caught(clinic):
    run, ok, _ = clinic
    no_case = _bill(clinic, "--patient", "P00005", *MASSAGE, "97124:minutes=30:mod=GP",
                    "--date", "2026-11-21", "--dx", "S39.012A", "--case", "none")  # fmt: skip
    assert no_case == [("error", "case_required")]
    wellness = _bill(clinic, "--patient", "P00007", "--provider", "Lin", "--date", "2026-11-21",
                     "--dx", "Z00.00", "--line", "97810", "--line", "97811:units=1", "--detail",
                     "needle_count=10", "--detail", "estim=no")  # fmt: skip
    assert wellness == [("error", "diagnosis_supports_service")]
    pos = _bill(clinic, "--patient", "P00001", *MASSAGE, "97124:minutes=30", "--date",
                "2026-11-21", "--dx", "M54.50", "--pos", "85")  # fmt: skip
    assert "place-of-service: 85 is not on the CMS place-of-service list" in pos
    not_yet = _bill(clinic, "--patient", "P00001", *MASSAGE, "97124:minutes=30", "--date",
                    "2024-07-15", "--dx", "M51.360")  # fmt: skip
    assert "M51.360 is not a billable code in the FY2024 ICD-10-CM code set" in not_yet


def test_medicare_past_the_kx_threshold(clinic):
    def therapy(day, modifiers, charge, plan="p"):
        return _bill(clinic, "--patient", "P00002", *MASSAGE,
                     f"97110:minutes=15:mod={modifiers}:charge={charge}", "--date", day,
                     "--dx", "M54.50", plan=plan)  # fmt: skip

    assert therapy("2026-01-05", "GP", 1200) == []
    assert therapy("2026-01-12", "GP", 1200) == []  # $2,400: below the $2,480 of 2026
    assert therapy("2026-02-02", "GP", 100) == [
        ("error", "kx_past_threshold"),
        ("error", "necessity_documented"),
    ]
    assert therapy("2026-02-09", "GP,KX", 100) == [("error", "necessity_documented")]
    documented = "Continue: skilled therapy is medically necessary to restore gait."
    assert therapy("2026-02-16", "GP,KX", 100, plan=documented) == []
