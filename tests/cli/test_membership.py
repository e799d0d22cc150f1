"""`membership …` and `billing run` through the CLI: plans, enrolment, pause/resume/cancel,
charges posted once (also by two processes at once), included visits drawn by `session add`,
the member rate beyond them, charge PDFs read back."""

from __future__ import annotations

import json
import threading

from sqlalchemy import create_engine, text

from clinicbill.store.engine import resolve_url
from tests.conftest import cli_subprocess
from tests.documents_data import pdf_words
from tests.selfpay_data import self_pay_visit


def _rows(db_url: str, sql: str) -> list:
    engine = create_engine(resolve_url(db_url))
    with engine.connect() as conn:
        rows = conn.execute(text(sql)).all()
    engine.dispose()
    return rows


def _setup(run, start="2026-01-31", *extra):
    out = run(
        "membership",
        "plan",
        "add",
        "Monthly massage",
        "--price",
        "99",
        "--visits",
        "1",
        "--member-rate",
        "70",
        *extra,
    )
    assert out.exit_code == 0, out.output
    out = run("membership", "enroll", "P00006", "Monthly massage", "--start", start)
    assert out.exit_code == 0, out.output
    assert "membership 1: Monthly massage from " + start in out.output


def test_billing_run_posts_each_started_period_once(sample_run, tmp_path):
    _setup(sample_run)
    (tmp_path / "r").mkdir()  # outputs never go to a folder that does not exist (store/files.py)
    first = sample_run(
        "--json", "billing", "run", "--as-of", "2026-04-01", "--receipts", str(tmp_path / "r")
    )
    assert first.exit_code == 0, first.output
    data = json.loads(first.output)
    periods = [(c["period_start"], c["period_end"]) for c in data["charges"]]
    assert periods == [
        ("2026-01-31", "2026-02-27"),
        ("2026-02-28", "2026-03-30"),
        ("2026-03-31", "2026-04-29"),
    ]
    assert all(c["amount"] == "99.00" for c in data["charges"])
    again = sample_run("billing", "run", "--as-of", "2026-04-01")
    assert again.exit_code == 0 and "0 membership charge(s) $0.00" in again.output
    balance = sample_run("--json", "balance", "P00006")
    lines = [x for x in json.loads(balance.output)["lines"] if x["code"] == "MEMBERSHIP"]
    assert len(lines) == 3 and {x["patient_due"] for x in lines} == {"99.00"}
    words = pdf_words(data["receipts"][1])
    for expected in ("Membership charge", "Monthly massage", "02/28/2026", "03/30/2026", "$99.00"):
        assert expected in words, expected


def test_pause_resume_cancel_decide_which_periods_are_billed(sample_run, sample_db):
    _setup(sample_run, "2026-01-01")
    assert sample_run("membership", "pause", "1", "--date", "2026-02-15").exit_code == 0
    assert sample_run("billing", "run", "--as-of", "2026-05-10").exit_code == 0
    assert sample_run("membership", "resume", "1", "--date", "2026-04-20").exit_code == 0
    assert sample_run("billing", "run", "--as-of", "2026-06-10").exit_code == 0
    assert sample_run("membership", "cancel", "1", "--date", "2026-06-02").exit_code == 0
    assert sample_run("billing", "run", "--as-of", "2026-09-10").exit_code == 0
    starts = [
        r[0] for r in _rows(sample_db, "SELECT period_start FROM membershipcharge ORDER BY 1")
    ]
    assert [str(s) for s in starts] == ["2026-01-01", "2026-02-01", "2026-05-01", "2026-06-01"]
    listed = json.loads(sample_run("--json", "membership", "list", "--date", "2026-09-10").output)
    assert listed[0]["status"] == "cancelled" and listed[0]["billed"] == 4


def test_refusals_name_the_field(sample_run):
    _setup(sample_run, "2026-01-01")
    assert sample_run("billing", "run", "--as-of", "2026-03-05").exit_code == 0
    late = sample_run("membership", "pause", "1", "--date", "2026-02-10")
    assert late.exit_code == 1
    assert "error: date: the period starting 2026-03-01 is already billed" in late.output
    bad = sample_run("membership", "plan", "add", "X", "--price", "10", "--period", "weekly")
    assert bad.exit_code == 1 and "error: period: 'weekly' is not a billing period" in bad.output
    assert "Traceback" not in bad.output
    twice = sample_run("membership", "enroll", "P00006", "1", "--start", "2026-02-01")
    assert twice.exit_code == 1 and "already a member" in twice.output
    missing = sample_run("membership", "resume", "1")
    assert missing.exit_code == 1 and "error: membership: 1 is not paused" in missing.output


