"""Test data builders that write rows through the models directly, for tests of later stages
(claims, posting, documents, reports) that need encounters without the session-entry flow.

Domain tests of session entry itself go through domain/sessions/entry.py instead.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

from clinicbill.store.models import Diagnosis, Encounter, ServiceLine


def make_encounter(
    session,
    patient_id: int,
    provider_id: int,
    service_date: date,
    lines: list[dict],
    policy_id: int | None = None,
    diagnoses: tuple[str, ...] = ("M54.50",),
    signed: bool = True,
    place_of_service: str = "11",
) -> Encounter:
    """An encounter with diagnoses and lines. Each line: code, charge_cents, and optionally
    units, minutes, modifiers ("59,GP"), pointers ("1,2")."""
    encounter = Encounter(
        patient_id=patient_id,
        provider_id=provider_id,
        service_date=service_date,
        place_of_service=place_of_service,
        policy_id=policy_id,
        total_minutes=sum(line.get("minutes") or 0 for line in lines) or None,
        subjective="Low back tightness after gardening.",
        objective="Hypertonic lumbar paraspinals.",
        assessment="Improving.",
        plan="Continue weekly.",
        status="signed" if signed else "draft",
        signed_by="tester" if signed else None,
        signed_at=datetime.now(UTC) if signed else None,
    )
    session.add(encounter)
    session.flush()
    for position, code in enumerate(diagnoses, start=1):
        session.add(Diagnosis(encounter_id=encounter.id, position=position, code=code))
    for number, line in enumerate(lines, start=1):
        session.add(
            ServiceLine(
                encounter_id=encounter.id,
                line_number=number,
                code=line["code"],
                modifiers=line.get("modifiers", ""),
                minutes=line.get("minutes"),
                units=line.get("units", 1),
                charge_cents=line["charge_cents"],
                pointers=line.get("pointers", "1"),
            )
        )
    session.flush()
    return encounter
