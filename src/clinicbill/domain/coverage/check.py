"""Coverage of a visit: verification, plan-year visit limit, authorization and referral.

`visit_coverage` is what `session add` shows (and it picks the authorization and referral to
link); `encounter_coverage_problems` is the same check on a stored encounter, which the claim
scrubber turns into errors. Problem codes (CoverageProblem.code):

  no-verification        the policy has no benefit verification note for the visit's plan year
  verification-stale     the note is past its re-verify date, or from an earlier plan year
  not-covered            the note says massage / acupuncture is not covered and the visit bills it
  auth-required          authorization required (profile or note) and none is linked
  auth-expired           the linked (or only available) authorization ended before the visit
  auth-not-started       the linked authorization starts after the visit
  auth-exhausted         the linked authorization's visits or units are used up
  auth-codes             the linked authorization does not cover a billed code (when required)
  auth-wrong-policy      the linked authorization belongs to another policy
  referral-required      referral required (profile or note) and none is linked
  referral-expired       the linked (or only available) referral expired before the visit
  referral-not-yet-valid the linked referral is dated after the visit
  referral-exhausted     the visits the referral ordered are used up
  referral-wrong-patient the linked referral is another patient's
  visit-limit            the plan-year visit limit is reached

Visits used = the practice's own count of non-void encounters billed to the policy in the plan
year before this visit, beside the count the payer reported in the note (when the note is from
the same plan year); remaining = limit - max of the two.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select

from clinicbill.domain.coverage.authorizations import authorizations_status
from clinicbill.domain.coverage.facts import BatchFacts, LiveFacts
from clinicbill.domain.coverage.linking import (
    AUTO,
    CoverageProblem,
    VisitFacts,
    link_authorization,
    link_referral,
)
from clinicbill.domain.coverage.verification import (
    allowance,
    applicable_note,
    describe,
    plan_year,
    stale_reason,
)
from clinicbill.domain.coverage.visits import policy_visit_status, visits_status
from clinicbill.domain.errors import ClinicbillError
from clinicbill.store.models import Encounter, ServiceLine, Verification

__all__ = [
    "AUTO",
    "CoverageProblem",
    "VisitCoverage",
    "visit_coverage",
    "encounter_coverage_problems",
    "encounters_coverage_problems",
    "policy_visit_status",
    "visits_status",
    "authorizations_status",
    "benefit_of",
]

# Which benefit a code draws on (the note's massage/acupuncture covered answers).
BENEFIT_OF_CATEGORY = {"massage": "massage", "manual": "massage", "acupuncture": "acupuncture"}


def benefit_of(code: str) -> str | None:
    """massage | acupuncture | None: the benefit a code draws on, from its catalog category."""
    from clinicbill.domain.codesets.cpt import entry

    found = entry(code)
    return BENEFIT_OF_CATEGORY.get(found.category) if found else None


@dataclass(frozen=True)
class VisitCoverage:
    verification_id: int | None
    authorization_id: int | None
    referral_id: int | None
    visit_limit: int | None
    visits_used_practice: int
    visits_used_payer: int | None
    visits_remaining: int | None
    summary: tuple[str, ...]
    problems: tuple[CoverageProblem, ...]


def visit_coverage(
    session,
    *,
    patient_id: int,
    policy_id: int | None,
    service_date: date,
    codes,
    authorization_id=AUTO,
    referral_id=AUTO,
    exclude_encounter_id: int | None = None,
    units: dict[str, int] | None = None,
) -> VisitCoverage:
    """Coverage of a visit being entered (or edited: pass its id as exclude_encounter_id).

    authorization_id / referral_id: AUTO picks the one covering the date, codes and remaining
    visits; an id forces one (refused when it is another policy's / patient's); None links none.
    `units` (code -> units) lets an authorization's units be checked. Self-pay: no problems."""
    visit = (patient_id, policy_id, service_date, tuple(codes), units, exclude_encounter_id)
    return _coverage(LiveFacts(session), *visit, authorization_id, referral_id, strict=True)


def encounter_coverage_problems(session, encounter_id: int) -> list[CoverageProblem]:
    """The coverage problems of a stored encounter with the authorization/referral linked to it
    (the claim scrubber reports each as an error). A void or self-pay encounter has none.
    For many encounters use encounters_coverage_problems (same answers, bounded queries)."""
    enc = session.get(Encounter, encounter_id)
    if enc is None:
        raise ClinicbillError(f"session: no session with id {encounter_id}", "see 'session list'")
    if enc.status == "void":
        return []
    units: dict[str, int] = {}
    for code, count in session.execute(
        select(ServiceLine.code, ServiceLine.units).where(ServiceLine.encounter_id == enc.id)
    ).all():
        units[code] = units.get(code, 0) + count
    visit = (enc.patient_id, enc.policy_id, enc.service_date, tuple(units), units, enc.id)
    facts = LiveFacts(session)
    result = _coverage(facts, *visit, enc.authorization_id, enc.referral_id, strict=False)
    return list(result.problems)


