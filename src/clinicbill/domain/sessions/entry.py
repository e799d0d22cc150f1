"""Sessions (encounters): building, editing, signing, addenda, voiding.

Entry is two steps so the CLI can show what will be saved: `plan_session` validates every
input and computes units, charges, warnings and coverage links without writing anything;
`write_session` stores a plan. `add_session` does both. A signed session is locked (changes
go in as addenda, SPEC §4.4); a void one is kept but never billed.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import select

from clinicbill.domain.errors import ClinicbillError
from clinicbill.domain.sessions import inputs as checks
from clinicbill.domain.sessions.inputs import AUTO
from clinicbill.domain.sessions.lines import LineInput, PlannedLine, parse_line, plan_lines  # noqa: F401 (LineInput, parse_line re-exported)
from clinicbill.store.models import (
    Diagnosis,
    Encounter,
    Policy,
    ServiceLine,
)
from clinicbill.store.query import added

BILLABLE_STATUS = "signed"


@dataclass(frozen=True)
class SessionPlan:
    """A validated session, ready to write: what `session add` shows before saving."""

    patient_id: int
    provider_id: int
    service_date: date
    place_of_service: str
    policy_id: int | None
    billed_to: str
    unit_rule: str
    total_minutes: int | None
    template: str | None
    soap: dict
    pain_before: int | None
    pain_after: int | None
    modality: dict
    diagnoses: tuple[str, ...]
    lines: tuple[PlannedLine, ...]
    unit_explanation: str | None
    authorization_id: int | None
    referral_id: int | None
    case_id: int | None = None
    warnings: tuple[str, ...] = ()
    coverage_summary: tuple[str, ...] = ()
    coverage_problems: tuple = ()  # CoverageProblem(code, message, hint)
    extra: dict = field(default_factory=dict)

    @property
    def total_charge_cents(self) -> int:
        return sum(line.charge_cents for line in self.lines)


def billable_encounters_query():
    """SELECT of the encounters that may be billed: signed ones (never draft or void)."""
    return select(Encounter).where(Encounter.status == BILLABLE_STATUS)


def _coverage(session, *, patient, policy, on, lines, authorization_id, referral_id, exclude):
    """Link the authorization/referral that covers the visit (domain/coverage/check.py)."""
    from clinicbill.domain.coverage import check as coverage

    def sentinel(value):
        return coverage.AUTO if value is AUTO else value

    units: dict[str, int] = {}
    for line in lines:
        units[line.code] = units.get(line.code, 0) + line.units
    return coverage.visit_coverage(
        session,
        patient_id=patient.id,
        policy_id=policy.id if policy else None,
        service_date=on,
        codes=list(units),
        authorization_id=sentinel(authorization_id),
        referral_id=sentinel(referral_id),
        exclude_encounter_id=exclude,
        units=units,
    )


def _case(session, patient, policy, ref, on, lines, exclude) -> tuple:
    """The case the session bills under (domain/cases), what to show about it (which case, the
    PIP limit left) and a warning when this visit goes past the PIP limit."""
    from clinicbill.domain.cases.pip import pip_status
    from clinicbill.domain.cases.records import case_for_session
    from clinicbill.domain.money import fmt

    case = case_for_session(session, patient, policy, ref, on)
    if case is None:
        return None, [], _no_case_warning(session, policy)
    shown = [f"case {case.id}: {case.kind}, injury {case.injury_date}"]
    warnings = []
    status = pip_status(session, case, exclude)
    if status is not None:
        charge = sum(line.charge_cents for line in lines)
        shown.append(status.line())
        if charge > status.remaining_cents:
            warnings.append(
                f"this visit ({fmt(charge)}) is more than the PIP limit left "
                f"({fmt(max(status.remaining_cents, 0))}): bill the excess to the next payer"
            )
    return case, shown, warnings


def _no_case_warning(session, policy) -> list[str]:
    from clinicbill.domain.cases import CASE_PROFILES
    from clinicbill.store.models import Payer

    if policy is None:
        return []
    payer = session.get(Payer, policy.payer_id)
    if payer.profile not in CASE_PROFILES:
        return []
    return [
        f"{payer.name} pays under an injury case and this session has none: "
        "add one with 'clinicbill case add' and give --case"
    ]


def _billed_to(session, policy: Policy | None) -> tuple[str, str]:
    """(label, unit rule) for the policy billed, or self-pay."""
    from clinicbill.domain.practice.profiles import load_profile, profile_for_payer
    from clinicbill.store.models import Payer

    if policy is None:
        return "self-pay", load_profile("self-pay").unit_rule
    payer = session.get(Payer, policy.payer_id)
    return f"{payer.name} ({policy.priority})", profile_for_payer(payer).unit_rule


def _diagnosis_warnings(dx, on) -> list[str]:
    """The code set in force on the date, and codes not valid in its year."""
    from clinicbill.domain.codesets.icd import code_set_warning, year_warning

    warnings: list[str] = []
    if dx and (note := code_set_warning(on)):
        warnings.append(note)
    warnings.extend(note for code in dx if (note := year_warning(code, on)))
    return warnings


def _note_template(template, modality, planned):
    """The note template (None or AUTO: inferred from the codes; "": none) and its details
    checked against it."""
    from clinicbill.domain.sessions.notes import clean_details, infer_template, load_template

    if template is None or template is AUTO:
        template = infer_template([line.code for line in planned])
    note_template = load_template(template) if template else None
    return note_template, clean_details(note_template, modality)


# Long by its interface: 18 keyword inputs in and the plan's 22 fields out; each check is a call.
def plan_session(
    session,
    *,
    patient=None,
    provider=None,
    service_date=None,
    lines: list[LineInput] | None = None,
    diagnoses: list[str] | None = None,
    place_of_service="11",
    policy=AUTO,
    total_minutes=None,
    template: str | None = None,
    soap: dict | None = None,
    pain_before=None,
    pain_after=None,
    modality: dict | None = None,
    authorization_id=AUTO,
    referral_id=AUTO,
    case=AUTO,
    unit_rule: str | None = None,
    exclude_encounter_id: int | None = None,
) -> SessionPlan:
    """Check everything and compute the session without writing anything.

    policy: AUTO (the patient's primary policy in effect on the date; self-pay when none),
    None (self-pay), a Policy, or a policy id / member id. template: None (or AUTO) infers
    it from the codes, "" means none. case: AUTO (the patient's only open case for the
    policy billed), None, or a case id (domain/cases). unit_rule: None takes the payer
    profile's rule. A missing required value (patient, provider, lines, dx when insured) is
    refused by name.
    """
    from clinicbill.domain.cases.plan_of_care import reevaluation_due
    from clinicbill.domain.validate import parse_date

    on = parse_date(service_date if service_date is not None else "today", "date", False)
    patient_row = checks.check_patient(session, patient)
    provider_row = checks.check_provider(session, provider)
    pos = checks.check_place_of_service(place_of_service)
    policy_row = checks.check_policy(session, patient_row, policy, on)
    billed_to, profile_rule = _billed_to(session, policy_row)
    if not lines:
        raise ClinicbillError(
            "line: at least one service is required", "give --line CODE:minutes=N (e.g. 97124)"
        )
    dx = checks.check_diagnoses(diagnoses, on, required=policy_row is not None)
    warnings = _diagnosis_warnings(dx, on)
    planned, explanation, line_warnings = plan_lines(
        session,
        lines,
        dx_count=len(dx),
        unit_rule=unit_rule or profile_rule,
        patient_id=patient_row.id,
        on=on,
        policy=policy_row,
        provider=provider_row,
        exclude_encounter_id=exclude_encounter_id,
    )
    warnings.extend(line_warnings)
    case_row, case_shown, case_warnings = _case(
        session, patient_row, policy_row, case, on, planned, exclude_encounter_id
    )
    warnings.extend(case_warnings)
    if due := reevaluation_due(session, patient_row.id, policy_row, on, exclude_encounter_id):
        warnings.append(due.message())
    minutes = checks.small_int(total_minutes, "total-minutes", 1, 720)
    if minutes is None:
        minutes = sum(line.minutes or 0 for line in planned) or None
    note_template, details = _note_template(template, modality, planned)
    coverage = _coverage(
        session,
        patient=patient_row,
        policy=policy_row,
        on=on,
        lines=planned,
        authorization_id=authorization_id,
        referral_id=referral_id,
        exclude=exclude_encounter_id,
    )
    return SessionPlan(
        patient_id=patient_row.id,
        provider_id=provider_row.id,
        service_date=on,
        place_of_service=pos,
        policy_id=policy_row.id if policy_row else None,
        billed_to=billed_to,
        unit_rule=unit_rule or profile_rule,
        total_minutes=minutes,
        template=note_template.name if note_template else None,
        soap=checks.check_soap(soap),
        pain_before=checks.small_int(pain_before, "pain-before", 0, 10),
        pain_after=checks.small_int(pain_after, "pain-after", 0, 10),
        modality=details,
        diagnoses=dx,
        lines=tuple(planned),
        unit_explanation=explanation,
        authorization_id=coverage.authorization_id,
        referral_id=coverage.referral_id,
        case_id=case_row.id if case_row else None,
        warnings=tuple(warnings),
        coverage_summary=(*case_shown, *coverage.summary),
        coverage_problems=tuple(coverage.problems),
    )


# --- writing ----------------------------------------------------------------------------------


def _encounter_values(plan: SessionPlan) -> dict:
    return {
        "patient_id": plan.patient_id,
        "provider_id": plan.provider_id,
        "service_date": plan.service_date,
        "place_of_service": plan.place_of_service,
        "policy_id": plan.policy_id,
        "total_minutes": plan.total_minutes,
        "template": plan.template,
        **plan.soap,
        "pain_before": plan.pain_before,
        "pain_after": plan.pain_after,
        "modality_json": json.dumps(plan.modality, ensure_ascii=False) if plan.modality else None,
        "authorization_id": plan.authorization_id,
        "referral_id": plan.referral_id,
        "case_id": plan.case_id,
    }


def _write_children(session, encounter: Encounter, plan: SessionPlan) -> None:
    for position, code in enumerate(plan.diagnoses, start=1):
        session.add(Diagnosis(encounter_id=encounter.id, position=position, code=code))
    for line in plan.lines:
        session.add(
            ServiceLine(
                encounter_id=encounter.id,
                line_number=line.line_number,
                code=line.code,
                modifiers=",".join(line.modifiers),
                minutes=line.minutes,
                units=line.units,
                charge_cents=line.charge_cents,
                pointers=",".join(str(p) for p in line.pointers),
                description=line.description or None,
            )
        )
    session.flush()


def write_session(session, plan: SessionPlan) -> Encounter:
    """Store a planned session as a draft encounter with its diagnoses and lines."""
    encounter = Encounter(**_encounter_values(plan), status="draft")
    added(session, encounter)
    _write_children(session, encounter, plan)
    return encounter


def add_session(session, **inputs) -> Encounter:
    """Validate and record a session (see plan_session for the inputs). Nothing is written
    when anything is refused."""
    return write_session(session, plan_session(session, **inputs))


# --- the session's life after entry -----------------------------------------------------------


def get_session(session, ident) -> Encounter:
    from clinicbill.domain.practice.lookup import get_or_refuse

    return get_or_refuse(session, Encounter, ident, "session")


def stored_lines(session, encounter: Encounter) -> list[ServiceLine]:
    return list(
        session.execute(
            select(ServiceLine)
            .where(ServiceLine.encounter_id == encounter.id)
            .order_by(ServiceLine.line_number)
        ).scalars()
    )


def stored_diagnoses(session, encounter: Encounter) -> list[str]:
    return list(
        session.execute(
            select(Diagnosis.code)
            .where(Diagnosis.encounter_id == encounter.id)
            .order_by(Diagnosis.position)
        ).scalars()
    )


__all__ = [
    "AUTO",
    "BILLABLE_STATUS",
    "LineInput",
    "PlannedLine",
    "SessionPlan",
    "add_session",
    "billable_encounters_query",
    "get_session",
    "parse_line",
    "plan_session",
    "stored_diagnoses",
    "stored_lines",
    "write_session",
]
