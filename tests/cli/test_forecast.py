"""`report forecast`: membership dues per coming month (quarterly, paused, cancelled, starting
later), open plan installments, the recent average of other collections, and the break-even
month."""

from __future__ import annotations

import json

from tests.selfpay_data import self_pay_visit


def _rows(run, *extra):
    out = run("--json", "report", "forecast", "--as-of", "2026-03-10", *extra)
    assert out.exit_code == 0, out.output
    data = json.loads(out.output)
    return data, data["sections"]["forecast"]["rows"]


def test_forecast_and_break_even(sample_run):
    for args in (
        ["membership", "plan", "add", "Monthly", "--price", "100"],
        ["membership", "plan", "add", "Quarterly", "--price", "270", "--period", "quarterly"],
        ["membership", "enroll", "P00006", "Monthly", "--start", "2026-01-15"],
        ["membership", "enroll", "P00008", "Quarterly", "--start", "2026-02-01"],
        ["membership", "enroll", "P00005", "Monthly", "--start", "2026-05-03"],
        ["membership", "enroll", "P00004", "Monthly", "--start", "2026-01-01"],
        ["membership", "pause", "4", "--date", "2026-02-15"],
        ["membership", "enroll", "P00007", "Monthly", "--start", "2026-01-01"],
        ["membership", "cancel", "5", "--date", "2026-05-01"],
    ):
        out = sample_run(*args)
        assert out.exit_code == 0, (args, out.output)
    # other collections: $300 received in January 2026
    assert sample_run(*self_pay_visit("P00002", "2025-12-10")).exit_code == 0
    assert (
        sample_run(
            "payment", "add", "P00002", "300", "--method", "cash", "--date", "2026-01-20"
        ).exit_code
        == 0
    )
    assert sample_run(*self_pay_visit("P00003", "2026-02-10")).exit_code == 0
    assert (
        sample_run(
            "payment",
            "plan",
            "add",
            "P00003",
            "--total",
            "130",
            "--installments",
            "2",
            "--start",
            "2026-04-20",
        ).exit_code
        == 0
    )
    data, rows = _rows(sample_run, "--months", "4", "--monthly-cost", "400")
    got = {r["month"]: (r["memberships"], r["installments"]) for r in rows}
    assert got == {
        "2026-04": ("200.00", "65.00"),  # P00006 + P00007
        "2026-05": ("470.00", "65.00"),  # P00006, quarterly, P00005 from May 3; P00007 ended
        "2026-06": ("200.00", "0.00"),  # P00006 + P00005
        "2026-07": ("200.00", "0.00"),
    }
    # Dec-Feb: $300 received, no dues billed (no billing run): other averages $100 a month
    assert {r["other"] for r in rows} == {"100.00"}
    assert rows[0]["expected"] == "365.00" and rows[0]["cumulative"] == "-35.00"
    assert data["notes"][-1] == "break-even month: 2026-05 (expected money first covers $400.00)"
    never = _rows(sample_run, "--months", "2", "--monthly-cost", "1000")[0]["notes"][-1]
    assert never == "expected money does not reach the monthly cost $1,000.00 within 2 month(s)"


def test_other_collections_average(sample_run):
    assert sample_run(*self_pay_visit("P00002", "2025-12-10")).exit_code == 0
    assert (
        sample_run(
            "payment", "add", "P00002", "90", "--method", "card", "--date", "2026-02-02"
        ).exit_code
        == 0
    )
    # dues billed and paid in February are forecast apart, not counted again in "other"
    for args in (
        ["membership", "plan", "add", "Monthly", "--price", "50"],
        ["membership", "enroll", "P00006", "Monthly", "--start", "2026-02-01"],
        ["billing", "run", "--as-of", "2026-02-28"],
        ["payment", "add", "P00006", "50", "--method", "card", "--date", "2026-02-03"],
    ):
        assert sample_run(*args).exit_code == 0, args
    data, rows = _rows(sample_run, "--months", "1")
    assert rows[0]["other"] == "30.00" and rows[0]["memberships"] == "50.00"
    assert rows[0]["expected"] == "80.00"
    assert data["notes"][-1] == "give --monthly-cost to find the break-even month"
    bad = sample_run("report", "forecast", "--months", "0")
    assert bad.exit_code == 1 and "error: months: 0 is not between 1 and 36" in bad.output
