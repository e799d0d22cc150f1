"""277CA statuses above the claims (2200B batch, 2200C billing provider): a hand-written 277CA
(tests/data/x12/ack_277ca_provider_rejected.x12) rejecting the billing provider and each of
its claims, and the same file cut the way some clearinghouses send it (no claims listed, or
only some): a rejection is never silent."""

from __future__ import annotations

import json

from sqlalchemy import select

from clinicbill.store.engine import transaction
from clinicbill.store.models import Claim, ClaimResponse
from tests.cli.test_acks import DATA, sent  # noqa: F401 (fixture)

FIXTURE = DATA / "ack_277ca_provider_rejected.x12"


def _statuses(db_url) -> dict[str, str]:
    with transaction(db_url, "tester") as s:
        return {c.patient_control_number: c.status for c in s.execute(select(Claim)).scalars()}


def _reasons(db_url) -> dict[int, list[str]]:
    with transaction(db_url, "tester") as s:
        out: dict[int, list[str]] = {}
        for claim_id, reason in s.execute(select(ClaimResponse.claim_id, ClaimResponse.reason)):
            out.setdefault(claim_id, []).append(reason)
        return out


def _cut(tmp_path, keep_claims: int, name: str = "cut.x12", batch: str = "1"):
    """The fixture with only its first `keep_claims` patient levels (SE count redone)."""
    segs = [s.strip() for s in FIXTURE.read_text().split("~") if s.strip()]
    st, se = segs.index(next(s for s in segs if s.startswith("ST*"))), len(segs) - 3
    body, claim, kept = [], 0, True
    for seg in segs[st:se]:
        if seg.startswith("HL*") and seg.endswith("*PT"):
            claim += 1
            kept = claim <= keep_claims
        if kept:
            body.append(seg)
    if keep_claims == 0:
        body = [s.replace("HL*3*2*19*1", "HL*3*2*19*0") for s in body]
    body = [s.replace("TRN*2*1", f"TRN*2*{batch}") if s == "TRN*2*1" else s for s in body]
    text = segs[:st] + body + [f"SE*{len(body) + 1}*0001"] + segs[se + 1 :]
    path = tmp_path / name
    path.write_text("~\n".join(text) + "~\n")
    return path


def test_a_billing_provider_rejected_with_each_claim(sent, sample_run):  # noqa: F811
    result = sample_run("ack", "import", str(FIXTURE))
    assert result.exit_code == 0, result.output
    assert _statuses(sent) == {"CB00000001": "rejected", "CB00000002": "rejected"}
    assert "837p batch 1: 277CA billing provider 1234567893: A3 " in result.output
    reasons = _reasons(sent)
    assert all(len(r) == 1 for r in reasons.values())  # each claim answered once
    assert "562 entity's National Provider Identifier (NPI)" in reasons[1][0]


def test_a_batch_rejected_without_its_claims_rejects_them_all(
    sent,  # noqa: F811
    sample_run,
    tmp_path,
):
    path = _cut(tmp_path, keep_claims=0)
    result = sample_run("--json", "ack", "import", str(path))
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert sorted(data["files"][0]["rejected"]) == [1, 2]
    assert _statuses(sent) == {"CB00000001": "rejected", "CB00000002": "rejected"}
    for reasons in _reasons(sent).values():
        assert reasons[0].startswith("billing provider 1234567893: A3 ")
    followup = json.loads(sample_run("--json", "report", "followup").stdout)
    rows = followup["sections"]["followup"]["rows"]
    assert {r["claim"] for r in rows[:2]} == {"CB00000001", "CB00000002"}
    assert "277CA: billing provider" in rows[0]["why"]


def test_claims_not_listed_are_named_not_rejected(sent, sample_run, tmp_path):  # noqa: F811
    path = _cut(tmp_path, keep_claims=1)
    result = sample_run("ack", "import", str(path))
    assert result.exit_code == 0, result.output
    assert _statuses(sent) == {"CB00000001": "rejected", "CB00000002": "submitted"}
    assert "does not list claim(s) 2" in result.output


def test_a_batch_clinicbill_did_not_send_is_a_warning(sent, sample_run, tmp_path):  # noqa: F811
    path = _cut(tmp_path, keep_claims=0, batch="77")
    result = sample_run("ack", "import", str(path))
    assert result.exit_code == 0, result.output
    assert "for batch '77', which clinicbill did not send" in result.output
    assert _statuses(sent) == {"CB00000001": "submitted", "CB00000002": "submitted"}
