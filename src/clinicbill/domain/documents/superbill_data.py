"""The data of each patient document, read once into frozen records that formats/ renders.

Superbill (SPEC §4.7, DOMAIN.md §11) here; statement and receipt in domain/documents/account.py;
the Good Faith Estimate in domain/documents/estimates.py. Every reader runs a fixed number of
queries whatever the number of visits (no N+1): the superbill is printed at checkout.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from sqlalchemy import or_, select

from clinicbill.domain.documents.formatting import (
    address_lines,
    format_phone,
    patient_facing_tax_id,
)
from clinicbill.domain.errors import ClinicbillError
from clinicbill.domain.fields import from_row
from clinicbill.store.models import Diagnosis, Encounter, Practice, Provider, ServiceLine

# --- the parties, shared by every document -------------------------------------------------


@dataclass(frozen=True)
class PracticeBlock:
    name: str
    address_lines: tuple[str, ...]
    phone: str
    email: str | None
    npi: str
    tax_id: str  # formatted: 12-3456789 (EIN); an SSN masked: XXX-XX-6789
    tax_id_type: str
    signature_image: str | None


@dataclass(frozen=True)
class ProviderBlock:
    id: int
    name: str  # "Ana Reyes"
    credential: str
    npi: str
    license: str | None  # "OR MT-22871"

    @property
    def display_name(self) -> str:
        return f"{self.name}, {self.credential}"


@dataclass(frozen=True)
class PatientBlock:
    id: int
    account_number: str
    name: str  # "Maya Chen"
    dob: date
    address_lines: tuple[str, ...]
    phone: str | None
    payer_name: str | None = None
    member_id: str | None = None
    group_number: str | None = None


@dataclass(frozen=True)
class DiagnosisEntry:
    pointer: str  # A, B, ... (the superbill's own lettering)
    code: str
    description: str


def practice_block(session) -> PracticeBlock:
    from clinicbill.domain.practice.records import get_practice

    p: Practice = get_practice(session)
    return PracticeBlock(
        name=p.name,
        address_lines=address_lines(p.address1, p.address2, p.city, p.state, p.zip),
        phone=format_phone(p.phone),
        email=p.email,
        npi=p.npi,
        tax_id=patient_facing_tax_id(p.tax_id, p.tax_id_type),
        tax_id_type=p.tax_id_type,
        signature_image=p.signature_image,
    )


def provider_block(provider: Provider) -> ProviderBlock:
    license_text = None
    if provider.license:
        license_text = " ".join(x for x in (provider.license_state, provider.license) if x)
    return ProviderBlock(
        id=provider.id,
        name=f"{provider.first_name} {provider.last_name}",
        credential=provider.credential,
        npi=provider.npi,
        license=license_text,
    )


def providers_by_id(session, ids: Iterable[int]) -> dict[int, ProviderBlock]:
    wanted = sorted(set(ids))
    if not wanted:
        return {}
    rows = session.execute(select(Provider).where(Provider.id.in_(wanted))).scalars().all()
    return {p.id: provider_block(p) for p in rows}


def patient_block(session, patient, policy_id: int | None = None, on: date | None = None):
    """The patient with the insurance a payer would look for: the policy billed on the visits
    (`policy_id`), else the primary policy in effect on `on`, else none (self-pay)."""
    from clinicbill.store.models import Payer, Policy

    policy = session.get(Policy, policy_id) if policy_id else None
    if policy is None and on is not None:
        from clinicbill.domain.practice.patients import active_policy

        policy = active_policy(session, patient, on)
    payer = session.get(Payer, policy.payer_id) if policy else None
    return PatientBlock(
        id=patient.id,
        account_number=patient.account_number,
        name=" ".join(x for x in (patient.first_name, patient.middle_name, patient.last_name) if x),
        dob=patient.dob,
        address_lines=address_lines(
            patient.address1, patient.address2, patient.city, patient.state, patient.zip
        ),
        phone=format_phone(patient.phone) or None,
        payer_name=payer.name if payer and payer.type != "self-pay" else None,
        member_id=policy.member_id if policy and payer and payer.type != "self-pay" else None,
        group_number=policy.group_number if policy and payer and payer.type != "self-pay" else None,
    )


def code_descriptions(session, codes: Iterable[str]) -> dict[str, str]:
    """Plain-words descriptions of procedure codes: the code catalog, else the fee schedule."""
    from clinicbill.domain.codesets.cpt import describe
    from clinicbill.store.models import FeeSchedule

    wanted = sorted(set(codes))
    out = {code: describe(code) or "" for code in wanted}
    missing = [code for code, text in out.items() if not text]
    if missing:
        rows = session.execute(
            select(FeeSchedule.code, FeeSchedule.description).where(
                FeeSchedule.code.in_(missing), FeeSchedule.description.is_not(None)
            )
        ).all()
        for code, text in rows:
            out[code] = out[code] or text
    return out


def diagnosis_descriptions(codes: Iterable[str]) -> dict[str, str]:
    from clinicbill.domain.codesets.icd import description

    return {code: description(code) or "" for code in set(codes)}


def pointer_letter(index: int) -> str:
    """0 -> A, 25 -> Z, 26 -> AA: the superbill letters its own list of diagnoses."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(ord("A") + rest) + letters
    return letters


