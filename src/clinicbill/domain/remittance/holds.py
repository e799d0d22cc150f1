"""Denials and crossovers are states, not write-offs (issue 17, DOMAIN.md §5).

A line a payer paid nothing for (CLP02 4, or an SVC paid 0 with no PR amount) keeps its
CO/OA/PI amounts as a `denial` hold: the balance stays open, with the payer, until the practice
appeals, writes it off, bills the patient (with a documented reason for CO/PI, which make the
provider liable) or sends a corrected claim, or until a later remittance answers the line (a
won appeal), which releases the hold. A claim the payer processed and forwarded to the next
payer (CLP02 19/20/21/23) keeps its PR amounts as a `crossover` hold with that next payer
until it answers or the practice moves them to the patient.

Holds are ledger entries (domain/ledger/balances.py kinds `denial`, `crossover`) dated like every
posting, so `aging --as-of` reads them as they were; releasing one is a new entry with the
opposite sign, never an edit. They never reduce a balance: charge = insurance paid + patient
paid + adjustments + balance holds with or without them.
"""

from __future__ import annotations

from functools import cache

from clinicbill.domain.ledger.balances import ADJUSTMENT, CROSSOVER, DENIAL, PATIENT_RESPONSIBILITY

# CLP02: processed and forwarded to another payer, or not ours and forwarded (DOMAIN.md §5)
FORWARDED = ("19", "20", "21", "23")
# Groups that make the provider liable: never billed to the patient without a documented
# reason (DOMAIN.md §5: CO and PI are "not billable to patient").
PROVIDER_LIABLE = ("CO", "PI")


def is_denied_service(status_code: str, paid_cents: int, adjustments) -> bool:
    """Whether a service line of this CLP is denied: the claim is denied (CLP02 4), or the
    payer paid nothing for the line and moved nothing to the patient. Reversals never are."""
    if status_code == "22":
        return False
    if status_code == "4":
        return True
    return paid_cents == 0 and not any(a.group == "PR" for a in adjustments)


def entry_kind(group: str, *, denied: bool, forwarded: bool) -> str:
    """The ledger kind a CAS amount posts as (positive amounts)."""
    if group == "PR":
        return CROSSOVER if forwarded else PATIENT_RESPONSIBILITY
    return DENIAL if denied else ADJUSTMENT


def reversal_parts(kind: str, amount: int, denied: int, forwarded: int) -> list[tuple[str, int]]:
    """A negative (reversal) amount of `kind` against a line holding `denied`/`forwarded`:
    what was held is taken back first (a reversed denial releases its hold), the rest from
    `kind` itself."""
    held = {ADJUSTMENT: (DENIAL, denied), PATIENT_RESPONSIBILITY: (CROSSOVER, forwarded)}
    if amount >= 0 or kind not in held:
        return [(kind, amount)]
    hold_kind, open_hold = held[kind]
    take = min(-amount, max(open_hold, 0))
    parts = [(hold_kind, -take)] if take else []
    if -amount - take:
        parts.append((kind, amount + take))
    return parts


# --- the practice decides: open holds and their release --------------------------------


def open_holds(session, claim_id: int, kind: str, as_of=None) -> list[dict]:
    """The open `kind` hold on each line of a claim, split by the group/CARC that put it
    there (the latest holding entries first): [{service_line_id, group, reason, remarks,
    amount, balance}]. Lines without an open hold are left out."""
    from sqlalchemy import select

    from clinicbill.domain.ledger import balances as ledger
    from clinicbill.store.models import ClaimLine, LedgerEntry

    line_ids = list(
        session.execute(
            select(ClaimLine.service_line_id)
            .where(ClaimLine.claim_id == claim_id)
            .order_by(ClaimLine.line_number)
        ).scalars()
    )
    balances = ledger.line_balances(session, line_ids, as_of)
    field = "denied" if kind == DENIAL else "forwarded"
    out = []
    for sl_id in line_ids:
        bal = balances[sl_id]
        left = getattr(bal, field)
        if left <= 0:
            continue
        held = session.execute(
            select(LedgerEntry)
            .where(
                LedgerEntry.service_line_id == sl_id,
                LedgerEntry.kind == kind,
                LedgerEntry.amount_cents > 0,
            )
            .order_by(LedgerEntry.effective_date.desc(), LedgerEntry.id.desc())
        ).scalars()
        for entry in held:
            take = min(left, entry.amount_cents)
            out.append(
                {
                    "service_line_id": sl_id,
                    "kind": kind,
                    "group": entry.group_code,
                    "reason": entry.reason_code,
                    "remarks": entry.remark_codes,
                    "amount": take,
                    "balance": bal.balance,
                }
            )
            left -= take
            if left == 0:
                break
    return out


