"""Read claims into ClaimSnapshots in a fixed number of queries (no N+1: 1,000-claim batches).

Coverage problems come from domain/coverage.py per encounter (its own queries).
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date

from sqlalchemy import select

from clinicbill.domain.profiles import SBR09, profile_for_payer
from clinicbill.domain.snapshot import (
    Address,
    BillingProvider,
    ClaimSnapshot,
    Coverage,
    InjuryCaseFacts,
    Line,
    Person,
    Practitioner,
    Referring,
)
from clinicbill.store.models import (
    Authorization,
    Claim,
    ClaimLine,
    Diagnosis,
    Encounter,
    LedgerEntry,
    Patient,
    Payer,
    Policy,
    Provider,
    Referral,
    ServiceLine,
)

CHUNK = 500
# Claims that no longer bill anything (a frequency-8 request to void is excluded apart).
from clinicbill.domain.claim_status import INACTIVE_STATUSES  # noqa: E402,F401


def _chunks(ids):
    ids = sorted(set(ids))
    for start in range(0, len(ids), CHUNK):
        yield ids[start : start + CHUNK]


def rows_in(session, query_for, ids) -> list:
    rows = []
    for chunk in _chunks(ids):
        rows.extend(session.execute(query_for(chunk)).all())
    return rows


def scalars_in(session, model, column, ids) -> list:
    out = []
    for chunk in _chunks(ids):
        out.extend(session.execute(select(model).where(column.in_(chunk))).scalars().all())
    return out


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


def _patient_person(patient: Patient) -> Person:
    return Person(
        patient.last_name,
        patient.first_name,
        patient.middle_name,
        patient.dob,
        patient.sex,
        _address(patient.address1, patient.address2, patient.city, patient.state, patient.zip),
        patient.phone,
    )


def coverage_of(policy: Policy, payer: Payer, patient: Patient) -> Coverage:
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


def _sbr09(payer: Payer) -> str:
    """2000B SBR09: WC / AM from a workers' comp or auto payer's profile, else by payer type."""
    from clinicbill.domain.cases import CASE_PROFILES

    if payer.profile in CASE_PROFILES:
        return profile_for_payer(payer).sbr09
    return SBR09.get(payer.type, "CI")


def _billing(practice, providers: dict[int, Provider]) -> BillingProvider:
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


def _in_effect(policy: Policy, on: date) -> bool:
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


def load_snapshots(
    session, claim_ids, as_of: date | None = None, with_context: bool = True
) -> list[ClaimSnapshot]:
    """Snapshots of the given claims in id order (missing ids are left out)."""
    from clinicbill.domain.practice import get_practice
    from clinicbill.domain.snapshot_context import prior_payers, scrub_contexts

    as_of = as_of or date.today()
    claims = sorted(scalars_in(session, Claim, Claim.id, claim_ids), key=lambda c: c.id)
    if not claims:
        return []
    practice = get_practice(session)
    providers = {p.id: p for p in session.execute(select(Provider)).scalars().all()}
    payers = {p.id: p for p in session.execute(select(Payer)).scalars().all()}
    patient_ids = {c.patient_id for c in claims}
    patients = {p.id: p for p in scalars_in(session, Patient, Patient.id, patient_ids)}
    all_policies = scalars_in(session, Policy, Policy.patient_id, patient_ids)
    policies = {p.id: p for p in all_policies}
    policies_of: dict[int, list] = {}  # by patient: no scan of every policy per claim
    for p in all_policies:
        policies_of.setdefault(p.patient_id, []).append(p)
    line_rows = rows_in(
        session,
        lambda chunk: (
            select(
                ClaimLine,
                ServiceLine,
                Encounter.service_date,
                Encounter.place_of_service,
                Encounter.case_id,
            )
            .join(ServiceLine, ServiceLine.id == ClaimLine.service_line_id)
            .join(Encounter, Encounter.id == ServiceLine.encounter_id)
            .where(ClaimLine.claim_id.in_(chunk))
        ),
        [c.id for c in claims],
    )
    line_rows.sort(key=lambda r: (r[0].claim_id, r[0].line_number))
    encounter_ids = {r[1].encounter_id for r in line_rows}
    dx_by_encounter: dict[int, list] = defaultdict(list)
    for dx in sorted(
        scalars_in(session, Diagnosis, Diagnosis.encounter_id, encounter_ids),
        key=lambda d: (d.encounter_id, d.position),
    ):
        dx_by_encounter[dx.encounter_id].append((dx.position, dx.code))
    auths = {
        a.id: a
        for a in scalars_in(
            session, Authorization, Authorization.id, {c.authorization_id for c in claims} - {None}
        )
    }
    referrals = {
        r.id: r
        for r in scalars_in(
            session, Referral, Referral.id, {c.referral_id for c in claims} - {None}
        )
    }
    originals = {
        c.id: c
        for c in scalars_in(
            session, Claim, Claim.id, {c.original_claim_id for c in claims} - {None}
        )
    }
    patient_paid = _patient_paid(session, [r[0].service_line_id for r in line_rows])
    cases = _cases(session, line_rows)
    billing = _billing(practice, providers)
    priors = prior_payers(session, claims, patients, policies, payers)
    lines_by_claim: dict[int, list] = defaultdict(list)
    for row in line_rows:
        lines_by_claim[row[0].claim_id].append(row)
    parts = {}
    results = []
    for claim in claims:
        rows = lines_by_claim.get(claim.id, [])
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
        patient = patients[claim.patient_id]
        policy = policies[claim.policy_id]
        others = [
            p
            for p in policies_of.get(patient.id, ())
            if p.id != policy.id and _in_effect(p, claim.from_date)
        ]
        others.sort(key=lambda p: ({"primary": 0, "secondary": 1}.get(p.priority, 2), p.id))
        referral = referrals.get(claim.referral_id)
        original = originals.get(claim.original_claim_id)
        parts[claim.id] = (claim, lines)
        results.append(
            ClaimSnapshot(
                claim_id=claim.id,
                patient_control_number=claim.patient_control_number,
                status=claim.status,
                frequency=claim.frequency,
                priority=claim.priority,
                from_date=claim.from_date,
                to_date=claim.to_date,
                billing=billing,
                rendering=_practitioner(providers[claim.provider_id]),
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
                    auths[claim.authorization_id].number if claim.authorization_id else None
                ),
                referral=(
                    Referring(
                        referral.first_name,
                        referral.last_name,
                        referral.npi,
                        referral.qualifier or "DN",
                        referral.number,
                        referral.expires_on,
                    )
                    if referral
                    else None
                ),
                original_reference=original.payer_claim_control_number if original else None,
                prior_payer=priors.get(claim.id),
                signature_on_file=patient.signature_on_file,
                assignment_on_file=patient.assignment_on_file,
                patient_paid_cents=sum(patient_paid.get(line.service_line_id, 0) for line in lines),
                as_of=as_of,
                case=cases.get(claim.id),
            )
        )
    if with_context:
        from dataclasses import replace

        from clinicbill.domain.cases.necessity import documented_encounters, threshold_encounters

        contexts = scrub_contexts(session, parts, patient_ids)
        documented = documented_encounters(session, threshold_encounters(results))
        results = [
            replace(s, context=replace(contexts[s.claim_id], necessity_documented=documented))
            for s in results
        ]
    return results


def _cases(session, line_rows) -> dict[int, InjuryCaseFacts]:
    """Each claim's injury case (its sessions' case), with the charges under the case on
    sessions outside the claim (the PIP limit left)."""
    from clinicbill.domain.cases.pip import billed_by_case
    from clinicbill.store.models import InjuryCase

    of_claim: dict[int, int] = {}
    on_claim: dict[int, int] = defaultdict(int)
    for claim_line, service_line, _day, _pos, case_id in line_rows:
        if case_id is not None:
            of_claim.setdefault(claim_line.claim_id, case_id)
            on_claim[claim_line.claim_id] += service_line.charge_cents
    if not of_claim:
        return {}
    rows = {c.id: c for c in scalars_in(session, InjuryCase, InjuryCase.id, of_claim.values())}
    billed = billed_by_case(session, rows)
    return {
        claim_id: InjuryCaseFacts(
            id=case.id,
            kind=case.kind,
            injury_date=case.injury_date,
            onset_date=case.onset_date,
            state=case.state,
            employer=case.employer,
            claim_number=case.claim_number,
            pip_limit_cents=case.pip_limit_cents,
            billed_elsewhere_cents=billed.get(case.id, 0) - on_claim[claim_id],
        )
        for claim_id, case_id in of_claim.items()
        if (case := rows.get(case_id)) is not None
    }


def _practitioner(provider: Provider) -> Practitioner:
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


def _patient_paid(session, service_line_ids) -> dict[int, int]:
    """Patient payments applied to each line (box 29 / AMT*F5)."""
    from sqlalchemy import func

    totals: dict[int, int] = {}
    for chunk in _chunks(service_line_ids):
        rows = session.execute(
            select(LedgerEntry.service_line_id, func.sum(LedgerEntry.amount_cents))
            .where(LedgerEntry.service_line_id.in_(chunk), LedgerEntry.kind == "patient_payment")
            .group_by(LedgerEntry.service_line_id)
        ).all()
        totals.update({sl_id: int(total or 0) for sl_id, total in rows})
    return totals
