"""Accounts-receivable aging (SPEC §4.8, DOMAIN.md §13-14), computed in SQL over the ledger.

Every open service line belongs to one responsible party on the as-of date:
- the patient for a self-pay visit (no policy);
- the encounter policy's payer while the line is not on a claim yet (unbilled);
- the payer of the line's current claim (the newest claim that is not void and not a
  frequency-8 void request) while that claim is with the payer: draft, ready, submitted,
  accepted, rejected and not yet answered by a remittance, or appealed;
- the payer of a denied claim until the denial is moved to the patient (a patient-
  responsibility entry) or the claim is closed: someone has to decide to appeal or re-bill;
- the patient once the current claim is adjudicated (a remittance answered it, or it is paid,
  partially paid or closed) or patient responsibility was posted by it (or without a claim).

A line's balance and patient responsibility come from domain/ledger.py. Positive balances go
into buckets by age; negative ones (overpaid lines) and unapplied patient money are credits,
listed apart and never netted into a bucket.

`--as-of` reproduces a past date: only ledger entries with effective_date <= as_of, claim
status events dated <= as_of, remittances paid by then and visits on or before it count. A
claim without any status history (bulk-loaded data) is taken as submitted from its
first-billed date and as its current status once a remittance answered it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import and_, case, exists, func, not_, null, or_, select

from clinicbill.domain.ledger import PATIENT_RESPONSIBILITY, line_balance_query
from clinicbill.store.models import (
    Claim,
    ClaimLine,
    ClaimStatusEvent,
    Encounter,
    LedgerEntry,
    Policy,
    Remittance,
    RemittanceClaim,
    ServiceLine,
)

BUCKET_LABELS = ("0-30", "31-60", "61-90", "91-120", "120+")
BUCKET_UPPER_DAYS = (30, 60, 90, 120)  # inclusive upper age of every bucket but the last
BASES = ("service", "billed")
GROUPINGS = ("payer", "patient")
WITH_PAYER = ("draft", "ready", "submitted", "accepted", "rejected")
NOT_YET_SUBMITTED = ("draft", "ready", "rejected")
AWAITING_PAYER = ("submitted", "accepted")
NO_RESPONSE_DAYS = 30  # electronic claims, DOMAIN.md §13
TIMELY_FILING_WARNING_DAYS = 30
NO_CLAIM = 2**31 - 1  # a patient-responsibility entry posted without a claim outranks any claim


def end_of_day(day: date) -> datetime:
    """The first instant after `day` (UTC), for timestamp columns compared with a date."""
    return datetime.combine(day + timedelta(days=1), time.min, tzinfo=UTC)


def claim_states(as_of: date, historical: bool):
    """CTE: each claim that exists on `as_of` with its status then (void claims left out)."""
    answered = (
        select(RemittanceClaim.id)
        .join(Remittance, Remittance.id == RemittanceClaim.remittance_id)
        .where(RemittanceClaim.claim_id == Claim.id)
    )
    if historical:
        answered = answered.where(
            or_(
                Remittance.payment_date <= as_of,
                and_(Remittance.payment_date.is_(None), Remittance.imported_at < end_of_day(as_of)),
            )
        )
        remitted = exists(answered)
        last_event = (
            select(ClaimStatusEvent.status)
            .where(ClaimStatusEvent.claim_id == Claim.id, ClaimStatusEvent.on_date <= as_of)
            .order_by(ClaimStatusEvent.on_date.desc(), ClaimStatusEvent.id.desc())
            .limit(1)
            .scalar_subquery()
        )
        status = case(
            (exists().where(ClaimStatusEvent.claim_id == Claim.id), last_event),
            (Claim.status == "void", Claim.status),
            (remitted, Claim.status),
            (Claim.first_billed_on <= as_of, "submitted"),
            (Claim.created_at < end_of_day(as_of), "ready"),
            else_=null(),
        )
        billed = case((Claim.first_billed_on <= as_of, Claim.first_billed_on), else_=null())
    else:
        remitted = exists(answered)
        status = Claim.status
        billed = Claim.first_billed_on
    claims = (
        select(
            Claim.id.label("claim_id"),
            Claim.payer_id.label("payer_id"),
            Claim.patient_control_number.label("pcn"),
            billed.label("first_billed_on"),
            status.label("status"),
            remitted.label("remitted"),
        )
        .where(Claim.frequency != "8")
        .subquery("claim_all")
    )
    return (
        select(claims)
        .where(claims.c.status.is_not(None), claims.c.status != "void")
        .cte("claim_state")
    )


def open_lines(
    as_of: date,
    *,
    basis: str = "service",
    provider_id: int | None = None,
    historical: bool = True,
    patient_payer_ids: tuple[int, ...] = (),
):
    """Select every service line with a non-zero balance on `as_of` and who owes it.

    Columns: service_line_id, balance, encounter_id, patient_id, provider_id, service_date,
    claim_id (current claim or NULL), claim_status, claim_billed_on, pcn, remitted,
    unbilled_encounter_id (the encounter when no claim holds the line), party_payer_id
    (NULL: the patient owes it), bucket (0..4 by age on the chosen basis).
    `historical=False` reads today's claim statuses directly (faster; same answer today).
    `patient_payer_ids`: payers whose profile takes no claims (self-pay): the patient owes.
    """
    states = claim_states(as_of, historical)
    line_claim = (
        select(
            ClaimLine.service_line_id.label("service_line_id"),
            func.max(ClaimLine.claim_id).label("claim_id"),
            func.min(states.c.first_billed_on).label("first_billed_on"),
        )
        .join(states, states.c.claim_id == ClaimLine.claim_id)
        .group_by(ClaimLine.service_line_id)
        .subquery("line_claim")
    )
    moved = (
        select(
            LedgerEntry.service_line_id.label("service_line_id"),
            func.max(func.coalesce(LedgerEntry.claim_id, NO_CLAIM)).label("claim_id"),
        )
        .where(LedgerEntry.kind == PATIENT_RESPONSIBILITY, LedgerEntry.effective_date <= as_of)
        .group_by(LedgerEntry.service_line_id)
        .having(func.sum(LedgerEntry.amount_cents) > 0)
        .subquery("moved_to_patient")
    )
    party = case(
        (Encounter.policy_id.is_(None), null()),
        (Policy.payer_id.in_(patient_payer_ids or (-1,)), null()),
        (line_claim.c.claim_id.is_(None), Policy.payer_id),
        (states.c.status == "appealed", states.c.payer_id),
        (moved.c.claim_id >= line_claim.c.claim_id, null()),
        (and_(states.c.status.in_(WITH_PAYER), not_(states.c.remitted)), states.c.payer_id),
        (states.c.status == "denied", states.c.payer_id),
        else_=null(),
    )
    if basis == "billed":
        age_date = func.coalesce(line_claim.c.first_billed_on, Encounter.service_date)
    else:
        age_date = Encounter.service_date
    bucket = case(
        *(
            (age_date >= as_of - timedelta(days=days), index)
            for index, days in enumerate(BUCKET_UPPER_DAYS)
        ),
        else_=len(BUCKET_UPPER_DAYS),
    )
    base = line_balance_query(as_of)
    balance = base.selected_columns.balance
    not_void = (
        or_(Encounter.status != "void", Encounter.voided_at >= end_of_day(as_of))
        if historical
        else Encounter.status != "void"
    )
    query = (
        base.with_only_columns(
            ServiceLine.id.label("service_line_id"),
            balance.label("balance"),
            Encounter.id.label("encounter_id"),
            Encounter.patient_id.label("patient_id"),
            Encounter.provider_id.label("provider_id"),
            Encounter.service_date.label("service_date"),
            line_claim.c.claim_id.label("claim_id"),
            states.c.status.label("claim_status"),
            states.c.first_billed_on.label("claim_billed_on"),
            states.c.pcn.label("pcn"),
            states.c.remitted.label("remitted"),
            case((line_claim.c.claim_id.is_(None), Encounter.id), else_=null()).label(
                "unbilled_encounter_id"
            ),
            party.label("party_payer_id"),
            bucket.label("bucket"),
        )
        .join(Encounter, Encounter.id == ServiceLine.encounter_id)
        .outerjoin(Policy, Policy.id == Encounter.policy_id)
        .outerjoin(line_claim, line_claim.c.service_line_id == ServiceLine.id)
        .outerjoin(states, states.c.claim_id == line_claim.c.claim_id)
        .outerjoin(moved, moved.c.service_line_id == ServiceLine.id)
        .where(balance != 0, Encounter.service_date <= as_of, not_void)
    )
    if provider_id is not None:
        query = query.where(Encounter.provider_id == provider_id)
    return query


@dataclass(frozen=True)
class ClaimAlert:
    """A claim (or an unbilled visit) the aging flags for follow-up."""

    reference: str  # the claim's patient control number, or "session N" when unbilled
    claim_id: int | None
    encounter_id: int | None
    patient: str
    account: str
    payer: str
    payer_id: int
    status: str  # claim status, or "unbilled"
    service_date: date  # earliest open date of service
    billed_on: date | None
    deadline: date | None  # timely-filing deadline
    days: int  # days left before the deadline (negative: past), or days waiting
    balance: int


def claim_alert_query(lines):
    """Select per claim (or unbilled visit) the payer still owes: its earliest open date of
    service and open balance, with the patient's name; filter it further."""
    from clinicbill.store.models import Patient

    keys = (
        lines.c.claim_id,
        lines.c.unbilled_encounter_id,
        lines.c.pcn,
        lines.c.claim_status,
        lines.c.claim_billed_on,
        lines.c.party_payer_id,
        lines.c.patient_id,
        Patient.account_number,
        Patient.last_name,
        Patient.first_name,
    )
    return (
        select(
            *keys,
            func.min(lines.c.service_date).label("service_date"),
            func.sum(lines.c.balance).label("balance"),
        )
        .join(Patient, Patient.id == lines.c.patient_id)
        .where(lines.c.balance > 0, lines.c.party_payer_id.is_not(None))
        .group_by(*keys)
    )


