"""`inbox fetch` imports a file once by its content, not only by its remote name: the same
bytes re-uploaded under another name, or imported by hand with `ack import` or `era import`,
are skipped with the reason; and the 835s of the inbox and of `era import` go through the one
use case app/remittance.py."""

from __future__ import annotations

import json
import shutil
from datetime import date

from sqlalchemy import func, select

from clinicbill.store.engine import transaction
from clinicbill.store.models import ClaimResponse, InboxFile, Remittance, X12Response
from tests.cli.test_clearinghouse import DATA, ready, server  # noqa: F401 (fixtures)


def _count(db_url, model) -> int:
    with transaction(db_url, "tester") as s:
        return s.execute(select(func.count()).select_from(model)).scalar()


def _inbox(db_url) -> dict[str, InboxFile]:
    with transaction(db_url, "tester") as s:
        return {r.remote_name: r for r in s.execute(select(InboxFile)).scalars()}


def _remittance_835(db_url) -> str:
    from clinicbill.formats.x12_835_write import Outcome, remittance_835_for_claims

    with transaction(db_url, "tester") as s:  # the payer's side, as the demo plays it
        text, _advice = remittance_835_for_claims(
            s, {1: Outcome(coinsurance_percent=20)}, trace_number="T1", payment_date=date.today()
        )
    return text


def test_the_same_file_under_two_names_is_imported_once(ready, sample_run, server):  # noqa: F811
    assert sample_run("claim", "submit", "--ready").exit_code == 0
    inbound = server.root / "inbound"
    shutil.copy(DATA / "ack_277ca_mixed.x12", inbound / "277ca-0903.x12")
    shutil.copy(DATA / "ack_277ca_mixed.x12", inbound / "277ca-0903-resent.x12")
    result = sample_run("inbox", "fetch")
    assert result.exit_code == 0, result.output
    assert "fetched 2 new file(s); 1 skipped (imported before)" in result.output
    assert (
        "277ca-0903.x12: 277CA: skipped: same content as 277ca-0903-resent.x12, fetched "
        in result.output
    )
    assert _count(ready, X12Response) == 1
    answers = _count(ready, ClaimResponse)
    assert answers == 2  # one answer per claim, not two
    rows = _inbox(ready)
    assert rows["277ca-0903.x12"].result.startswith("skipped: same content as")
    assert rows["277ca-0903.x12"].local_path == rows["277ca-0903-resent.x12"].local_path
    # re-uploaded later under a third name: skipped again, nothing applied twice
    shutil.copy(DATA / "ack_277ca_mixed.x12", inbound / "277ca-copy.x12")
    again = sample_run("--json", "inbox", "fetch")
    assert again.exit_code == 0, again.output
    data = json.loads(again.stdout)  # only JSON on standard output
    assert data["files"] == [
        {
            "file": "277ca-copy.x12",
            "kind": "277CA",
            "result": data["files"][0]["result"],
            "skipped": True,
        }
    ]
    assert data["files"][0]["result"].startswith("skipped: same content as 277ca-0903-resent")
    assert _count(ready, ClaimResponse) == answers


def test_an_ack_imported_by_hand_is_skipped_in_the_inbox(ready, sample_run, server):  # noqa: F811
    assert sample_run("claim", "submit", "--ready").exit_code == 0
    by_hand = sample_run("ack", "import", str(DATA / "ack_999_rejected.x12"))
    assert by_hand.exit_code == 0, by_hand.output
    answers = _count(ready, ClaimResponse)
    shutil.copy(DATA / "ack_999_rejected.x12", server.root / "inbound" / "999-0902.x12")
    result = sample_run("inbox", "fetch")
    assert result.exit_code == 0, result.output
    assert (
        "999-0902.x12: 999: skipped: same content imported by ack import as "
        "ack_999_rejected.x12 on " in result.output
    )
    assert "1 skipped (imported before)" in result.output
    assert _count(ready, ClaimResponse) == answers
    assert _count(ready, X12Response) == 1
    # and the other way round: the fetched copy imported by hand changes nothing either
    local = _inbox(ready)["999-0902.x12"].local_path
    again = sample_run("ack", "import", local)
    assert again.exit_code == 0 and "already imported on" in again.output


def test_an_835_posted_by_era_import_is_skipped_in_the_inbox(
    ready,  # noqa: F811
    sample_run,
    server,  # noqa: F811
    tmp_path,
):
    assert sample_run("claim", "submit", "--ready").exit_code == 0
    path = tmp_path / "era-by-hand.835"
    path.write_text(_remittance_835(ready))
    posted = sample_run("era", "import", str(path))
    assert posted.exit_code == 0, posted.output
    shutil.copy(path, server.root / "inbound" / "era-0001.835")
    result = sample_run("inbox", "fetch")
    assert result.exit_code == 0, result.output
    assert "era-0001.835: 835: skipped: same content posted by era import on " in result.output
    assert _count(ready, Remittance) == 1


def test_an_835_fetched_first_is_not_posted_again_by_era_import(
    ready,  # noqa: F811
    sample_run,
    server,  # noqa: F811
):
    assert sample_run("claim", "submit", "--ready").exit_code == 0
    (server.root / "inbound" / "era-0001.835").write_text(_remittance_835(ready))
    result = sample_run("inbox", "fetch")
    assert result.exit_code == 0, result.output
    assert "era-0001.835: 835: 1 claim(s) posted" in result.output
    local = _inbox(ready)["era-0001.835"].local_path
    again = sample_run("era", "import", local)
    assert again.exit_code == 0, again.output
    assert "already imported" in again.output and "nothing posted" in again.output
    assert _count(ready, Remittance) == 1


def test_the_use_case_posts_bytes_and_paths_alike(ready, tmp_path):  # noqa: F811
    """app/remittance.py as the README's Python API: an 835's bytes post; the same content
    from a path (another name) posts nothing again."""
    from clinicbill.app.remittance import import_remittance
    from clinicbill.domain.claims.build import get_claim

    with transaction(ready, "tester") as s:  # claim 1 as if sent
        get_claim(s, "1").status = "submitted"
    text = _remittance_835(ready)
    with transaction(ready, "tester") as s:
        first = import_remittance(s, text.encode(), name="from-memory.835")
    assert (first.file, first.posted, first.already_imported) == ("from-memory.835", 1, None)
    assert first.summary == "1 claim(s) posted"
    path = tmp_path / "same-bytes.835"
    path.write_text(text)
    with transaction(ready, "tester") as s:
        again = import_remittance(s, path)
    assert again.file == "same-bytes.835" and again.posted == 0
    assert again.already_imported is not None and again.summary.startswith("already imported")
    assert _count(ready, Remittance) == 1


def test_the_same_interchange_in_other_bytes_is_skipped(ready, sample_run, server):  # noqa: F811
    """Idempotent by control numbers too: the same sender's ISA13 again (here with its
    segments on one line) changes nothing, and the line says so."""
    assert sample_run("claim", "submit", "--ready").exit_code == 0
    inbound = server.root / "inbound"
    text = (DATA / "ack_999_rejected.x12").read_text()
    (inbound / "999-a.x12").write_text(text)
    (inbound / "999-b.x12").write_text(text.replace("~\n", "~"))
    result = sample_run("inbox", "fetch")
    assert result.exit_code == 0, result.output
    assert "999-b.x12: 999: skipped: already imported on " in result.output
    assert "as 999-a.x12" in result.output
    assert "1 skipped (imported before)" in result.output
    assert _count(ready, X12Response) == 1
