"""Coverage use cases that read: a verification note in its history, referrals with their
visits, an authorization with the sessions that used it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True)
class NoteView:
    note: object  # the Verification row
    corrected_by: int | None
    current: bool  # the note that applies today


def show_verification(session, note_id: str, today: date) -> NoteView:
    from clinicbill.domain.lookup import get_or_refuse
    from clinicbill.domain.verification import applicable_note, corrected_by, history
    from clinicbill.store.models import Verification

    note = get_or_refuse(session, Verification, note_id, "verification")
    notes = history(session, note.policy_id)
    current = applicable_note(notes, today)
    return NoteView(
        note, corrected_by(notes).get(note.id), current is not None and current.id == note.id
    )


def list_referrals(session, patient: str | None, today: date) -> list[dict]:
    """Referrals (one patient's or all) with visits used and remaining."""
    from sqlalchemy import select

    from clinicbill.domain.authorizations import referral_status
    from clinicbill.domain.lookup import find_patient
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

    from clinicbill.domain.authorizations import authorizations_status
    from clinicbill.domain.lookup import get_or_refuse
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
