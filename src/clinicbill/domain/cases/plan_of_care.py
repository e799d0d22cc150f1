"""The re-evaluation clock of a plan of care: a payer profile's [reevaluation] (days, visits)
counts from the latest prescription (referral) on file; past either, a re-evaluation or a new
prescription is due (workers' comp, PIP and Medicare therapy want one every 30 days or 12
visits, or every 90 days or 10 visits)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, or_, select

from clinicbill.store.models import Encounter, Payer, Policy, Referral


@dataclass(frozen=True)
class Reevaluation:
    patient_id: int
    policy_id: int
    prescribed_on: date
    days: int
    visits: int
    every_days: int
    every_visits: int

    def message(self) -> str:
        return (
            f"re-evaluation or new prescription due: {self.days} days and {self.visits} visits "
            f"since the prescription of {self.prescribed_on} (this payer wants one every "
            f"{self.every_days} days or {self.every_visits} visits)"
        )


def reevaluation_due(
    session, patient_id: int, policy: Policy | None, on: date, exclude_encounter_id=None
) -> Reevaluation | None:
    """Whether a visit on `on` (counted) is past the payer's re-evaluation clock."""
    from clinicbill.domain.practice.profiles import profile_for_payer

    if policy is None:
        return None
    clock = profile_for_payer(session.get(Payer, policy.payer_id)).reevaluation
    if not clock:
        return None
    prescribed = session.execute(
        select(func.max(Referral.referral_date)).where(
            Referral.patient_id == patient_id,
            or_(Referral.policy_id.is_(None), Referral.policy_id == policy.id),
            Referral.referral_date <= on,
        )
    ).scalar()
    if prescribed is None:
        return None  # no prescription at all: the coverage check says so
    query = select(func.count(Encounter.id)).where(
        Encounter.patient_id == patient_id,
        Encounter.policy_id == policy.id,
        Encounter.status != "void",
        Encounter.service_date >= prescribed,
        Encounter.service_date <= on,
    )
    if exclude_encounter_id is not None:
        query = query.where(Encounter.id != exclude_encounter_id)
    visits = session.execute(query).scalar() + 1  # and the visit being recorded
    return _due(patient_id, policy.id, prescribed, on, visits, clock)


def _due(patient_id, policy_id, prescribed: date, on: date, visits: int, clock: dict):
    found = Reevaluation(
        patient_id,
        policy_id,
        prescribed,
        (on - prescribed).days,
        visits,
        int(clock.get("days") or 0),
        int(clock.get("visits") or 0),
    )
    past_days = found.every_days and found.days >= found.every_days
    past_visits = found.every_visits and found.visits > found.every_visits
    return found if past_days or past_visits else None


ACTIVE_DAYS = 60  # a patient seen within this many days is still under the plan of care


def _recent_visits(session, as_of: date):
    """Insured visits of the last ACTIVE_DAYS days' patients: (patient, policy, date) rows."""
    from datetime import timedelta

    recent = (
        select(Encounter.patient_id, Encounter.policy_id)
        .where(
            Encounter.policy_id.is_not(None),
            Encounter.status != "void",
            Encounter.service_date > as_of - timedelta(days=ACTIVE_DAYS),
            Encounter.service_date <= as_of,
        )
        .distinct()
        .subquery()
    )
    return session.execute(
        select(Encounter.patient_id, Encounter.policy_id, Encounter.service_date)
        .join(
            recent,
            (recent.c.patient_id == Encounter.patient_id)
            & (recent.c.policy_id == Encounter.policy_id),
        )
        .where(Encounter.status != "void", Encounter.service_date <= as_of)
    ).all()


def reevaluations_section(session, as_of: date):
    """`report followup`: patients whose next visit needs a re-evaluation or prescription
    (a fixed number of queries, whatever the number of patients)."""
    from collections import defaultdict

    from clinicbill.domain.reports.table import COUNT, DATE, POLICY_COLUMNS, Column, Section

    visits: dict[tuple[int, int], list[date]] = defaultdict(list)
    for patient_id, policy_id, day in _recent_visits(session, as_of):
        visits[(patient_id, policy_id)].append(day)
    rows = _reevaluation_rows(session, visits, as_of)
    return Section(
        key="reevaluations",
        title="Re-evaluations or new prescriptions due before the next visit",
        columns=(
            *POLICY_COLUMNS,
            Column("prescribed_on", "Prescription", DATE),
            Column("days", "Days since", COUNT),
            Column("visits", "Visits since", COUNT),
            Column("rule", "Payer wants"),
        ),
        rows=tuple(rows),
        empty="no re-evaluation due",
    )


def _reevaluation_rows(session, visits: dict, as_of: date) -> list[tuple]:
    """One row per (patient, policy) whose payer's re-evaluation clock has run out."""
    from clinicbill.domain.practice.profiles import profile_for_payer
    from clinicbill.store.models import Patient

    patient_ids = sorted({p for p, _ in visits})
    payers = dict(
        session.execute(
            select(Policy.id, Payer)
            .join(Payer, Payer.id == Policy.payer_id)
            .where(Policy.id.in_(sorted({q for _, q in visits}) or [-1]))
        ).all()
    )
    latest = _latest_referrals(session, patient_ids, as_of)
    people = {
        p.id: p
        for p in session.execute(select(Patient).where(Patient.id.in_(patient_ids or [-1])))
        .scalars()
        .all()
    }
    rows = []
    for (patient_id, policy_id), days in sorted(visits.items()):
        clock = profile_for_payer(payers[policy_id]).reevaluation
        starts = [latest.get((patient_id, k)) for k in (policy_id, None)]
        prescribed = max((d for d in starts if d), default=None)
        if not clock or prescribed is None:
            continue
        since = sum(1 for d in days if d >= prescribed)
        due = _due(patient_id, policy_id, prescribed, as_of, since + 1, clock)
        if due is None:
            continue
        patient = people[patient_id]
        rows.append(
            (
                patient.display_name,
                patient.account_number,
                payers[policy_id].name,
                due.prescribed_on,
                due.days,
                since,
                f"every {due.every_days} days or {due.every_visits} visits",
            )
        )
    return rows


def _latest_referrals(session, patient_ids, as_of: date) -> dict[tuple[int, int | None], date]:
    """(patient, policy or None) -> the latest referral (prescription) date up to `as_of`."""
    rows = session.execute(
        select(Referral.patient_id, Referral.policy_id, func.max(Referral.referral_date))
        .where(Referral.patient_id.in_(patient_ids or [-1]), Referral.referral_date <= as_of)
        .group_by(Referral.patient_id, Referral.policy_id)
    ).all()
    return {(patient_id, policy_id): day for patient_id, policy_id, day in rows}
