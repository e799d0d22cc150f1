"""Who owes a service line's open balance on a date: a payer or the patient (DOMAIN.md §14).

This is the ONE statement of that rule. The aging (domain/reports/aging/query.py `open_lines`:
`aging`,
`report followup`) and every balance (domain/ledger/balances.py
`responsibility_query`/`line_details`:
`balance`, `patient show`, `claim show`, payment allocation, the statement) read it from here.

On a date, an open line is owed by:
1. the patient, for a self-pay visit (no policy) or a policy whose payer's profile takes no
   claims (the self-pay profile);
2. the visit policy's payer while no claim holds the line (unbilled), unless patient
   responsibility was posted on it (then the patient);
3. the payer of the line's current claim (the newest one that exists on the date, is not
   void and is not a frequency-8 void request):
   - while the claim is appealed;
   - while it is with the payer (draft, ready, submitted, accepted, rejected) and no
     remittance has answered it: a remittance that a reversal (CLP02 22) cancelled out does
     not count, so a fully reversed claim is back with the payer;
   - while it is denied and the denial was not moved to the patient (no patient
     responsibility posted): someone has to decide to appeal or re-bill;
   - while the line holds an open denial (ledger kind `denial`, domain/remittance/holds.py),
     whatever the claim's status (a line denied on a partly paid claim stays with the payer);
   - while the line holds PR amounts the payer forwarded to the next payer (kind `crossover`,
     CLP02 19/20/21/23): then the patient's other policy's payer owes them (the claim's payer
     when the patient has none on file) until it answers or the practice moves them;
4. the patient otherwise (the payer answered: paid, partially paid, closed, a denial moved
   to the patient).

"Patient responsibility posted" means the line's patient-responsibility entries sum above
zero on the date (a reversal's negating entry takes it back). Everything is SQL: the facts
are looked up per line by index, and the same statements run on SQLite and PostgreSQL.

`historical=True` reads the books as they were on `as_of`: claim status events dated on or
before it, remittances paid by then, claims created by then. A claim without any status
history (bulk-loaded data) is taken as submitted from its first-billed date and as its current
status once a remittance answered it. `historical=False` reads the books as they stand.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from functools import cache

from sqlalchemy import and_, case, exists, func, not_, null, or_, select
from sqlalchemy.orm import aliased

from clinicbill.domain.claims.status import INACTIVE_STATUSES
from clinicbill.domain.remittance.remit import REVERSAL
from clinicbill.store.models import (
    Claim,
    ClaimLine,
    ClaimStatusEvent,
    Payer,
    Policy,
    Remittance,
    RemittanceClaim,
)

WITH_PAYER = ("draft", "ready", "submitted", "accepted", "rejected")


def end_of_day(day: date) -> datetime:
    """The first instant after the practice's calendar `day` (local midnight, timezone-aware),
    for timestamp columns (stored in UTC) compared with a date."""
    return datetime.combine(day + timedelta(days=1), time.min).astimezone()


def answered_by_remittance(claim, as_of: date | None = None):
    """SQL: whether remittances answered `claim` (the Claim model or an alias) by `as_of`
    (None: ever): more answers than reversals, so a fully reversed one does not count."""
    net = select(
        func.coalesce(func.sum(case((RemittanceClaim.status_code == REVERSAL, -1), else_=1)), 0)
    ).where(RemittanceClaim.claim_id == claim.id)
    if as_of is not None:
        net = net.join(Remittance, Remittance.id == RemittanceClaim.remittance_id).where(
            or_(
                Remittance.payment_date <= as_of,
                and_(
                    Remittance.payment_date.is_(None),
                    Remittance.imported_at < end_of_day(as_of),
                ),
            )
        )
    return net.scalar_subquery() > 0


def claim_facts(claim, as_of: date, historical: bool):
    """SQL expressions over `claim` (the Claim model or an alias of it): its status on `as_of`
    (NULL when it did not exist yet), whether a remittance answered it by then (and no
    reversal cancelled that), and its first-billed date if it was billed by then."""
    if not historical:
        return claim.status, answered_by_remittance(claim), claim.first_billed_on
    remitted = answered_by_remittance(claim, as_of)
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


def takes_no_claims(profile) -> bool:
    """A payer whose rule profile takes no claims (self-pay): its policy's visits are the
    patient's to pay."""
    return not profile.billable


def patient_payer_ids(payers: dict) -> tuple[int, ...]:
    """The ids of `payers` (id -> Payer) whose profile takes no claims."""
    from clinicbill.domain.practice.profiles import profile_for_payer

    return tuple(pid for pid, p in payers.items() if takes_no_claims(profile_for_payer(p)))


