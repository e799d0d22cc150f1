"""Scrubber rules, part 1: required boxes, providers, codes. Each rule: a claim that trips it
and one that does not."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

import pytest

from clinicbill.domain.claims.scrub import Finding, codes, has_errors, providers, required, scrub
from clinicbill.store.engine import transaction
from clinicbill.store.models import Patient, Provider
from tests.claimkit import RECENT, bill, snapshot


@pytest.fixture
def session(sample_db):
    with transaction(sample_db, "tester") as s:
        yield s


@pytest.fixture
def clean_snapshot(session):
    return snapshot(session, bill(session))


def only(findings: list[Finding], severity: str = "error") -> list[Finding]:
    return [f for f in findings if f.severity == severity]


def test_a_clean_claim_has_no_errors(clean_snapshot):
    findings = scrub(clean_snapshot)
    assert not has_errors(findings), findings


def test_patient_boxes(session, clean_snapshot):
    assert required.patient_boxes(clean_snapshot) == []
    patient = session.get(Patient, 7)
    patient.address1 = None
    patient.signature_on_file = False
    s = snapshot(session, bill(session, patient_id=7, policy_id=7))
    found = required.patient_boxes(s)
    assert [(f.box, f.severity) for f in found] == [("5", "error"), ("12", "warning")]
    renamed = replace(s, patient=replace(s.patient, last_name="王"))
    assert "Latin letters" in required.patient_boxes(renamed)[0].hint
    accented = replace(clean_snapshot, patient=replace(clean_snapshot.patient, last_name="Núñez"))
    assert required.patient_boxes(accented) == []


def test_insured_boxes(session, clean_snapshot):
    assert required.insured_boxes(clean_snapshot) == []
    s = snapshot(session, bill(session, patient_id=4, policy_id=5))
    assert only(required.insured_boxes(s)) == []
    missing_payer_id = replace(s, coverage=replace(s.coverage, payer_identifier=None))
    assert "electronic payer id" in only(required.insured_boxes(missing_payer_id))[0].message
    early = bill(session, patient_id=5, policy_id=6, day=date(2026, 8, 1))  # policy from 08-14
    found = only(required.insured_boxes(snapshot(session, early)))
    assert found[0].box == "24A" and "before the policy starts" in found[0].message


def test_billing_boxes(clean_snapshot):
    assert only(required.billing_boxes(clean_snapshot)) == []
    b = clean_snapshot.billing
    five_digit = replace(
        clean_snapshot, billing=replace(b, address=replace(b.address, zip="97202"))
    )
    assert "ZIP+4" in only(required.billing_boxes(five_digit))[0].message
    po_box = replace(b.address, line1="PO Box 4411")
    found = only(
        required.billing_boxes(replace(clean_snapshot, billing=replace(b, address=po_box)))
    )
    assert found[0].box == "33" and "PO box" in found[0].message
    no_ids = replace(clean_snapshot, billing=replace(b, submitter_id=None))
    assert only(required.billing_boxes(no_ids), "warning")[0].message.startswith("practice has")


def test_claim_boxes(clean_snapshot):
    assert required.claim_boxes(clean_snapshot) == []
    replacement = replace(clean_snapshot, frequency="7", original_reference=None)
    assert only(required.claim_boxes(replacement))[0].box == "22"
    line = replace(clean_snapshot.lines[0], service_date=date.today() + timedelta(days=3))
    future = replace(clean_snapshot, lines=(line,))
    assert "in the future" in only(required.claim_boxes(future))[0].message
    no_dx = replace(clean_snapshot, diagnoses=())
    assert only(required.claim_boxes(no_dx))[0].box == "21"


def test_npis(session, clean_snapshot):
    assert providers.npis(clean_snapshot) == []
    session.get(Provider, 1).npi = "1234567890"  # bad check digit, written past validation
    found = providers.npis(snapshot(session, bill(session, patient_id=7, policy_id=7)))
    assert [(f.box, f.severity) for f in found] == [("24J", "error")]
    assert "check digit" in found[0].message


def test_taxonomies(clean_snapshot):
    assert providers.taxonomies(clean_snapshot) == []
    bad = replace(clean_snapshot, rendering=replace(clean_snapshot.rendering, taxonomy="2257"))
    assert providers.taxonomies(bad)[0].box == "24J"


def test_massage_therapist_not_billable_to_medicare(session, clean_snapshot):
    assert providers.payer_accepts(clean_snapshot) == []
    s = snapshot(session, bill(session, patient_id=2, policy_id=2, provider_id=1))
    found = providers.payer_accepts(s)
    assert len(found) == 1 and "97124" in found[0].message and "LMT" in found[0].message


def test_self_pay_payer_takes_no_claims(clean_snapshot):
    from clinicbill.domain.practice.profiles import load_profile

    s = replace(clean_snapshot, profile=load_profile("self-pay"))
    assert "no claims" in providers.payer_accepts(s)[0].message


def test_diagnosis_billable_on_the_date_of_service(session, clean_snapshot):
    assert only(codes.diagnoses_valid(clean_snapshot)) == []
    s = snapshot(session, bill(session, diagnoses=("M54.5",), day=RECENT - timedelta(days=1)))
    found = only(codes.diagnoses_valid(s))
    assert found[0].box == "21" and "M54.50" in found[0].hint


def test_old_dates_of_service_warn_about_the_code_set(session):
    s = snapshot(session, bill(session, patient_id=7, policy_id=7, day=date(2025, 3, 3)))
    assert codes.diagnoses_valid(s) == []  # FY2025 ships: checked against it, no warning
    s = snapshot(session, bill(session, patient_id=7, policy_id=7, day=date(2019, 3, 3)))
    assert any("code set" in f.message for f in only(codes.diagnoses_valid(s), "warning"))


def test_pointers(session, clean_snapshot):
    assert codes.pointers(clean_snapshot) == []
    lines = [{"code": "97124", "charge_cents": 6500, "units": 2, "minutes": 30, "pointers": "5"}]
    found = codes.pointers(snapshot(session, bill(session, lines=lines)))
    assert found[0].box == "24E" and "points at no diagnosis" in found[0].message
    none = replace(clean_snapshot.lines[0], pointers=())
    assert (
        "no diagnosis pointer" in codes.pointers(replace(clean_snapshot, lines=(none,)))[0].message
    )


def test_procedure_codes_and_modifiers(session, clean_snapshot):
    assert codes.procedure_codes(clean_snapshot) == []
    lines = [{"code": "97999", "charge_cents": 5000, "modifiers": "GPX"}]
    found = codes.procedure_codes(snapshot(session, bill(session, lines=lines)))
    assert {(f.severity, f.box) for f in found} == {("warning", "24D"), ("error", "24D")}


def test_charges_and_units(clean_snapshot):
    assert codes.charges_and_units(clean_snapshot) == []
    free = replace(clean_snapshot.lines[0], charge_cents=0, units=0)
    found = codes.charges_and_units(replace(clean_snapshot, lines=(free,)))
    assert [f.box for f in found] == ["24F", "24G"]


def test_units_consistent_with_minutes(session, clean_snapshot):
    assert codes.units_match_minutes(clean_snapshot) == []  # 30 minutes, 2 units
    lines = [{"code": "97124", "charge_cents": 9000, "units": 3, "minutes": 30}]
    found = codes.units_match_minutes(snapshot(session, bill(session, lines=lines)))
    assert found[0].severity == "error" and "allow 2" in found[0].message
    lines = [{"code": "97124", "charge_cents": 3000, "units": 1, "minutes": 40}]
    found = codes.units_match_minutes(snapshot(session, bill(session, 7, 1, lines, 7)))
    assert found[0].severity == "warning"
    no_minutes = replace(clean_snapshot.lines[0], minutes=None)
    found = codes.units_match_minutes(replace(clean_snapshot, lines=(no_minutes,)))
    assert "no minutes" in found[0].message
