"""`clearinghouse set|show|test`, `claim submit` and `inbox fetch` against a real SFTP server
(tests/sftpserver.py: asyncssh's server in-process on a free local port)."""

from __future__ import annotations

import json
import shutil
import stat
from pathlib import Path

import pytest
from sqlalchemy import select

from clinicbill.store.engine import transaction
from clinicbill.store.models import Claim, ClearinghouseSetting, InboxFile, X12Batch
from tests.claimkit import RECENT
from tests.conftest import cli_subprocess
from tests.factories import make_encounter
from tests.sftpserver import SftpServer, client_key

DATA = Path(__file__).resolve().parents[1] / "data" / "x12"
MASSAGE = {"code": "97124", "charge_cents": 6500, "units": 2, "minutes": 30}


@pytest.fixture
def server(tmp_path):
    root = tmp_path / "sftp-root"
    (root / "outbound").mkdir(parents=True)
    (root / "inbound").mkdir()
    key = tmp_path / "client_key"
    srv = SftpServer(root, client_key(key)).start()
    srv.key_path = key
    yield srv
    srv.stop()


def _set(run, server, **changes):
    values = {
        "--name": "Test CH",
        "--host": "127.0.0.1",
        "--port": str(server.port),
        "--user": "willow",
        "--key": str(server.key_path),
        "--host-key": server.fingerprint,
        "--outbound": "outbound",
        "--inbound": "inbound",
        **changes,
    }
    result = run("clearinghouse", "set", *[x for pair in values.items() for x in pair])
    assert result.exit_code == 0, result.output
    return result


@pytest.fixture
def ready(sample_db, sample_run, server):
    """Two ready claims (Chen, Okafor) and the clearinghouse configured."""
    with transaction(sample_db, "tester") as s:
        make_encounter(s, 1, 1, RECENT, [MASSAGE], 1)
        make_encounter(s, 3, 1, RECENT, [MASSAGE], 4)
    assert sample_run("claim", "create", "--all").exit_code == 0
    assert sample_run("claim", "check", "--all").exit_code == 0
    _set(sample_run, server)
    return sample_db


def _statuses(db_url) -> list[str]:
    with transaction(db_url, "tester") as s:
        return [c.status for c in s.execute(select(Claim).order_by(Claim.id)).scalars()]


def _outbound(server) -> list[str]:
    return sorted(p.name for p in (server.root / "outbound").iterdir())


def test_show_and_test_never_store_a_password(ready, sample_run, server, monkeypatch):
    monkeypatch.setenv("CLINICBILL_SFTP_PASSWORD", "not-stored-anywhere")
    shown = sample_run("--json", "clearinghouse", "show")
    data = json.loads(shown.stdout)
    assert data["host_key"] == server.fingerprint and data["port"] == server.port
    with transaction(ready, "tester") as s:
        row = s.execute(select(ClearinghouseSetting)).scalar_one()
        assert "not-stored-anywhere" not in repr(row.model_dump())
    if Path(ready).is_file():  # SQLite: not anywhere in the database file either
        assert b"not-stored-anywhere" not in Path(ready).read_bytes()
    tested = sample_run("clearinghouse", "test")
    assert tested.exit_code == 0, tested.output
    assert "outbound and inbound directories found" in tested.output


def test_submit_uploads_then_marks_submitted_and_never_twice(ready, sample_run, server):
    result = sample_run("claim", "submit", "--ready")
    assert result.exit_code == 0, result.output
    assert _outbound(server) == ["clinicbill-000000001.837"]  # renamed; no .part left
    sent = (server.root / "outbound" / "clinicbill-000000001.837").read_text()
    assert sent.startswith("ISA*") and "CLM*CB00000001*" in sent
    assert _statuses(ready) == ["submitted", "submitted"]
    with transaction(ready, "tester") as s:
        batch = s.execute(select(X12Batch)).scalar_one()
        assert batch.uploaded_at is not None
        assert batch.remote_name == "outbound/clinicbill-000000001.837"
    again = sample_run("claim", "submit", "--ready")
    assert again.exit_code == 1 and "no ready claims" in again.output
    named = sample_run("claim", "submit", "1")
    assert named.exit_code == 1 and "--again" in named.output
    assert _outbound(server) == ["clinicbill-000000001.837"]
    forced = sample_run("claim", "submit", "1", "--again")
    assert forced.exit_code == 0, forced.output
    assert len(_outbound(server)) == 2


def test_a_changed_host_key_is_refused_with_the_fingerprint(ready, sample_run, server):
    _set(sample_run, server, **{"--host-key": "SHA256:" + "A" * 43})
    result = sample_run("claim", "submit", "--ready")
    assert result.exit_code == 1
    assert f"is {server.fingerprint}, not the SHA256:{'A' * 43}" in result.output
    assert _outbound(server) == [] and _statuses(ready) == ["ready", "ready"]
    tested = sample_run("clearinghouse", "test")
    assert tested.exit_code == 1 and server.fingerprint in tested.output