# --- superbill -----------------------------------------------------------------------------


@dataclass(frozen=True)
class SuperbillLine:
    encounter_id: int
    service_date: date
    place_of_service: str
    provider_id: int
    code: str
    modifiers: tuple[str, ...]
    units: int
    description: str
    pointers: str  # "A,B"
    charge: int
    paid: int  # insurance + patient
    adjusted: int
    balance: int


@dataclass(frozen=True)
class Superbill:
    practice: PracticeBlock
    patient: PatientBlock
    providers: tuple[ProviderBlock, ...]
    diagnoses: tuple[DiagnosisEntry, ...]
    lines: tuple[SuperbillLine, ...]
    from_date: date
    to_date: date
    issued_on: date
    charged: int
    insurance_paid: int
    patient_paid: int
    adjusted: int
    balance: int
    billed_visits: int = 0  # visits the practice billed to the patient's plan itself

    @property
    def paid(self) -> int:
        return self.insurance_paid + self.patient_paid

    @property
    def billing(self) -> str:
        """How the visits were billed, which decides what the patient may do with the superbill:
        "self-pay" (the patient may claim out-of-network reimbursement), "billed" (the practice
        billed the plan: a claim by the patient would be a duplicate) or "mixed"."""
        if not self.billed_visits:
            return "self-pay"
        return "billed" if self.billed_visits == self.visits else "mixed"

    @property
    def visits(self) -> int:
        return len({line.encounter_id for line in self.lines})


def _is_visit():
    """Not a membership-dues line (domain/selfpay: not a service for a superbill)."""
    return or_(Encounter.template.is_(None), Encounter.template != "membership")


def _superbill_encounters(session, patient_id, encounter_id, from_date, to_date):
    query = select(Encounter.id, Encounter.service_date).where(
        Encounter.patient_id == patient_id, Encounter.status != "void", _is_visit()
    )
    if encounter_id is not None:
        row = session.get(Encounter, encounter_id)
        if row is None or row.patient_id != patient_id:
            raise ClinicbillError(
                f"session: no session {encounter_id} for this patient",
                "see 'clinicbill session list --patient ...'",
            )
        if row.status == "void":
            raise ClinicbillError(f"session: {encounter_id} is void", "a void session has no bill")
        return [row.id]
    if from_date is None and to_date is None:
        latest = session.execute(
            select(Encounter.service_date)
            .where(Encounter.patient_id == patient_id, Encounter.status != "void", _is_visit())
            .order_by(Encounter.service_date.desc())
            .limit(1)
        ).scalar()
        if latest is None:
            raise ClinicbillError(
                "patient: no sessions to bill", "record one with 'clinicbill session add'"
            )
        from_date = to_date = latest
    if from_date is not None:
        query = query.where(Encounter.service_date >= from_date)
    if to_date is not None:
        query = query.where(Encounter.service_date <= to_date)
    ids = [row.id for row in session.execute(query)]
    if not ids:
        shown = " to ".join(d.isoformat() for d in (from_date, to_date) if d)
        raise ClinicbillError(
            f"date: no sessions for this patient in {shown}", "check --from/--to or --session"
        )
    return ids


