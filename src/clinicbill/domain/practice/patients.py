"""Patients and their insurance policies."""

from __future__ import annotations

from sqlalchemy import func, select

from clinicbill.domain import fields as f
from clinicbill.domain.errors import ClinicbillError
from clinicbill.store.models import Patient, Payer, Policy
from clinicbill.store.query import added

PATIENT_FIELDS = {
    "account_number": f.ACCOUNT_NUMBER,  # letters, digits, dashes: it names files
    "first_name": f.text(35),
    "last_name": f.text(60),
    "middle_name": f.optional(f.text(25)),
    "dob": f.past_date,
    "sex": f.SEX,
    "address1": f.optional(f.text(55)),
    "address2": f.optional(f.text(55)),
    "city": f.optional(f.text(30)),
    "state": f.optional(f.STATE),
    "zip": f.optional(f.ZIP),
    "phone": f.optional(f.PHONE),
    "email": f.optional(f.text(80)),
    "signature_on_file": f.boolean,
    "assignment_on_file": f.boolean,
}
PATIENT_REQUIRED = {"first_name", "last_name", "dob", "sex"}

POLICY_FIELDS = {
    "priority": f.PRIORITY,
    "member_id": f.upper(f.text(80)),
    "group_number": f.optional(f.upper(f.text(50))),
    "plan_name": f.optional(f.text(60)),
    "relationship": f.RELATIONSHIP,
    "subscriber_first_name": f.optional(f.text(35)),
    "subscriber_last_name": f.optional(f.text(60)),
    "subscriber_dob": f.optional(f.past_date),
    "subscriber_sex": f.optional(f.SEX),
    "subscriber_address1": f.optional(f.text(55)),
    "subscriber_city": f.optional(f.text(30)),
    "subscriber_state": f.optional(f.STATE),
    "subscriber_zip": f.optional(f.ZIP),
    "effective_from": f.optional(f.date_field),
    "effective_to": f.optional(f.date_field),
}
POLICY_REQUIRED = {"member_id"}


def next_account_number(session) -> str:
    """A new account number: P followed by a zero-padded sequence."""
    highest = session.execute(select(func.max(Patient.id))).scalar() or 0
    number = highest + 1
    while True:
        candidate = f"P{number:05d}"
        taken = session.execute(
            select(Patient.id).where(Patient.account_number == candidate)
        ).scalar()
        if taken is None:
            return candidate
        number += 1


def add_patient(session, allow_duplicate: bool = False, **values) -> Patient:
    """A new patient. The same name and date of birth as a patient on file is refused (two
    charts for one person split their balances and visit counts) unless `allow_duplicate`."""
    cleaned = f.clean(PATIENT_FIELDS, values, PATIENT_REQUIRED)
    if not allow_duplicate:
        _refuse_same_person(session, cleaned)
    if "account_number" not in cleaned:
        cleaned["account_number"] = next_account_number(session)
    elif session.execute(
        select(Patient.id).where(Patient.account_number == cleaned["account_number"])
    ).scalar():
        raise ClinicbillError(
            f"account-number: {cleaned['account_number']} is already used",
            "leave it out to get the next free number",
        )
    patient = Patient(**cleaned)
    return added(session, patient)


def _refuse_same_person(session, cleaned: dict) -> None:
    existing = session.execute(
        select(Patient.account_number).where(
            func.lower(Patient.first_name) == cleaned["first_name"].lower(),
            func.lower(Patient.last_name) == cleaned["last_name"].lower(),
            Patient.dob == cleaned["dob"],
        )
    ).scalar()
    if existing is not None:  # the account number only: no name or birth date in error lines
        raise ClinicbillError(
            f"patient: a patient with this name and date of birth is already on file "
            f"(account {existing})",
            "use that account, or give --allow-duplicate if this is another person",
        )


def edit_patient(session, patient: Patient, **changes) -> dict:
    if changes.get("account_number"):
        other = session.execute(
            select(Patient.id).where(
                Patient.account_number == changes["account_number"].strip().upper()
            )
        ).scalar()
        if other is not None and other != patient.id:
            raise ClinicbillError(
                f"account-number: {changes['account_number']} is already used",
                "choose another account number",
            )
    return f.apply(patient, PATIENT_FIELDS, changes)


def _check_policy(values: dict) -> None:
    if values.get("relationship", "self") != "self":
        missing = [
            name
            for name in (
                "subscriber_first_name",
                "subscriber_last_name",
                "subscriber_dob",
                "subscriber_sex",
            )
            if not values.get(name)
        ]
        if missing:
            names = ", ".join("--" + f.kebab(m) for m in missing)
            raise ClinicbillError(
                f"relationship: {values['relationship']} needs the subscriber's details",
                f"give {names}",
            )
    start, end = values.get("effective_from"), values.get("effective_to")
    if start and end and end < start:
        raise ClinicbillError(
            f"effective-to: {end} is before effective-from {start}", "fix the coverage dates"
        )


def add_policy(session, patient: Patient, payer: Payer, **values) -> Policy:
    values.setdefault("priority", "primary")
    values.setdefault("relationship", "self")
    cleaned = f.clean(POLICY_FIELDS, values, POLICY_REQUIRED)
    _check_policy(cleaned)
    _refuse_same_policy(session, patient, payer, cleaned)
    policy = Policy(patient_id=patient.id, payer_id=payer.id, **cleaned)
    return added(session, policy)


def _refuse_same_policy(session, patient: Patient, payer: Payer, cleaned: dict) -> None:
    """One card, one policy: the same payer and member id again, over overlapping dates, is a
    duplicate (claims would go out twice)."""
    rows = session.execute(
        select(Policy).where(
            Policy.patient_id == patient.id,
            Policy.payer_id == payer.id,
            Policy.member_id == cleaned["member_id"],
        )
    ).scalars()
    start, end = cleaned.get("effective_from"), cleaned.get("effective_to")
    for other in rows:
        if (end is None or other.effective_from is None or other.effective_from <= end) and (
            start is None or other.effective_to is None or start <= other.effective_to
        ):
            raise ClinicbillError(
                f"policy: this payer and member id are already policy {other.id} "
                f"({other.priority}) of this patient",
                f"change it with 'clinicbill policy edit {other.id}', or give the new "
                "policy's --from date after the old one's --to",
            )


def edit_policy(session, policy: Policy, payer: Payer | None = None, **changes) -> dict:
    changed = f.apply(policy, POLICY_FIELDS, changes)
    if payer is not None and payer.id != policy.payer_id:
        policy.payer_id = payer.id
        changed["payer_id"] = payer.id
    _check_policy({k: getattr(policy, k) for k in POLICY_FIELDS})
    return changed


def policies_for(session, patient: Patient) -> list[Policy]:
    order = {"primary": 0, "secondary": 1, "tertiary": 2}
    rows = session.execute(select(Policy).where(Policy.patient_id == patient.id)).scalars().all()
    return sorted(rows, key=lambda p: (order.get(p.priority, 9), p.id))


def active_policy(session, patient: Patient, on, priority: str = "primary") -> Policy | None:
    """The patient's policy of a priority in effect on a date, if any."""
    for policy in policies_for(session, patient):
        if policy.priority != priority:
            continue
        if policy.effective_from and on < policy.effective_from:
            continue
        if policy.effective_to and on > policy.effective_to:
            continue
        return policy
    return None
