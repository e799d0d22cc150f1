"""Use cases for injury cases: open, change, close, list and show one (with its PIP limit)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from clinicbill.domain.cases.pip import PipStatus, pip_status
from clinicbill.domain.cases.records import (
    add_case,
    close_case,
    edit_case,
    get_case,
    list_cases,
)
from clinicbill.domain.money import to_decimal
from clinicbill.domain.practice.lookup import find_patient, find_policy

FIELDS = (
    "kind",
    "injury_date",
    "onset_date",
    "state",
    "employer",
    "claim_number",
    "adjuster",
    "adjuster_phone",
    "attorney",
    "pip_limit",
)


@dataclass(frozen=True)
class CaseView:
    """One case as shown: its fields, the policy's payer, the PIP limit and what is left."""

    data: dict
    pip: PipStatus | None

    def as_dict(self) -> dict:
        out = dict(self.data)
        if self.pip is not None:
            out["pip_billed"] = to_decimal(self.pip.billed_cents)
            out["pip_remaining"] = to_decimal(self.pip.remaining_cents)
        return out


def _view(session, case) -> CaseView:
    from clinicbill.store.models import Patient, Payer, Policy

    patient = session.get(Patient, case.patient_id)
    policy = session.get(Policy, case.policy_id) if case.policy_id else None
    payer = session.get(Payer, policy.payer_id) if policy else None
    data = {
        "id": case.id,
        "patient": patient.account_number,
        "kind": case.kind,
        "status": case.status,
        "injury_date": case.injury_date,
        "onset_date": case.onset_date,
        "state": case.state,
        "employer": case.employer,
        "claim_number": case.claim_number,
        "adjuster": case.adjuster,
        "adjuster_phone": case.adjuster_phone,
        "attorney": case.attorney,
        "policy": case.policy_id,
        "payer": payer.name if payer else None,
        "pip_limit": to_decimal(case.pip_limit_cents) if case.pip_limit_cents else None,
        "closed_on": case.closed_on,
    }
    return CaseView(data, pip_status(session, case))


def open_case(session, patient_ref: str, policy_ref: str | None, **values) -> CaseView:
    patient = find_patient(session, patient_ref)
    policy = find_policy(session, policy_ref, patient) if policy_ref else None
    return _view(session, add_case(session, patient, policy, **values))


def change_case(session, ident, policy_ref: str | None = None, **values) -> tuple[CaseView, dict]:
    case = get_case(session, ident)
    policy = None
    if policy_ref:
        from clinicbill.store.models import Patient

        policy = find_policy(session, policy_ref, session.get(Patient, case.patient_id))
    changed = edit_case(session, case, policy, **values)
    return _view(session, case), changed


def finish_case(session, ident, on: date | None = None) -> CaseView:
    return _view(session, close_case(session, get_case(session, ident), on))


def show_case(session, ident) -> CaseView:
    return _view(session, get_case(session, ident))


def case_list(session, patient_ref: str | None, open_only: bool) -> list[CaseView]:
    patient_id = find_patient(session, patient_ref).id if patient_ref else None
    return [_view(session, c) for c in list_cases(session, patient_id, open_only)]


@dataclass(frozen=True)
class AbnResult:
    abn_id: int
    patient: str
    codes: tuple[str, ...]
    issued_on: date
    path: str


def give_abn(session, patient_ref, codes, reason, cost=None, on=None, output=None) -> AbnResult:
    """Record an Advance Beneficiary Notice for a Medicare patient and write it as a PDF."""
    from clinicbill.domain.cases.abn import issue_abn
    from clinicbill.domain.codesets.cpt import describe
    from clinicbill.domain.documents.superbill_data import format_phone
    from clinicbill.domain.money import fmt
    from clinicbill.domain.practice.records import get_practice
    from clinicbill.formats.abn_pdf import render_abn

    patient = find_patient(session, patient_ref)
    notice = issue_abn(session, patient, codes, reason, cost, on)
    practice = get_practice(session)
    notifier = [
        practice.name,
        f"{practice.address1}, {practice.city}, {practice.state} {practice.zip}",
        format_phone(practice.phone),
    ]
    cost_text = fmt(notice.estimated_cost_cents) if notice.estimated_cost_cents else ""
    codes_list = tuple(notice.codes.split(","))
    rows = [(f"{c} {describe(c)}".strip(), notice.reason, cost_text) for c in codes_list]
    path = output or f"abn-{patient.account_number}-{notice.issued_on.isoformat()}.pdf"
    written = render_abn(
        path, notifier, f"{patient.first_name} {patient.last_name}", patient.account_number, rows
    )
    return AbnResult(notice.id, patient.account_number, codes_list, notice.issued_on, str(written))