def release_holds(session, claim_id: int, holds: list[dict], to_kind: str, on, note: str):
    """Move open holds to `to_kind` (adjustment: written off; patient_responsibility: billed
    to the patient): for each, a new entry of that kind (never more than the line's balance)
    and the hold's release (the same amount, negated). Returns the cents moved."""
    from clinicbill.store.models import LedgerEntry

    moved = 0
    room: dict[int, int] = {}
    for hold in holds:
        line = hold["service_line_id"]
        room.setdefault(line, max(hold["balance"], 0))
        amount = min(hold["amount"], room[line]) if to_kind == ADJUSTMENT else hold["amount"]
        rows = [(hold["kind"], -hold["amount"])]
        if amount > 0:
            rows.append((to_kind, amount))
            room[line] -= amount if to_kind == ADJUSTMENT else 0
            moved += amount
        for kind, cents in rows:
            session.add(
                LedgerEntry(
                    service_line_id=line,
                    kind=kind,
                    amount_cents=cents,
                    effective_date=on,
                    claim_id=claim_id,
                    group_code=hold["group"],
                    reason_code=hold["reason"],
                    remark_codes=hold["remarks"],
                    note=note[:200],
                )
            )
    session.flush()
    return moved


def forwarded_by(session, claim_id: int) -> str | None:
    """The CLP02 code with which the claim's payer forwarded it to the next payer, or None."""
    from sqlalchemy import select

    from clinicbill.store.models import RemittanceClaim

    return session.execute(
        select(RemittanceClaim.status_code)
        .where(RemittanceClaim.claim_id == claim_id, RemittanceClaim.status_code.in_(FORWARDED))
        .order_by(RemittanceClaim.id.desc())
        .limit(1)
    ).scalar()


def legacy_denial_writeoffs(session, service_line_ids) -> dict[int, list[tuple[str, str, int]]]:
    """Line id -> (group, CARC, cents) of CO/OA/PI adjustments a remittance posted on the line
    while paying nothing for it: denials written off at once, as postings made before denials
    were held. A payment on appeal takes them back rather than being refused as an
    overpayment. Lines without any are left out; read 500 lines a query (an era import asks
    for thousands)."""
    ids = list(service_line_ids)
    found: dict[int, list[tuple[str, str, int]]] = {}
    for start in range(0, len(ids), 500):
        rows = session.execute(_legacy_writeoffs_query(), {"lines": ids[start : start + 500]})
        for line, group, reason, cents in rows:
            if cents > 0:
                found.setdefault(line, []).append((group, reason, int(cents)))
    return found


@cache
def _legacy_writeoffs_query():
    """Built once: building the statement (an alias, a subquery) costs more than running it."""
    from sqlalchemy import and_, bindparam, func, select
    from sqlalchemy.orm import aliased

    from clinicbill.store.models import LedgerEntry

    paid = aliased(LedgerEntry)
    paid_on_it = (
        select(func.coalesce(func.sum(paid.amount_cents), 0))
        .where(
            and_(
                paid.service_line_id == LedgerEntry.service_line_id,
                paid.remittance_claim_id == LedgerEntry.remittance_claim_id,
                paid.kind == "insurance_payment",
            )
        )
        .scalar_subquery()
    )
    keys = (LedgerEntry.service_line_id, LedgerEntry.group_code, LedgerEntry.reason_code)
    return (
        select(*keys, func.sum(LedgerEntry.amount_cents))
        .where(
            LedgerEntry.service_line_id.in_(bindparam("lines", expanding=True)),
            LedgerEntry.kind == ADJUSTMENT,
            LedgerEntry.group_code.in_(("CO", "OA", "PI")),
            LedgerEntry.remittance_claim_id.is_not(None),
            paid_on_it == 0,
        )
        .group_by(*keys)
        .order_by(*keys)
    )