def patient_payers_query():
    """Select the ids of payers whose profile takes no claims, for one statement (the same
    set as `patient_payer_ids`, without loading the payers)."""
    from clinicbill.domain.practice.profiles import PROFILE_NAMES, load_profile

    names = tuple(n for n in PROFILE_NAMES if takes_no_claims(load_profile(n)))
    return select(Payer.id).where(Payer.profile.in_(names))


@cache
def _claim_alias(name: str):
    """An alias of the claim table (built once: its column proxies cost per statement)."""
    return aliased(Claim, name=name)


def with_party(
    lines,
    as_of: date,
    *,
    historical: bool,
    patient_payers=None,
    first_billed: bool = False,
):
    """Select every row of `lines` with its current claim and who owes its balance.

    `lines` (a subquery) needs the columns service_line_id, policy_id,
    patient_responsibility, denied and forwarded (the line's sums of those entries on
    `as_of`). Columns added:
    claim_id (current claim or NULL), first_billed_on (the first date any current-or-earlier
    claim of the line was billed, when `first_billed`; else NULL), claim_payer_id, pcn,
    claim_status, claim_billed_on, remitted (answered and not reversed) and party_payer_id
    (NULL: the patient owes it). `patient_payers`: the ids of payers whose profile takes no
    claims (default: derived in SQL from the payers' profiles).
    """
    owned = _with_current_claim(lines, as_of, historical, first_billed)
    claim = _claim_alias("current_claim")
    status, remitted, billed = claim_facts(claim, as_of, historical)
    facts = (
        select(
            owned,
            claim.payer_id.label("claim_payer_id"),
            claim.patient_control_number.label("pcn"),
            status.label("claim_status"),
            billed.label("claim_billed_on"),
            remitted.label("remitted"),
        )
        .outerjoin(claim, claim.id == owned.c.claim_id)
        .cte("claim_fact")
        .prefix_with("MATERIALIZED")
    )
    if patient_payers is None:
        patient_payers = patient_payers_query()
    elif not patient_payers:
        patient_payers = (-1,)
    return select(facts, _owing_party(facts, patient_payers).label("party_payer_id")).outerjoin(
        Policy, Policy.id == facts.c.policy_id
    )


def _with_current_claim(lines, as_of: date, historical: bool, first_billed: bool):
    """CTE: `lines` with claim_id (the line's current claim: the newest one that exists on
    as_of, not void, not a void request (frequency 8)) and, for --basis billed,
    first_billed_on (the first date any of them was billed)."""
    billed_claim = _claim_alias("billed_claim")
    billed_status, _, billed_on = claim_facts(billed_claim, as_of, historical)
    of_line = (
        select(func.max(ClaimLine.claim_id))
        .join(billed_claim, billed_claim.id == ClaimLine.claim_id)
        .where(
            ClaimLine.service_line_id == lines.c.service_line_id,
            billed_claim.frequency != "8",
            billed_status.is_not(None),
            billed_status.not_in(INACTIVE_STATUSES),
        )
    )
    first_billed_on = (
        of_line.with_only_columns(func.min(billed_on)).scalar_subquery() if first_billed else null()
    )
    # MATERIALIZED: each layer is computed once per line, not once per use of a column.
    return (
        select(
            lines,
            of_line.scalar_subquery().label("claim_id"),
            first_billed_on.label("first_billed_on"),
        )
        .cte("owed_line")
        .prefix_with("MATERIALIZED")
    )


def _owing_party(facts, patient_payers):
    """SQL: the payer id owing the line's balance, NULL for the patient (the module's rules
    1-4, in order)."""
    moved = facts.c.patient_responsibility > 0
    status, payer = facts.c.claim_status, facts.c.claim_payer_id
    held_by = func.coalesce(payer, Policy.payer_id)
    return case(
        (facts.c.policy_id.is_(None), null()),
        (Policy.payer_id.in_(patient_payers), null()),
        (facts.c.denied > 0, held_by),
        (facts.c.forwarded > 0, func.coalesce(next_payer(Policy, held_by), held_by)),
        (facts.c.claim_id.is_(None), case((moved, null()), else_=Policy.payer_id)),
        (status == "appealed", payer),
        (and_(status.in_(WITH_PAYER), not_(facts.c.remitted)), payer),
        (and_(status == "denied", not_(moved)), payer),
        else_=null(),
    )


def next_payer(policy, current_payer):
    """SQL: the payer of another policy of `policy`'s patient (secondary first, then tertiary)
    whose payer is not `current_payer`: where a crossover (CLP02 19/20/21/23) went."""
    other = aliased(Policy, name="next_policy")
    rank = case((other.priority == "secondary", 1), (other.priority == "tertiary", 2), else_=3)
    return (
        select(other.payer_id)
        .where(
            other.patient_id == policy.patient_id,
            other.id != policy.id,
            other.payer_id != current_payer,
        )
        .order_by(rank, other.id)
        .limit(1)
        .scalar_subquery()
    )
