"""Read claims into ClaimSnapshots in a fixed number of queries (no N+1: 1,000-claim batches).

The reading is here; the assembly from the rows read is domain/claims/snapshot_build.py (pure,
testable from literals). Coverage problems come from domain/coverage/check.py per encounter.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import replace
from datetime import date

from sqlalchemy import select

from clinicbill.domain.cases.necessity import documented_encounters, threshold_encounters
from clinicbill.domain.claims.chunked import chunks, rows_in, scalars_in
from clinicbill.domain.claims.snapshot import ClaimSnapshot, InjuryCaseFacts
from clinicbill.domain.claims.snapshot_build import SnapshotSources, build_snapshots
from clinicbill.domain.claims.snapshot_context import prior_payers, scrub_contexts
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
from clinicbill.store.query import through_visit


def load_snapshot(session, claim_id: int, as_of: date | None = None) -> ClaimSnapshot:
    """One claim's snapshot; a refusal when there is no such claim."""
    snapshots = load_snapshots(session, [claim_id], as_of=as_of)
    if not snapshots:
        from clinicbill.domain.errors import ClinicbillError

        raise ClinicbillError(f"claim: no claim with id {claim_id}", "see 'clinicbill claim list'")
    return snapshots[0]


def load_snapshots(
    session, claim_ids, as_of: date | None = None, with_context: bool = True
) -> list[ClaimSnapshot]:
    """Snapshots of the given claims in id order (missing ids are left out)."""
    sources = read_sources(session, claim_ids)
    if sources is None:
        return []
    results = build_snapshots(sources, as_of or date.today())
    if with_context:
        claims = {c.id: c for c in sources.claims}
        parts = {s.claim_id: (claims[s.claim_id], s.lines) for s in results}
        contexts = scrub_contexts(session, parts, set(sources.patients))
        documented = documented_encounters(session, threshold_encounters(results))
        results = [
            replace(s, context=replace(contexts[s.claim_id], necessity_documented=documented))
            for s in results
        ]
    return results


def read_sources(session, claim_ids) -> SnapshotSources | None:
    """The rows the claims' snapshots are built from (None when no such claim)."""
    from clinicbill.domain.practice.records import get_practice

    claims = sorted(scalars_in(session, Claim, Claim.id, claim_ids), key=lambda c: c.id)
    if not claims:
        return None
    payers = {p.id: p for p in session.execute(select(Payer)).scalars().all()}
    patient_ids = {c.patient_id for c in claims}
    patients = {p.id: p for p in scalars_in(session, Patient, Patient.id, patient_ids)}
    policies = {p.id: p for p in scalars_in(session, Policy, Policy.patient_id, patient_ids)}
    line_rows = _line_rows(session, [c.id for c in claims])
    return SnapshotSources(
        practice=get_practice(session),
        providers={p.id: p for p in session.execute(select(Provider)).scalars().all()},
        payers=payers,
        patients=patients,
        policies=policies,
        claims=claims,
        line_rows=line_rows,
        dx_by_encounter=_diagnoses(session, {r[1].encounter_id for r in line_rows}),
        authorizations=_by_id(session, Authorization, {c.authorization_id for c in claims}),
        referrals=_by_id(session, Referral, {c.referral_id for c in claims}),
        originals=_by_id(session, Claim, {c.original_claim_id for c in claims}),
        patient_paid=_patient_paid(session, [r[0].service_line_id for r in line_rows]),
        cases=_cases(session, line_rows),
        prior_payers=prior_payers(session, claims, patients, policies, payers),
    )


def _by_id(session, model, ids) -> dict:
    return {row.id: row for row in scalars_in(session, model, model.id, set(ids) - {None})}


def _line_rows(session, claim_ids) -> list[tuple]:
    rows = rows_in(
        session,
        lambda chunk: through_visit(
            select(
                ClaimLine,
                ServiceLine,
                Encounter.service_date,
                Encounter.place_of_service,
                Encounter.case_id,
            )
        ).where(ClaimLine.claim_id.in_(chunk)),
        claim_ids,
    )
    rows.sort(key=lambda r: (r[0].claim_id, r[0].line_number))
    return rows


def _diagnoses(session, encounter_ids) -> dict[int, list[tuple[int, str]]]:
    dx_by_encounter: dict[int, list] = defaultdict(list)
    for dx in sorted(
        scalars_in(session, Diagnosis, Diagnosis.encounter_id, encounter_ids),
        key=lambda d: (d.encounter_id, d.position),
    ):
        dx_by_encounter[dx.encounter_id].append((dx.position, dx.code))
    return dx_by_encounter


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


def _patient_paid(session, service_line_ids) -> dict[int, int]:
    """Patient payments applied to each line (box 29 / AMT*F5)."""
    from sqlalchemy import func

    totals: dict[int, int] = {}
    for chunk in chunks(service_line_ids):
        rows = session.execute(
            select(LedgerEntry.service_line_id, func.sum(LedgerEntry.amount_cents))
            .where(LedgerEntry.service_line_id.in_(chunk), LedgerEntry.kind == "patient_payment")
            .group_by(LedgerEntry.service_line_id)
        ).all()
        totals.update({sl_id: int(total or 0) for sl_id, total in rows})
    return totals