def make_alert(row, payers: dict, deadline: date | None, days: int) -> ClaimAlert:
    return ClaimAlert(
        reference=row.pcn if row.claim_id else f"session {row.unbilled_encounter_id}",
        claim_id=row.claim_id,
        encounter_id=row.unbilled_encounter_id,
        patient=f"{row.last_name}, {row.first_name}",
        account=row.account_number,
        payer=payers[row.party_payer_id].name,
        payer_id=row.party_payer_id,
        status=row.claim_status or "unbilled",
        service_date=row.service_date,
        billed_on=row.claim_billed_on,
        deadline=deadline,
        days=days,
        balance=int(row.balance),
    )


def timely_filing_days(payers: dict) -> dict[int, int]:
    """Each claim-taking payer's timely-filing limit in days (its profile, or its override)."""
    from clinicbill.domain.profiles import profile_for_payer

    limits = {}
    for payer in payers.values():
        profile = profile_for_payer(payer)
        if profile.billable and profile.timely_filing_days > 0:
            limits[payer.id] = profile.timely_filing_days
    return limits


def timely_filing_alerts(session, lines, payers: dict, as_of: date) -> list[ClaimAlert]:
    """Not-yet-submitted claims and unbilled visits past or within 30 days of the limit."""
    limits = timely_filing_days(payers)
    if not limits:
        return []
    near = or_(
        *(
            and_(
                lines.c.party_payer_id == payer_id,
                lines.c.service_date <= as_of - timedelta(days=days - TIMELY_FILING_WARNING_DAYS),
            )
            for payer_id, days in limits.items()
        )
    )
    result = session.execute(
        claim_alert_query(lines).where(
            or_(lines.c.claim_id.is_(None), lines.c.claim_status.in_(NOT_YET_SUBMITTED)), near
        )
    ).all()
    alerts = []
    for row in result:
        deadline = row.service_date + timedelta(days=limits[row.party_payer_id])
        alerts.append(make_alert(row, payers, deadline, (deadline - as_of).days))
    alerts.sort(key=lambda a: (a.days, a.reference))
    return alerts


