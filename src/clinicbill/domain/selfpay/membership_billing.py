"""Membership charges, posted exactly once per member and period, and visits drawn.

`post_membership_charges` claims each (membership, period start) with an insert-or-ignore on
the table's unique key before it writes anything else: a second run, or a run racing in
another process, finds the key taken and posts nothing for it. The charge itself is an
ordinary self-pay service line (code MEMBERSHIP) on a signed encounter dated the first day of
the period, so statements, aging, payments and the ledger invariant treat it like any other
patient balance.

A member's self-pay visit draws one included visit of its period (written off as the
membership's, reason `membership`); with `rollover`, included visits not used in earlier
billed periods are still available. Beyond them the visit costs the plan's member rate (the
rest written off), or the full fee when the plan sets no member rate.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select

from clinicbill.domain.ledger import balances as ledger
from clinicbill.domain.ledger.balances import ADJUSTMENT
from clinicbill.domain.selfpay.memberships import billable, paused_on, pauses
from clinicbill.domain.selfpay.periods import period_bounds, period_index_on, periods_until
from clinicbill.store.models import (
    Encounter,
    Membership,
    MembershipCharge,
    MembershipPlan,
    MembershipVisit,
    ServiceLine,
)
from clinicbill.store.query import added
from clinicbill.store.types import utcnow

MEMBERSHIP_CODE = "MEMBERSHIP"
MEMBERSHIP_REASON = "membership"


@dataclass(frozen=True)
class PostedCharge:
    charge_id: int
    membership_id: int
    patient_id: int
    plan: str
    period_start: date
    period_end: date
    amount_cents: int
    encounter_id: int
    service_line_id: int


def _insert_or_ignore(session, values: dict) -> int | None:
    """Claim the (membership, period) key; the new charge id, or None when already taken."""
    if session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    statement = (
        insert(MembershipCharge)
        .values(**values, created_at=utcnow())
        .on_conflict_do_nothing(index_elements=["membership_id", "period_start"])
        .returning(MembershipCharge.id)
    )
    return session.execute(statement).scalar()


def _post_charge(session, membership, plan, start, end, user) -> PostedCharge | None:
    charge_id = _insert_or_ignore(
        session,
        {
            "membership_id": membership.id,
            "period_start": start,
            "period_end": end,
            "amount_cents": plan.price_cents,
        },
    )
    if charge_id is None:
        return None
    label = f"{plan.name} membership dues, {start.isoformat()} to {end.isoformat()}"
    encounter = Encounter(
        patient_id=membership.patient_id,
        provider_id=membership.provider_id,
        service_date=start,
        policy_id=None,
        template="membership",
        status="signed",
        signed_by=user,
        signed_at=utcnow(),
        note_text=label,
    )
    added(session, encounter)
    line = ServiceLine(
        encounter_id=encounter.id,
        line_number=1,
        code=MEMBERSHIP_CODE,
        units=1,
        charge_cents=plan.price_cents,
        pointers="",
        description=label,
    )
    added(session, line)
    charge = session.get(MembershipCharge, charge_id)
    charge.service_line_id = line.id
    session.flush()
    return PostedCharge(
        charge_id,
        membership.id,
        membership.patient_id,
        plan.name,
        start,
        end,
        plan.price_cents,
        encounter.id,
        line.id,
    )


def post_membership_charges(session, as_of: date, user: str) -> list[PostedCharge]:
    """Post every member's charge for each billable period started by `as_of` and not yet
    billed. Safe to repeat and to run concurrently: each period is posted once."""
    rows = session.execute(
        select(Membership, MembershipPlan)
        .join(MembershipPlan, MembershipPlan.id == Membership.plan_id)
        .where(Membership.start_on <= as_of)
        .order_by(Membership.id)
    ).all()
    billed = {
        (m, s)
        for m, s in session.execute(
            select(MembershipCharge.membership_id, MembershipCharge.period_start)
        ).all()
    }
    paused = pauses(session, [m.id for m, _p in rows])
    posted = []
    for membership, plan in rows:
        for _index, start, end in periods_until(membership.start_on, plan.period, as_of):
            if (membership.id, start) in billed:
                continue  # a shortcut only: the unique key decides
            if not billable(membership, paused.get(membership.id, []), start):
                continue
            charge = _post_charge(session, membership, plan, start, end, user)
            if charge is not None:
                posted.append(charge)
    return posted


# --- visits ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class DrawnVisit:
    membership_id: int
    plan: str
    included: bool
    left_after: int  # included visits still available in the period
    patient_owes_cents: int  # what the visit costs the member


def _active_membership(session, encounter: Encounter):
    day = encounter.service_date
    rows = session.execute(
        select(Membership, MembershipPlan)
        .join(MembershipPlan, MembershipPlan.id == Membership.plan_id)
        .where(
            Membership.patient_id == encounter.patient_id,
            Membership.start_on <= day,
            (Membership.cancelled_on.is_(None)) | (Membership.cancelled_on > day),
        )
        .order_by(Membership.id)
    ).all()
    paused = pauses(session, [m.id for m, _p in rows])
    for membership, plan in rows:
        if not paused_on(paused.get(membership.id, []), day):
            return membership, plan, paused.get(membership.id, [])
    return None


def included_left(session, membership, plan, pause_rows, day: date) -> tuple[date, int]:
    """(start of the period holding `day`, included visits still available on that day)."""
    index = period_index_on(membership.start_on, plan.period, day)
    start, _end = period_bounds(membership.start_on, plan.period, index)
    used = dict(
        session.execute(
            select(MembershipVisit.period_start, func.count(MembershipVisit.id))
            .join(Encounter, Encounter.id == MembershipVisit.encounter_id)
            .where(
                MembershipVisit.membership_id == membership.id,
                MembershipVisit.included.is_(True),
                Encounter.status != "void",  # a voided visit gives its included visit back
            )
            .group_by(MembershipVisit.period_start)
        ).all()
    )
    if not billable(membership, pause_rows, start):
        return start, 0
    if not plan.rollover:
        return start, max(plan.visits - used.get(start, 0), 0)
    earned = sum(
        plan.visits
        for _i, s, _e in periods_until(membership.start_on, plan.period, start)
        if billable(membership, pause_rows, s)
    )
    return start, max(earned - sum(n for s, n in used.items() if s <= start), 0)


def _write_off(session, lines, amount: int, on: date, note: str) -> None:
    from clinicbill.domain.ledger.balances import spread_over
    from clinicbill.domain.ledger.payments import add_line_entries

    parts = spread_over([(x, x.balance) for x in lines], amount)
    add_line_entries(session, parts, on, kind=ADJUSTMENT, reason_code=MEMBERSHIP_REASON, note=note)


def draw_membership_visit(session, encounter: Encounter) -> DrawnVisit | None:
    """A member's self-pay visit: use an included visit, else charge the member rate. None
    when the patient has no membership in force that day (or the visit is insured, void,
    drawn from a package, or already drawn)."""
    if encounter.policy_id is not None or encounter.package_id is not None:
        return None
    if encounter.status == "void" or encounter.template == "membership":
        return None
    found = _active_membership(session, encounter)
    if found is None:
        return None
    membership, plan, pause_rows = found
    drawn = session.execute(
        select(MembershipVisit.id).where(MembershipVisit.encounter_id == encounter.id)
    ).first()
    if drawn:
        return None
    start, left = included_left(session, membership, plan, pause_rows, encounter.service_date)
    lines = ledger.line_details(session, encounter_id=encounter.id)
    open_cents = sum(max(x.balance, 0) for x in lines)
    included = left > 0
    if included:
        owes = 0
        note = f"membership {membership.id}: included visit"
    else:
        rate = plan.member_rate_cents
        owes = open_cents if rate is None else min(rate, open_cents)
        note = f"membership {membership.id}: member rate"
    _write_off(session, lines, open_cents - owes, encounter.service_date, note)
    added(
        session,
        MembershipVisit(
            membership_id=membership.id,
            encounter_id=encounter.id,
            period_start=start,
            included=included,
        ),
    )
    return DrawnVisit(membership.id, plan.name, included, max(left - 1, 0) if included else 0, owes)
