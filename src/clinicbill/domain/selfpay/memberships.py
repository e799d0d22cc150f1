"""Membership plans and members: enrol, pause, resume, cancel, and where each stands.

A member is billed one charge per period that has started (domain/selfpay/membership_billing.py),
except periods that start while the membership is paused or after it is cancelled. Status is
derived from the dates, never stored.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select

from clinicbill.domain.errors import ClinicbillError
from clinicbill.domain.selfpay.periods import check_period, period_bounds
from clinicbill.domain.validate import required_text
from clinicbill.store.models import (
    Membership,
    MembershipCharge,
    MembershipPause,
    MembershipPlan,
    Provider,
)
from clinicbill.store.query import added, narrowed


def add_plan(
    session,
    name: str,
    price_cents: int,
    period: str,
    visits: int = 0,
    rollover: bool = False,
    member_rate_cents: int | None = None,
) -> MembershipPlan:
    """A membership plan: its price each period, visits included, the rate of other visits."""
    title = required_text(name, "name", 80)
    if price_cents <= 0:
        raise ClinicbillError("price: must be more than 0", "type dollars, e.g. --price 99")
    if not 0 <= visits <= 100:
        raise ClinicbillError(f"visits: {visits} is not between 0 and 100", "e.g. --visits 2")
    if rollover and not visits:
        raise ClinicbillError(
            "rollover: the plan includes no visits to roll over", "give --visits N"
        )
    if session.execute(select(MembershipPlan.id).where(MembershipPlan.name == title)).first():
        raise ClinicbillError(f"name: a plan named '{title}' exists", "choose another name")
    plan = MembershipPlan(
        name=title,
        price_cents=price_cents,
        period=check_period(period),
        visits=visits,
        rollover=rollover,
        member_rate_cents=member_rate_cents,
    )
    return added(session, plan)


def find_named(session, model, ref, label: str, hint: str):
    """A row of a table with a unique `name`, by id or by name (any case)."""
    text = str(ref or "").strip()
    row = session.get(model, int(text)) if text.isdigit() else None
    if row is None and text:
        row = session.execute(
            select(model).where(func.lower(model.name) == text.lower())
        ).scalar_one_or_none()
    if row is None:
        raise ClinicbillError(f"{label}: no {label.replace('-', ' ')} '{text[:30]}'", hint)
    return row


def find_plan(session, ref) -> MembershipPlan:
    return find_named(session, MembershipPlan, ref, "plan", "see 'clinicbill membership plan list'")


def find_membership(session, ref) -> Membership:
    text = str(ref or "").strip()
    membership = session.get(Membership, int(text)) if text.isdigit() else None
    if membership is None:
        raise ClinicbillError(
            f"membership: no membership {text[:20]}", "see 'clinicbill membership list'"
        )
    return membership


def _default_provider(session) -> int:
    first = session.execute(
        select(Provider.id).where(Provider.active.is_(True)).order_by(Provider.id)
    ).scalar()
    if first is None:
        raise ClinicbillError(
            "provider: the practice has no provider", "add one: clinicbill provider add"
        )
    return first


def enroll(session, patient, plan: MembershipPlan, start_on: date, provider_id=None) -> Membership:
    """Enrol a patient from `start_on`; the first period starts that day."""
    current = session.execute(
        select(Membership.id).where(
            Membership.patient_id == patient.id,
            Membership.plan_id == plan.id,
            (Membership.cancelled_on.is_(None)) | (Membership.cancelled_on > start_on),
        )
    ).first()
    if current:
        raise ClinicbillError(
            f"patient: {patient.account_number} is already a member of '{plan.name}'"
            f" (membership {current[0]})",
            "cancel it first, or pause and resume it",
        )
    membership = Membership(
        patient_id=patient.id,
        plan_id=plan.id,
        provider_id=provider_id or _default_provider(session),
        start_on=start_on,
    )
    return added(session, membership)


def pauses(session, membership_ids) -> dict[int, list[MembershipPause]]:
    rows = session.execute(
        select(MembershipPause)
        .where(MembershipPause.membership_id.in_(list(membership_ids) or [-1]))
        .order_by(MembershipPause.paused_on, MembershipPause.id)
    ).scalars()
    out: dict[int, list[MembershipPause]] = {}
    for row in rows:
        out.setdefault(row.membership_id, []).append(row)
    return out


def paused_on(pause_rows, day: date) -> bool:
    return any(
        p.paused_on <= day and (p.resumed_on is None or day < p.resumed_on) for p in pause_rows
    )


def billable(membership: Membership, pause_rows, start: date) -> bool:
    """Whether the period starting on `start` is billed: not cancelled by then, not paused."""
    if start < membership.start_on:
        return False
    if membership.cancelled_on is not None and start >= membership.cancelled_on:
        return False
    return not paused_on(pause_rows, start)


def _billed_from(session, membership: Membership, day: date, until: date | None = None):
    query = select(func.min(MembershipCharge.period_start)).where(
        MembershipCharge.membership_id == membership.id, MembershipCharge.period_start >= day
    )
    if until is not None:
        query = query.where(MembershipCharge.period_start < until)
    return session.execute(query).scalar()


def _refuse_if_ended(membership: Membership, on: date) -> None:
    if membership.cancelled_on is not None:
        raise ClinicbillError(
            f"membership: {membership.id} was cancelled from {membership.cancelled_on}",
            "enrol the patient again",
        )
    if on < membership.start_on:
        raise ClinicbillError(
            f"date: {on} is before the membership starts ({membership.start_on})",
            "give a later date",
        )


def pause(session, membership: Membership, on: date) -> MembershipPause:
    """Stop billing periods that start on or after `on` until the membership is resumed."""
    _refuse_if_ended(membership, on)
    rows = pauses(session, [membership.id]).get(membership.id, [])
    if any(p.resumed_on is None for p in rows):
        raise ClinicbillError(f"membership: {membership.id} is already paused", "resume it first")
    if any(p.resumed_on is not None and p.resumed_on > on for p in rows):
        raise ClinicbillError(f"date: {on} falls in an earlier pause", "pause from a later date")
    billed = _billed_from(session, membership, on)
    if billed is not None:
        raise ClinicbillError(
            f"date: the period starting {billed} is already billed",
            f"pause from a date after {billed}, or adjust that charge",
        )
    row = MembershipPause(membership_id=membership.id, paused_on=on)
    return added(session, row)


def resume(session, membership: Membership, on: date) -> MembershipPause:
    """Bill again the periods that start on or after `on`."""
    rows = pauses(session, [membership.id]).get(membership.id, [])
    open_pause = next((p for p in rows if p.resumed_on is None), None)
    if open_pause is None:
        raise ClinicbillError(
            f"membership: {membership.id} is not paused", "see 'clinicbill membership list'"
        )
    if on < open_pause.paused_on:
        raise ClinicbillError(
            f"date: {on} is before the pause began ({open_pause.paused_on})", "give a later date"
        )
    open_pause.resumed_on = on
    session.flush()
    return open_pause


def cancel(session, membership: Membership, on: date) -> Membership:
    """End the membership: no period starting on or after `on` is billed."""
    _refuse_if_ended(membership, on)
    billed = _billed_from(session, membership, on)
    if billed is not None:
        raise ClinicbillError(
            f"date: the period starting {billed} is already billed",
            f"cancel from a date after {billed}, or adjust that charge",
        )
    membership.cancelled_on = on
    session.flush()
    return membership


@dataclass(frozen=True)
class MembershipStatus:
    id: int
    patient_id: int
    account_number: str
    plan: str
    price_cents: int
    period: str
    start_on: date
    status: str  # active | paused | cancelled | ended
    periods_billed: int
    billed_cents: int
    next_period: date | None


def status_on(membership: Membership, pause_rows, on: date) -> str:
    if membership.cancelled_on is not None and on >= membership.cancelled_on:
        return "cancelled"
    if membership.start_on > on:
        return "starts " + membership.start_on.isoformat()
    return "paused" if paused_on(pause_rows, on) else "active"


def next_billable(membership: Membership, plan: MembershipPlan, pause_rows, after: date):
    """The first period start after `after` that will be billed (None when cancelled)."""
    index = 0
    while True:
        start, _end = period_bounds(membership.start_on, plan.period, index)
        if membership.cancelled_on is not None and start >= membership.cancelled_on:
            return None
        if start > after and billable(membership, pause_rows, start):
            return start
        if index > 2000:  # paused for good: no date to show
            return None
        index += 1


def membership_statuses(session, on: date, patient_id: int | None = None) -> list[MembershipStatus]:
    """Every membership (of one patient) with its status on `on` and what was billed."""
    from clinicbill.store.models import Patient

    billed = (
        select(
            MembershipCharge.membership_id,
            func.count(MembershipCharge.id).label("n"),
            func.sum(MembershipCharge.amount_cents).label("cents"),
        )
        .group_by(MembershipCharge.membership_id)
        .subquery()
    )
    query = (
        select(Membership, MembershipPlan, Patient.account_number, billed.c.n, billed.c.cents)
        .join(MembershipPlan, MembershipPlan.id == Membership.plan_id)
        .join(Patient, Patient.id == Membership.patient_id)
        .outerjoin(billed, billed.c.membership_id == Membership.id)
        .order_by(Membership.id)
    )
    query = narrowed(query, Membership.patient_id, patient_id)
    rows = session.execute(query).all()
    paused = pauses(session, [m.id for m, *_ in rows])
    return [
        MembershipStatus(
            id=m.id,
            patient_id=m.patient_id,
            account_number=account,
            plan=plan.name,
            price_cents=plan.price_cents,
            period=plan.period,
            start_on=m.start_on,
            status=status_on(m, paused.get(m.id, []), on),
            periods_billed=int(n or 0),
            billed_cents=int(cents or 0),
            next_period=next_billable(m, plan, paused.get(m.id, []), on),
        )
        for m, plan, account, n, cents in rows
    ]
