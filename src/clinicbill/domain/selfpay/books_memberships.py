"""When membership dues are earned (domain/selfpay/books.py): each included visit earns the
period's dues / included visits (the period's last included visit the rest); the rest of a
period's dues is earned on its last day; with rollover, unused dues stay deferred until the
membership is cancelled; a plan without included visits earns its dues on the period's last
day."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from clinicbill.store.models import (
    Encounter,
    Membership,
    MembershipCharge,
    MembershipPlan,
    MembershipVisit,
)


def earned_dues(session, date_to: date) -> list[tuple[date, int]]:
    """(day, cents) of membership dues earned up to `date_to`."""
    charges = session.execute(
        select(MembershipCharge, Membership, MembershipPlan)
        .join(Membership, Membership.id == MembershipCharge.membership_id)
        .join(MembershipPlan, MembershipPlan.id == Membership.plan_id)
        .where(MembershipCharge.period_start <= date_to)
        .order_by(MembershipCharge.membership_id, MembershipCharge.period_start)
    ).all()
    visits = session.execute(
        select(MembershipVisit.membership_id, MembershipVisit.period_start, Encounter.service_date)
        .join(Encounter, Encounter.id == MembershipVisit.encounter_id)
        .where(
            MembershipVisit.included.is_(True),
            Encounter.status != "void",
            Encounter.service_date <= date_to,
        )
        .order_by(Encounter.service_date, Encounter.id)
    ).all()
    used: dict[tuple[int, date], list[date]] = {}
    for membership_id, start, day in visits:
        used.setdefault((membership_id, start), []).append(day)
    earned: list[tuple[date, int]] = []
    pools: dict[int, int] = {}
    for charge, membership, plan in charges:
        days = used.get((membership.id, charge.period_start), [])
        if plan.rollover:
            _rollover(earned, pools, charge, membership, plan, days, date_to)
        else:
            _per_period(earned, charge, plan, days, date_to)
    for membership_id, left in pools.items():
        membership = session.get(Membership, membership_id)
        cancelled = membership.cancelled_on
        if left and cancelled is not None and cancelled <= date_to:
            earned.append((cancelled, left))
    return earned


def _per_period(earned, charge, plan, days, date_to) -> None:
    left = charge.amount_cents
    share = charge.amount_cents // plan.visits if plan.visits else 0
    for number, day in enumerate(days[: plan.visits], 1):
        value = left if number == plan.visits else min(share, left)
        earned.append((day, value))
        left -= value
    if left and charge.period_end <= date_to:
        earned.append((charge.period_end, left))


def _rollover(earned, pools, charge, membership, plan, days, date_to) -> None:
    """Dues go into the membership's pool; each included visit takes a share from it."""
    pools[membership.id] = pools.get(membership.id, 0) + charge.amount_cents
    share = charge.amount_cents // plan.visits
    for day in days:
        value = min(share, pools[membership.id])
        if value:
            earned.append((day, value))
            pools[membership.id] -= value