def superbill(
    session,
    patient,
    *,
    encounter_id: int | None = None,
    from_date: date | None = None,
    to_date: date | None = None,
    issued_on: date | None = None,
) -> Superbill:
    """The superbill for one session, or for every non-void session in a date range (default:
    the patient's latest day of service)."""
    if from_date and to_date and from_date > to_date:
        raise ClinicbillError(
            f"from: {from_date.isoformat()} is after --to {to_date.isoformat()}",
            "give --from on or before --to",
        )
    ids = _superbill_encounters(session, patient.id, encounter_id, from_date, to_date)
    rows = _superbill_rows(session, ids)
    dx_rows = session.execute(
        select(Diagnosis.encounter_id, Diagnosis.position, Diagnosis.code)
        .where(Diagnosis.encounter_id.in_(ids))
        .order_by(Diagnosis.encounter_id, Diagnosis.position)
    ).all()
    diagnoses, letter_of = _letter_diagnoses(rows, dx_rows)
    providers = providers_by_id(session, (r.provider_id for r in rows))
    provider_order = list(dict.fromkeys(r.provider_id for r in rows))
    policy_id = next((r.policy_id for r in reversed(rows) if r.policy_id), None)
    return Superbill(
        practice=practice_block(session),
        patient=patient_block(session, patient, policy_id, rows[-1].service_date),
        providers=tuple(providers[i] for i in provider_order),
        diagnoses=diagnoses,
        lines=_superbill_lines(session, rows, letter_of),
        from_date=rows[0].service_date,
        to_date=rows[-1].service_date,
        issued_on=issued_on or date.today(),
        charged=sum(r.charge for r in rows),
        insurance_paid=sum(r.insurance_paid for r in rows),
        patient_paid=sum(r.patient_paid for r in rows),
        adjusted=sum(r.adjusted for r in rows),
        balance=sum(r.balance for r in rows),
        billed_visits=len({r.encounter_id for r in rows if r.policy_id}),
    )


def _superbill_rows(session, ids):
    """The chosen visits' service lines with their balances, in visit and line order."""
    from clinicbill.domain.ledger.balances import line_balance_query

    chosen = select(ServiceLine.id).where(ServiceLine.encounter_id.in_(ids))
    rows = session.execute(
        line_balance_query(lines=chosen)
        .join(Encounter, Encounter.id == ServiceLine.encounter_id)
        .add_columns(
            Encounter.service_date,
            Encounter.place_of_service,
            Encounter.provider_id,
            Encounter.policy_id,
            ServiceLine.encounter_id,
            ServiceLine.code,
            ServiceLine.modifiers,
            ServiceLine.units,
            ServiceLine.pointers,
            ServiceLine.description,
        )
        .order_by(Encounter.service_date, Encounter.id, ServiceLine.line_number)
    ).all()
    if not rows:
        raise ClinicbillError(
            "session: the chosen sessions have no service lines", "add services to the session"
        )
    return rows


def _superbill_lines(session, rows, letter_of) -> tuple[SuperbillLine, ...]:
    """The printed lines: a catalog description where the line has none, pointers lettered."""
    descriptions = code_descriptions(session, (r.code for r in rows if not r.description))
    return tuple(
        from_row(  # visit, date, place, provider, code, units, charge, adjusted, balance: the row's
            SuperbillLine,
            r,
            modifiers=tuple(m for m in (r.modifiers or "").split(",") if m),
            description=r.description or descriptions.get(r.code, ""),
            pointers=",".join(
                letter_of[(r.encounter_id, int(p))]
                for p in (r.pointers or "").split(",")
                if p.strip().isdigit() and (r.encounter_id, int(p)) in letter_of
            ),
            paid=r.insurance_paid + r.patient_paid,
        )
        for r in rows
    )


def _letter_diagnoses(rows, dx_rows):
    """One lettered list of the distinct diagnoses across the visits, in order of first use;
    each encounter's positions map onto it so every line points at the right letter."""
    order = {eid: i for i, eid in enumerate(dict.fromkeys(r.encounter_id for r in rows))}
    ordered = sorted(dx_rows, key=lambda d: (order.get(d.encounter_id, 1 << 30), d.position))
    letters: dict[str, str] = {}
    letter_of: dict[tuple[int, int], str] = {}
    for dx in ordered:
        if dx.code not in letters:
            letters[dx.code] = pointer_letter(len(letters))
        letter_of[(dx.encounter_id, dx.position)] = letters[dx.code]
    words = diagnosis_descriptions(letters)
    entries = tuple(
        DiagnosisEntry(letter, code, words.get(code, "")) for code, letter in letters.items()
    )
    return entries, letter_of