def encounters_coverage_problems(session, encounter_ids) -> dict[int, list[CoverageProblem]]:
    """encounter_coverage_problems for many encounters at once, in a bounded number of queries
    whatever their number (for checking a batch of claims). Unknown ids are left out."""
    facts = BatchFacts(session, encounter_ids)
    out: dict[int, list[CoverageProblem]] = {}
    for enc in facts.encounters.values():
        if enc.status == "void":
            out[enc.id] = []
            continue
        units = facts.units.get(enc.id, {})
        visit = (enc.patient_id, enc.policy_id, enc.service_date, tuple(units), units, enc.id)
        result = _coverage(facts, *visit, enc.authorization_id, enc.referral_id, strict=False)
        out[enc.id] = list(result.problems)
    return out


def _coverage(
    facts,
    patient_id,
    policy_id,
    service_date,
    codes,
    units,
    encounter_id,
    authorization_id,
    referral_id,
    strict,
) -> VisitCoverage:
    if policy_id is None:
        return _not_insured(authorization_id, referral_id)
    policy = facts.policy(policy_id)
    if policy is None:
        raise ClinicbillError(f"policy: no policy with id {policy_id}", "see 'policy list'")
    profile = facts.profile(policy)
    if not profile.billable:
        return _not_insured(authorization_id, referral_id)
    visit = VisitFacts(patient_id, policy, service_date, codes, units, encounter_id, strict)
    problems: list[CoverageProblem] = []
    summary: list[str] = []

    note = applicable_note(facts.notes(policy.id), service_date)
    problems.extend(_verification_problems(note, visit))
    if note is not None:
        summary.append(describe(note))
    got, line = _visit_limit(facts, visit, note, profile.visit_limit_per_year or None)
    summary.append(line)
    problems.extend(_limit_reached(got))

    def required(answer, default):
        return default if note is None or answer is None else answer

    auth_needed = required(note and note.preauth_required, profile.authorization_required)
    auth, auth_lines, auth_problems = link_authorization(
        facts, visit, authorization_id, auth_needed
    )
    summary.extend(auth_lines)
    problems.extend(auth_problems)
    ref_needed = required(note and note.referral_required, profile.referral_required)
    referral, ref_lines, ref_problems = link_referral(facts, visit, referral_id, ref_needed)
    summary.extend(ref_lines)
    problems.extend(ref_problems)
    return VisitCoverage(
        verification_id=note.id if note else None,
        authorization_id=auth,
        referral_id=referral,
        visit_limit=got.limit,
        visits_used_practice=got.practice,
        visits_used_payer=got.payer,
        visits_remaining=got.remaining,
        summary=tuple(summary),
        problems=tuple(problems),
    )


def _not_insured(authorization_id, referral_id) -> VisitCoverage:
    """A visit billed to no insurance: only the links the user named are kept."""

    def forced(value):
        return None if value is AUTO else value

    return VisitCoverage(
        None, forced(authorization_id), forced(referral_id), None, 0, None, None, (), ()
    )


def _limit_reached(got) -> list[CoverageProblem]:
    if got.remaining is None or got.remaining > 0:
        return []
    return [
        CoverageProblem(
            "visit-limit",
            f"visits: the plan-year limit of {got.limit} is reached "
            f"({got.limit - got.remaining} used)",
            "verify remaining benefits with the payer, or bill the patient",
        )
    ]


def _verification_problems(note: Verification | None, visit: VisitFacts) -> list[CoverageProblem]:
    hint = f"call the payer and record it: clinicbill verify add {visit.policy.id}"
    if note is None:
        return [
            CoverageProblem(
                "no-verification",
                f"verification: policy {visit.policy.id} has no benefit verification",
                hint,
            )
        ]
    out = []
    stale = stale_reason(note, visit.service_date)
    if stale:
        out.append(CoverageProblem("verification-stale", f"verification: {note.id} {stale}", hint))
    for answer, label in (
        (note.massage_covered, "massage"),
        (note.acupuncture_covered, "acupuncture"),
    ):
        billed = sorted({c for c in visit.codes if benefit_of(c) == label})
        if answer is False and billed:
            out.append(
                CoverageProblem(
                    "not-covered",
                    f"coverage: {label} ({', '.join(billed)}) is not covered per verification "
                    f"{note.id}",
                    "bill the patient (self-pay) or re-verify with the payer",
                )
            )
    return out


def _visit_limit(facts, visit: VisitFacts, note, profile_limit: int | None) -> tuple:
    """(Allowance, summary line)."""
    start, end = plan_year(visit.service_date, note.plan_year_start if note else None)
    practice = facts.practice_visits(visit.policy.id, start, visit.before)
    got = allowance(note, visit.service_date, practice, profile_limit)
    said = f"; payer reported {got.payer}" if got.payer is not None else ""
    if got.limit is None:
        line = f"visits: {practice} this plan year ({start}..{end}){said}; no limit on record"
    else:
        line = (
            f"visits: {practice} used of {got.limit} this plan year ({start}..{end}){said}; "
            f"{max(got.remaining, 0)} remaining before this visit"
        )
    return got, line
