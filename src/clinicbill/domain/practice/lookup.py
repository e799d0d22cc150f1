"""Find patients, providers and payers by id, account number / NPI / payer id, or an
unambiguous name fragment. An ambiguous fragment is a refusal listing the matches."""

from __future__ import annotations

from sqlalchemy import func, or_, select

from clinicbill.domain.errors import ClinicbillError
from clinicbill.store.models import Patient, Payer, Policy, Provider

_MAX_REFERENCE = 200  # no id, account, NPI or name is longer; SQLite refuses huge LIKE patterns


def _reference(ref: str | int, label: str) -> str:
    """What was typed to find a record, trimmed; refused when no record could be named so."""
    text = str(ref).strip()
    if len(text) > _MAX_REFERENCE:
        raise ClinicbillError(
            f"{label}: the value given is {len(text)} characters long",
            f"give the {label} id or part of the name (at most {_MAX_REFERENCE} characters)",
        )
    return text


def _fragment(ref: str) -> str:
    return "%" + ref.strip().lower().replace("%", r"\%").replace("_", r"\_") + "%"


def search_pattern(text: str, label: str) -> str:
    """A LIKE pattern (escape `\\`) matching `text` anywhere, case-insensitive; a text no
    record could match is refused naming `label`."""
    return _fragment(_reference(text, label))


def _one(session, rows, label: str, ref: str, describe):
    if not rows:
        raise ClinicbillError(
            f"{label}: no {label} matches '{ref[:40]}'", f"see 'clinicbill {label} list'"
        )
    if len(rows) > 1:
        shown = "; ".join(describe(r) for r in rows[:8])
        more = f" (and {len(rows) - 8} more)" if len(rows) > 8 else ""
        raise ClinicbillError(
            f"{label}: '{ref[:40]}' matches {len(rows)}: {shown}{more}",
            "use the id or a longer part of the name",
        )
    return rows[0]


def _exact(session, model, ref: str, key, by_id: bool = True):
    """The row whose id (`ref` all digits, when `by_id`) or whose `key` column is `ref`."""
    if by_id and ref.isdigit():
        hit = session.get(model, int(ref))
        if hit:
            return hit
    return session.execute(select(model).where(key == ref)).scalar()


def _like(column, ref: str):
    """`column` contains `ref`, case-insensitive, with % and _ taken literally."""
    return func.lower(column).like(_fragment(ref), escape="\\")


def _full_name(model):
    return model.first_name + " " + model.last_name


def find_patient(session, ref: str | int) -> Patient:
    ref = _reference(ref, "patient")
    hit = _exact(session, Patient, ref, Patient.account_number)
    if hit:
        return hit
    query = (
        select(Patient)
        .where(
            or_(
                _like(Patient.last_name, ref),
                _like(Patient.first_name, ref),
                _like(_full_name(Patient), ref),
            )
        )
        .order_by(Patient.last_name, Patient.first_name)
        .limit(50)
    )
    return _one(
        session,
        session.execute(query).scalars().all(),
        "patient",
        ref,
        # id, account and initials only: an error line carries no patient data (SPEC §5)
        lambda p: f"{p.id} {p.account_number} ({p.first_name[:1]}.{p.last_name[:1]}.)",
    )


def find_provider(session, ref: str | int) -> Provider:
    ref = _reference(ref, "provider")
    hit = _exact(session, Provider, ref, Provider.npi, by_id=len(ref) < 10)
    if hit:
        return hit
    query = (
        select(Provider)
        .where(
            or_(
                _like(_full_name(Provider), ref),
                func.lower(Provider.credential) == ref.lower(),
            )
        )
        .order_by(Provider.last_name)
    )
    rows = session.execute(query).scalars().all()
    return _one(session, rows, "provider", ref, lambda p: f"{p.id} {p.display_name}")


def find_payer(session, ref: str | int) -> Payer:
    ref = _reference(ref, "payer")
    if ref.isdigit():
        hit = session.get(Payer, int(ref))
        if hit:
            return hit
    rows = session.execute(select(Payer).where(Payer.payer_id == ref)).scalars().all()
    if len(rows) == 1:
        return rows[0]
    exact = (
        session.execute(select(Payer).where(func.lower(Payer.name) == ref.lower())).scalars().all()
    )
    if len(exact) == 1:
        return exact[0]
    rows = (
        session.execute(select(Payer).where(_like(Payer.name, ref)).order_by(Payer.name))
        .scalars()
        .all()
    )
    return _one(session, rows, "payer", ref, lambda p: f"{p.id} {p.name}")


def find_policy(session, ref: str | int, patient: Patient | None = None) -> Policy:
    """A policy by id, or by member id (optionally within one patient's policies)."""
    ref = str(ref).strip()
    if ref.isdigit():
        hit = session.get(Policy, int(ref))
        if hit and (patient is None or hit.patient_id == patient.id):
            return hit
    query = select(Policy).where(Policy.member_id == ref)
    if patient is not None:
        query = query.where(Policy.patient_id == patient.id)
    rows = session.execute(query).scalars().all()
    return _one(
        session,
        rows,
        "policy",
        ref,
        lambda p: f"{p.id} member {p.member_id} ({p.priority})",
    )


def get_or_refuse(session, model, ident: int | str, label: str):
    """A row by numeric id, or a refusal naming the field."""
    text = str(ident).strip()
    if not text.isdigit():
        raise ClinicbillError(f"{label}: '{text[:30]}' is not an id", f"give the {label} number")
    row = session.get(model, int(text))
    if row is None:
        raise ClinicbillError(
            f"{label}: no {label} with id {text}", f"see 'clinicbill {label} list'"
        )
    return row