def no_response_alerts(session, lines, payers: dict, as_of: date, days: int) -> list[ClaimAlert]:
    """Submitted claims no remittance answered within `days` of first billing."""
    result = session.execute(
        claim_alert_query(lines).where(
            lines.c.claim_status.in_(AWAITING_PAYER),
            not_(lines.c.remitted),
            lines.c.claim_billed_on <= as_of - timedelta(days=days),
        )
    ).all()
    alerts = [make_alert(row, payers, None, (as_of - row.claim_billed_on).days) for row in result]
    alerts.sort(key=lambda a: (-a.days, a.reference))
    return alerts


def payers_by_id(session) -> dict:
    from clinicbill.store.models import Payer

    return {p.id: p for p in session.execute(select(Payer)).scalars()}


def open_line_table(session, as_of: date, payers: dict, basis: str = "service", provider_id=None):
    """`open_lines` as a subquery for `as_of`, with self-pay payers' visits owed by the
    patient and today's statuses read directly when `as_of` is today."""
    from clinicbill.domain.profiles import profile_for_payer

    patient_payers = tuple(pid for pid, p in payers.items() if not profile_for_payer(p).billable)
    return open_lines(
        as_of,
        basis=basis,
        provider_id=provider_id,
        historical=as_of < date.today(),
        patient_payer_ids=patient_payers,
    ).subquery("open_line")
