"""`era import` of remittances read as a stream and posted in batches: many batches post
exactly what one would, a file cut anywhere posts nothing (even after whole batches were
written inside the transaction), and a real process posts a file larger than one batch."""

from __future__ import annotations

import json
from datetime import date

import pytest
from sqlalchemy import func, select

from clinicbill.domain.ledger import balances as ledger
from clinicbill.formats.x12_835_write import Outcome, remittance_835_for_claims
from clinicbill.store.audit_verify import verify_chain
from clinicbill.store.engine import transaction
from clinicbill.store.models import AuditLog, Claim, LedgerEntry, Remittance, RemittanceClaim
from tests.conftest import cli_subprocess
from tests.remittance_factories import bulk_claims

PAID_ON = date(2026, 2, 20)


def _remittance(db_url, tmp_path, count: int, trace: str) -> tuple[list[int], str]:
    """`count` submitted claims and the payer's 835: every fifth denied, the others paid
    with 20% coinsurance."""
    with transaction(db_url, "tester") as session:
        ids = bulk_claims(session, count)
        outcomes = {
            cid: Outcome(kind="denied") if n % 5 == 0 else Outcome(coinsurance_percent=20)
            for n, cid in enumerate(ids)
        }
        text, _ = remittance_835_for_claims(
            session, outcomes, trace_number=trace, payment_date=PAID_ON
        )
    path = tmp_path / f"{trace}.835"
    path.write_text(text)
    return ids, str(path)


def _state(db_url, ids):
    with transaction(db_url, "tester") as session:
        statuses = dict(
            session.execute(
                select(Claim.status, func.count()).where(Claim.id.in_(ids)).group_by(Claim.status)
            ).all()
        )
        due = sum(x.patient_due for x in ledger.line_details(session, patient_id=1))
        entries = session.execute(select(func.count(LedgerEntry.id))).scalar()
        audited = session.execute(
            select(func.count(AuditLog.id)).where(AuditLog.entity == "ledgerentry")
        ).scalar()
        links = session.execute(select(func.count(RemittanceClaim.id))).scalar()
        assert verify_chain(session) == []
    return statuses, due, entries, audited, links


@pytest.fixture
def small_batches(monkeypatch):
    """Batches of 7 claims, so a few dozen claims cross many batch boundaries."""
    import clinicbill.app.era_import as era_import
    import clinicbill.domain.remittance.posting as posting

    monkeypatch.setattr(posting, "BATCH", 7)
    monkeypatch.setattr(era_import, "BATCH", 7)


def test_many_batches_post_every_claim_exactly(sample_run, tmp_path, small_batches):
    ids, path = _remittance(sample_run.db_url, tmp_path, 40, "BATCHES")
    result = sample_run("era", "import", path)
    assert result.exit_code == 0, result.stderr
    assert "40 claim(s) posted, 0 not posted" in result.stdout
    statuses, due, entries, audited, links = _state(sample_run.db_url, ids)
    assert statuses == {"paid": 32, "denied": 8}
    # 97140 $90 and 97124 $160 paid at 80%: the patient owes 20% of each paid claim
    assert due == (1440 + 2560) * 32
    assert audited == entries and links == 40
    again = sample_run("era", "import", path)
    assert "already imported" in again.stdout
    assert _state(sample_run.db_url, ids) == (statuses, due, entries, audited, links)


def test_json_report_keeps_every_claim_across_batches(sample_run, tmp_path, small_batches):
    _ids, path = _remittance(sample_run.db_url, tmp_path, 20, "JSONBATCH")
    data = json.loads(sample_run("--json", "era", "import", path).stdout)
    (remittance,) = data["files"][0]["remittances"]
    assert len(remittance["claims"]) == 20
    assert sum(c["new_status"] == "denied" for c in remittance["claims"]) == 4


@pytest.mark.parametrize("where", ["CLP*", "SVC*", "SE*", "GE*", "IEA*"])
def test_a_file_cut_after_whole_batches_posts_nothing(sample_run, tmp_path, small_batches, where):
    ids, path = _remittance(sample_run.db_url, tmp_path, 30, "CUT")
    text = open(path).read()
    cut = text[: text.rindex(where) + 2]  # the last claim, or the trailers, cut short
    with open(path, "w") as fh:
        fh.write(cut)
    before = _state(sample_run.db_url, ids)
    result = sample_run("era", "import", path)
    assert result.exit_code == 1 and result.stderr.startswith("error: CUT.835: segment")
    assert "Traceback" not in result.stderr
    assert _state(sample_run.db_url, ids) == before
    with transaction(sample_run.db_url, "tester") as session:
        assert session.execute(select(func.count(Remittance.id))).scalar() == 0


def test_a_remittance_larger_than_a_batch_in_a_real_process(sample_db, tmp_path):
    ids, path = _remittance(sample_db, tmp_path, 1_050, "REAL")  # more than BATCH (1,000)
    result = cli_subprocess("--db", sample_db, "era", "import", path, timeout=300)
    assert result.returncode == 0, result.stderr
    assert "1050 claim(s) posted, 0 not posted" in result.stdout
    assert "840 claim(s) now paid" in result.stdout and "210 claim(s) now denied" in result.stdout
    statuses, due, entries, audited, links = _state(sample_db, ids)
    assert statuses == {"paid": 840, "denied": 210}
    assert audited == entries and links == 1_050


@pytest.mark.parametrize("keep_bytes", [0, 4 * 1024 * 1024])
def test_a_small_file_is_parsed_once_and_posts_what_a_reread_would(
    sample_run, tmp_path, small_batches, monkeypatch, keep_bytes
):
    """Pass 3 posts pass 2's claims for files up to KEEP_BYTES (the file parsed once) and
    parses a larger one again: both post the same, batch by batch, remittance by remittance."""
    import clinicbill.app.era_import as era_import

    monkeypatch.setattr(era_import, "KEEP_BYTES", keep_bytes)
    parses = []
    real_stream = era_import.stream_835
    monkeypatch.setattr(
        era_import, "stream_835", lambda *a, **k: parses.append(a[0]) or real_stream(*a, **k)
    )
    ids_a, first = _remittance(sample_run.db_url, tmp_path, 23, "KEEPA")
    ids_b, second = _remittance(sample_run.db_url, tmp_path, 12, "KEEPB")
    result = sample_run("era", "import", first, second)
    assert result.exit_code == 0, result.stderr
    assert result.stdout.count("claim(s) posted, 0 not posted") == 2
    assert len(parses) == (2 if keep_bytes else 4)
    statuses, due, entries, audited, links = _state(sample_run.db_url, ids_a + ids_b)
    assert statuses == {"paid": 27, "denied": 8}  # every fifth of each file denied
    assert due == (1440 + 2560) * 27
    assert audited == entries and links == 35
