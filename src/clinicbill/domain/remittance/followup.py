"""Follow-up facts after a payer's first answer (issue 17), for `report followup`: each
claim's open denial on a date, the appeal deadline, the last logged call and next action,
and crossovers the next payer has not answered. A fixed number of queries each."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import func, or_, select

from clinicbill.domain.ledger.balances import CROSSOVER, DENIAL
from clinicbill.domain.money import fmt
from clinicbill.domain.reports.aging.query import claim_states, recorded_after
from clinicbill.domain.reports.table import CLAIM, DATE, MONEY, PATIENT, PAYER, Column, Section

APPEAL_DAYS = 180  # DOMAIN.md §13; each payer profile may say otherwise (appeal_days)
CALL_COLUMNS = (Column("last_call", "Last call"), Column("next_action", "Next action", DATE))


def held_by_claim(session, as_of: date) -> dict[str, dict[int, int]]:
    """Kind (denial, crossover) -> claim id -> its open hold (cents) on `as_of`: one query."""
    from clinicbill.store.models import LedgerEntry

    total = func.sum(LedgerEntry.amount_cents)
    rows = session.execute(
        select(LedgerEntry.kind, LedgerEntry.claim_id, total)
        .where(
            LedgerEntry.kind.in_((DENIAL, CROSSOVER)),
            LedgerEntry.effective_date <= as_of,
            LedgerEntry.claim_id.is_not(None),
        )
        .group_by(LedgerEntry.kind, LedgerEntry.claim_id)
        .having(total > 0)
    ).all()
    held: dict[str, dict[int, int]] = {DENIAL: {}, CROSSOVER: {}}
    for kind, claim_id, cents in rows:
        held[kind][claim_id] = int(cents)
    return held


def appeal_days_by_payer(payers: dict) -> dict[int, int]:
    """Payer id -> its profile's appeal window in days (`payers`: id -> Payer)."""
    from clinicbill.domain.practice.profiles import profile_for_payer

    return {pid: profile_for_payer(p).appeal_days for pid, p in payers.items()}


def last_calls(session, claim_ids, as_of: date) -> dict[int, dict]:
    """Claim id -> its latest call on or before `as_of`: date, rep, reference, next action."""
    from clinicbill.store.models import ClaimCall

    ids = list(dict.fromkeys(claim_ids))
    if not ids:
        return {}
    latest = (
        select(ClaimCall.claim_id, func.max(ClaimCall.id).label("call_id"))
        .where(ClaimCall.claim_id.in_(ids), ClaimCall.called_on <= as_of)
        .group_by(ClaimCall.claim_id)
        .subquery("latest_call")
    )
    rows = session.execute(
        select(ClaimCall).join(latest, latest.c.call_id == ClaimCall.id)
    ).scalars()
    return {
        c.claim_id: {
            "on": c.called_on,
            "rep": c.representative,
            "reference": c.reference,
            "next": c.next_action_on,
        }
        for c in rows
    }


def call_text(call: dict | None) -> str:
    if not call:
        return ""
    return f"{call['on']} {call['rep']} (ref {call['reference']})"


def forwarded_unanswered(session, as_of: date, days: int, held: dict[int, int]) -> list:
    """Claims whose payer forwarded them (CLP02 19/20/21/23) `days` or more days before
    `as_of` and whose next payer has not answered: the PR amounts are still held (`held`:
    claim id -> crossover hold, from `held_by_claim`)."""
    from clinicbill.store.models import (
        Claim,
        Patient,
        Payer,
        Remittance,
        RemittanceClaim,
    )

    if not held:
        return []
    forwarded_on = func.max(func.coalesce(Remittance.payment_date, as_of))
    claim_and_patient = (
        Claim.id,
        Claim.patient_control_number,
        Claim.from_date,
        Patient.last_name,
        Patient.first_name,
        Patient.account_number,
    )
    rows = session.execute(
        select(*claim_and_patient, Payer.name.label("payer"), forwarded_on.label("forwarded_on"))
        .join(RemittanceClaim, RemittanceClaim.claim_id == Claim.id)
        .join(Remittance, Remittance.id == RemittanceClaim.remittance_id)
        .join(Patient, Patient.id == Claim.patient_id)
        .join(Payer, Payer.id == Claim.payer_id)
        .where(
            Claim.id.in_(list(held)),
            RemittanceClaim.status_code.in_(("19", "20", "21", "23")),
        )
        .group_by(*claim_and_patient, Payer.name)
    ).all()
    out = []
    for row in rows:
        since = row.forwarded_on
        if isinstance(since, str):
            since = date.fromisoformat(since)
        if since <= as_of - timedelta(days=days):
            out.append((row, since, held[row.id]))
    return sorted(out, key=lambda item: (-item[2], item[1], item[0].id))


