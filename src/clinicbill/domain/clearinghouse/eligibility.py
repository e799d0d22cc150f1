"""Eligibility inquiries (270) for the day's sessions or named patients, asking for the service
types of their visits. The 271 side (what an answer says, as a verification note) is in
benefits.py."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select

from clinicbill.domain.errors import ClinicbillError
from clinicbill.store.models import Encounter, Patient, Payer, Policy, Provider, ServiceLine

GENERAL = "30"  # health benefit plan coverage: always asked, the payer's general answer
MASSAGE, ACUPUNCTURE, CHIROPRACTIC = "AE", "64", "33"  # physical medicine, acupuncture, chiro
_BY_CATEGORY = {
    "massage": MASSAGE,
    "manual": MASSAGE,
    "exercise": MASSAGE,
    "modality": MASSAGE,
    "acupuncture": ACUPUNCTURE,
}
_BY_CREDENTIAL = {"LMT": MASSAGE, "CMT": MASSAGE, "LAC": ACUPUNCTURE, "DC": CHIROPRACTIC}


@dataclass(frozen=True)
class Person:
    last_name: str
    first_name: str
    dob: date | None
    sex: str | None


@dataclass(frozen=True)
class Inquiry:
    """One 2000C (and 2000D for a dependent) of a 270."""

    policy_id: int
    payer_name: str
    payer_identifier: str
    member_id: str
    subscriber: Person
    dependent: Person | None  # the patient when not the subscriber
    service_date: date
    service_types: tuple[str, ...]
    group_number: str | None = None


@dataclass(frozen=True)
class InformationReceiver:
    """2100B: who asks (the practice)."""

    name: str
    npi: str
    tax_id: str


def service_type_for(code: str, credential: str | None = None) -> str | None:
    """The 270 service type a procedure (or, without one, a provider's credential) asks for."""
    from clinicbill.domain.codesets.cpt import entry

    found = entry(code) if code else None
    if found is not None and found.category in _BY_CATEGORY:
        return _BY_CATEGORY[found.category]
    if code.startswith("9894"):  # chiropractic manipulative treatment 98940-98942
        return CHIROPRACTIC
    return _BY_CREDENTIAL.get((credential or "").upper().replace(".", ""))


def inquiries(session, on: date, patient_ids: list[int] | None = None) -> list[Inquiry]:
    """The policies of the sessions on `on` (or of the named patients' active policies on
    `on`), each with the service types of its visits (general coverage always asked)."""
    wanted: dict[int, set[str]] = {}
    if patient_ids:
        from clinicbill.domain.practice.patients import active_policy

        for patient_id in patient_ids:
            patient = session.get(Patient, patient_id)
            found = False
            for priority in ("primary", "secondary"):
                policy = active_policy(session, patient, on, priority)
                if policy is not None:
                    found = True
                    wanted.setdefault(policy.id, set()).update(
                        _types_of_patient(session, patient.id)
                    )
            if not found:
                raise ClinicbillError(
                    f"eligibility: patient {patient.account_number} has no policy on {on}",
                    "add one (clinicbill policy add) or give another --date",
                )
    else:
        visits = session.execute(
            select(Encounter, Provider.credential)
            .join(Provider, Provider.id == Encounter.provider_id)
            .where(
                Encounter.service_date == on,
                Encounter.status != "void",
                Encounter.policy_id.is_not(None),
            )
            .order_by(Encounter.id)
        ).all()
        for visit, credential in visits:
            types = wanted.setdefault(visit.policy_id, set())
            codes = session.execute(
                select(ServiceLine.code).where(ServiceLine.encounter_id == visit.id)
            ).scalars()
            types.update(t for t in (service_type_for(c, credential) for c in codes) if t)
            if not types:
                types.update(t for t in [service_type_for("", credential)] if t)
        if not wanted:
            raise ClinicbillError(
                f"eligibility: no insured sessions on {on}", "give --date or --patient"
            )
    return [_inquiry(session, pid, on, types) for pid, types in wanted.items()]


def _types_of_patient(session, patient_id: int) -> set[str]:
    """What the patient's recent visits were (their lines, else the provider's credential)."""
    rows = session.execute(
        select(ServiceLine.code, Provider.credential)
        .join(Encounter, Encounter.id == ServiceLine.encounter_id)
        .join(Provider, Provider.id == Encounter.provider_id)
        .where(Encounter.patient_id == patient_id, Encounter.status != "void")
        .order_by(Encounter.service_date.desc())
        .limit(20)
    ).all()
    return {t for t in (service_type_for(code, cred) for code, cred in rows) if t}


def _order(types: set[str]) -> tuple[str, ...]:
    specific = [t for t in (MASSAGE, ACUPUNCTURE, CHIROPRACTIC) if t in types]
    return (GENERAL, *specific)


def parties(session, policy: Policy) -> tuple[Payer, Person, Person | None]:
    """The payer (refused without an electronic payer id), the subscriber, and the patient
    when the patient is a dependent (else None) of a policy."""
    patient = session.get(Patient, policy.patient_id)
    payer = session.get(Payer, policy.payer_id)
    if not payer.payer_id:
        raise ClinicbillError(
            f"payer: {payer.name} has no electronic payer id",
            f"clinicbill payer edit {payer.id} --payer-id ID",
        )
    me = Person(patient.last_name, patient.first_name, patient.dob, patient.sex)
    if policy.relationship == "self":
        return payer, me, None
    subscriber = Person(
        policy.subscriber_last_name or "",
        policy.subscriber_first_name or "",
        policy.subscriber_dob,
        policy.subscriber_sex,
    )
    return payer, subscriber, me


def inquiry_parties(session, policy: Policy) -> dict:
    """The fields every inquiry (270, 276) names the same way: the payer, the member id, the
    subscriber and the dependent patient."""
    payer, subscriber, dependent = parties(session, policy)
    return dict(
        payer_name=payer.name,
        payer_identifier=payer.payer_id,
        member_id=policy.member_id,
        subscriber=subscriber,
        dependent=dependent,
    )


def _inquiry(session, policy_id: int, on: date, types: set[str]) -> Inquiry:
    policy = session.get(Policy, policy_id)
    return Inquiry(
        policy_id=policy.id,
        **inquiry_parties(session, policy),
        service_date=on,
        service_types=_order(types),
        group_number=policy.group_number,
    )
