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

from datetime import date, datetime, time, timedelta

from sqlalchemy import (
    and_,
    case,
    exists,
    func,
    not_,
    null,
    or_,
    select,
)
from sqlalchemy.orm import aliased

from clinicbill.domain.ledger import line_balance_query
from clinicbill.store.models import (
    Claim,
    ClaimLine,
    ClaimStatusEvent,
    Encounter,
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
    """The first instant after the practice's calendar `day` (local midnight, timezone-aware),
    for timestamp columns (stored in UTC) compared with a date."""
    return datetime.combine(day + timedelta(days=1), time.min).astimezone()


def claim_facts(claim, as_of: date, historical: bool):
    """SQL expressions over `claim` (the Claim model or an alias of it): its status on `as_of`
    (NULL when it did not exist yet), whether a remittance had answered it by then, and its
    first-billed date if it was billed by then."""
    answered = (
        select(RemittanceClaim.id)
        .join(Remittance, Remittance.id == RemittanceClaim.remittance_id)
        .where(RemittanceClaim.claim_id == claim.id)
    )
    if not historical:
        return claim.status, exists(answered), claim.first_billed_on
    answered = answered.where(
        or_(
            Remittance.payment_date <= as_of,
            and_(Remittance.payment_date.is_(None), Remittance.imported_at < end_of_day(as_of)),
        )
    )
    remitted = exists(answered)
    last_event = (
        select(ClaimStatusEvent.status)
        .where(ClaimStatusEvent.claim_id == claim.id, ClaimStatusEvent.on_date <= as_of)
        .order_by(ClaimStatusEvent.on_date.desc(), ClaimStatusEvent.id.desc())
        .limit(1)
        .scalar_subquery()
    )
    status = case(
        (exists().where(ClaimStatusEvent.claim_id == claim.id), last_event),
        (claim.status == "void", claim.status),
        (remitted, claim.status),
        (claim.first_billed_on <= as_of, "submitted"),
        (claim.created_at < end_of_day(as_of), "ready"),
        else_=null(),
    )
    billed = case((claim.first_billed_on <= as_of, claim.first_billed_on), else_=null())
    return status, remitted, billed


def claim_states(as_of: date, historical: bool):
    """CTE: each claim that exists on `as_of` with its status then (void claims left out)."""
    status, remitted, billed = claim_facts(Claim, as_of, historical)
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
    claim_id (current claim or NULL), pcn, claim_status, claim_billed_on, remitted,
    unbilled_encounter_id (the encounter when no claim holds the line), party_payer_id
    (NULL: the patient owes it), bucket (0..4 by age on the chosen basis).
    `historical=False` reads the books as they stand (no date filters, today's claim
    statuses): the same answer when nothing is recorded after `as_of` (`recorded_after`).
    `patient_payer_ids`: payers whose profile takes no claims (self-pay): the patient owes.

    The ledger is aggregated once; claims are looked up only for the open lines (by index).
    """
    base = line_balance_query(as_of if historical else None)
    balance = base.selected_columns.balance
    not_void = (
        or_(Encounter.status != "void", Encounter.voided_at >= end_of_day(as_of))
        if historical
        else Encounter.status != "void"
    )
    owed = base.with_only_columns(
        ServiceLine.id.label("service_line_id"),
        balance.label("balance"),
        base.selected_columns.patient_responsibility.label("patient_responsibility"),
        Encounter.id.label("encounter_id"),
        Encounter.patient_id.label("patient_id"),
        Encounter.provider_id.label("provider_id"),
        Encounter.service_date.label("service_date"),
        Encounter.policy_id.label("policy_id"),
    ).join(Encounter, Encounter.id == ServiceLine.encounter_id)
    owed = owed.where(balance != 0, Encounter.service_date <= as_of, not_void)
    if provider_id is not None:
        owed = owed.where(Encounter.provider_id == provider_id)
    owed = owed.subquery("open_balance")

    # The line's current claim: the newest one that exists on as_of, not void, not a void
    # request (frequency 8); and, for --basis billed, the first date any of them was billed.
    billed_claim = aliased(Claim, name="billed_claim")
    billed_status, _, billed_on = claim_facts(billed_claim, as_of, historical)
    of_line = (
        select(func.max(ClaimLine.claim_id))
        .join(billed_claim, billed_claim.id == ClaimLine.claim_id)
        .where(
            ClaimLine.service_line_id == owed.c.service_line_id,
            billed_claim.frequency != "8",
            billed_status.is_not(None),
            billed_status != "void",
        )
    )
    first_billed = (
        of_line.with_only_columns(func.min(billed_on)).scalar_subquery()
        if basis == "billed"
        else null()
    )
    # MATERIALIZED: each layer is computed once per open line, not once per use of a column.
    lines = (
        select(
            owed,
            of_line.scalar_subquery().label("claim_id"),
            first_billed.label("first_billed_on"),
        )
        .cte("owed_line")
        .prefix_with("MATERIALIZED")
    )
    claim = aliased(Claim, name="current_claim")
    status, remitted, billed = claim_facts(claim, as_of, historical)
    facts = (
        select(
            lines,
            claim.payer_id.label("claim_payer_id"),
            claim.patient_control_number.label("pcn"),
            status.label("claim_status"),
            billed.label("claim_billed_on"),
            remitted.label("remitted"),
        )
        .outerjoin(claim, claim.id == lines.c.claim_id)
        .cte("claim_fact")
        .prefix_with("MATERIALIZED")
    )
    moved = facts.c.patient_responsibility > 0
    status, payer = facts.c.claim_status, facts.c.claim_payer_id
    party = case(
        (facts.c.policy_id.is_(None), null()),
        (Policy.payer_id.in_(patient_payer_ids or (-1,)), null()),
        (facts.c.claim_id.is_(None), case((moved, null()), else_=Policy.payer_id)),
        (status == "appealed", payer),
        (and_(status.in_(WITH_PAYER), not_(facts.c.remitted)), payer),
        (and_(status == "denied", not_(moved)), payer),
        else_=null(),
    )
    if basis == "billed":
        age_date = func.coalesce(facts.c.first_billed_on, facts.c.service_date)
    else:
        age_date = facts.c.service_date
    bucket = case(
        *(
            (age_date >= as_of - timedelta(days=days), index)
            for index, days in enumerate(BUCKET_UPPER_DAYS)
        ),
        else_=len(BUCKET_UPPER_DAYS),
    )
    return select(
        facts.c.service_line_id,
        facts.c.balance,
        facts.c.encounter_id,
        facts.c.patient_id,
        facts.c.provider_id,
        facts.c.service_date,
        facts.c.claim_id,
        facts.c.pcn,
        facts.c.claim_status,
        facts.c.claim_billed_on,
        facts.c.remitted,
        case((facts.c.claim_id.is_(None), facts.c.encounter_id), else_=null()).label(
            "unbilled_encounter_id"
        ),
        party.label("party_payer_id"),
        bucket.label("bucket"),
    ).outerjoin(Policy, Policy.id == facts.c.policy_id)


def payers_by_id(session) -> dict:
    from clinicbill.store.models import Payer

    return {p.id: p for p in session.execute(select(Payer)).scalars()}


def recorded_after(session, as_of: date) -> bool:
    """Whether anything in the books is dated after `as_of`: a posting, a payment, a claim
    status change, a remittance, a first billing, a new claim, a void. When nothing is, the
    books as they stand are the books on `as_of`, and the current-state queries (no date
    filters, today's claim statuses) give the same answer faster."""
    from clinicbill.store.models import LedgerEntry, Payment

    later = end_of_day(as_of)
    checks = (
        exists().where(LedgerEntry.effective_date > as_of),
        exists().where(Payment.received_on > as_of),
        exists().where(ClaimStatusEvent.on_date > as_of),
        exists().where(Remittance.payment_date > as_of),
        exists().where(Remittance.payment_date.is_(None), Remittance.imported_at >= later),
        exists().where(Claim.first_billed_on > as_of),
        exists().where(Claim.created_at >= later),
        exists().where(Encounter.voided_at >= later),
    )
    return bool(session.execute(select(or_(*checks))).scalar())


def open_line_cte(
    session, as_of: date, payers: dict, basis: str = "service", provider_id=None, historical=None
):
    """`open_lines` as a CTE for `as_of` (computed once however many sections read it), with
    self-pay payers' visits owed by the patient. `historical` (default: whether anything is
    recorded after `as_of`) chooses the dated queries."""
    from clinicbill.domain.profiles import profile_for_payer

    if historical is None:
        historical = recorded_after(session, as_of)
    patient_payers = tuple(pid for pid, p in payers.items() if not profile_for_payer(p).billable)
    return (
        open_lines(
            as_of,
            basis=basis,
            provider_id=provider_id,
            historical=historical,
            patient_payer_ids=patient_payers,
        )
        .cte("open_line")
        .prefix_with("MATERIALIZED")
    )