def test_session_add_draws_the_included_visit_then_the_member_rate(sample_run):
    _setup(sample_run, "2026-03-01")
    first = sample_run(*self_pay_visit("P00006", "2026-03-02"))
    assert "included visit, 0 left this period" in first.output, first.output
    second = sample_run(*self_pay_visit("P00006", "2026-03-09"))
    assert "no included visit left; member rate $70.00" in second.output
    third = sample_run(*self_pay_visit("P00006", "2026-04-03"))  # a new period: included again
    assert "included visit" in third.output and "member rate" not in third.output
    lines = json.loads(sample_run("--json", "balance", "P00006").output)["lines"]
    dues = {x["date"]: x["patient_due"] for x in lines if x["code"] == "97124"}
    assert dues == {"2026-03-09": "70.00"}  # the included visits owe nothing: not listed


def test_two_billing_runs_at_once_post_one_charge_per_member(sample_db):
    for args in (
        ["membership", "plan", "add", "Monthly", "--price", "80", "--visits", "1"],
        ["membership", "plan", "add", "Yearly", "--price", "900", "--period", "yearly"],
        ["membership", "enroll", "P00006", "Monthly", "--start", "2026-11-01"],
        ["membership", "enroll", "P00008", "Monthly", "--start", "2026-11-05"],
        ["membership", "enroll", "P00001", "Yearly", "--start", "2026-11-02"],
    ):
        out = cli_subprocess("--db", sample_db, *args)
        assert out.returncode == 0, out.stderr
    results: list = [None, None]
    barrier = threading.Barrier(2)

    def work(i):
        barrier.wait()
        results[i] = cli_subprocess(
            "--db", sample_db, "--json", "billing", "run", "--as-of", "2026-11-30", timeout=120
        )

    threads = [threading.Thread(target=work, args=(i,)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for r in results:
        assert r.returncode == 0, r.stderr
        assert "locked" not in r.stderr.lower()
    posted = sum(len(json.loads(r.stdout)["charges"]) for r in results)
    assert posted == 3
    rows = _rows(sample_db, "SELECT membership_id, COUNT(*) FROM membershipcharge GROUP BY 1")
    assert sorted(rows) == [(1, 1), (2, 1), (3, 1)]
    lines = _rows(sample_db, "SELECT COUNT(*) FROM serviceline WHERE code = 'MEMBERSHIP'")
    assert lines == [(3,)]


def test_membership_dues_are_not_on_the_superbill(sample_run, tmp_path):
    _setup(sample_run, "2026-03-01")
    assert sample_run("billing", "run", "--as-of", "2026-03-05").exit_code == 0
    only_dues = sample_run("superbill", "P00006", "-o", str(tmp_path / "none.pdf"))
    assert only_dues.exit_code == 1 and "no sessions" in only_dues.output
    visit = sample_run(*self_pay_visit("P00006", "2026-03-01", "97124:minutes=30"))
    assert visit.exit_code == 0, visit.output
    out = sample_run("--json", "superbill", "P00006", "-o", str(tmp_path / "s.pdf"))
    assert out.exit_code == 0, out.output
    assert json.loads(out.output)["lines"] == 1
    assert "MEMBERSHIP" not in pdf_words(tmp_path / "s.pdf")


def test_a_voided_visit_gives_its_included_visit_back_and_no_future_runs(sample_run):
    _setup(sample_run, "2026-03-01")
    first = sample_run("--json", *self_pay_visit("P00006", "2026-03-02"))
    session_id = json.loads(first.output)["id"]
    assert "included visit" in json.loads(first.output)["billing"][0]
    assert (
        sample_run("session", "void", str(session_id), "--reason", "entered twice").exit_code == 0
    )
    again = sample_run(*self_pay_visit("P00006", "2026-03-03"))
    assert "included visit, 0 left this period" in again.output
    future = sample_run("billing", "run", "--as-of", "2099-01-01")
    assert future.exit_code == 1 and "error: as-of: 2099-01-01 is in the future" in future.output
