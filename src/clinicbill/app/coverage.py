"""Coverage use cases: benefit verification notes (recorded, corrected, listed with their
history), referrals and prior authorizations (recorded, listed with the visits and units
used), and the rules their prompts check each answer with."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

# kind -> (domain module, its FIELDS/REQUIRED prefix): what `verify add`, `referral add` and
# `auth add` check each answer with as it is typed
FIELD_RULES = {
    "verification": ("clinicbill.domain.coverage.verification", "VERIFICATION"),
    "referral": ("clinicbill.domain.coverage.authorizations", "REFERRAL"),
    "authorization": ("clinicbill.domain.coverage.authorizations", "AUTH"),
}


def field_rules(kind: str) -> tuple[set[str], dict]:
    """(required field names, field -> cleaner) of a coverage record kind (FIELD_RULES)."""
    from importlib import import_module

    module, prefix = FIELD_RULES[kind]
    rules = import_module(module)
    return getattr(rules, f"{prefix}_REQUIRED"), getattr(rules, f"{prefix}_FIELDS")


def verification_warnings(values: dict) -> list[str]:
    """Values of a verification note that are possible but unlikely (a typo?), in words."""
    from clinicbill.domain.coverage.plausibility import implausible

    return implausible(values)


@dataclass(frozen=True)
class NoteView:
    note: object  # the Verification row
    corrected_by: int | None
    current: bool  # the note that applies today


def show_verification(session, note_id: str, today: date) -> NoteView:
    from clinicbill.domain.coverage.verification import applicable_note, corrected_by, history
    from clinicbill.domain.practice.lookup import get_or_refuse
    from clinicbill.store.models import Verification

    note = get_or_refuse(session, Verification, note_id, "verification")
    notes = history(session, note.policy_id)
    current = applicable_note(notes, today)
    return NoteView(
        note, corrected_by(notes).get(note.id), current is not None and current.id == note.id
    )


@dataclass(frozen=True)
class VerificationHistory:
    policy_id: int
    rows: list[dict]  # the notes, oldest first, each with its status (current, corrected by)
    visits: object  # the policy's plan-year visit status today (domain/coverage/visits.py)


def list_verifications(session, policy: str, today: date) -> VerificationHistory:
    """A policy's verification notes (by policy id or member id) and its visits this plan
    year."""
    from clinicbill.domain.coverage.verification import applicable_note, corrected_by, history
    from clinicbill.domain.coverage.visits import policy_visit_status
    from clinicbill.domain.practice.lookup import find_policy

    row = find_policy(session, policy)
    notes = history(session, row.id)
    current = applicable_note(notes, today)
    superseded = corrected_by(notes)
    rows = [_note_row(n, superseded, current and current.id) for n in notes]
    return VerificationHistory(row.id, rows, policy_visit_status(session, row.id, today))


def _note_row(note, superseded: dict, current_id) -> dict:
    from clinicbill.domain.coverage.verification import local_date

    if note.id == current_id:
        status = "current"
    elif note.id in superseded:
        status = f"corrected by {superseded[note.id]}"
    else:
        status = ""
    if note.corrects_id:
        status = (status + "; " if status else "") + f"corrects {note.corrects_id}"
    return {
        "id": note.id,
        "verified_on": local_date(note.verified_at),
        "verified_by": note.verified_by,
        "method": note.method,
        "reference": note.call_reference,
        "in_network": note.in_network,
        "massage": note.massage_covered,
        "acupuncture": note.acupuncture_covered,
        "limit": note.visit_limit,
        "payer_used": note.visits_used_reported,
        "plan_year_start": note.plan_year_start,
        "reverify_by": note.reverify_by,
        "status": status,
    }


def list_referrals(session, patient: str | None, today: date) -> list[dict]:
    """Referrals (one patient's or all) with visits used and remaining."""
    from sqlalchemy import select

    from clinicbill.domain.coverage.authorizations import referral_status
    from clinicbill.domain.practice.lookup import find_patient
    from clinicbill.store.models import Referral

    query = select(Referral).order_by(Referral.patient_id, Referral.referral_date)
    if patient:
        query = query.where(Referral.patient_id == find_patient(session, patient).id)
    return referral_status(session, list(session.execute(query).scalars()), today)


@dataclass(frozen=True)
class AuthorizationView:
    id: int
    status: object  # domain.authorizations' status of it today
    sessions: list[dict]  # session, service_date, status, codes, units


def show_authorization(session, auth_id: str, today: date) -> AuthorizationView:
    """An authorization, what remains of it, and the sessions linked to it."""
    from sqlalchemy import select

    from clinicbill.domain.coverage.authorizations import authorizations_status
    from clinicbill.domain.practice.lookup import get_or_refuse
    from clinicbill.store.models import Authorization, Encounter, ServiceLine

    auth = get_or_refuse(session, Authorization, auth_id, "authorization")
    status = next(
        s
        for s in authorizations_status(session, today, None, auth.policy_id)
        if s.authorization_id == auth.id
    )
    linked = session.execute(
        select(Encounter.id, Encounter.service_date, Encounter.status)
        .where(Encounter.authorization_id == auth.id)
        .order_by(Encounter.service_date, Encounter.id)
    ).all()
    lines = session.execute(
        select(ServiceLine.encounter_id, ServiceLine.code, ServiceLine.units)
        .join(Encounter, Encounter.id == ServiceLine.encounter_id)
        .where(Encounter.authorization_id == auth.id)
        .order_by(ServiceLine.encounter_id, ServiceLine.line_number)
    ).all()
    sessions = []
    for eid, day, state in linked:
        mine = [(code, n) for owner, code, n in lines if owner == eid]
        sessions.append(
            {
                "session": eid,
                "service_date": day,
                "status": state,
                "codes": ",".join(code for code, _ in mine),
                "units": sum(n for _, n in mine),
            }
        )
    return AuthorizationView(auth.id, status, sessions)


@dataclass(frozen=True)
class VerificationRecorded:
    note: object  # the Verification row added
    policy_id: int
    visits: object  # the policy's plan-year visit status after it (domain/coverage/visits.py)
    corrected: list[str] | None  # fields it changed from the note it corrects, if any


def policy_id_of(session, policy: str) -> int:
    """A policy by id or member id (refused before any question is asked)."""
    from clinicbill.domain.practice.lookup import find_policy

    return find_policy(session, policy).id


def record_verification(
    session,
    policy: str,
    values: dict,
    corrects: str | None,
    verified_at: str | None,
    today: date,
) -> VerificationRecorded:
    """Add a benefit verification note to a policy (correcting an earlier one if asked)."""
    from clinicbill.domain.coverage.verification import add_verification, corrected_fields
    from clinicbill.domain.coverage.visits import policy_visit_status
    from clinicbill.domain.practice.lookup import find_policy

    row = find_policy(session, policy)
    note = add_verification(session, row, corrects_id=corrects, verified_at=verified_at, **values)
    status = policy_visit_status(session, row.id, today)
    changed = corrected_fields(session, note) if note.corrects_id else None
    return VerificationRecorded(note, row.id, status, changed)


def patient_id_of(session, patient: str) -> int:
    """A patient by id, account number or name (refused before any question is asked)."""
    from clinicbill.domain.practice.lookup import find_patient

    return find_patient(session, patient).id


@dataclass(frozen=True)
class ReferralRecorded:
    referral: object  # the Referral row added
    patient_id: int


def record_referral(
    session,
    patient_id: int,
    policy: str | None,
    values: dict,
    diagnoses: list[str],
    qualifier: str,
    number: str | None,
) -> ReferralRecorded:
    """Add a prescription/referral for a patient, for one of their policies or any."""
    from clinicbill.domain.coverage.authorizations import add_referral
    from clinicbill.domain.practice.lookup import find_patient, find_policy

    row = find_patient(session, str(patient_id))
    policy_row = find_policy(session, policy, row) if policy else None
    referral = add_referral(
        session,
        row,
        policy=policy_row,
        diagnoses=diagnoses,
        qualifier=qualifier,
        number=number,
        **values,
    )
    return ReferralRecorded(referral, row.id)


def record_authorization(session, policy_id: int, codes: str | None, values: dict):
    """Add a prior authorization to a policy; returns the Authorization row."""
    from clinicbill.domain.coverage.authorizations import add_authorization
    from clinicbill.domain.practice.lookup import find_policy

    return add_authorization(session, find_policy(session, str(policy_id)), codes=codes, **values)


def list_authorizations(session, today: date, expiring: int | None, policy: str | None) -> list:
    """Authorizations (one policy's or all; those ending within `expiring` days or nearly
    used up) with their visits and units remaining (domain/coverage/authorizations.py)."""
    from clinicbill.domain.coverage.authorizations import authorizations_status
    from clinicbill.domain.practice.lookup import find_policy

    policy_id = find_policy(session, policy).id if policy else None
    return authorizations_status(session, today, expiring, policy_id)
