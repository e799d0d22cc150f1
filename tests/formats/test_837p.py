"""837P writer: every file a test writes passes pyx12 with no errors (DOMAIN.md §1-3)."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from clinicbill.domain.claims.actions import resubmit_claim, secondary_claim
from clinicbill.formats.x12_837 import write_837p
from clinicbill.formats.x12_segments import clean
from clinicbill.store.engine import transaction
from clinicbill.store.models import Authorization, Practice, Provider, Referral
from tests.claimkit import RECENT, bill, post_primary, snapshot
from tests.x12check import assert_valid

GOLDEN = Path(__file__).resolve().parents[1] / "golden" / "837p"
CREATED = datetime(2026, 3, 10, 9, 30)
FIVE_CODES = [
    {"code": "97124", "charge_cents": 6500, "units": 2, "minutes": 30},
    {"code": "97140", "charge_cents": 3800, "modifiers": "59", "minutes": 15},
    {"code": "97110", "charge_cents": 3500, "minutes": 15},
    {"code": "97112", "charge_cents": 3600, "minutes": 15},
    {"code": "97530", "charge_cents": 3700, "minutes": 15},
]


@pytest.fixture
def session(sample_db):
    with transaction(sample_db, "tester") as s:
        yield s


def segments(text: str) -> list[str]:
    return [s.strip() for s in text.split("~") if s.strip()]


def export(session, *claims, control: int = 7) -> str:
    text = write_837p([snapshot(session, c) for c in claims], control, CREATED)
    assert_valid(text)
    return text


def test_single_claim_matches_golden_file(session, update_golden):
    claim = bill(
        session,
        day=date(2026, 3, 2),
        lines=FIVE_CODES[:2],
        diagnoses=("M54.50", "M62.830"),
    )
    text = write_837p([snapshot(session, claim, as_of=date(2026, 3, 10))], 42, CREATED)
    assert_valid(text)
    path = GOLDEN / "single-claim.837"
    if update_golden:
        path.write_text(text)
    expected = path.read_text()
    assert segments(text) == segments(expected)


def test_envelope_control_numbers_and_counts(session):
    text = export(session, bill(session), control=123)
    parts = segments(text)
    isa = parts[0].split("*")
    assert len(parts[0]) + 1 == 106 and isa[13] == "000000123" and isa[15] == "T"
    assert parts[1].split("*")[6] == "123" and parts[1].endswith("005010X222A1")
    assert parts[2] == "ST*837*0123*005010X222A1"
    se = parts[-3].split("*")
    assert se[0] == "SE" and int(se[1]) == len(parts) - 4 and se[2] == "0123"
    assert parts[-2] == "GE*1*123" and parts[-1] == "IEA*1*000000123"


def test_fifty_line_claim(session):
    lines = []
    for offset in range(10):
        day = RECENT - timedelta(days=7 * offset)
        lines.append((day, FIVE_CODES))
    from clinicbill.domain.claims.build import create_claims
    from tests.factories import make_encounter

    visits = [
        make_encounter(session, 1, 1, day, codes, 1, ("M54.50", "M62.830")) for day, codes in lines
    ]
    claims = create_claims(session, visits).claims
    assert len(claims) == 1
    text = export(session, claims[0])
    assert text.count("~\nLX*") == 50 and "LX*50~" in text
    charges = [Decimal(s.split("*")[2]) for s in segments(text) if s.startswith("SV1*")]
    clm02 = next(s for s in segments(text) if s.startswith("CLM*")).split("*")[2]
    assert sum(charges) == Decimal(clm02) == Decimal("2110")


def test_dependent_patient_gets_a_patient_loop(session):
    text = export(session, bill(session, patient_id=3, policy_id=4))
    parts = segments(text)
    assert "HL*3*2*23*0" in parts and "PAT*19" in parts
    assert "NM1*QC*1*OKAFOR*LUCAS" in parts
    assert "NM1*IL*1*OKAFOR*GRACE****MI*CHP77310002" in parts
    sbr = next(p for p in parts if p.startswith("SBR*"))
    assert sbr.split("*")[2] == ""  # SBR02 only when the patient is the subscriber


def test_prior_authorization_and_referral(session):
    auth = Authorization(
        policy_id=6, number="WC-AUTH-7781", start_date=RECENT, end_date=RECENT + timedelta(60)
    )
    referral = Referral(
        patient_id=5,
        policy_id=6,
        first_name="Helen",
        last_name="Cho",
        npi="1234567893",
        number="RF20261",
        referral_date=RECENT - timedelta(days=5),
    )
    session.add_all([auth, referral])
    session.flush()
    lines = [{"code": "97140", "charge_cents": 3800, "modifiers": "GP", "minutes": 15}]
    claim = bill(
        session,
        patient_id=5,
        policy_id=6,
        lines=lines,
        authorization_id=auth.id,
        referral_id=referral.id,
    )
    parts = segments(export(session, claim))
    assert "REF*G1*WC-AUTH-7781" in parts and "REF*9F*RF20261" in parts
    assert "NM1*DN*1*CHO*HELEN****XX*1234567893" in parts
    order = [p.split("*")[0] + p.split("*")[1] for p in parts if p[:3] in ("REF", "HI*")]
    assert order.index("REF9F") < order.index("REFG1") < order.index("HIABK:M5450")


def test_replacement_and_void_carry_the_payer_claim_number(session):
    original = bill(session)
    post_primary(session, original, {1: 5000}, [(1, "adjustment", "CO", "45", 1500)])
    replacement = resubmit_claim(session, original, "replace", date.today())
    parts = segments(export(session, replacement))
    clm = next(p for p in parts if p.startswith("CLM*"))
    assert clm.split("*")[5] == "11:B:7" and "REF*F8*PAYER123456" in parts
    other = bill(session, patient_id=7, policy_id=7)
    post_primary(session, other, {1: 6500}, payer_claim_control_number="P-99", status="paid")
    void = resubmit_claim(session, other, "void", date.today())
    parts = segments(export(session, void))
    assert next(p for p in parts if p.startswith("CLM*")).split("*")[5] == "11:B:8"
    assert "REF*F8*P-99" in parts


def test_secondary_claim_reports_the_primary_adjudication(session):
    primary = bill(
        session,
        patient_id=2,
        policy_id=2,
        provider_id=1,
        lines=[FIVE_CODES[0], {**FIVE_CODES[1], "modifiers": "59,GP"}],
    )
    post_primary(
        session,
        primary,
        {1: 4000, 2: 2000},
        [
            (1, "adjustment", "CO", "45", 1500),
            (1, "patient_responsibility", "PR", "2", 1000),
            (2, "patient_responsibility", "PR", "1", 1800),
        ],
        on=date.today() - timedelta(days=2),
    )
    secondary = secondary_claim(session, primary, date.today())
    parts = segments(export(session, secondary))
    assert next(p for p in parts if p.startswith("SBR*")).startswith("SBR*S*18*RET-18")
    assert "AMT*D*60" in parts and "OI***Y***Y" in parts
    # remaining patient liability: the primary's PR amounts (10 + 18), right after AMT*D
    assert parts[parts.index("AMT*D*60") + 1] == "AMT*EAF*28"
    assert "NM1*PR*2*MEDICARE PART B OREGON*****PI*02202" in parts
    assert "SVD*02202*40*HC:97124**2" in parts and "CAS*CO*45*15" in parts
    assert "CAS*PR*2*10" in parts and "SVD*02202*20*HC:97140:59:GP**1" in parts
    day = (date.today() - timedelta(days=2)).strftime("%Y%m%d")
    assert parts.count(f"DTP*573*D8*{day}") == 2


def test_batch_of_several_claims(session):
    claims = [
        bill(session),
        bill(session, patient_id=3, policy_id=4),
        bill(session, patient_id=4, policy_id=5),
        bill(session, patient_id=7, policy_id=7),
    ]
    parts = segments(export(session, *claims))
    assert sum(p.startswith("CLM*") for p in parts) == 4
    hls = [p.split("*")[1] for p in parts if p.startswith("HL*")]
    assert hls == [str(n) for n in range(1, len(hls) + 1)]


def test_solo_practitioner_bills_as_a_person(session):
    practice = session.get(Practice, 1)
    reyes = session.get(Provider, 1)
    practice.npi = reyes.npi
    session.flush()
    parts = segments(export(session, bill(session)))
    assert "NM1*85*1*REYES*ANA****XX*1746503824" in parts
    assert not any(p.startswith("NM1*82*") for p in parts)


def test_clean_keeps_x12_text_safe():
    assert clean("O'Brien-Smith*~:^ josé", 60) == "O'BRIEN-SMITH JOSE"
    assert clean("x" * 80, 35) == "X" * 35


@settings(
    max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    # what validation lets into a name: any printable text (control characters are refused)
    last=st.text(st.characters(blacklist_categories=("Cc", "Cs")), min_size=1, max_size=40),
    charges=st.lists(st.integers(min_value=1, max_value=999_999), min_size=1, max_size=6),
)
def test_any_names_and_charges_still_validate(session, last, charges):
    from clinicbill.store.models import Patient

    patient = session.get(Patient, 7)
    patient.last_name = last if clean(last) else "X"
    lines = [
        {"code": "97124", "charge_cents": cents, "modifiers": f"{i:02d}"}
        for i, cents in enumerate(charges)
    ]
    claim = bill(session, patient_id=7, policy_id=7, lines=lines, day=RECENT)
    parts = segments(export(session, claim))
    clm02 = next(p for p in parts if p.startswith("CLM*")).split("*")[2]
    sv102 = [Decimal(p.split("*")[2]) for p in parts if p.startswith("SV1*")]
    assert Decimal(clm02) == sum(sv102) == Decimal(sum(charges)) / 100
