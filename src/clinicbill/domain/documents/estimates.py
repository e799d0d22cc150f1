"""Good Faith Estimates for uninsured and self-pay patients (No Surprises Act, 45 CFR 149.610;
DOMAIN.md §12): create, read back, and compare with what was billed afterwards.

An estimate is stored (kept 6 years) with its itemised expected services. Billed charges are
compared per estimate: the patient's non-void service lines by the same provider from the
estimate's start for 12 months (or until the next estimate for that patient and provider). At
$400 or more over the estimate the patient may start patient-provider dispute resolution.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import func, select

from clinicbill.domain.documents.superbill_data import (
    DiagnosisEntry,
    PatientBlock,
    PracticeBlock,
    ProviderBlock,
    code_descriptions,
    diagnosis_descriptions,
    patient_block,
    pointer_letter,
    practice_block,
    provider_block,
)
from clinicbill.domain.errors import ClinicbillError
from clinicbill.store.models import Encounter, Estimate, Provider, ServiceLine
from clinicbill.store.query import added, narrowed

DISPUTE_THRESHOLD_CENTS = 40_000  # $400: patient-provider dispute resolution (DOMAIN.md §12)
MAX_VISITS = 366  # a recurring course may be estimated for up to 12 months
WINDOW_DAYS = 365
ITEM_HINT = "CODE, CODE:units=N or CODE:charge=DOLLARS (per unit), e.g. 97124:units=4"


@dataclass(frozen=True)
class EstimateItem:
    code: str
    description: str
    units: int  # per visit
    unit_charge: int  # cents per unit
    visits: int

    @property
    def per_visit(self) -> int:
        return self.units * self.unit_charge

    @property
    def total(self) -> int:
        return self.per_visit * self.visits


@dataclass(frozen=True)
class EstimateDocument:
    id: int
    issued_on: date
    service_date: date | None
    visits: int
    primary_service: str
    frequency: str | None
    practice: PracticeBlock
    provider: ProviderBlock
    patient: PatientBlock
    diagnoses: tuple[DiagnosisEntry, ...]
    items: tuple[EstimateItem, ...]

    @property
    def per_visit(self) -> int:
        return sum(i.per_visit for i in self.items)

    @property
    def total(self) -> int:
        return sum(i.total for i in self.items)

    @property
    def dispute_threshold(self) -> int:
        return DISPUTE_THRESHOLD_CENTS


@dataclass(frozen=True)
class EstimateComparison:
    id: int
    patient_id: int
    account_number: str
    patient: str
    provider: str
    issued_on: date
    window_from: date
    window_to: date
    visits: int
    estimated: int
    billed: int

    @property
    def over(self) -> int:
        return self.billed - self.estimated

    @property
    def dispute_eligible(self) -> bool:
        return self.over >= DISPUTE_THRESHOLD_CENTS

    @property
    def warning(self) -> str | None:
        if not self.dispute_eligible:
            return None
        from clinicbill.domain.money import fmt

        return (
            f"estimate {self.id}: billed {fmt(self.billed)} is {fmt(self.over)} over the "
            f"estimate of {fmt(self.estimated)} ($400 or more: the patient may dispute the bill)"
        )


def parse_item(text: str) -> tuple[str, int | None, int | None]:
    """`97124`, `97124:units=2`, `97124:charge=40.00` -> (code, units, cents per unit)."""
    from clinicbill.domain.money import parse_amount
    from clinicbill.domain.practice.records import normalise_code

    code_text, *options = (text or "").strip().split(":")
    code = normalise_code(code_text)
    units = charge = None
    for option in options:
        name, _, value = option.partition("=")
        name = name.strip().lower()
        if name == "units":
            if not value.strip().isdigit() or not 1 <= int(value) <= 99:
                raise ClinicbillError(f"code: units '{value[:10]}' is not 1 to 99", ITEM_HINT)
            units = int(value)
        elif name == "charge":
            charge = parse_amount(value, "charge", allow_zero=False)
        else:
            raise ClinicbillError(f"code: '{option[:20]}' is not understood", ITEM_HINT)
    return code, units, charge


def _items(session, specs: list[str], visits: int) -> tuple[EstimateItem, ...]:
    from clinicbill.domain.practice.records import standard_fee

    if not specs:
        raise ClinicbillError("code: at least one service is required", f"give --code {ITEM_HINT}")
    parsed = [parse_item(s) for s in specs]
    words = code_descriptions(session, (code for code, _, _ in parsed))
    items = []
    for code, units, charge in parsed:
        if charge is None:
            charge = standard_fee(session, code)
        if charge is None:
            raise ClinicbillError(
                f"code: {code} has no standard charge",
                f"set one with 'clinicbill fee set {code} AMOUNT' or give {code}:charge=DOLLARS",
            )
        items.append(EstimateItem(code, words.get(code, ""), units or 1, charge, visits))
    return tuple(items)


def create_estimate(
    session,
    patient,
    *,
    codes: list[str],
    visits: int = 1,
    provider: Provider | None = None,
    service_date: date | None = None,
    diagnoses: list[str] | tuple[str, ...] = (),
    primary_service: str | None = None,
    frequency: str | None = None,
    issued_on: date | None = None,
) -> tuple[Estimate, list[str]]:
    """Store a Good Faith Estimate; returns it with warnings (e.g. the patient is insured)."""
    from clinicbill.domain import validate as v

    if not 1 <= visits <= MAX_VISITS:
        raise ClinicbillError(
            f"visits: {visits} is out of range", "1 to 366 (a course of up to 12 months)"
        )
    issued_on = issued_on or date.today()
    if service_date is not None and service_date < issued_on:
        raise ClinicbillError(
            f"date: {service_date.isoformat()} is before the estimate's issue date",
            "an estimate is for scheduled or requested future care",
        )
    if provider is None:
        from clinicbill.domain.documents.estimate_provider import estimate_provider

        provider = estimate_provider(session, patient.id, codes)
    items = _items(session, codes, visits)
    dx = _billable_diagnoses(diagnoses, service_date)
    primary = v.optional_text(primary_service, "service", 120) or _primary(items)
    frequency = v.optional_text(frequency, "frequency", 60)
    warnings = []
    insured = patient_block(session, patient, on=service_date or issued_on)
    if insured.member_id:
        warnings.append(
            f"the patient has insurance ({insured.payer_name}); a Good "
            "Faith Estimate is for care the patient pays for without billing insurance"
        )
    estimate = Estimate(
        patient_id=patient.id,
        provider_id=provider.id,
        issued_on=issued_on,
        service_date=service_date,
        visits=visits,
        diagnoses=",".join(dx) or None,
        items_json=_items_json(primary, frequency, items),
        total_cents=sum(i.total for i in items),
    )
    added(session, estimate)
    return estimate, warnings


def _billable_diagnoses(diagnoses, service_date: date | None) -> list[str]:
    """The diagnosis codes checked billable on the service date, each once, in order."""
    if not diagnoses:
        return []
    from clinicbill.domain.codesets.icd import check_billable

    return list(dict.fromkeys(check_billable(code, service_date) for code in diagnoses))


def _items_json(primary: str, frequency: str | None, items) -> str:
    """The stored form of an estimate's services (estimate_document reads it back)."""
    payload = {
        "primary_service": primary,
        "frequency": frequency,
        "items": [
            {
                "code": i.code,
                "description": i.description,
                "units": i.units,
                "charge": i.unit_charge,
            }
            for i in items
        ],
    }
    return json.dumps(payload, sort_keys=True)


