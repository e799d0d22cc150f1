"""Case records: add, edit, close, look up, and pick the case a session bills under."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from clinicbill.domain import validate
from clinicbill.domain.cases import KINDS
from clinicbill.domain.errors import ClinicbillError
from clinicbill.store.models import InjuryCase, Policy
from clinicbill.store.query import added, narrowed

# Field -> (validator, max length); the CLI's option names are the fields with dashes.
TEXT_FIELDS = {
    "employer": 60,
    "claim_number": 50,
    "adjuster": 60,
    "attorney": 60,
}


def _kind(value) -> str:
    text = str(value or "").strip().lower()
    if text not in KINDS:
        raise ClinicbillError(
            f"kind: '{text[:20]}' is not a case kind", "use one of " + ", ".join(KINDS)
        )
    return text


def _pip_limit(value) -> int | None:
    from clinicbill.domain.money import parse_amount

    if value is None or not str(value).strip():
        return None
    return parse_amount(value, "pip-limit", allow_zero=False)


def clean_values(values: dict, current: InjuryCase | None = None) -> dict:
    """Validated column values of the fields given (None: not given)."""
    out: dict = {}
    if values.get("kind") is not None:
        out["kind"] = _kind(values["kind"])
    for name in ("injury_date", "onset_date"):
        if values.get(name) is not None:
            out[name] = validate.parse_date(values[name], name.replace("_", "-"), False)
    if values.get("state") is not None:
        out["state"] = validate.state(values["state"], "state")
    if values.get("adjuster_phone") is not None:
        out["adjuster_phone"] = validate.phone(values["adjuster_phone"], "adjuster-phone")
    for name, limit in TEXT_FIELDS.items():
        if values.get(name) is not None:
            out[name] = validate.optional_text(values[name], name.replace("_", "-"), limit)
    if values.get("pip_limit") is not None:
        out["pip_limit_cents"] = _pip_limit(values["pip_limit"])
    merged = {**_as_dict(current), **out}
    _check_whole(merged)
    return out


def _as_dict(case: InjuryCase | None) -> dict:
    if case is None:
        return {}
    return {name: getattr(case, name) for name in type(case).model_fields}


def _check_whole(case: dict) -> None:
    if not case.get("kind"):
        raise ClinicbillError("kind: a value is required", "give --kind " + "|".join(KINDS))
    if not case.get("injury_date"):
        raise ClinicbillError(
            "injury-date: a value is required", "give --injury-date YYYY-MM-DD (box 14)"
        )
    onset = case.get("onset_date")
    if onset and onset < case["injury_date"] and case["kind"] != "illness":
        raise ClinicbillError(
            f"onset-date: {onset} is before the injury on {case['injury_date']}",
            "symptoms of an injury start on or after it: check both dates",
        )
    if case.get("pip_limit_cents") and case["kind"] != "auto":
        raise ClinicbillError(
            "pip-limit: only an auto case has a PIP limit", "drop --pip-limit or use --kind auto"
        )


def add_case(session, patient, policy: Policy | None, **values) -> InjuryCase:
    """Record a new open case for a patient (policy: the payer billed under it, optional)."""
    if policy is not None and policy.patient_id != patient.id:
        raise ClinicbillError(
            f"policy: {policy.id} belongs to another patient",
            f"see 'clinicbill policy list {patient.account_number}'",
        )
    clean = clean_values(values)
    case = InjuryCase(
        patient_id=patient.id, policy_id=policy.id if policy else None, status="open", **clean
    )
    return added(session, case)


def get_case(session, ident) -> InjuryCase:
    from clinicbill.domain.practice.lookup import get_or_refuse

    return get_or_refuse(session, InjuryCase, ident, "case")


def edit_case(session, case: InjuryCase, policy: Policy | None = None, **values) -> dict:
    """Change the fields given; returns {field: new value} of what changed."""
    clean = clean_values(values, case)
    if policy is not None:
        if policy.patient_id != case.patient_id:
            raise ClinicbillError(
                f"policy: {policy.id} belongs to another patient", "pick the patient's policy"
            )
        clean["policy_id"] = policy.id
    if values.get("reopen"):
        clean.update(status="open", closed_on=None)
    changed = {k: v for k, v in clean.items() if getattr(case, k) != v}
    for name, value in changed.items():
        setattr(case, name, value)
    session.flush()
    return changed


def close_case(session, case: InjuryCase, on: date | None = None) -> InjuryCase:
    if case.status == "closed":
        raise ClinicbillError(f"case: {case.id} is already closed", "nothing to do")
    case.status = "closed"
    case.closed_on = on or date.today()
    session.flush()
    return case


def list_cases(session, patient_id: int | None = None, open_only: bool = False) -> list:
    query = select(InjuryCase).order_by(InjuryCase.patient_id, InjuryCase.id)
    query = narrowed(query, InjuryCase.patient_id, patient_id)
    if open_only:
        query = query.where(InjuryCase.status == "open")
    return list(session.execute(query).scalars())


def case_for_session(session, patient, policy: Policy | None, ref, on: date):
    """The case a session bills under. ref: AUTO (the patient's only open case for the policy
    billed; None when there is none), None (no case), or a case id."""
    from clinicbill.domain.sessions.inputs import AUTO

    if isinstance(ref, str) and ref.strip().lower() == "none":
        ref = None
    if ref is None or policy is None:
        if ref not in (None, AUTO):
            raise ClinicbillError(
                "case: a self-pay session is billed under no case", "drop --case or give --policy"
            )
        return None
    if ref is AUTO:
        candidates = [
            c for c in list_cases(session, patient.id, open_only=True) if c.policy_id == policy.id
        ]
        return candidates[0] if len(candidates) == 1 else None
    text = str(ref).strip()
    if not text.isdigit():
        raise ClinicbillError(f"case: '{text[:20]}' is not an id", "give a case id, auto or none")
    case = get_case(session, int(text))
    if case.patient_id != patient.id:
        raise ClinicbillError(
            f"case: {case.id} belongs to another patient",
            f"see 'clinicbill case list {patient.account_number}'",
        )
    if case.status != "open":
        raise ClinicbillError(
            f"case: {case.id} is closed", f"clinicbill case edit {case.id} --reopen"
        )
    if case.policy_id is not None and case.policy_id != policy.id:
        raise ClinicbillError(
            f"case: {case.id} is billed to policy {case.policy_id}, not {policy.id}",
            f"give --policy {case.policy_id}, or change the case's policy",
        )
    if on < case.injury_date:
        raise ClinicbillError(
            f"date: {on} is before the injury on {case.injury_date} (case {case.id})",
            "check the date of service or the case's injury date",
        )
    return case
