"""Checks of the people, dates and texts a session is made of (the service lines have their
own module, domain/sessions/lines.py). Each returns the clean value or refuses by field name."""

from __future__ import annotations

import re
from datetime import date

from clinicbill.domain.errors import ClinicbillError, MissingValue
from clinicbill.domain.practice.lookup import find_patient, find_policy, find_provider
from clinicbill.domain.practice.patients import active_policy
from clinicbill.domain.validate import multiline_text, whole_number
from clinicbill.store.models import Patient, Policy, Provider

AUTO = object()  # policy / authorization / referral chosen automatically
MAX_DIAGNOSES = 12
SOAP_FIELDS = ("subjective", "objective", "assessment", "plan")
SOAP_LIMIT = 20_000  # characters per SOAP section


def check_patient(session, ref) -> Patient:
    if isinstance(ref, Patient):
        return ref
    if ref is None or not str(ref).strip():
        raise MissingValue(["patient"], "give --patient")
    return find_patient(session, ref)


def check_provider(session, ref) -> Provider:
    if isinstance(ref, Provider):
        provider = ref
    else:
        if ref is None or not str(ref).strip():
            raise MissingValue(["provider"], "give --provider")
        provider = find_provider(session, ref)
    if not provider.active:
        raise ClinicbillError(
            f"provider: {provider.display_name} is inactive",
            f"reactivate with 'clinicbill provider edit {provider.id} --active'",
        )
    return provider


def check_policy(session, patient: Patient, ref, on: date) -> Policy | None:
    if ref is AUTO:
        return active_policy(session, patient, on)
    if ref is None:
        return None
    if isinstance(ref, Policy):
        policy = ref
    else:
        policy = find_policy(session, ref, patient)
    if policy.patient_id != patient.id:
        raise ClinicbillError(
            f"policy: {policy.id} belongs to another patient",
            f"see 'clinicbill policy list {patient.account_number}'",
        )
    if (policy.effective_from and on < policy.effective_from) or (
        policy.effective_to and on > policy.effective_to
    ):
        raise ClinicbillError(
            f"policy: {policy.id} is not in effect on {on.isoformat()}",
            "pick a policy in effect that day, or --self-pay",
        )
    return policy


def check_place_of_service(value) -> str:
    from clinicbill.domain.codesets.pos import COMMON, pos_name

    text = str(value if value is not None else "11").strip()
    if not re.fullmatch(r"\d{2}", text) or text == "00":
        raise ClinicbillError(
            f"place-of-service: '{text[:10]}' is not a place of service code", f"2 digits: {COMMON}"
        )
    if pos_name(text) is None:
        raise ClinicbillError(
            f"place-of-service: {text} is not on the CMS place-of-service list (unassigned)",
            f"use an assigned code: {COMMON}",
        )
    return text


def small_int(value, field_name: str, low: int, high: int) -> int | None:
    """A whole number from low to high; None when not given (None or blank)."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    return whole_number(value, field_name, low, high)


def check_soap(values: dict | None) -> dict:
    values = dict(values or {})
    unknown = set(values) - set(SOAP_FIELDS)
    if unknown:  # pragma: no cover - programming error
        raise TypeError(f"unknown SOAP fields: {sorted(unknown)}")
    out = {}
    for name in SOAP_FIELDS:
        text = values.get(name)
        text = None if text is None else str(text).replace("\r\n", "\n").strip()
        out[name] = multiline_text(text, name, SOAP_LIMIT) if text else None
    return out


def check_diagnoses(codes, on: date, required: bool) -> tuple[str, ...]:
    from clinicbill.domain.codesets.icd import check_billable

    codes = [c for c in (codes or []) if str(c).strip()]
    if not codes and required:
        raise ClinicbillError(
            "dx: at least one diagnosis is required to bill insurance",
            "give --dx CODE (search with 'clinicbill codes icd WORDS'), or --self-pay",
        )
    if len(codes) > MAX_DIAGNOSES:
        raise ClinicbillError(
            f"dx: {len(codes)} diagnoses given", f"at most {MAX_DIAGNOSES} (box 21 A-L)"
        )
    out: list[str] = []
    for code in codes:
        normal = check_billable(code, on, field="dx")
        if normal in out:
            raise ClinicbillError(f"dx: {normal} is listed twice", "give each diagnosis once")
        out.append(normal)
    return tuple(out)
