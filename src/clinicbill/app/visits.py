"""What the interactive visit needs to know about a patient's earlier visits: a likely
duplicate of the visit about to be saved, and the last visit (its provider, diagnoses, lines,
template details and plan) to offer as the default."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date


def likely_duplicate(
    session, patient_id: int, on: date, codes, exclude_id: int | None = None
) -> int | None:
    """The id of a session (not void) for the same patient and day with the same codes."""
    from sqlalchemy import select

    from clinicbill.store.models import Encounter, ServiceLine

    wanted = sorted(codes)
    query = select(Encounter.id).where(
        Encounter.patient_id == patient_id,
        Encounter.service_date == on,
        Encounter.status != "void",
    )
    if exclude_id is not None:
        query = query.where(Encounter.id != exclude_id)
    for ident in session.execute(query.order_by(Encounter.id)).scalars():
        stored = session.execute(
            select(ServiceLine.code).where(ServiceLine.encounter_id == ident)
        ).scalars()
        if sorted(stored) == wanted:
            return ident
    return None


@dataclass(frozen=True)
class LastVisit:
    id: int
    service_date: date
    provider_id: int
    template: str
    diagnoses: list[str]
    lines: list = field(default_factory=list)  # LineInput, with minutes/units/modifiers
    details: dict = field(default_factory=dict)
    plan: str = ""
    policy_id: int | None = None  # None: self-pay


def latest_session(session, patient_id: int):
    """The patient's latest session (Encounter) that is not void, or None."""
    from sqlalchemy import select

    from clinicbill.store.models import Encounter

    return session.execute(
        select(Encounter)
        .where(Encounter.patient_id == patient_id, Encounter.status != "void")
        .order_by(Encounter.service_date.desc(), Encounter.id.desc())
        .limit(1)
    ).scalar()


def last_visit(session, patient_id: int) -> LastVisit | None:
    """The patient's latest session that is not void, as inputs for a new one."""
    from clinicbill.domain.sessions.record import stored_inputs

    last = latest_session(session, patient_id)
    if last is None:
        return None
    inputs = stored_inputs(session, last)
    return LastVisit(
        id=last.id,
        service_date=last.service_date,
        provider_id=last.provider_id,
        template=inputs.get("template") or "",
        diagnoses=list(inputs["diagnoses"]),
        lines=[_fresh(line) for line in inputs["lines"]],
        details=dict(inputs.get("modality") or {}),
        plan=(inputs.get("soap") or {}).get("plan") or "",
        policy_id=last.policy_id,
    )


def _fresh(line):
    """A stored line as a new visit's input: minutes recompute the units, the fee schedule
    the charge."""
    from dataclasses import replace

    return replace(line, units=None if line.minutes else line.units, charge_cents=None)
