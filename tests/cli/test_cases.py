"""`case add|list|show|edit|close` and `session add --case` through the CLI, then the database;
one real subprocess run."""

from __future__ import annotations

import json

from sqlalchemy import select

from clinicbill.store.engine import transaction
from clinicbill.store.models import Encounter, InjuryCase
from tests.conftest import cli_subprocess

WC = [
    "case",
    "add",
    "P00005",
    "--kind",
    "workers-comp",
    "--injury-date",
    "2026-08-14",
    "--employer",
    "Bridgeworks Construction",
    "--claim-number",
    "WC-55123",
    "--policy",
    "6",
]
VISIT = [
    "session",
    "add",
    "--patient",
    "P00005",
    "--provider",
    "Reyes",
    "--date",
    "2026-11-02",
    "--dx",
    "S39.012A",
    "--line",
    "97124:minutes=38:mod=GP",
    "--subjective",
    "s",
    "--objective",
    "o",
    "--assessment",
    "a",
    "--plan",
    "p",
]


def _cases(url) -> list[InjuryCase]:
    with transaction(url, "tester") as s:
        return list(s.execute(select(InjuryCase).order_by(InjuryCase.id)).scalars())


def test_case_add_show_edit_close(sample_run):
    added = sample_run(*WC)
    assert added.exit_code == 0, added.output
    assert "case 1 opened: workers-comp, injury 2026-08-14" in added.output
    [case] = _cases(sample_run.db_url)
    assert (case.kind, case.claim_number, case.policy_id, case.status) == (
        "workers-comp",
        "WC-55123",
        6,
        "open",
    )
    shown = sample_run("--json", "case", "show", "1")
    data = json.loads(shown.stdout)
    assert data["payer"] == "Northwest Workers Comp Fund" and data["employer"].startswith("Bridge")
    edited = sample_run(
        "case", "edit", "1", "--adjuster", "Dana Ortiz", "--adjuster-phone", "503-555-0199"
    )
    assert edited.exit_code == 0 and "updated adjuster-phone, adjuster" in edited.output
    assert _cases(sample_run.db_url)[0].adjuster_phone == "5035550199"
    closed = sample_run("case", "close", "1")
    assert closed.exit_code == 0 and _cases(sample_run.db_url)[0].status == "closed"
    again = sample_run("case", "close", "1")
    assert again.exit_code == 1 and "already closed" in again.output
    listed = sample_run("--json", "case", "list", "P00005", "--open")
    assert json.loads(listed.stdout) == []


def test_case_add_refusals_write_nothing(sample_run):
    bad_kind = sample_run("case", "add", "P00005", "--kind", "slip", "--injury-date", "2026-08-14")
    assert bad_kind.exit_code == 1 and "kind: 'slip' is not a case kind" in bad_kind.output
    no_date = sample_run("case", "add", "P00005", "--kind", "auto")
    assert no_date.exit_code == 1 and "injury-date: a value is required" in no_date.output
    pip_wc = sample_run(*WC, "--pip-limit", "5000")
    assert pip_wc.exit_code == 1 and "only an auto case has a PIP limit" in pip_wc.output
    onset = sample_run(*WC, "--onset-date", "2026-08-01")
    assert onset.exit_code == 1 and "onset-date" in onset.output
    other = sample_run(*WC[:2], "P00001", *WC[3:])
    assert other.exit_code == 1 and "policy: no policy matches '6'" in other.output
    assert _cases(sample_run.db_url) == []


def test_session_add_takes_the_only_open_case_and_shows_it(sample_run):
    assert sample_run(*WC).exit_code == 0
    result = sample_run(*VISIT)
    assert result.exit_code == 0, result.output
    assert "case 1: workers-comp, injury 2026-08-14" in result.output
    with transaction(sample_run.db_url, "tester") as s:
        [visit] = s.execute(select(Encounter)).scalars().all()
        assert visit.case_id == 1
    assert sample_run("case", "edit", "1", "--injury-date", "2026-11-05").exit_code == 0
    early = sample_run(*VISIT, "--case", "1")
    assert early.exit_code == 1 and "before the injury on 2026-11-05" in early.output
    assert sample_run("case", "edit", "1", "--injury-date", "2026-08-14").exit_code == 0
    none = sample_run(*VISIT, "--case", "none")
    assert none.exit_code == 0 and "pays under an injury case" in none.output
    with transaction(sample_run.db_url, "tester") as s:
        cases = [e.case_id for e in s.execute(select(Encounter).order_by(Encounter.id)).scalars()]
    assert cases == [1, None]


