"""Claims under an injury case: the 837P (golden, pyx12) and the CMS-1500 read back carry
boxes 10a-c, 11b, 14 / CLM11, DTP*431/439, REF*Y4, SBR09 (workers' comp and auto)."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import pytest

from clinicbill.formats.cms1500 import write_cms1500
from clinicbill.formats.x12_837 import write_837p
from clinicbill.store.engine import transaction
from clinicbill.store.models import Policy
from tests.casekit import INJURY, WC_PATIENT, WC_POLICY, auto_policy, case_claim, open_case
from tests.claimkit import snapshot
from tests.formats.test_cms1500 import read_back
from tests.x12check import assert_valid

GOLDEN = Path(__file__).resolve().parents[1] / "golden" / "837p"
CREATED = datetime(2026, 11, 10, 9, 30)
AS_OF = date(2026, 11, 10)


@pytest.fixture
def session(sample_db):
    with transaction(sample_db, "tester") as s:
        yield s


def _wc_claim(session):
    case = open_case(
        session,
        WC_PATIENT,
        session.get(Policy, WC_POLICY),
        kind="workers-comp",
        injury_date=INJURY,
        employer="Bridgeworks Construction",
        claim_number="WC-55123",
    )
    return case_claim(session, case, date(2026, 11, 2))


def _auto_claim(session):
    policy = auto_policy(session)
    case = open_case(
        session,
        4,
        policy,
        kind="auto",
        injury_date=date(2026, 9, 30),
        onset_date=date(2026, 10, 1),
        state="WA",
        claim_number="AU-88121",
        pip_limit="10000",
    )
    return case_claim(session, case, date(2026, 11, 3), diagnoses=("S13.4XXA",))


def _segments(text: str) -> list[str]:
    return [s.strip() for s in text.split("~") if s.strip()]


def test_workers_comp_837p_matches_golden_and_passes_pyx12(session, update_golden):
    claim = _wc_claim(session)
    text = write_837p([snapshot(session, claim, as_of=AS_OF)], 51, CREATED)
    assert_valid(text)
    segs = _segments(text)
    assert "SBR*P*18*EMP-BRIDGEWORKS******WC" in segs
    assert "REF*Y4*WC-55123" in segs
    clm = next(s for s in segs if s.startswith("CLM*"))
    assert clm.endswith("*Y*A*Y*Y**EM")
    assert "DTP*431*D8*20260814" in segs and "DTP*439*D8*20260814" in segs
    # REF*Y4 sits in 2010BA, after the subscriber's DMG and before the payer's NM1*PR
    assert (
        segs.index("REF*Y4*WC-55123")
        == next(i for i, s in enumerate(segs) if s.startswith("DMG*")) + 1
    )
    path = GOLDEN / "workers-comp.837"
    if update_golden:
        path.write_text(text)
    assert text == path.read_text()


def test_auto_837p_dependent_patient_carries_state_and_claim_number(session, update_golden):
    claim = _auto_claim(session)
    text = write_837p([snapshot(session, claim, as_of=AS_OF)], 52, CREATED)
    assert_valid(text)
    segs = _segments(text)
    assert next(s for s in segs if s.startswith("SBR*")).endswith("*AM")
    assert next(s for s in segs if s.startswith("CLM*")).endswith("**AA:::WA")
    assert "DTP*431*D8*20261001" in segs and "DTP*439*D8*20260930" in segs
    # the patient is a dependent: REF*Y4 follows the patient's DMG in 2010CA
    pat = segs.index(next(s for s in segs if s.startswith("PAT*")))
    assert segs.index("REF*Y4*AU-88121") > pat
    path = GOLDEN / "auto.837"
    if update_golden:
        path.write_text(text)
    assert text == path.read_text()


def test_other_accident_and_illness_cases_pass_pyx12(session):
    for kind, cause in (("other-accident", "OA"), ("illness", None)):
        case = open_case(session, 1, session.get(Policy, 1), kind=kind, injury_date=INJURY)
        claim = case_claim(session, case, date(2026, 11, 4))
        text = write_837p([snapshot(session, claim, as_of=AS_OF)], 53, CREATED)
        assert_valid(text)
        segs = _segments(text)
        clm = next(s for s in segs if s.startswith("CLM*"))
        assert clm.endswith("**OA") if cause else clm.endswith("*Y*A*Y*Y")
        assert ("DTP*439*D8*20260814" in segs) == bool(cause)
        assert "DTP*431*D8*20260814" in segs


def test_workers_comp_cms1500_read_back(session, tmp_path):
    claim = _wc_claim(session)
    path = write_cms1500(tmp_path / "wc.pdf", [snapshot(session, claim, as_of=AS_OF)])
    [page] = read_back(path)
    assert page[(20, 35)] == "X"  # 10a employment: YES
    assert page[(22, 41)] == "X" and page[(24, 41)] == "X"  # 10b, 10c: NO
    assert page[(22, 50)] == "Y4" and page[(22, 53)] == "WC-55123"  # 11b
    assert page[(32, 2)] == "08 14 2026" and page[(32, 25)] == "431"  # 14
    assert page[(18, 50)] == "EMP-BRIDGEWORKS"  # 11 (the policy's group number)
    assert page[(20, 53)] == "12 11 1990"  # 11a filled: the workers' comp profile asks


def test_auto_cms1500_read_back(session, tmp_path):
    claim = _auto_claim(session)
    path = write_cms1500(tmp_path / "auto.pdf", [snapshot(session, claim, as_of=AS_OF)])
    [page] = read_back(path)
    assert page[(20, 41)] == "X"  # 10a: NO
    assert page[(22, 35)] == "X" and page[(22, 46)] == "WA"  # 10b: YES, place WA
    assert page[(22, 50)] == "Y4" and page[(22, 53)] == "AU-88121"
    assert page[(32, 2)] == "10 01 2026" and page[(32, 25)] == "431"  # 14: onset
    assert page[(32, 36)] == "439" and page[(32, 40)] == "09 30 2026"  # 15: accident
