"""The synthetic practice (`clinicbill dev seed`): deterministic for a seed, and its books
balance the way the real ones must (charge = paid + adjustments + balance, never negative)."""

from __future__ import annotations

import hashlib
from datetime import date

import pytest
from sqlalchemy import func, select

from clinicbill.dev.seed import seed_practice
from clinicbill.domain.errors import ClinicbillError
from clinicbill.domain.ledger.balances import line_balance_query
from clinicbill.store.engine import get_engine, transaction
from clinicbill.store.models import (
    Claim,
    ClaimLine,
    Encounter,
    LedgerEntry,
    Payment,
    Remittance,
    RemittanceClaim,
    ServiceLine,
)
from tests.conftest import cli_subprocess
from tests.pg import sqlite_only

END = date(2026, 10, 31)
SMALL = dict(years=2, providers=5, end=END, lines_per_year=1500, ready_claims=10)
# Set up through the domain functions (and audited): their created_at is the time of the run.
SETUP_TABLES = {"practice", "provider", "payer", "feeschedule", "patient", "policy"}


def seeded(url: str, seed: int = 1, **overrides) -> dict:
    with transaction(url, "tester") as session:
        return seed_practice(session, seed=seed, **{**SMALL, **overrides})


def digest(url: str) -> str:
    """A hash of every row of every table (the audit log aside)."""
    from sqlmodel import SQLModel

    out = hashlib.sha256()
    with get_engine(url).connect() as conn:
        for table in SQLModel.metadata.sorted_tables:
            if table.name == "audit_log":
                continue
            columns = [
                c
                for c in table.columns
                if not (table.name in SETUP_TABLES and c.name == "created_at")
            ]
            for row in conn.execute(select(*columns).order_by(*table.primary_key.columns)):
                out.update(repr((table.name, tuple(str(v) for v in row))).encode())
    return out.hexdigest()


@sqlite_only
def test_the_same_seed_gives_the_same_practice_and_another_seed_does_not(tmp_path):
    first, second, other = (str(tmp_path / name) for name in ("a.db", "b.db", "c.db"))
    counts = seeded(first)
    again = seeded(second)
    counts.pop("seconds"), again.pop("seconds")
    assert again == counts
    assert digest(first) == digest(second)
    seeded(other, seed=2)
    assert digest(other) != digest(first)
    assert counts["serviceline"] >= SMALL["lines_per_year"] * SMALL["years"]


def test_volumes_payer_mix_and_statuses_look_like_a_practice(db_url):
    counts = seeded(db_url)
    assert 3000 <= counts["serviceline"] <= 3100  # the line target is met, not overshot
    with transaction(db_url, "tester") as session:
        providers = session.execute(
            select(func.count(func.distinct(Encounter.provider_id)))
        ).scalar()
        statuses = dict(
            session.execute(select(Claim.status, func.count()).group_by(Claim.status)).all()
        )
        kinds = {
            (kind, group): n
            for kind, group, n in session.execute(
                select(LedgerEntry.kind, LedgerEntry.group_code, func.count()).group_by(
                    LedgerEntry.kind, LedgerEntry.group_code
                )
            )
        }
        self_pay = session.execute(
            select(func.count()).select_from(Encounter).where(Encounter.policy_id.is_(None))
        ).scalar()
        visits = session.execute(select(func.count()).select_from(Encounter)).scalar()
        patient_payments = session.execute(
            select(func.count()).select_from(Payment).where(Payment.source == "patient")
        ).scalar()
    assert providers == 5
    assert statuses["ready"] == SMALL["ready_claims"]
    for status in ("paid", "denied", "submitted"):
        assert statuses.get(status, 0) > 0, status
    for key in (("insurance_payment", None), ("adjustment", "CO"), ("adjustment", "OA")):
        assert kinds.get(key, 0) > 0, key
    assert kinds[("patient_responsibility", "PR")] > 0
    assert 0.15 < self_pay / visits < 0.45
    assert patient_payments > 0


def test_every_line_balances_and_no_balance_is_negative(db_url):
    seeded(db_url)
    with transaction(db_url, "tester") as session:
        lines = line_balance_query().subquery()
        bad = session.execute(
            select(func.count()).where(
                (lines.c.balance < 0)
                | (lines.c.balance > lines.c.charge)
                | (
                    lines.c.charge
                    != lines.c.insurance_paid
                    + lines.c.patient_paid
                    + lines.c.adjusted
                    + lines.c.balance
                )
            )
        ).scalar()
        total_lines = session.execute(select(func.count()).select_from(ServiceLine)).scalar()
        claim_totals = session.execute(
            select(func.count()).where(
                Claim.total_cents
                != select(func.sum(ClaimLine.charge_cents))
                .where(ClaimLine.claim_id == Claim.id)
                .scalar_subquery()
            )
        ).scalar()
        remittance_totals = session.execute(
            select(func.count()).where(
                Remittance.paid_cents
                != select(func.coalesce(func.sum(RemittanceClaim.paid_cents), 0))
                .where(RemittanceClaim.remittance_id == Remittance.id)
                .scalar_subquery()
            )
        ).scalar()
        insurance_money = session.execute(
            select(func.sum(Payment.amount_cents)).where(Payment.source == "insurance")
        ).scalar()
        insurance_posted = session.execute(
            select(func.sum(LedgerEntry.amount_cents)).where(
                LedgerEntry.kind == "insurance_payment"
            )
        ).scalar()
    assert total_lines > 0
    assert bad == 0
    assert claim_totals == 0
    assert remittance_totals == 0
    assert insurance_money == insurance_posted


def test_seeding_a_database_with_sessions_is_refused_and_changes_nothing(db_url):
    seeded(db_url, years=1, lines_per_year=300)
    before = digest(db_url)
    with pytest.raises(ClinicbillError, match="already holds sessions"):
        seeded(db_url, years=1, lines_per_year=300)
    assert digest(db_url) == before


def test_rows_added_after_seeding_get_fresh_ids(db_url):
    """Explicit ids in bulk inserts must not collide with later ordinary inserts
    (PostgreSQL sequences are moved past them)."""
    from clinicbill.domain.practice.patients import add_patient

    seeded(db_url, years=1, lines_per_year=300)
    with transaction(db_url, "tester") as session:
        highest = session.execute(select(func.max(Payment.id))).scalar()
        patient = add_patient(
            session, first_name="Ada", last_name="Fresh", dob="1990-01-01", sex="F"
        )
        payment = Payment(patient_id=patient.id, method="cash", amount_cents=100, received_on=END)
        session.add(payment)
        session.flush()
        assert payment.id > highest


def test_cli_seed_reports_counts_and_refuses_bad_volumes(run):
    result = run("dev", "seed", "--years", "1", "--lines-per-year", "400", "--end", "2026-10-31")
    assert result.exit_code == 0, result.output
    assert "seeded 1 years to 2026-10-31" in result.stdout
    assert "serviceline" in result.stdout
    refused = run("dev", "seed", "--years", "0")
    assert refused.exit_code == 1
    assert "years: 0 is out of range" in refused.stderr


def test_cli_seed_in_a_real_process_with_json(tmp_path):
    db = tmp_path / "seeded.db"
    result = cli_subprocess(
        "--db", str(db), "--json", "dev", "seed", "--years", "1", "--lines-per-year", "300",
        "--end", "2026-10-31", "--seed", "5",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert '"serviceline": 3' in result.stdout  # ~300 lines
    again = cli_subprocess("--db", str(db), "dev", "seed", "--years", "1")
    assert again.returncode == 1
    assert "error: db: already holds sessions" in again.stderr
    assert "Traceback" not in again.stderr