def denied_claims(session, as_of: date, held: dict[int, int]) -> list:
    """Claims denied or appealed on `as_of` whose appeal window is still open (or that still
    hold an open denial), with the CARCs posted by the denial. Listed whatever their balance:
    a written-off denial can still be appealed."""
    from clinicbill.store.models import Claim, LedgerEntry, Patient, Remittance, RemittanceClaim

    states = claim_states(as_of, historical=recorded_after(session, as_of))
    answered = (
        select(
            RemittanceClaim.claim_id.label("claim_id"),
            func.max(Remittance.payment_date).label("remitted_on"),
        )
        .join(Remittance, Remittance.id == RemittanceClaim.remittance_id)
        .where(Remittance.payment_date <= as_of)
        .group_by(RemittanceClaim.claim_id)
        .subquery("answered")
    )
    claims = session.execute(
        select(
            Claim.id,
            Claim.patient_control_number,
            Claim.payer_id,
            Claim.from_date,
            Claim.total_cents,
            Patient.account_number,
            Patient.last_name,
            Patient.first_name,
            answered.c.remitted_on,
            states.c.status,
        )
        .join(states, states.c.claim_id == Claim.id)
        .join(Patient, Patient.id == Claim.patient_id)
        .outerjoin(answered, answered.c.claim_id == Claim.id)
        .where(
            or_(states.c.status.in_(("denied", "appealed")), Claim.id.in_(list(held))),
            or_(
                answered.c.remitted_on.is_(None),
                answered.c.remitted_on >= as_of - timedelta(days=APPEAL_DAYS),
                Claim.id.in_(list(held)),
            ),
        )
        .order_by(Claim.from_date, Claim.id)
    ).all()
    codes = session.execute(
        select(LedgerEntry.claim_id, LedgerEntry.group_code, LedgerEntry.reason_code)
        .join(states, states.c.claim_id == LedgerEntry.claim_id)
        .where(
            or_(states.c.status.in_(("denied", "appealed")), LedgerEntry.claim_id.in_(list(held))),
            LedgerEntry.reason_code.is_not(None),
            LedgerEntry.kind != "patient_payment",
            LedgerEntry.remittance_claim_id.is_not(None),
            LedgerEntry.effective_date <= as_of,
        )
        .group_by(LedgerEntry.claim_id, LedgerEntry.group_code, LedgerEntry.reason_code)
        .order_by(LedgerEntry.claim_id, LedgerEntry.group_code, LedgerEntry.reason_code)
    ).all()
    reasons: dict[int, list] = {}
    for claim_id, group, reason in codes:
        reasons.setdefault(claim_id, []).append((group, reason))
    return [(claim, reasons.get(claim.id, []), held.get(claim.id, 0)) for claim in claims]


def denied_step(claim, reasons: list, deadline) -> tuple[str, str]:
    """Why and what next for a denied or appealed claim. CO and PI make the provider liable
    (DOMAIN.md §5): the patient is never the next step for those."""
    from clinicbill.domain.remittance.remit import describe_adjustment

    reasons = [(g, r) for g, r in reasons if (g, r) != ("CO", "45")] or reasons
    why = ("appealed, " if claim.status == "appealed" else "") + "denied: "
    why += "; ".join(describe_adjustment(g, r) for g, r in reasons) or "no reason code posted"
    by = f" by {deadline}" if deadline else ""
    groups = {group for group, _ in reasons}
    if claim.status == "appealed":
        step = (
            f"wait for the payer's answer; call if none within 30 days and log it "
            f"(clinicbill claim call {claim.id}); the appeal window ends {deadline or 'n/a'}"
        )
    elif groups and groups <= {"PR"}:
        step = f"the payer made it the patient's: bill the patient, or appeal{by}"
    else:
        step = (
            f"appeal{by} with records (clinicbill claim appeal {claim.id} --letter), or correct "
            f"and send a replacement (clinicbill claim resubmit {claim.id} --replace), or write "
            f"it off (clinicbill claim writeoff {claim.id}); "
            + (
                "CO/PI: the provider is liable; the patient owes none of it"
                if groups & {"CO", "PI"}
                else "OA: ask the payer which party is liable"
            )
        )
    return why, step


def denied_section(denied_rows, calls) -> Section:
    """Denied and appealed claims: what the payer holds, the codes, the deadline."""
    denied_rows = sorted(denied_rows, key=lambda d: (-d[2], d[3] or date.max, d[0].id))
    return Section(
        key="denied",
        title="Denied (held with the payer, not patient A/R)",
        columns=(
            CLAIM,
            PATIENT,
            PAYER,
            Column("status", "Status"),
            Column("denied", "Denied", MONEY),
            Column("codes", "Codes"),
            Column("deadline", "Appeal by", DATE),
            *CALL_COLUMNS,
        ),
        rows=tuple(
            (
                claim.patient_control_number,
                patient,
                payer,
                claim.status,
                held,
                ", ".join(dict.fromkeys(f"{g}-{r}" for g, r in reasons)),
                deadline,
                call_text(calls.get(claim.id)),
                (calls.get(claim.id) or {}).get("next"),
            )
            for claim, reasons, held, deadline, payer, patient in denied_rows
        ),
        total=None,
        empty="no open denial",
    )


def underpaid_items(session, as_of: date, add) -> None:
    from clinicbill.domain.reports.underpaid import underpaid_query

    window_start = as_of - timedelta(days=APPEAL_DAYS)
    short: dict = {}
    for line in session.execute(underpaid_query(window_start, as_of)).all():
        claim = short.setdefault(
            line.claim_id, {"line": line, "short": 0, "on": line.adjudicated_on}
        )
        claim["short"] += int(line.short)
        claim["on"] = max(claim["on"], line.adjudicated_on)
    for claim in short.values():
        line = claim["line"]
        deadline = claim["on"] + timedelta(days=APPEAL_DAYS)
        why = f"underpaid by {fmt(claim['short'])} against the contracted rate"
        step = f"ask the payer to reprocess at the contracted rate (appeal by {deadline})"
        patient = f"{line.last_name}, {line.first_name}"
        add("underpaid", line.claim_id, line.pcn, patient, line.account, line.payer,
            line.service_date, claim["short"], deadline, why, step)  # fmt: skip
