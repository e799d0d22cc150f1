"""Accounts-receivable aging (SPEC §4.8, DOMAIN.md §13-14), computed in SQL over the ledger.

Every open service line belongs to one responsible party on the as-of date, decided by the
one rule in domain/ledger/responsibility.py (the same rule every balance uses): the patient for
self-pay visits and lines the payer has answered; the payer while the line is unbilled, its
claim is with the payer unanswered (or answered and fully reversed), appealed, or denied and
not moved to the patient.

A line's balance and patient responsibility come from domain/ledger/balances.py. Positive balances
go
into buckets by age; negative ones (overpaid lines) and unapplied patient money are credits,
listed apart and never netted into a bucket.

`--as-of` reproduces a past date: only ledger entries with effective_date <= as_of, claim
status events dated <= as_of, remittances paid by then and visits on or before it count
(domain/ledger/responsibility.py says how a claim without status history is read).
"""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import case, exists, func, null, or_, select

from clinicbill.domain.claims.status import INACTIVE_STATUSES
from clinicbill.domain.ledger.balances import line_balance_query
from clinicbill.domain.ledger.responsibility import (
    claim_facts,
    end_of_day,
    patient_payer_ids,
    with_party,
)
from clinicbill.store.models import Claim, ClaimStatusEvent, Encounter, Remittance, ServiceLine

BUCKET_LABELS = ("0-30", "31-60", "61-90", "91-120", "120+")
BUCKET_UPPER_DAYS = (30, 60, 90, 120)  # inclusive upper age of every bucket but the last
BASES = ("service", "billed")
GROUPINGS = ("payer", "patient")
NOT_YET_SUBMITTED = ("draft", "ready", "rejected")
AWAITING_PAYER = ("submitted", "accepted")
NO_RESPONSE_DAYS = 30  # electronic claims, DOMAIN.md §13
TIMELY_FILING_WARNING_DAYS = 30


def bucket_index(age_days: int) -> int:
    """The bucket (0..4, an index into BUCKET_LABELS) of a balance `age_days` old."""
    return next(
        (i for i, top in enumerate(BUCKET_UPPER_DAYS) if age_days <= top), len(BUCKET_UPPER_DAYS)
    )


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
        .where(claims.c.status.is_not(None), claims.c.status.not_in(INACTIVE_STATUSES))
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
    claim_id (current claim or NULL), pcn, claim_status, claim_billed_on, remitted (answered
    by a remittance no reversal cancelled), unbilled_encounter_id (the encounter when no claim
    holds the line), party_payer_id (NULL: the patient owes it; domain/ledger/responsibility.py),
    bucket (0..4 by age on the chosen basis).
    `historical=False` reads the books as they stand (no date filters, today's claim
    statuses): the same answer when nothing is recorded after `as_of` (`recorded_after`).
    `patient_payer_ids`: payers whose profile takes no claims (self-pay): the patient owes
    (default: derived in SQL from the payers' profiles).

    The ledger is aggregated once; claims are looked up only for the open lines (by index).
    """
    owed = _open_balances(as_of, provider_id, historical)
    lines = with_party(
        owed,
        as_of,
        historical=historical,
        patient_payers=patient_payer_ids or None,
        first_billed=basis == "billed",
    )
    c = lines.selected_columns
    if basis == "billed":
        age_date = func.coalesce(c.first_billed_on, c.service_date)
    else:
        age_date = c.service_date
    bucket = case(
        *(
            (age_date >= as_of - timedelta(days=days), index)
            for index, days in enumerate(BUCKET_UPPER_DAYS)
        ),
        else_=len(BUCKET_UPPER_DAYS),
    )
    return lines.with_only_columns(
        c.service_line_id,
        c.balance,
        c.encounter_id,
        c.patient_id,
        c.provider_id,
        c.service_date,
        c.claim_id,
        c.pcn,
        c.claim_status,
        c.claim_billed_on,
        c.remitted,
        c.denied,
        c.forwarded,
        case((c.claim_id.is_(None), c.encounter_id), else_=null()).label("unbilled_encounter_id"),
        c.party_payer_id,
        bucket.label("bucket"),
    )


def _open_balances(as_of: date, provider_id: int | None, historical: bool):
    """Subquery: each service line of a visit on or before `as_of` (not void then) with a
    non-zero balance, its ledger sums and its visit's facts."""
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
        base.selected_columns.denied.label("denied"),
        base.selected_columns.forwarded.label("forwarded"),
        Encounter.id.label("encounter_id"),
        Encounter.patient_id.label("patient_id"),
        Encounter.provider_id.label("provider_id"),
        Encounter.service_date.label("service_date"),
        Encounter.policy_id.label("policy_id"),
    ).join(Encounter, Encounter.id == ServiceLine.encounter_id)
    owed = owed.where(balance != 0, Encounter.service_date <= as_of, not_void)
    if provider_id is not None:
        owed = owed.where(Encounter.provider_id == provider_id)
    return owed.subquery("open_balance")


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
    if historical is None:
        historical = recorded_after(session, as_of)
    patient_payers = patient_payer_ids(payers)
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
