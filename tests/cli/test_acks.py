"""`ack import` with hand-written 999 and 277CA files (tests/data/x12/ack_*) answering an 837P
batch exported through the CLI: statuses, reasons in words, history dates, idempotence,
refusals that write nothing, and the follow-up worklist."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import func, select

from clinicbill.store.engine import transaction
from clinicbill.store.models import (
    Claim,
    ClaimResponse,
    ClaimStatusEvent,
    X12Batch,
    X12BatchClaim,
    X12Response,
)
from tests.claimkit import RECENT
from tests.conftest import cli_subprocess
from tests.factories import make_encounter
from tests.x12check import assert_valid, assert_valid_sdk
from tests.x12maps import map_path

DATA = Path(__file__).resolve().parents[1] / "data" / "x12"
MASSAGE = {"code": "97124", "charge_cents": 6500, "units": 2, "minutes": 30}


@pytest.fixture
def sent(sample_db, sample_run, tmp_path):
    """Chen (claim 1, CB00000001) and Okafor (claim 2, CB00000002) sent in interchange 1."""
    with transaction(sample_db, "tester") as s:
        make_encounter(s, 1, 1, RECENT, [MASSAGE], 1)
        make_encounter(s, 3, 1, RECENT, [MASSAGE], 4)
    assert sample_run("claim", "create", "--all").exit_code == 0
    assert sample_run("claim", "check", "--all").exit_code == 0
    out = tmp_path / "batch.837"
    result = sample_run("claim", "export", "--ready", "--format", "837p", "-o", str(out))
    assert result.exit_code == 0, result.output
    return sample_db


def _claims(db_url) -> dict[str, Claim]:
    with transaction(db_url, "tester") as s:
        return {c.patient_control_number: c for c in s.execute(select(Claim)).scalars()}


def _count(db_url, model) -> int:
    with transaction(db_url, "tester") as s:
        return s.execute(select(func.count()).select_from(model)).scalar()


def test_export_records_the_batch_with_each_claims_segments(sent):
    with transaction(sent, "tester") as s:
        batch = s.execute(select(X12Batch)).scalar_one()
        rows = s.execute(select(X12BatchClaim).order_by(X12BatchClaim.id)).scalars().all()
        assert (batch.kind, batch.file_name, batch.interchange_control_number) == (
            "837p",
            "batch.837",
            1,
        )
        assert [r.transaction_control_number for r in rows] == ["0001", "0001"]
        # claim 1 spans its subscriber HL .. the segment before claim 2's subscriber HL
        assert rows[0].first_segment < rows[0].last_segment < rows[1].first_segment
        text = (Path(batch.file_name)).name
        assert text == "batch.837"


def test_999_accepted_keeps_claims_submitted_and_records_it(sent, sample_run):
    result = sample_run("ack", "import", str(DATA / "ack_999_accepted.x12"))
    assert result.exit_code == 0, result.output
    assert "claim 1: 999 received" in result.output
    assert {c.status for c in _claims(sent).values()} == {"submitted"}
    assert _count(sent, ClaimResponse) == 2


def test_999_rejected_maps_ik3_ik4_to_the_claim_in_words(sent, sample_run):
    result = sample_run("ack", "import", str(DATA / "ack_999_rejected.x12"))
    assert result.exit_code == 0, result.output
    claims = _claims(sent)
    assert claims["CB00000001"].status == claims["CB00000002"].status == "rejected"
    with transaction(sent, "tester") as s:
        reasons = dict(s.execute(select(ClaimResponse.claim_id, ClaimResponse.reason)).all())
    okafor = reasons[claims["CB00000002"].id]
    assert "segment NM1 (position 35, loop 2010)" in okafor
    assert "NM109 (data element 67): 6 invalid character in data element" in okafor
    assert "XX" not in okafor.split("invalid")[-1]  # IK404 bad value is never echoed
    # DMG at position 37 lies in Okafor's span too (claim 2 is last: up to SE)
    assert "segment DMG (position 37" in okafor
    chen = reasons[claims["CB00000001"].id]
    assert "errors in other claims of the same transaction set" in chen
    # the history is dated: a rejected event, never before the claim was sent
    with transaction(sent, "tester") as s:
        event = (
            s.execute(select(ClaimStatusEvent).where(ClaimStatusEvent.status == "rejected"))
            .scalars()
            .first()
        )
        assert event.on_date >= RECENT and "999" in event.note
    followup = sample_run("--json", "report", "followup")
    rows = json.loads(followup.stdout)["sections"]["followup"]["rows"]
    assert rows[0]["why"].startswith("rejected: 999: transaction set R rejected")
    assert "resubmit" in rows[0]["next_step"]


def test_277ca_accepts_one_claim_and_rejects_the_other(sent, sample_run):
    result = sample_run("ack", "import", str(DATA / "ack_277ca_mixed.x12"))
    assert result.exit_code == 0, result.output
    claims = _claims(sent)
    chen, okafor = claims["CB00000001"], claims["CB00000002"]
    assert (chen.status, okafor.status) == ("accepted", "rejected")
    assert chen.payer_claim_control_number == "CAS2026031100017"
    with transaction(sent, "tester") as s:
        answer = s.execute(
            select(ClaimResponse).where(ClaimResponse.claim_id == okafor.id)
        ).scalar_one()
        assert (answer.category_code, answer.status_codes, answer.entity_code) == (
            "A7",
            "562",
            "82",
        )
        assert "A7 acknowledgement/rejected for invalid information" in answer.reason
        assert "562 entity's National Provider Identifier (NPI)" in answer.reason
        assert "rendering provider" in answer.reason
        assert "line HC:97124" in answer.reason
        assert "NPI" in answer.fix and f"resubmit {okafor.id}" in answer.fix
    followup = sample_run("--json", "report", "followup")
    rows = json.loads(followup.stdout)["sections"]["followup"]["rows"]
    assert rows[0]["claim"] == "CB00000002" and "277CA: A7" in rows[0]["why"]
    resent = sample_run("claim", "resubmit", str(okafor.id))
    assert resent.exit_code == 0, resent.output
    assert "frequency 1" in resent.output


def test_the_same_file_twice_changes_nothing(sent, sample_run):
    path = str(DATA / "ack_277ca_mixed.x12")
    assert sample_run("ack", "import", path).exit_code == 0
    before = (_count(sent, ClaimResponse), _count(sent, ClaimStatusEvent))
    again = sample_run("ack", "import", path)
    assert again.exit_code == 0
    assert "already imported" in again.output
    assert (_count(sent, ClaimResponse), _count(sent, ClaimStatusEvent)) == before
    assert _count(sent, X12Response) == 1


def test_a_truncated_file_is_refused_and_writes_nothing(sent, sample_run, tmp_path):
    text = (DATA / "ack_277ca_mixed.x12").read_text()
    cut = tmp_path / "cut.x12"
    cut.write_text(text[: text.index("HL*5*")])
    result = sample_run("ack", "import", str(cut))
    assert result.exit_code == 1
    assert result.output.startswith("error: cut.x12: ")
    assert "Traceback" not in result.output
    assert _count(sent, X12Response) == 0 and _count(sent, ClaimResponse) == 0
    assert {c.status for c in _claims(sent).values()} == {"submitted"}


def test_an_835_is_pointed_to_era_import(sent, sample_run, tmp_path):
    path = tmp_path / "remit.835"
    path.write_text((DATA / "ack_999_accepted.x12").read_text().replace("GS*FA*", "GS*HP*"))
    result = sample_run("ack", "import", str(path))
    assert result.exit_code == 1
    assert "era import" in result.output


def test_ack_import_as_a_subprocess(sent):
    proc = cli_subprocess(
        "--db", sent, "--json", "ack", "import", str(DATA / "ack_999_rejected.x12")
    )
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    assert sorted(data["files"][0]["rejected"]) == [1, 2]


def test_status_request_then_277_answer(sent, sample_run, tmp_path):
    out = tmp_path / "status.276"
    result = sample_run("claim", "status-request", "1", "2", "-o", str(out))
    assert result.exit_code == 0, result.output
    assert_valid_sdk(out)  # the 5010 276 model (x12sdk)
    assert_valid(out, map_path())  # pyx12 has no 5010 276 map: see tests/x12maps.py
    segs = [s.strip() for s in out.read_text().split("~") if s.strip()]
    assert segs[1].startswith("GS*HR*") and segs[1].endswith("*X*005010X212")
    chen = segs.index("TRN*1*CB00000001")
    assert segs[chen + 1 : chen + 3] == ["REF*EJ*CB00000001", "AMT*T3*65"]
    assert segs[chen - 1] == "NM1*IL*1*CHEN*MAYA****MI*CHP884412001"
    assert segs[chen - 2] == "DMG*D8*19840302*F"
    okafor = segs.index("TRN*1*CB00000002")
    assert segs[okafor - 1] == "NM1*QC*1*OKAFOR*LUCAS"
    # nothing to ask about when every claim is answered or too recent
    recent = sample_run("claim", "status-request", "--older-than", "30")
    assert recent.exit_code == 1 and "no claim waiting" in recent.output
    answer = sample_run("ack", "import", str(DATA / "ack_277_status.x12"))
    assert answer.exit_code == 0, answer.output
    claims = _claims(sent)
    assert claims["CB00000001"].status == "submitted"  # pending at the payer
    assert claims["CB00000001"].payer_claim_control_number == "CHP2026112000451"
    assert claims["CB00000002"].status == "rejected"  # not found: resend
    assert "P2 pending/payer review, 46 internal review/audit" in answer.output
    assert "A4 acknowledgement/not found, 35 claim/encounter not found" in answer.output


def test_the_hand_written_999_and_277ca_fixtures_pass_pyx12():
    for name in (
        "ack_999_accepted.x12",
        "ack_999_rejected.x12",
        "ack_277ca_mixed.x12",
        "ack_277ca_provider_rejected.x12",
    ):
        assert_valid(DATA / name)


def test_the_recorded_spans_are_those_of_the_file_sent(sent, tmp_path):
    from clinicbill.formats.x12_batch_map import claim_spans

    text = (tmp_path / "batch.837").read_text()
    segs = [x.strip() for x in text.split("~") if x.strip()]
    st = next(i for i, x in enumerate(segs) if x.startswith("ST*"))
    with transaction(sent, "tester") as s:
        rows = s.execute(select(X12BatchClaim).order_by(X12BatchClaim.id)).scalars().all()
        pcns = [s.get(Claim, r.claim_id).patient_control_number for r in rows]
    spans = claim_spans(text)
    assert [(sp.patient_control_number, sp.first_segment, sp.last_segment) for sp in spans] == [
        (pcn, r.first_segment, r.last_segment) for pcn, r in zip(pcns, rows, strict=True)
    ]
    for span in spans:  # each span opens with its subscriber HL and holds its CLM
        inside = segs[st + span.first_segment - 1 : st + span.last_segment]
        assert inside[0].startswith("HL*") and inside[0].split("*")[3] == "22"
        assert f"CLM*{span.patient_control_number}*" in "~".join(inside)
    assert segs[st + spans[-1].last_segment].startswith("SE*")


def test_a_ta1_rejecting_the_interchange_rejects_every_claim_in_it(sent, sample_run):
    result = sample_run("ack", "import", str(DATA / "ack_ta1_rejected.x12"))
    assert result.exit_code == 0, result.output
    assert {c.status for c in _claims(sent).values()} == {"rejected"}
    with transaction(sent, "tester") as s:
        reasons = {r.reason for r in s.execute(select(ClaimResponse)).scalars()}
    assert reasons == {
        "R interchange rejected because of errors: "
        "024 invalid interchange content (e.g. invalid GS segment)"
    }
