"""Two processes writing at once lose nothing, never see "database is locked", and never share
a control number (claim CLM01, ISA13). Real CLI subprocesses against one database, on SQLite
and (in the PostgreSQL pass) on PostgreSQL."""

from __future__ import annotations

import json
import os
import re
import threading
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from clinicbill.store.engine import resolve_url
from tests.conftest import cli_subprocess

DOS = "2026-11-02"
SOAK = bool(os.environ.get("CLINICBILL_SOAK"))


def _in_parallel(db_url: str, jobs: list[list[list[str]]]) -> list[list]:
    """Run each job (a list of commands, one after another) in its own thread: the commands
    of different jobs run as concurrent processes. Returns the results per job."""
    results: list[list] = [[] for _ in jobs]
    start = threading.Barrier(len(jobs))

    def work(index: int) -> None:
        start.wait()
        for args in jobs[index]:
            results[index].append(cli_subprocess("--db", db_url, *args, timeout=120))

    threads = [threading.Thread(target=work, args=(i,)) for i in range(len(jobs))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results


def _assert_clean(results, allow_refusal: tuple[str, ...] = ()) -> None:
    for job in results:
        for r in job:
            assert "locked" not in r.stderr.lower(), r.stderr
            assert "Traceback" not in r.stderr and "unexpected failure" not in r.stderr, r.stderr
            if r.returncode != 0:
                assert any(s in r.stderr for s in allow_refusal), (r.args, r.stderr)


def _scalar(db_url: str, sql: str):
    engine = create_engine(resolve_url(db_url))
    with engine.connect() as conn:
        value = conn.execute(text(sql)).all()
    engine.dispose()
    return value


def _session(patient: str, minutes: int) -> list[str]:
    return [
        "session", "add", "--patient", patient, "--provider", "Reyes", "--date", DOS,
        "--dx", "M54.50", "--line", f"97124:minutes={minutes}", "--subjective", "tight",
        "--objective", "hypertonic", "--assessment", "better", "--plan", "weekly", "--sign",
    ]  # fmt: skip


def test_two_writers_lose_nothing(sample_db):
    jobs = []
    for worker in ("A", "B"):
        job = []
        for i in range(3):
            job.append(["patient", "add", "--first-name", f"W{worker}{i}", "--last-name",
                        f"Concurrent{worker}", "--dob", "1980-01-01", "--sex", "U"])  # fmt: skip
            job.append(_session("P00001" if worker == "A" else "P00004", 30 + i))
            job.append(["payment", "add", "P00003", "10", "--method", "cash"])
        job.append(["claim", "create", "--all"])
        jobs.append(job)
    results = _in_parallel(sample_db, jobs)
    # Both workers ask to bill everything: one of them may find nothing left to bill.
    _assert_clean(results, allow_refusal=("no signed, insured sessions", "already billed"))

    names = _scalar(sample_db, "SELECT last_name, account_number FROM patient")
    assert sum(1 for n, _ in names if n.startswith("Concurrent")) == 6
    assert len({a for _, a in names}) == len(names)  # account numbers stay unique
    assert _scalar(sample_db, "SELECT count(*) FROM encounter")[0][0] == 6
    assert _scalar(sample_db, "SELECT sum(amount_cents) FROM payment")[0][0] == 6000
    # Every billed service line sits on exactly one claim; every session got billed.
    per_line = _scalar(sample_db, "SELECT service_line_id, count(*) FROM claimline GROUP BY 1")
    assert len(per_line) == 6 and all(n == 1 for _, n in per_line)
    pcns = _scalar(sample_db, "SELECT patient_control_number FROM claim")
    assert len(pcns) == len({p for (p,) in pcns}) >= 2

    assert cli_subprocess("--db", sample_db, "db", "check").returncode == 0
    verify = cli_subprocess("--db", sample_db, "audit", "--verify")
    assert verify.returncode == 0, verify.stderr  # the hash chain did not fork


def _interchange_numbers(paths: list[Path]) -> list[str]:
    numbers = []
    for path in paths:
        content = path.read_text()
        numbers += re.findall(r"ISA(?:\*[^*~]*){12}\*(\d{9})", content)
    return numbers


def test_concurrent_exports_never_share_a_control_number(sample_db, tmp_path):
    adds = [_session(p, 30) for p in ("P00001", "P00004", "P00007") for _ in range(2)]
    for args in adds:
        added = cli_subprocess("--db", sample_db, *args)
        assert added.returncode == 0, added.stderr
    created = cli_subprocess("--db", sample_db, "--json", "claim", "create", "--all")
    assert created.returncode == 0, created.stderr
    claim_ids = [str(c) for (c,) in _scalar(sample_db, "SELECT id FROM claim ORDER BY id")]
    assert claim_ids
    jobs = []
    for worker in ("a", "b"):
        jobs.append(
            [
                [
                    "claim",
                    "export",
                    *claim_ids,
                    "--force",
                    "--format",
                    "837p",
                    "-o",
                    str(tmp_path / f"{worker}{i}.837"),
                ]  # fmt: skip
                for i in range(3)
            ]
        )
    results = _in_parallel(sample_db, jobs)
    _assert_clean(results)
    files = sorted(tmp_path.glob("*.837"))
    assert len(files) == 6
    isa = _interchange_numbers(files)
    assert len(isa) == 6 and len(set(isa)) == 6, isa
    batches = _scalar(
        sample_db,
        "SELECT interchange_control_number FROM exportbatch WHERE format = '837p'",
    )
    assert len(batches) == 6 and len({b for (b,) in batches}) == 6
    assert {int(n) for n in isa} == {b for (b,) in batches}


def test_json_output_of_concurrent_payments_adds_up(sample_db):
    jobs = [[["--json", "payment", "add", "P00003", "1.25", "--method", "card"]] * 4] * 2
    results = _in_parallel(sample_db, jobs)
    _assert_clean(results)
    ids = [json.loads(r.stdout)["payment_id"] for job in results for r in job]
    assert len(set(ids)) == 8
    assert _scalar(sample_db, "SELECT sum(amount_cents) FROM payment")[0][0] == 1000


@pytest.mark.slow
@pytest.mark.skipif(not SOAK, reason="soak test: run with `make soak` (CLINICBILL_SOAK=1)")
def test_soak_four_writers(sample_db):
    jobs = []
    for worker in range(4):
        job = []
        for i in range(8):
            job.append(["patient", "add", "--first-name", f"S{worker}x{i}", "--last-name",
                        "Soak", "--dob", "1980-01-01", "--sex", "U"])  # fmt: skip
            job.append(_session(["P00001", "P00004", "P00007", "P00003"][worker], 20 + i))
            job.append(["payment", "add", "P00003", "1", "--method", "cash"])
            if i % 3 == 2:
                job.append(["claim", "create", "--all"])
        jobs.append(job)
    results = _in_parallel(sample_db, jobs)
    _assert_clean(results, allow_refusal=("no signed, insured sessions", "already billed"))
    assert _scalar(sample_db, "SELECT count(*) FROM patient WHERE last_name = 'Soak'")[0][0] == 32
    assert _scalar(sample_db, "SELECT count(*) FROM encounter")[0][0] == 32
    assert _scalar(sample_db, "SELECT sum(amount_cents) FROM payment")[0][0] == 3200
    per_line = _scalar(sample_db, "SELECT service_line_id, count(*) FROM claimline GROUP BY 1")
    assert all(n == 1 for _, n in per_line)
    assert cli_subprocess("--db", sample_db, "audit", "--verify").returncode == 0
