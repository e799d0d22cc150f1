"""The demo's clearinghouse steps, with the throwaway local SFTP server and without one; the
acknowledgements the demo generates pass pyx12."""

from __future__ import annotations

import json
from datetime import datetime

import pytest
from sqlalchemy import select

from clinicbill.store.engine import transaction
from clinicbill.store.models import X12Batch
from tests.claimkit import RECENT
from tests.conftest import Runner
from tests.factories import make_encounter
from tests.x12check import assert_valid

MASSAGE = {"code": "97124", "charge_cents": 6500, "units": 2, "minutes": 30}


@pytest.fixture
def demo_run(tmp_path):
    """The sample practice in the demo's database file, one claim exported (batch 1)."""
    from clinicbill.domain.practice.sample import load_sample

    url = str(tmp_path / "clinicbill-demo.db")
    with transaction(url, "tester") as s:
        load_sample(s)
        make_encounter(s, 7, 1, RECENT, [MASSAGE], 7)
    run = Runner(url)
    assert run("claim", "create", "--all").exit_code == 0
    assert run("claim", "check", "--all").exit_code == 0
    out = tmp_path / "claims-1.837"
    assert run("claim", "export", "--ready", "--format", "837p", "-o", str(out)).exit_code == 0
    return run


def _run_steps(run, tmp_path, capsys) -> list[str]:
    from clinicbill.cli.clearinghouse_demo import DEMO_STEPS

    said = []
    for heading, step in DEMO_STEPS:
        args = step(tmp_path) if callable(step) else step
        said.append(capsys.readouterr().out)
        args = [a.replace("{dir}", str(tmp_path)) for a in args]
        result = run(*args)
        assert result.exit_code == 0, (heading, result.output)
    return said


def _statuses(run) -> list[str]:
    return [c["status"] for c in json.loads(run("--json", "claim", "list").stdout)]


def test_demo_submits_to_a_local_server(demo_run, tmp_path, capsys):
    said = _run_steps(demo_run, tmp_path, capsys)
    assert "a throwaway SFTP server on 127.0.0.1:" in said[0]
    assert sorted((tmp_path / "demo-clearinghouse" / "outbound").iterdir())[0].name == (
        "clinicbill-000000002.837"
    )
    assert _statuses(demo_run) == ["accepted", "accepted"]
    assert (tmp_path / "eligibility.270").is_file()


def test_demo_without_a_server_shows_ack_import(demo_run, tmp_path, capsys, monkeypatch):
    from clinicbill.app import sftp_local

    def refuse(self):
        raise OSError("no loopback here")

    monkeypatch.setattr(sftp_local.LocalSftpServer, "start", refuse)
    said = _run_steps(demo_run, tmp_path, capsys)
    assert "no local SFTP server could be started" in said[0]
    assert (tmp_path / "claims-2.837").is_file()
    assert _statuses(demo_run) == ["accepted", "accepted"]


def test_generated_acknowledgements_pass_pyx12(demo_run):
    from clinicbill.formats.x12_ack_write import acknowledgements_for_batch

    with transaction(demo_run.db_url, "tester") as s:
        batch = s.execute(select(X12Batch)).scalar_one()
        ack, ca = acknowledgements_for_batch(s, batch.id, 900, datetime(2026, 12, 3, 9, 0))
    assert_valid(ack)
    assert_valid(ca)


def test_dev_acknowledgements_reject_a_claim_and_pass_pyx12(demo_run, tmp_path, monkeypatch):
    """`clinicbill dev acknowledgements --reject`: the 277CA rejects that claim (A7) and accepts
    the other; both files pass pyx12, and `ack import` rejects the claim with its reason."""
    from clinicbill.formats.x12_ack_write import acknowledgements_for_batch

    with transaction(demo_run.db_url, "tester") as s:
        batch = s.execute(select(X12Batch)).scalar_one()
        ack, ca = acknowledgements_for_batch(
            s, batch.id, 900, datetime(2026, 12, 3, 9, 0), frozenset({1})
        )
    assert_valid(ack)
    assert_valid(ca)
    assert "STC*A7:562:85" in ca and "QTY*AA*1" in ca

    monkeypatch.chdir(tmp_path)
    result = demo_run("dev", "acknowledgements", "1", "--reject", "1", "-o", "answer")
    assert result.exit_code == 0, result.output
    assert oct((tmp_path / "answer.277ca").stat().st_mode & 0o777) == "0o600"
    again = demo_run("dev", "acknowledgements", "1", "-o", "answer")
    assert again.exit_code == 1 and "already exists" in again.output
    result = demo_run("ack", "import", "answer.999", "answer.277ca")
    assert result.exit_code == 0, result.output
    assert "claim 1: 277CA rejected: A7" in result.output
    assert _statuses(demo_run)[0] == "rejected"
    none = demo_run("dev", "acknowledgements", "99", "-o", "other")
    assert none.exit_code == 1 and "none of them went out" in none.output
