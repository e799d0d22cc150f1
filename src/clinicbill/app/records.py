"""Use cases for the records a practice keeps: patients, policies, providers, payers, fees.

`add_record` and `edit_record` serve every kind in `KINDS` the same way (cli/records.py
builds their commands from one table); the listings return plain rows, ready to render.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import import_module

# kind -> (domain module, its add function, edit function, FIELDS/REQUIRED prefix, resolver)
KINDS = {
    "patient": ("clinicbill.domain.practice.patients", "add_patient", "edit_patient", "PATIENT"),
    "provider": ("clinicbill.domain.practice.records", "add_provider", "edit_provider", "PROVIDER"),
    "payer": ("clinicbill.domain.practice.records", "add_payer", "edit_payer", "PAYER"),
}
PATIENT_LIST_COLUMNS = ["id", "account_number", "last_name", "first_name", "dob", "sex", "phone"]


@dataclass(frozen=True)
class Edited:
    id: int
    changed: dict


def field_rules(kind: str) -> tuple[set[str], dict]:
    """(required field names, field -> cleaner) of a record kind, to check answers as typed."""
    module, _, _, prefix = KINDS[kind]
    rules = import_module(module)
    return getattr(rules, f"{prefix}_REQUIRED"), getattr(rules, f"{prefix}_FIELDS")


# kind of reference -> (module, function): the one resolver of each kind of id. Each takes
# (session, ref) and refuses an unknown or ambiguous reference naming the kind.
RESOLVERS = {
    "patient": ("clinicbill.domain.practice.lookup", "find_patient"),  # id, account number or name
    "provider": ("clinicbill.domain.practice.lookup", "find_provider"),  # id, NPI or name
    "payer": ("clinicbill.domain.practice.lookup", "find_payer"),  # id, electronic payer id or name
    "policy": ("clinicbill.domain.practice.lookup", "find_policy"),  # id or member id
    "claim": ("clinicbill.domain.claims.build", "get_claim"),  # id or patient control number
    "session": ("clinicbill.domain.sessions.entry", "get_session"),  # id
}


def find_record(session, kind: str, ref: str):
    """The record a reference names, by the resolver of its kind (RESOLVERS)."""
    module, function = RESOLVERS[kind]
    return getattr(import_module(module), function)(session, ref)


def add_record(session, kind: str, values: dict, options: dict | None = None):
    """Add a patient, provider or payer from its field values; returns the new row."""
    module, add, _, _ = KINDS[kind]
    return getattr(import_module(module), add)(session, **(options or {}), **values)


def edit_record(session, kind: str, ref: str, changes: dict) -> Edited:
    """Change the given fields (None: unchanged) of the record `ref` names."""
    module, _, edit, _ = KINDS[kind]
    row = find_record(session, kind, ref)
    changed = getattr(import_module(module), edit)(session, row, **changes)
    return Edited(row.id, changed)


def _patient_rows(session, query) -> list[dict]:
    return [dict(zip(PATIENT_LIST_COLUMNS, r, strict=True)) for r in session.execute(query).all()]


def list_patients(session, limit: int = 500) -> list[dict]:
    """Patients by name, the listing's columns only."""
    from sqlalchemy import select

    from clinicbill.store.models import Patient

    table_ = Patient.__table__  # its columns: no ORM mapper set-up for a plain listing
    cols = [table_.c[c] for c in PATIENT_LIST_COLUMNS]
    order = (table_.c.last_name, table_.c.first_name)
    return _patient_rows(session, select(*cols).order_by(*order).limit(limit))


def find_patients(session, text: str, limit: int = 100) -> list[dict]:
    """Patients whose name, last name or account number contains `text`."""
    from sqlalchemy import func, or_, select

    from clinicbill.domain.practice.lookup import search_pattern
    from clinicbill.store.models import Patient

    pattern = search_pattern(text, "patient")
    query = (
        select(*[getattr(Patient, c) for c in PATIENT_LIST_COLUMNS])
        .where(
            or_(
                func.lower(Patient.first_name + " " + Patient.last_name).like(pattern, "\\"),
                func.lower(Patient.account_number).like(pattern, "\\"),
                func.lower(Patient.last_name).like(pattern, "\\"),
            )
        )
        .order_by(Patient.last_name, Patient.first_name)
        .limit(limit)
    )
    return _patient_rows(session, query)


