"""Builders for injury-case tests on the sample practice: an auto payer and policy, a case,
and a case's claim (sample patient 5 Brooks has the workers' comp policy 6 from 2026-08-14;
patient 4 Natarajan is the spouse of her policy's subscriber)."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from clinicbill.domain.cases.records import add_case
from clinicbill.domain.claims.build import create_claims
from clinicbill.store.models import Patient, Policy
from tests.factories import make_encounter

WC_POLICY = 6
WC_PATIENT = 5
INJURY = date(2026, 8, 14)


def auto_policy(session, patient_id: int = 4) -> Policy:
    """An auto carrier and a policy on it, copying the subscriber of the patient's policy."""
    from clinicbill.domain.practice.patients import add_policy
    from clinicbill.domain.practice.records import add_payer

    payer = add_payer(
        session,
        name="Columbia Auto Casualty",
        payer_id="CAC31",
        type="auto",
        address1="900 Market St",
        city="Portland",
        state="OR",
        zip="97201-1200",
    )
    patient = session.get(Patient, patient_id)
    current = (
        session.execute(select(Policy).where(Policy.patient_id == patient_id).order_by(Policy.id))
        .scalars()
        .first()
    )
    subscriber = {
        k: getattr(current, k)
        for k in (
            "relationship",
            "subscriber_first_name",
            "subscriber_last_name",
            "subscriber_dob",
            "subscriber_sex",
            "subscriber_address1",
            "subscriber_city",
            "subscriber_state",
            "subscriber_zip",
        )
    }
    return add_policy(
        session,
        patient,
        payer,
        member_id="AUTO-448120",
        priority="primary",
        effective_from=date(2026, 1, 1),
        **{k: v for k, v in subscriber.items() if v is not None},
    )


def open_case(session, patient_id: int, policy: Policy | None, **values):
    return add_case(session, session.get(Patient, patient_id), policy, **values)


def case_claim(session, case, day: date, lines=None, diagnoses=("S39.012A",), provider_id=1):
    """One signed session under the case, billed into one claim."""
    lines = lines or [
        {"code": "97124", "charge_cents": 9750, "units": 3, "minutes": 38, "modifiers": "GP"}
    ]
    visit = make_encounter(
        session,
        case.patient_id,
        provider_id,
        day,
        lines,
        policy_id=case.policy_id,
        diagnoses=diagnoses,
    )
    visit.case_id = case.id
    session.flush()
    [claim] = create_claims(session, [visit]).claims
    return claim
