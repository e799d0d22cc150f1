"""Audit use cases: the trail filtered by patient, record, user and days; the verification of
its hash chain and of every record against its last logged image."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from clinicbill.domain.errors import ClinicbillError

ENTITY_ALIASES = {"session": "encounter", "sessions": "encounter"}


@dataclass(frozen=True)
class Verified:
    problems: list[str]
    rows: int  # audit rows in the chain
    records: int  # records compared with their logged image

    @property
    def ok(self) -> bool:
        return not self.problems


def _patient_id(session, ref: str) -> int:
    """A current patient by id, account or name; a bare number also finds a deleted one."""
    from clinicbill.domain.practice.lookup import find_patient

    try:
        return find_patient(session, ref).id
    except ClinicbillError:
        if ref.strip().isdigit() and len(ref.strip()) < 19:
            return int(ref.strip())
        raise


def audit_trail(
    session,
    patient: str | None = None,
    entity: str | None = None,
    user: str | None = None,
    start: date | None = None,
    end: date | None = None,
    limit: int = 200,
) -> list:
    """The latest audit rows (at most `limit`) matching every filter given; days are UTC."""
    from datetime import UTC, datetime, time, timedelta

    from clinicbill.store.audit import entities, trail

    filters: dict = {"user": user}
    if patient is not None:
        filters["patient_id"] = _patient_id(session, patient)
    if entity is not None:
        name = ENTITY_ALIASES.get(entity.lower(), entity.lower())
        if name not in entities():
            raise ClinicbillError(
                f"entity: '{entity[:40]}' is not an audited record",
                "one of: " + ", ".join(entities()),
            )
        filters["entity"] = name
    if start and end and end < start:
        raise ClinicbillError(f"to: {end} is before --from {start}", "give --to on or after --from")
    filters["since"] = datetime.combine(start, time(), UTC) if start else None
    filters["until"] = datetime.combine(end + timedelta(days=1), time(), UTC) if end else None
    return trail(session, limit=limit, **filters)


def verify_audit(session) -> Verified:
    """The hash chain, then every audited row against its last logged image."""
    from sqlalchemy import func, select

    from clinicbill.store.audit_verify_split import verify_both
    from clinicbill.store.models import AuditLog

    problems, found, compared = verify_both(session)
    count = session.execute(select(func.count()).select_from(AuditLog)).scalar_one()
    return Verified(problems + found, count, compared)
