"""Crash safety: SIGKILL the CLI at random moments during a large write, many times. After
each kill `clinicbill db check` passes, the audit chain holds, and the operation is all there
or not there at all (row counts of every table equal the before- or the after-state).

The normal suite runs a few kills per operation; `make soak` (CLINICBILL_SOAK=1) runs many.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from datetime import date, timedelta
from pathlib import Path

import pytest

from clinicbill.store.engine import get_engine, transaction
from tests.conftest import cli_subprocess
from tests.pg import clone_database, discard_database, on_postgres
from tests.store.helpers import counts

SOAK = bool(os.environ.get("CLINICBILL_SOAK"))
KILLS = 3
SOAK_KILLS = int(os.environ.get("CLINICBILL_SOAK_KILLS", "40"))
SEED = int(os.environ.get("CLINICBILL_CRASH_SEED", "20261128"))
EXE = str(Path(sys.executable).parent / "clinicbill")


def _empty(db_url: str) -> str:
    get_engine(db_url)  # migrated, no rows
    return db_url


def _many_signed_sessions(db_url: str) -> str:
    from clinicbill.domain.practice.sample import load_sample
    from tests.factories import make_encounter

    with transaction(db_url, "tester") as session:
        load_sample(session)
        day = date(2026, 1, 5)
        for i in range(240):
            patient, policy = [(1, 1), (4, 5), (7, 7), (3, 4)][i % 4]
            make_encounter(
                session,
                patient,
                1,
                day + timedelta(days=i // 4),
                [
                    {"code": "97124", "charge_cents": 9000, "units": 2, "minutes": 30},
                    {
                        "code": "97140",
                        "charge_cents": 4500,
                        "units": 1,
                        "minutes": 15,
                        "modifiers": "59",
                    },  # fmt: skip
                ],
                policy_id=policy,
            )
    return db_url


def _big_remittance(db_url: str, folder: Path) -> list[str]:
    """Submitted claims for the sessions above, and the payer's 835 paying all of them."""
    from sqlalchemy import select
    from typer.testing import CliRunner

    from clinicbill.cli import app
    from clinicbill.formats.x12_835_write import Outcome, remittance_835_for_claims
    from clinicbill.store.models import Claim

    _many_signed_sessions(db_url)
    runner = CliRunner()
    created = runner.invoke(app, ["--db", db_url, "claim", "create", "--all"])
    assert created.exit_code == 0, created.output
    with transaction(db_url, "tester") as session:
        ids = [str(i) for i in session.execute(select(Claim.id).order_by(Claim.id)).scalars()]
    exported = runner.invoke(
        app, ["--db", db_url, "claim", "export", *ids, "--force", "-o", str(folder / "c.837")]
    )
    assert exported.exit_code == 0, exported.output
    with transaction(db_url, "tester") as session:
        outcomes = {
            int(cid): Outcome(coinsurance_percent=20) if n % 4 else Outcome(kind="denied")
            for n, cid in enumerate(ids)
        }
        text, _ = remittance_835_for_claims(
            session, outcomes, trace_number="CRASH1", payment_date=date(2026, 6, 1)
        )
    path = folder / "big.835"
    path.write_text(text)
    return ["era", "import", str(path)]


SEED_ARGS = "dev seed --years 1 --providers 3 --lines-per-year 3000 --end 2026-06-30".split()
# operation -> prepare(db_url, folder), which returns the arguments of the command to kill
OPERATIONS = {
    "init-sample": lambda url, _: _empty(url) and ["init", "--sample"],
    "dev-seed": lambda url, _: _empty(url) and SEED_ARGS,
    "claim-create-all": lambda url, _: _many_signed_sessions(url) and ["claim", "create", "--all"],
    "era-import": _big_remittance,
}


def _run_to_end(url: str, args: list[str]) -> float:
    started = time.monotonic()
    result = cli_subprocess("--db", url, *args, timeout=300)
    assert result.returncode == 0, result.stderr
    return time.monotonic() - started


def _chain_ok(url: str) -> bool:
    from clinicbill.store.audit_verify import verify_chain

    with transaction(url, "checker") as session:
        return verify_chain(session) == []


def _wait_for_wal_growth(proc, wal: Path, limit: float) -> None:
    """SQLite: wait until the writer starts putting pages into the WAL (a spill of a large
    transaction, or its commit), so the kill lands inside the write, not during start-up."""
    deadline = time.monotonic() + 2 * limit
    while proc.poll() is None and time.monotonic() < deadline:
        try:
            if wal.stat().st_size > 0:
                return
        except FileNotFoundError:
            pass
        time.sleep(0.002)


def kill_loop(db_url: str, tmp_path: Path, operation: str, kills: int) -> dict:
    args = OPERATIONS[operation](db_url, tmp_path)
    base = db_url
    before = counts(base)
    reference = clone_database(base, tmp_path, "reference")
    duration = _run_to_end(reference, args)
    after = counts(reference)
    discard_database(reference)
    assert before != after
    rng = random.Random(f"{SEED}-{operation}")
    outcomes = {"killed-before": 0, "killed-after": 0, "finished": 0}
    for attempt in range(kills):
        url = clone_database(base, tmp_path, f"attempt{attempt}")
        proc = subprocess.Popen(
            [EXE, "--db", url, *args], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        if attempt % 2 and not on_postgres():
            _wait_for_wal_growth(proc, Path(url + "-wal"), duration)
            delay = rng.uniform(0.0, 0.2) * duration
        else:
            delay = rng.uniform(0.25, 1.0) * duration
        try:
            proc.wait(timeout=delay)
            killed = False
        except subprocess.TimeoutExpired:
            proc.send_signal(signal.SIGKILL)
            proc.wait()
            killed = True
        check = cli_subprocess("--db", url, "db", "check")
        assert check.returncode == 0, (operation, attempt, check.stdout, check.stderr)
        now = counts(url)
        assert now in (before, after), (operation, attempt, "half-written")
        assert _chain_ok(url), (operation, attempt, "audit chain broken")
        if not killed:
            outcomes["finished"] += 1
        else:
            outcomes["killed-after" if now == after else "killed-before"] += 1
        discard_database(url)
    return outcomes


@pytest.mark.parametrize("operation", sorted(OPERATIONS))
def test_sigkill_during_a_large_write_is_all_or_nothing(db_url, tmp_path, operation):
    outcomes = kill_loop(db_url, tmp_path, operation, KILLS)
    assert sum(outcomes.values()) == KILLS


@pytest.mark.slow
@pytest.mark.skipif(not SOAK, reason="soak test: run with `make soak` (CLINICBILL_SOAK=1)")
@pytest.mark.parametrize("operation", sorted(OPERATIONS))
def test_soak_sigkill_many_times(db_url, tmp_path, operation):
    outcomes = kill_loop(db_url, tmp_path, operation, SOAK_KILLS)
    print(f"{operation}: {outcomes}")
    # Over many kills some must land before the commit, or the test proved nothing.
    assert outcomes["killed-before"] > 0