@dataclass(frozen=True)
class PatientView:
    patient: object  # the Patient row
    policies: list[dict]
    extras: dict  # balances and other facts later features add


def show_patient(session, ref: str) -> PatientView:
    from clinicbill.domain.practice.lookup import find_patient
    from clinicbill.domain.practice.patients import policies_for

    row = find_patient(session, ref)
    policies = [p.model_dump() for p in policies_for(session, row)]
    try:
        from clinicbill.domain.ledger.balances import patient_summary
    except ImportError:
        return PatientView(row, policies, {})
    return PatientView(row, policies, patient_summary(session, row))


def list_policies(session, patient: str | None = None) -> list[dict]:
    """Policies (with their payer's name), one patient's or all, by patient and priority."""
    from sqlalchemy import select

    from clinicbill.domain.practice.lookup import find_patient
    from clinicbill.store.models import Payer, Policy

    query = select(Policy, Payer.name).join(Payer, Payer.id == Policy.payer_id)
    if patient:
        query = query.where(Policy.patient_id == find_patient(session, patient).id)
    rows = session.execute(query.order_by(Policy.patient_id, Policy.priority)).all()
    return [{**p.model_dump(), "payer": name} for p, name in rows]


def get_policy(session, ident: str):
    from clinicbill.domain.practice.lookup import get_or_refuse
    from clinicbill.store.models import Policy

    return get_or_refuse(session, Policy, ident, "policy")


def list_providers(session) -> list[dict]:
    from sqlalchemy import select

    from clinicbill.store.models import Provider

    query = select(Provider).order_by(Provider.last_name)
    return [p.model_dump() for p in session.execute(query).scalars()]


def list_payers(session) -> list[dict]:
    from sqlalchemy import select

    from clinicbill.store.models import Payer

    return [p.model_dump() for p in session.execute(select(Payer).order_by(Payer.name)).scalars()]


def show_payer(session, ref: str) -> tuple[object, dict]:
    """The payer row and its rule profile's flat values (`rule_<name>`)."""
    from dataclasses import asdict

    from clinicbill.domain.practice.lookup import find_payer
    from clinicbill.domain.practice.profiles import profile_for_payer

    row = find_payer(session, ref)
    profile = profile_for_payer(row)
    rules = {f"rule_{k}": val for k, val in asdict(profile).items() if not isinstance(val, dict)}
    return row, rules


def list_fees(session) -> list[tuple[str, int, str | None]]:
    """(code, amount in cents, payer name or None for the standard charge)."""
    from sqlalchemy import select

    from clinicbill.store.models import FeeSchedule, Payer

    query = (
        select(FeeSchedule.code, FeeSchedule.amount_cents, Payer.name)
        .outerjoin(Payer, Payer.id == FeeSchedule.payer_id)
        .order_by(FeeSchedule.code, Payer.name)
    )
    return [tuple(r) for r in session.execute(query).all()]


@dataclass(frozen=True)
class PolicyAdded:
    policy: object  # the Policy row
    payer_name: str
    patient_id: int


def add_policy(session, patient: str, payer: str, values: dict) -> PolicyAdded:
    """Add an insurance policy with `payer` (id, electronic id or name) to a patient."""
    from clinicbill.domain.practice.lookup import find_patient, find_payer
    from clinicbill.domain.practice.patients import add_policy as add

    patient_row = find_patient(session, patient)
    payer_row = find_payer(session, payer)
    policy = add(session, patient_row, payer_row, **values)
    return PolicyAdded(policy, payer_row.name, patient_row.id)


def edit_policy(session, policy: str, payer: str | None, changes: dict) -> Edited:
    """Change a policy's given fields, and its payer when `payer` names one."""
    from clinicbill.domain.practice.lookup import find_payer
    from clinicbill.domain.practice.patients import edit_policy as edit

    row = get_policy(session, policy)
    payer_row = find_payer(session, payer) if payer else None
    return Edited(row.id, edit(session, row, payer_row, **changes))
