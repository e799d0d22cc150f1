"""Who provides the services on a Good Faith Estimate when none is named
(domain/documents/estimates.py): the provider who bills those codes, an acupuncturist for
acupuncture, the patient's last provider, or the only active one."""

from __future__ import annotations

from sqlalchemy import case, select

from clinicbill.domain.errors import MissingValue
from clinicbill.store.models import Encounter, Provider, ServiceLine


def estimate_provider(session, patient_id: int, codes=()) -> Provider:
    """Who provides these services: the active provider who last billed one of the codes
    (this patient's visits first, then anyone's: an acupuncture estimate goes to the
    acupuncturist), else the provider who last treated the patient, else the only active one."""
    recent = (Encounter.service_date.desc(), Encounter.id.desc())
    if codes:
        by_code = session.execute(
            select(Encounter.provider_id)
            .join(ServiceLine, ServiceLine.encounter_id == Encounter.id)
            .join(Provider, Provider.id == Encounter.provider_id)
            .where(
                ServiceLine.code.in_([str(c).split(":")[0].strip().upper() for c in codes]),
                Encounter.status != "void",
                Provider.active.is_(True),
            )
            .order_by(case((Encounter.patient_id == patient_id, 0), else_=1), *recent)
            .limit(1)
        ).scalar()
        if by_code is not None:
            return session.get(Provider, by_code)
        licensed = _acupuncturists(session, codes)
        if len(licensed) == 1:
            return licensed[0]
    last = session.execute(
        select(Encounter.provider_id)
        .where(Encounter.patient_id == patient_id, Encounter.status != "void")
        .order_by(*recent)
        .limit(1)
    ).scalar()
    if last is not None:
        return session.get(Provider, last)
    active = session.execute(select(Provider).where(Provider.active.is_(True))).scalars().all()
    if len(active) == 1:
        return active[0]
    raise MissingValue(["provider"], "give --provider (name, NPI or id)")


# credentials of acupuncturists (licensed acupuncturist, NCCAOM diplomate, doctor of acupuncture)
ACUPUNCTURIST_CREDENTIALS = ("LAC", "DIPLAC", "DIPL.AC", "DAOM", "DACM")


def _acupuncturists(session, codes) -> list[Provider]:
    """For acupuncture services nobody has billed yet: the active acupuncturists."""
    from clinicbill.domain.codesets.cpt import entry

    spec = [entry(str(c).split(":")[0].strip().upper()) for c in codes]
    if not any(e is not None and e.category == "acupuncture" for e in spec):
        return []
    active = session.execute(select(Provider).where(Provider.active.is_(True))).scalars()
    return [p for p in active if (p.credential or "").replace(" ", "").upper() in
            ACUPUNCTURIST_CREDENTIALS]  # fmt: skip
