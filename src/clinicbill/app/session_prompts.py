"""The look-ups the interactive prompts make during a conversation (`session add` and `session
edit` at a terminal, `verify add`): each takes the unit of work of a short read transaction
(cli/common.read) and plain values, and returns plain values to offer or check."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date


def patient_choices(session) -> dict[str, int]:
    """'ACCOUNT  Last, First' -> patient id, for the patient prompt's completion."""
    from sqlalchemy import select

    from clinicbill.store.models import Patient

    rows = session.execute(
        select(Patient.id, Patient.account_number, Patient.last_name, Patient.first_name)
        .order_by(Patient.last_name, Patient.first_name)
        .limit(20_000)
    ).all()
    return {f"{acct}  {last}, {first}": ident for ident, acct, last, first in rows}


def patient_id(session, ref: str) -> int:
    from clinicbill.domain.practice.lookup import find_patient

    return find_patient(session, ref).id


@dataclass(frozen=True)
class ProviderChoice:
    id: int
    display_name: str
    credential: str


def _choice(provider) -> ProviderChoice:
    return ProviderChoice(provider.id, provider.display_name, provider.credential)


def provider_choices(session) -> list[ProviderChoice]:
    """The active providers, by last name."""
    from sqlalchemy import select

    from clinicbill.store.models import Provider

    rows = session.execute(select(Provider).where(Provider.active).order_by(Provider.last_name))
    return [_choice(p) for p in rows.scalars()]


def provider_by_ref(session, ref: str) -> ProviderChoice:
    from clinicbill.domain.practice.lookup import find_provider

    return _choice(find_provider(session, ref))


def provider_credential(session, provider_id: int) -> str:
    from clinicbill.store.models import Provider

    return session.get(Provider, int(provider_id)).credential


def policy_label(session, policy) -> str:
    """'Payer (primary, member M123)'."""
    from clinicbill.store.models import Payer

    payer = session.get(Payer, policy.payer_id)
    return f"{payer.name} ({policy.priority}, member {policy.member_id})"


def policy_choices(session, patient_id: int, on: date) -> tuple[list[tuple[str, int]], int | None]:
    """The patient's policies in effect on `on` as (label, id), and the one billed by default."""
    from clinicbill.domain.practice.patients import active_policy, policies_for
    from clinicbill.store.models import Patient

    patient = session.get(Patient, patient_id)
    current = active_policy(session, patient, on)
    out = []
    for policy in policies_for(session, patient):
        if policy.effective_from and on < policy.effective_from:
            continue
        if policy.effective_to and on > policy.effective_to:
            continue
        out.append((policy_label(session, policy), policy.id))
    return out, current.id if current else None


def last_diagnoses(session, patient_id: int) -> list[str]:
    """The diagnoses of the patient's latest session that is not void."""
    from clinicbill.app.visits import latest_session
    from clinicbill.domain.sessions.entry import stored_diagnoses

    last = latest_session(session, patient_id)
    return stored_diagnoses(session, last) if last else []


def unit_rule(session, policy) -> str:
    """The unit rule of the payer of `policy` (an id; None: self-pay)."""
    from clinicbill.domain.practice.profiles import load_profile, profile_for_payer
    from clinicbill.store.models import Payer, Policy

    if policy is None:
        return load_profile("self-pay").unit_rule
    row = session.get(Policy, int(policy)) if str(policy).isdigit() else None
    return profile_for_payer(session.get(Payer, row.payer_id)).unit_rule if row else "cms-8-minute"


def case_choices(session, patient_id: int, policy_ref) -> tuple[list[tuple[str, int]], int | None]:
    """The patient's open injury cases for the policy billed (or for none) as (label, id), and
    the default: the only one of the policy."""
    from clinicbill.domain.cases.records import list_cases
    from clinicbill.domain.practice.lookup import find_policy
    from clinicbill.store.models import Patient

    patient = session.get(Patient, patient_id)
    policy = find_policy(session, policy_ref, patient)
    cases = [
        c
        for c in list_cases(session, patient_id, open_only=True)
        if c.policy_id in (None, policy.id)
    ]
    labels = [(f"case {c.id}: {c.kind}, injury {c.injury_date}", c.id) for c in cases]
    mine = [c.id for c in cases if c.policy_id == policy.id]
    return labels, mine[0] if len(mine) == 1 else None


def stored_answers(session, ident: str) -> tuple[int, dict]:
    """A draft session's stored values as the answers of the prompts (`session edit` at a
    terminal); a signed or void session is refused."""
    from clinicbill.domain.errors import ClinicbillError
    from clinicbill.domain.sessions.entry import get_session
    from clinicbill.domain.sessions.record import stored_inputs

    encounter = get_session(session, ident)
    stored = stored_inputs(session, encounter)
    if encounter.status != "draft":
        raise ClinicbillError(
            f"session: {encounter.id} is {encounter.status} and cannot be edited",
            f"add an addendum instead: clinicbill session addendum {encounter.id}",
        )
    out = {**stored, "patient": stored["patient"].id, "provider": stored["provider"].id}
    out["service_date"] = encounter.service_date.isoformat()
    out["policy"] = stored["policy"].id if stored["policy"] else None
    return encounter.id, out


@dataclass(frozen=True)
class PolicyPick:
    """A policy named for `verify add`: found (`policy_id`), or the patient's to pick from."""

    policy_id: int | None = None
    account: str = ""
    choices: tuple[tuple[str, int], ...] = ()


def verified_policy(session, ref: str) -> PolicyPick:
    """A policy id or member id as given; else a patient (id, account or name) and the labels
    of their policies. Neither: the policy's refusal."""
    from clinicbill.domain.errors import ClinicbillError
    from clinicbill.domain.practice.lookup import find_patient, find_policy
    from clinicbill.domain.practice.patients import policies_for

    try:
        return PolicyPick(policy_id=find_policy(session, ref).id)
    except ClinicbillError as not_a_policy:
        try:
            patient = find_patient(session, ref)
        except ClinicbillError:
            raise not_a_policy from None
    choices = tuple((policy_label(session, p), p.id) for p in policies_for(session, patient))
    return PolicyPick(account=patient.account_number, choices=choices)


def corrected_values(session, policy_id: int, corrects: str) -> dict:
    """The values of the verification note `corrects` of the policy, to start from."""
    from clinicbill.domain.coverage.verification import note_values
    from clinicbill.domain.errors import ClinicbillError
    from clinicbill.store.models import Verification

    note = session.get(Verification, int(corrects))
    if note is None or note.policy_id != policy_id:
        raise ClinicbillError(
            f"corrects: '{corrects}' is not a verification of policy {policy_id}",
            f"see 'clinicbill verify list {policy_id}'",
        )
    return note_values(note)
