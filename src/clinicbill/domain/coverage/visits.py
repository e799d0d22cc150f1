"""Plan-year visits per policy on a date (for `verify list` and `report visits`).

Same rules as domain/coverage/check.py: the practice's count of non-void encounters on the policy in
the plan year up to the date, beside the payer's count from the applicable note when that note
is from the same plan year; remaining = limit - max of the two. Bounded queries whatever the
number of policies: policies, notes, and per-day encounter counts.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import func, select

from clinicbill.domain.coverage.verification import (
    allowance,
    applicable_note,
    local_date,
    plan_year,
    stale_reason,
)
from clinicbill.domain.practice.profiles import profile_for_payer
from clinicbill.store.models import Encounter, Payer, Policy, Verification

NEAR_LIMIT_VISITS = 2


@dataclass(frozen=True)
class PolicyVisitStatus:
    """Visits used and remaining on a policy on a date. Flags: no-verification,
    verification-stale, visit-limit (reached), near-limit (2 or fewer left)."""

    policy_id: int
    patient_id: int
    payer_id: int
    payer_name: str
    verification_id: int | None
    verified_on: date | None
    reverify_by: date | None
    plan_year_start: date
    plan_year_end: date
    visit_limit: int | None
    visits_used_practice: int
    visits_used_payer: int | None
    visits_remaining: int | None
    flags: tuple[str, ...]

    def as_dict(self) -> dict:
        return {**self.__dict__, "flags": list(self.flags)}


def visits_status(
    session, on: date, policy_ids: list[int] | None = None, billable_only: bool = True
) -> list[PolicyVisitStatus]:
    """Plan-year visits of every policy (or the given ones) on `on`, by policy id, from the
    sessions and verification notes dated up to `on` (a past date reproduces that day).
    Self-pay payers' policies are left out unless billable_only is False."""
    query = select(Policy, Payer).join(Payer, Payer.id == Policy.payer_id)
    if policy_ids is not None:
        query = query.where(Policy.id.in_(policy_ids))
    rows = session.execute(query.order_by(Policy.id)).all()
    notes_by_policy = _notes_by_policy(session, policy_ids)
    per_day = _visits_per_day(session, on, policy_ids)
    out = []
    for policy, payer in rows:
        profile = profile_for_payer(payer)
        if billable_only and not profile.billable:
            continue
        known = [n for n in notes_by_policy.get(policy.id, []) if local_date(n.verified_at) <= on]
        note = applicable_note(known, on)
        start, _ = plan_year(on, note.plan_year_start if note else None)
        practice = sum(n for day, n in per_day.get(policy.id, []) if start <= day <= on)
        got = allowance(note, on, practice, profile.visit_limit_per_year or None)
        out.append(
            PolicyVisitStatus(
                policy_id=policy.id,
                patient_id=policy.patient_id,
                payer_id=payer.id,
                payer_name=payer.name,
                verification_id=note.id if note else None,
                verified_on=local_date(note.verified_at) if note else None,
                reverify_by=note.reverify_by if note else None,
                plan_year_start=got.plan_year_start,
                plan_year_end=got.plan_year_end,
                visit_limit=got.limit,
                visits_used_practice=practice,
                visits_used_payer=got.payer,
                visits_remaining=got.remaining,
                flags=_flags(note, got, on),
            )
        )
    return out


def _notes_by_policy(session, policy_ids) -> dict[int, list[Verification]]:
    notes_by_policy: dict[int, list[Verification]] = defaultdict(list)
    note_query = select(Verification).order_by(Verification.verified_at, Verification.id)
    if policy_ids is not None:
        note_query = note_query.where(Verification.policy_id.in_(policy_ids))
    for note in session.execute(note_query).scalars():
        notes_by_policy[note.policy_id].append(note)
    return notes_by_policy


def _visits_per_day(session, on: date, policy_ids) -> dict[int, list[tuple[date, int]]]:
    """Non-void sessions per policy and day in the 367 days up to `on`."""
    # A plan year is at most 366 days; count per policy and day, then sum per plan year.
    count_query = (
        select(Encounter.policy_id, Encounter.service_date, func.count(Encounter.id))
        .where(
            Encounter.policy_id.is_not(None),
            Encounter.status != "void",
            Encounter.service_date > on - timedelta(days=367),
            Encounter.service_date <= on,
        )
        .group_by(Encounter.policy_id, Encounter.service_date)
    )
    if policy_ids is not None:
        count_query = count_query.where(Encounter.policy_id.in_(policy_ids))
    per_day: dict[int, list[tuple[date, int]]] = defaultdict(list)
    for policy_id, day, count in session.execute(count_query).all():
        per_day[policy_id].append((day, count))
    return per_day


def _flags(note, got, on: date) -> tuple[str, ...]:
    """What needs attention: no or stale verification, limit reached or near."""
    flags = []
    if note is None:
        flags.append("no-verification")
    elif stale_reason(note, on):
        flags.append("verification-stale")
    if got.remaining is not None and got.remaining <= 0:
        flags.append("visit-limit")
    elif got.remaining is not None and got.remaining <= NEAR_LIMIT_VISITS:
        flags.append("near-limit")
    return tuple(flags)


def policy_visit_status(session, policy_id: int, on: date) -> PolicyVisitStatus:
    """One policy's plan-year visits on a date (self-pay included)."""
    from clinicbill.domain.errors import ClinicbillError

    rows = visits_status(session, on, [policy_id], billable_only=False)
    if not rows:
        raise ClinicbillError(f"policy: no policy with id {policy_id}", "see 'policy list'")
    return rows[0]
