"""Claim lifecycle: check -> ready, mark, void, resubmit (7/8), secondary, export batches."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from clinicbill.domain.claims.actions import (
    begin_export,
    check_claims,
    finish_export,
    mark_claim,
    resubmit_claim,
    secondary_claim,
    void_claim,
)
from clinicbill.domain.claims.build import claim_history, create_claims, select_encounters
from clinicbill.domain.errors import ClinicbillError
from clinicbill.store.engine import transaction
from tests.claimkit import RECENT, bill, post_primary

TODAY = date.today()
NCCI_LINES = [
    {"code": "97124", "charge_cents": 6500, "units": 2, "minutes": 30},
    {"code": "97140", "charge_cents": 3800, "minutes": 15},  # no 59: an NCCI error
]


@pytest.fixture
def session(sample_db):
    with transaction(sample_db, "tester") as s:
        yield s


def test_check_makes_a_clean_draft_ready_and_keeps_an_erroneous_one_draft(session):
    clean = bill(session)
    broken = bill(session, patient_id=7, policy_id=7, lines=NCCI_LINES)
    _, findings = check_claims(session, [clean, broken])
    assert clean.status == "ready" and broken.status == "draft"
    assert {f.claim_id for f in findings if f.severity == "error"} == {broken.id}


def test_mark_ready_refuses_errors_unless_forced(session):
    broken = bill(session, lines=NCCI_LINES)
    with pytest.raises(ClinicbillError) as exc:
        mark_claim(session, broken, "ready", TODAY)
    assert "59" in exc.value.message and "--force" in exc.value.hint
    mark_claim(session, broken, "ready", TODAY, force=True)
    assert broken.status == "ready"


def test_mark_records_dated_steps_and_refuses_void_and_future(session):
    claim = bill(session)
    mark_claim(session, claim, "submitted", RECENT + timedelta(days=1), "paper")
    mark_claim(session, claim, "accepted", RECENT + timedelta(days=2))
    history = [(e.status, e.on_date, e.note) for e in claim_history(session, claim.id)]
    assert history == [
        ("draft", TODAY, "created from signed sessions"),
        ("submitted", RECENT + timedelta(days=1), "paper"),
        ("accepted", RECENT + timedelta(days=2), None),
    ]
    with pytest.raises(ClinicbillError):
        mark_claim(session, claim, "paid", RECENT - timedelta(days=1))  # before the service
    with pytest.raises(ClinicbillError):
        mark_claim(session, claim, "void", TODAY)
    with pytest.raises(ClinicbillError):
        mark_claim(session, claim, "paid", date(2999, 1, 1))


def test_void_only_before_submission(session):
    claim = bill(session)
    void_claim(session, claim, TODAY)
    assert claim.status == "void"
    encounters, _ = select_encounters(session, everything=True)
    assert len(create_claims(session, encounters).claims) == 1  # its lines bill again
    sent = bill(session, patient_id=7, policy_id=7)
    mark_claim(session, sent, "submitted", TODAY)
    with pytest.raises(ClinicbillError) as exc:
        void_claim(session, sent, TODAY)
    assert "resubmit" in exc.value.hint and sent.status == "submitted"


def test_replacement_carries_original_and_closes_it(session):
    original = bill(session)
    with pytest.raises(ClinicbillError):
        resubmit_claim(session, original, "replace", TODAY)  # never accepted
    post_primary(session, original, {1: 5000}, [(1, "adjustment", "CO", "45", 1500)])
    replacement = resubmit_claim(session, original, "replace", TODAY)
    assert replacement.frequency == "7" and replacement.original_claim_id == original.id
    assert original.status == "closed"
    assert replacement.patient_control_number != original.patient_control_number
    assert replacement.total_cents == original.total_cents


def test_void_request_is_frequency_8_and_frees_the_lines(session):
    original = bill(session)
    post_primary(session, original, {1: 6500}, status="paid")
    request = resubmit_claim(session, original, "void", TODAY)
    assert request.frequency == "8"
    # the payer adjudicated it: `voided`, not `void` (which means never sent), with its event
    assert original.status == "voided"
    last = claim_history(session, original.id)[-1]
    assert (last.status, last.note) == ("voided", f"void sent as claim {request.id}")
    with pytest.raises(ClinicbillError):
        resubmit_claim(session, original, "void", TODAY)
    encounters, _ = select_encounters(session, everything=True)
    assert len(create_claims(session, encounters).claims) == 1


def test_replacement_needs_the_payer_claim_number(session):
    original = bill(session)
    mark_claim(session, original, "submitted", TODAY)
    mark_claim(session, original, "accepted", TODAY)
    with pytest.raises(ClinicbillError) as exc:
        resubmit_claim(session, original, "replace", TODAY)
    assert "CLP07" in exc.value.hint


def test_rejected_claim_is_resent_as_an_original(session):
    original = bill(session)
    mark_claim(session, original, "submitted", TODAY)
    mark_claim(session, original, "rejected", TODAY, "277CA: invalid member id")
    again = resubmit_claim(session, original, "original", TODAY)
    assert again.frequency == "1" and again.original_claim_id is None
    assert original.status == "void"


def test_secondary_needs_the_primary_adjudication(session):
    primary = bill(session, patient_id=2, policy_id=2, provider_id=1)
    with pytest.raises(ClinicbillError) as exc:
        secondary_claim(session, primary, TODAY)
    assert "era import" in exc.value.hint
    post_primary(session, primary, {1: 4000}, [(1, "patient_responsibility", "PR", "2", 2500)])
    secondary = secondary_claim(session, primary, TODAY)
    assert secondary.priority == "secondary" and secondary.policy_id == 3
    assert secondary.payer_id == 3 and secondary.primary_claim_id == primary.id
    with pytest.raises(ClinicbillError):
        secondary_claim(session, primary, TODAY)  # only one secondary per primary


def test_secondary_refused_without_a_secondary_policy(session):
    primary = bill(session)
    post_primary(session, primary, {1: 4000})
    with pytest.raises(ClinicbillError) as exc:
        secondary_claim(session, primary, TODAY)
    assert "no secondary policy" in exc.value.message


def test_export_batches_number_interchanges_and_mark_submitted(session):
    claims = [bill(session), bill(session, patient_id=7, policy_id=7)]
    first = begin_export(session, [c.id for c in claims], "837p")
    second = begin_export(session, [claims[0].id], "837p")
    assert second.interchange_control_number == first.interchange_control_number + 1
    finish_export(session, first, claims, "claims.837", TODAY)
    assert {c.status for c in claims} == {"submitted"}
    assert all(c.first_billed_on == TODAY for c in claims)
    csv_batch = begin_export(session, [claims[0].id], "csv")
    assert csv_batch.interchange_control_number is None