def _primary(items) -> str:
    first = items[0]
    return first.description or f"Procedure {first.code}"


def estimate_document(session, estimate: Estimate) -> EstimateDocument:
    from clinicbill.store.models import Patient

    payload = json.loads(estimate.items_json)
    items = tuple(
        EstimateItem(i["code"], i["description"], i["units"], i["charge"], estimate.visits)
        for i in payload["items"]
    )
    codes = [c for c in (estimate.diagnoses or "").split(",") if c]
    words = diagnosis_descriptions(codes) if codes else {}
    patient = session.get(Patient, estimate.patient_id)
    return EstimateDocument(
        id=estimate.id,
        issued_on=estimate.issued_on,
        service_date=estimate.service_date,
        visits=estimate.visits,
        primary_service=payload.get("primary_service") or _primary(items),
        frequency=payload.get("frequency"),
        practice=practice_block(session),
        provider=provider_block(session.get(Provider, estimate.provider_id)),
        # a Good Faith Estimate is for self-pay care: no insurance on it
        patient=patient_block(session, patient),
        diagnoses=tuple(
            DiagnosisEntry(pointer_letter(i), c, words.get(c, "")) for i, c in enumerate(codes)
        ),
        items=items,
    )


def compare_estimates(session, patient_id: int | None = None) -> list[EstimateComparison]:
    """Every estimate (of one patient) with the charges billed in its window, oldest first."""
    from clinicbill.store.models import Patient

    query = (
        select(Estimate, Patient.account_number, Patient.first_name, Patient.last_name)
        .join(Patient, Patient.id == Estimate.patient_id)
        .order_by(Estimate.issued_on, Estimate.id)
    )
    query = narrowed(query, Estimate.patient_id, patient_id)
    rows = session.execute(query).all()
    if not rows:
        return []
    estimates = [r[0] for r in rows]
    starts = {e.id: e.service_date or e.issued_on for e in estimates}
    windows = {}
    for e in estimates:
        end = starts[e.id] + timedelta(days=WINDOW_DAYS - 1)
        later = [
            starts[o.id]
            for o in estimates
            if o.patient_id == e.patient_id
            and o.provider_id == e.provider_id
            and (starts[o.id], o.id) > (starts[e.id], e.id)
        ]
        if later:
            end = min(end, min(later) - timedelta(days=1))
        windows[e.id] = (starts[e.id], max(end, starts[e.id]))
    billed = _billed(session, estimates, windows)
    providers = {
        p.id: provider_block(p)
        for p in session.execute(
            select(Provider).where(Provider.id.in_({e.provider_id for e in estimates}))
        ).scalars()
    }
    return [
        EstimateComparison(
            id=e.id,
            patient_id=e.patient_id,
            account_number=account,
            patient=f"{last}, {first}",
            provider=providers[e.provider_id].display_name,
            issued_on=e.issued_on,
            window_from=windows[e.id][0],
            window_to=windows[e.id][1],
            visits=e.visits,
            estimated=e.total_cents,
            billed=billed.get(e.id, 0),
        )
        for e, account, first, last in rows
    ]


def _billed(session, estimates, windows) -> dict[int, int]:
    """Charges per estimate window, in one query over the patients and providers involved."""
    patients = {e.patient_id for e in estimates}
    lo = min(w[0] for w in windows.values())
    hi = max(w[1] for w in windows.values())
    rows = session.execute(
        select(
            Encounter.patient_id,
            Encounter.provider_id,
            Encounter.service_date,
            func.sum(ServiceLine.charge_cents),
        )
        .join(ServiceLine, ServiceLine.encounter_id == Encounter.id)
        .where(
            Encounter.patient_id.in_(patients),
            Encounter.status != "void",
            Encounter.service_date.between(lo, hi),
        )
        .group_by(Encounter.patient_id, Encounter.provider_id, Encounter.service_date)
    ).all()
    out: dict[int, int] = {}
    for e in estimates:
        start, end = windows[e.id]
        out[e.id] = sum(
            int(total)
            for pid, prov, day, total in rows
            if pid == e.patient_id and prov == e.provider_id and start <= day <= end
        )
    return out


def estimate_warnings(session, patient_id: int) -> list[str]:
    """Warnings for a patient's estimates that billing has exceeded by $400 or more."""
    return [c.warning for c in compare_estimates(session, patient_id) if c.warning]