def test_an_authentication_failure_leaves_claims_ready(ready, sample_run, server, tmp_path):
    stranger = tmp_path / "stranger_key"
    client_key(stranger)
    _set(sample_run, server, **{"--key": str(stranger)})
    result = sample_run("claim", "submit", "--ready")
    assert result.exit_code == 1
    assert "refused the login of user 'willow'" in result.output
    assert _outbound(server) == [] and _statuses(ready) == ["ready", "ready"]


def test_a_connection_dropped_mid_upload_leaves_claims_ready(ready, sample_run, server):
    server.drop_writes = True
    result = sample_run("claim", "submit", "--ready")
    assert result.exit_code == 1
    assert "claims 1, 2 stay ready (not submitted)" in result.output
    assert "Traceback" not in result.output
    assert _statuses(ready) == ["ready", "ready"]
    assert [n for n in _outbound(server) if not n.startswith(".")] == []
    server.drop_writes = False
    retry = sample_run("claim", "submit", "--ready")
    assert retry.exit_code == 0, retry.output
    assert [n for n in _outbound(server) if not n.startswith(".")] == ["clinicbill-000000002.837"]
    assert _statuses(ready) == ["submitted", "submitted"]


def test_inbox_fetches_each_file_once_and_imports_it(ready, sample_run, server, tmp_path):
    assert sample_run("claim", "submit", "--ready").exit_code == 0
    inbound = server.root / "inbound"
    shutil.copy(DATA / "ack_999_rejected.x12", inbound / "999-0902.x12")
    shutil.copy(DATA / "ack_277ca_mixed.x12", inbound / "277ca-0903.x12")
    (inbound / "readme.txt").write_text("not an X12 file")
    result = sample_run("inbox", "fetch")
    assert result.exit_code == 1, result.output  # the others imported; a script notices
    assert "fetched 3 new file(s); 1 refused" in result.output
    assert "error: inbox: 1 of 3 new file(s) refused: readme.txt" in result.output
    assert _statuses(ready) == ["rejected", "rejected"]
    with transaction(ready, "tester") as s:
        rows = s.execute(select(InboxFile).order_by(InboxFile.remote_name)).scalars().all()
        assert [r.kind for r in rows] == ["277CA", "999", None]
        for row in rows:
            assert stat.S_IMODE(Path(row.local_path).stat().st_mode) == 0o600
            assert Path(row.local_path).read_bytes() == (inbound / row.remote_name).read_bytes()
    again = sample_run("inbox", "fetch")
    assert again.exit_code == 0 and "fetched 0 new file(s)" in again.output


def test_clearinghouse_show_as_a_subprocess(ready):
    proc = cli_subprocess("--db", ready, "clearinghouse", "show")
    assert proc.returncode == 0, proc.stderr
    assert "Test CH" in proc.stdout and "127.0.0.1" in proc.stdout


def test_eligibility_request_send_uploads_the_270(ready, sample_run, server):
    result = sample_run("eligibility", "request", "--patient", "P00001", "--send")
    assert result.exit_code == 0, result.output
    assert _outbound(server) == ["eligibility-1.270"]
    text = (server.root / "outbound" / "eligibility-1.270").read_text()
    assert "GS*HS*" in text and "TRN*1*1-1*" in text
    with transaction(ready, "tester") as s:
        batch = s.execute(select(X12Batch).where(X12Batch.kind == "270")).scalar_one()
        assert batch.uploaded_at is not None


def test_inbox_routes_835_to_posting_and_271_to_eligibility(ready, sample_run, server):
    from datetime import date

    from clinicbill.formats.x12_835_write import Outcome, remittance_835_for_claims
    from clinicbill.store.models import Remittance, Verification

    assert sample_run("claim", "submit", "--ready").exit_code == 0
    with transaction(ready, "tester") as s:  # the payer's side, as the demo plays it
        text, _advice = remittance_835_for_claims(
            s, {1: Outcome(coinsurance_percent=20)}, trace_number="T1", payment_date=date.today()
        )
    inbound = server.root / "inbound"
    (inbound / "era-0001.835").write_text(text)
    shutil.copy(DATA / "elig_271_active.x12", inbound / "271-0904.x12")
    result = sample_run("inbox", "fetch")
    assert result.exit_code == 0, result.output
    assert "era-0001.835: 835: 1 claim(s) posted" in result.output
    assert "271-0904.x12: 271: 1 eligibility answer(s); policy 1: active" in result.output
    with transaction(ready, "tester") as s:
        assert s.execute(select(Remittance.trace_number)).scalar_one() == "T1"
        note = s.execute(select(Verification)).scalar_one()  # matched by member id
        assert (note.policy_id, note.method) == (1, "271")
    assert _statuses(ready)[0] == "paid"
