"""Building ClaimSnapshots from plain records, with no database (STYLE.md "The next shape").

domain/claims/snapshot_load.py reads the records (a fixed number of queries) and calls
build_snapshots; tests build a snapshot from literals and run a scrub rule or the 837P on it.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from clinicbill.domain.claims.snapshot import (
    Address,
    BillingProvider,
    ClaimSnapshot,
    Coverage,
    InjuryCaseFacts,
    Line,
    Person,
    Practitioner,
    PriorPayer,
    Referring,
)
from clinicbill.domain.practice.profiles import SBR09, profile_for_payer


def split_modifiers(text: str | None) -> tuple[str, ...]:
    return tuple(m.strip().upper() for m in (text or "").split(",") if m.strip())


def _split_pointers(text: str | None) -> tuple[int, ...]:
    out = []
    for part in (text or "").split(","):
        part = part.strip()
        if part.isdigit():
            out.append(int(part))
        elif len(part) == 1 and part.isalpha():
            out.append(ord(part.upper()) - 64)  # A..L typed as letters
        elif part:
            out.append(0)
    return tuple(out)


def _address(line1, line2, city, state, zip_) -> Address:
    return Address(line1, line2, city, state, zip_)


def _patient_person(patient) -> Person:
    return Person(
        patient.last_name,
        patient.first_name,
        patient.middle_name,
        patient.dob,
        patient.sex,
        _address(patient.address1, patient.address2, patient.city, patient.state, patient.zip),
        patient.phone,
    )


def coverage_of(policy, payer, patient) -> Coverage:
    if policy.relationship == "self":
        subscriber = _patient_person(patient)
    else:
        subscriber = Person(
            policy.subscriber_last_name or "",
            policy.subscriber_first_name or "",
            None,
            policy.subscriber_dob,
            policy.subscriber_sex,
            _address(
                policy.subscriber_address1,
                None,
                policy.subscriber_city,
                policy.subscriber_state,
                policy.subscriber_zip,
            ),
        )
    return Coverage(
        policy_id=policy.id,
        priority=policy.priority,
        member_id=policy.member_id,
        group_number=policy.group_number,
        plan_name=policy.plan_name,
        relationship=policy.relationship,
        subscriber=subscriber,
        payer_db_id=payer.id,
        payer_name=payer.name,
        payer_identifier=payer.payer_id,
        payer_type=payer.type,
        payer_address=_address(payer.address1, None, payer.city, payer.state, payer.zip),
        sbr09=_sbr09(payer),
        effective_from=policy.effective_from,
        effective_to=policy.effective_to,
    )


def _sbr09(payer) -> str:
    """2000B SBR09: WC / AM from a workers' comp or auto payer's profile, else by payer type."""
    from clinicbill.domain.cases import CASE_PROFILES

    if payer.profile in CASE_PROFILES:
        return profile_for_payer(payer).sbr09
    return SBR09.get(payer.type, "CI")


def _billing(practice, providers: dict) -> BillingProvider:
    person = None
    for provider in providers.values():
        if provider.npi == practice.npi:  # a solo practitioner bills under their own NPI
            person = Person(provider.last_name, provider.first_name, None, None, None, None)
            break
    return BillingProvider(
        name=practice.name,
        npi=practice.npi,
        tax_id=practice.tax_id,
        tax_id_type=practice.tax_id_type,
        taxonomy=practice.taxonomy,
        address=_address(
            practice.address1, practice.address2, practice.city, practice.state, practice.zip
        ),
        phone=practice.phone,
        email=practice.email,
        person=person,
        submitter_id=practice.submitter_id,
        receiver_id=practice.receiver_id,
        receiver_name=practice.receiver_name,
        contact_name=practice.contact_name,
        x12_usage=practice.x12_usage or "T",
    )


def _in_effect(policy, on: date) -> bool:
    if policy.effective_from and on < policy.effective_from:
        return False
    return not (policy.effective_to and on > policy.effective_to)


def _diagnoses_for(encounter_ids, dx_by_encounter) -> tuple[tuple[str, ...], dict]:
    """The claim's box 21 list (encounter order, first use) and each encounter's position map."""
    codes: list[str] = []
    maps: dict[int, dict[int, int]] = {}
    for encounter_id in encounter_ids:
        mapping = {}
        for position, code in dx_by_encounter.get(encounter_id, ()):
            if code not in codes:
                codes.append(code)
            mapping[position] = codes.index(code) + 1
        maps[encounter_id] = mapping
    return tuple(codes), maps


def _practitioner(provider) -> Practitioner:
    return Practitioner(
        id=provider.id,
        first_name=provider.first_name,
        last_name=provider.last_name,
        credential=provider.credential,
        npi=provider.npi,
        taxonomy=provider.taxonomy,
        license=provider.license,
        license_state=provider.license_state,
    )


@dataclass(frozen=True)
class SnapshotSources:
    """Everything the snapshots of some claims are built from, as plain records (database
    rows or any objects with the same attributes): what the loader read, nothing more."""

    practice: Any
    providers: dict[int, Any]
    payers: dict[int, Any]
    patients: dict[int, Any]
    policies: dict[int, Any]
    claims: list  # in id order
    # (claim line, service line, service date, place of service, case id), by claim and line
    line_rows: list[tuple]
    dx_by_encounter: dict[int, list[tuple[int, str]]] = field(default_factory=dict)
    authorizations: dict[int, Any] = field(default_factory=dict)
    referrals: dict[int, Any] = field(default_factory=dict)
    originals: dict[int, Any] = field(default_factory=dict)
    patient_paid: dict[int, int] = field(default_factory=dict)  # by service line
    cases: dict[int, InjuryCaseFacts] = field(default_factory=dict)  # by claim
    prior_payers: dict[int, PriorPayer] = field(default_factory=dict)  # by claim


def build_snapshots(sources: SnapshotSources, as_of: date) -> list[ClaimSnapshot]:
    """The claims' snapshots (without scrub context), in the order of `sources.claims`.
    Pure: no database, so rules and writers can be tested from literals."""
    billing = _billing(sources.practice, sources.providers)
    policies_of: dict[int, list] = {}  # by patient: no scan of every policy per claim
    for p in sources.policies.values():
        policies_of.setdefault(p.patient_id, []).append(p)
    lines_by_claim: dict[int, list] = defaultdict(list)
    for row in sources.line_rows:
        lines_by_claim[row[0].claim_id].append(row)
    return [
        _snapshot(sources, claim, lines_by_claim.get(claim.id, []), policies_of, billing, as_of)
        for claim in sources.claims
    ]


def _claim_lines(rows, dx_by_encounter) -> tuple[tuple[str, ...], tuple[Line, ...]]:
    order = []
    for _, service_line, *_ in sorted(rows, key=lambda r: (r[2], r[1].encounter_id)):
        if service_line.encounter_id not in order:
            order.append(service_line.encounter_id)
    diagnoses, maps = _diagnoses_for(order, dx_by_encounter)
    lines = tuple(
        Line(
            claim_line_id=claim_line.id,
            number=claim_line.line_number,
            service_line_id=service_line.id,
            encounter_id=service_line.encounter_id,
            service_date=day,
            place_of_service=pos or "11",
            code=service_line.code,
            modifiers=split_modifiers(service_line.modifiers),
            units=service_line.units,
            minutes=service_line.minutes,
            charge_cents=claim_line.charge_cents,
            pointers=tuple(
                maps[service_line.encounter_id].get(p, 0)
                for p in _split_pointers(service_line.pointers)
            ),
            description=service_line.description,
        )
        for claim_line, service_line, day, pos, _case in rows
    )
    return diagnoses, lines


def _referring(referral) -> Referring | None:
    if referral is None:
        return None
    return Referring(
        referral.first_name,
        referral.last_name,
        referral.npi,
        referral.qualifier or "DN",
        referral.number,
        referral.expires_on,
    )


def _snapshot(sources, claim, rows, policies_of, billing, as_of) -> ClaimSnapshot:
    diagnoses, lines = _claim_lines(rows, sources.dx_by_encounter)
    patient = sources.patients[claim.patient_id]
    policy = sources.policies[claim.policy_id]
    payers = sources.payers
    others = [
        p
        for p in policies_of.get(patient.id, ())
        if p.id != policy.id and _in_effect(p, claim.from_date)
    ]
    others.sort(key=lambda p: ({"primary": 0, "secondary": 1}.get(p.priority, 2), p.id))
    original = sources.originals.get(claim.original_claim_id)
    paid = sources.patient_paid
    return ClaimSnapshot(
        claim_id=claim.id,
        patient_control_number=claim.patient_control_number,
        status=claim.status,
        frequency=claim.frequency,
        priority=claim.priority,
        from_date=claim.from_date,
        to_date=claim.to_date,
        billing=billing,
        rendering=_practitioner(sources.providers[claim.provider_id]),
        patient=_patient_person(patient),
        patient_account=patient.account_number,
        coverage=coverage_of(policy, payers[claim.payer_id], patient),
        other_coverage=(
            coverage_of(others[0], payers[others[0].payer_id], patient) if others else None
        ),
        profile=profile_for_payer(payers[claim.payer_id]),
        diagnoses=diagnoses,
        lines=lines,
        authorization_number=(
            sources.authorizations[claim.authorization_id].number
            if claim.authorization_id
            else None
        ),
        referral=_referring(sources.referrals.get(claim.referral_id)),
        original_reference=original.payer_claim_control_number if original else None,
        prior_payer=sources.prior_payers.get(claim.id),
        signature_on_file=patient.signature_on_file,
        assignment_on_file=patient.assignment_on_file,
        patient_paid_cents=sum(paid.get(line.service_line_id, 0) for line in lines),
        as_of=as_of,
        case=sources.cases.get(claim.id),
    )