def test_pip_limit_left_at_session_add_case_show_and_report(sample_run):
    sample_run(
        "payer", "add", "--name", "Columbia Auto Casualty", "--payer-id", "CAC31", "--type", "auto"
    )
    policy = sample_run(
        "--json",
        "policy",
        "add",
        "P00005",
        "--payer",
        "CAC31",
        "--member-id",
        "AUTO-1",
        "--priority",
        "secondary",
    )
    assert policy.exit_code == 0, policy.output
    policy_id = str(json.loads(policy.stdout)["id"])
    added = sample_run(
        "case",
        "add",
        "P00005",
        "--kind",
        "auto",
        "--injury-date",
        "2026-09-30",
        "--state",
        "OR",
        "--policy",
        policy_id,
        "--pip-limit",
        "150",
    )
    assert "PIP limit $150.00: $0.00 billed, $150.00 left" in added.output
    first = sample_run(*VISIT, "--policy", policy_id)
    assert "PIP limit $150.00: $0.00 billed, $150.00 left" in first.output
    second = sample_run(*VISIT, "--policy", policy_id)
    assert "PIP limit $150.00: $97.50 billed, $52.50 left" in second.output
    assert "is more than the PIP limit left ($52.50)" in second.output
    shown = json.loads(sample_run("--json", "case", "show", "1").stdout)
    assert shown["pip_billed"] == "195.00" and shown["pip_remaining"] == "-45.00"
    report = json.loads(sample_run("--json", "report", "visits").stdout)
    [row] = report["sections"]["pip"]["rows"]
    assert (row["limit"], row["billed"], row["remaining"]) == ("150.00", "195.00", "0.00")


def test_case_commands_in_a_real_subprocess(sample_db):
    added = cli_subprocess("--db", sample_db, *WC)
    assert added.returncode == 0, added.stderr
    listed = cli_subprocess("--db", sample_db, "--json", "case", "list", "P00005")
    assert [c["claim_number"] for c in json.loads(listed.stdout)] == ["WC-55123"]


def test_reevaluation_due_warns_at_session_add_and_is_listed_in_followup(sample_run):
    referral = sample_run(
        "referral", "add", "P00005", "--first-name", "Helen", "--last-name", "Park", "--npi",
        "1679576722", "--date", "2026-09-01", "--visits", "12", "--expires", "2027-04-01",
    )  # fmt: skip
    assert referral.exit_code == 0, referral.output
    early = sample_run(*VISIT[:7], "2026-09-10", *VISIT[8:], "--case", "none")
    assert early.exit_code == 0 and "re-evaluation" not in early.output
    late = sample_run(*VISIT[:7], "2026-10-05", *VISIT[8:], "--case", "none")
    assert late.exit_code == 0
    assert "re-evaluation or new prescription due: 34 days and 2 visits" in late.output
    assert "every 30 days or 12 visits" in late.output
    report = json.loads(sample_run("--json", "report", "followup", "--as-of", "2026-10-06").stdout)
    [row] = report["sections"]["reevaluations"]["rows"]
    assert (row["account"], row["days"], row["visits"]) == ("P00005", 35, 2)


def test_session_walk_through_asks_for_the_case(tmp_path):
    """At a terminal, `session add` offers the patient's open case for the policy billed."""
    import pexpect

    from tests.cli.test_sessions_interactive import ENTER, answer, spawn

    db = str(tmp_path / "tty.db")
    assert cli_subprocess("--db", db, "init", "--sample").returncode == 0
    assert cli_subprocess("--db", db, *WC).returncode == 0
    child, transcript = spawn(
        db, "--patient", "P00005", "--provider", "Reyes", "--date", "2026-11-02"
    )
    answer(child, "Bill to", ENTER)  # the workers' comp policy
    child.expect("Injury case")
    child.expect("No case")
    assert "case 1: workers-comp, injury 2026-08-14" in transcript.text
    child.sendintr()  # Ctrl-C: nothing is saved
    child.expect(pexpect.EOF)
    listed = cli_subprocess("--db", db, "--json", "session", "list")
    assert json.loads(listed.stdout) == []
