"""Worklists: `report followup` (each claim needing action, why, and the next step; the aging's
data turned into a to-do list, SPEC §4.8, DOMAIN.md §13) and `report visits` (per policy:
visits used against the limit; authorizations remaining and expiring). A fixed number of
queries each, whatever the number of claims.
"""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import func, or_, select

from clinicbill.domain.aging import (
    NO_RESPONSE_DAYS,
    claim_states,
    open_line_cte,
    payers_by_id,
    recorded_after,
)
from clinicbill.domain.aging_sections import (
    make_alert,
    no_response_alerts,
    no_response_section,
    payer_claims,
    run_sections,
    timely_filing_alerts,
    timely_filing_section,
)
from clinicbill.domain.money import fmt
from clinicbill.domain.report_table import COUNT, DATE, MONEY, Column, Report, Section

APPEAL_DAYS = 180  # appeal window from the remittance date, DOMAIN.md §13
# Worklist order: the most urgent reason first.
REASONS = ("timely filing", "denied", "rejected", "no response", "underpaid")


def _timely_step(alert) -> tuple[str, str]:
    when = (
        f"{-alert.days} days past the {alert.deadline} limit"
        if alert.days < 0
        else f"{alert.days} days left (limit {alert.deadline})"
    )
    if alert.days < 0:
        step = "appeal with proof of timely filing if it was sent in time; else write it off"
    elif alert.claim_id is None:
        step = "create and send the claim now (clinicbill claim create)"
    elif alert.status == "rejected":
        step = f"fix the rejection and resend: clinicbill claim resubmit {alert.claim_id}"
    else:
        step = f"check and send it now: clinicbill claim check {alert.claim_id}"
    return f"timely filing: {when}", step


def _denied_claims(session, as_of: date) -> list:
    """Claims denied on `as_of` whose appeal window is still open, with the CARCs posted by
    the denial. Listed whatever their balance: a written-off denial can still be appealed."""
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
        )
        .join(states, states.c.claim_id == Claim.id)
        .join(Patient, Patient.id == Claim.patient_id)
        .outerjoin(answered, answered.c.claim_id == Claim.id)
        .where(
            states.c.status == "denied",
            or_(
                answered.c.remitted_on.is_(None),
                answered.c.remitted_on >= as_of - timedelta(days=APPEAL_DAYS),
            ),
        )
        .order_by(Claim.from_date, Claim.id)
    ).all()
    codes = session.execute(
        select(LedgerEntry.claim_id, LedgerEntry.group_code, LedgerEntry.reason_code)
        .join(states, states.c.claim_id == LedgerEntry.claim_id)
        .where(
            states.c.status == "denied",
            LedgerEntry.reason_code.is_not(None),
            LedgerEntry.remittance_claim_id.is_not(None),
            LedgerEntry.effective_date <= as_of,
        )
        .group_by(LedgerEntry.claim_id, LedgerEntry.group_code, LedgerEntry.reason_code)
        .order_by(LedgerEntry.claim_id, LedgerEntry.group_code, LedgerEntry.reason_code)
    ).all()
    reasons: dict[int, list] = {}
    for claim_id, group, reason in codes:
        reasons.setdefault(claim_id, []).append((group, reason))
    return [(claim, reasons.get(claim.id, [])) for claim in claims]


def _denied_step(claim, reasons: list) -> tuple[str, str]:
    from clinicbill.domain.remit import describe_adjustment

    why = "denied: " + (
        "; ".join(describe_adjustment(g, r) for g, r in reasons) or "no reason code posted"
    )
    by = f" by {claim.remitted_on + timedelta(days=APPEAL_DAYS)}" if claim.remitted_on else ""
    if any(group == "PR" for group, _ in reasons):
        step = f"the payer made it the patient's: bill the patient, or appeal{by}"
    else:
        step = (
            f"appeal{by} with records, or correct and send a replacement "
            f"(clinicbill claim resubmit {claim.id} --replace), or bill the patient if the "
            "plan allows"
        )
    return why, step


def followup_report(
    session, as_of: date | None = None, no_response_days: int = NO_RESPONSE_DAYS
) -> Report:
    """Every claim that needs someone to act, the reason, and the next step: past or near
    timely filing, denied, rejected, no response after `no_response_days`, underpaid."""
    from clinicbill.domain.underpaid import underpaid_query

    as_of = as_of or date.today()
    payers = payers_by_id(session)
    lines = open_line_cte(session, as_of, payers)
    found = run_sections(
        session,
        [
            timely_filing_section(lines, payers, as_of),
            payer_claims(lines, "rejected", lines.c.claim_status == "rejected"),
            no_response_section(lines, as_of, no_response_days),
        ],
    )
    items = []  # (rank, reference sort key, row)

    def add(reason: str, alert, why: str, step: str) -> None:
        row = (
            alert.reference,
            alert.patient,
            alert.account,
            alert.payer,
            alert.service_date,
            alert.balance,
            why,
            step,
        )
        items.append((REASONS.index(reason), alert.days if reason == "timely filing" else 0, row))

    for alert in timely_filing_alerts(found.get("timely_filing", []), payers, as_of):
        add("timely filing", alert, *_timely_step(alert))
    for claim, reasons in _denied_claims(session, as_of):
        why, step = _denied_step(claim, reasons)
        row = (
            claim.patient_control_number,
            f"{claim.last_name}, {claim.first_name}",
            claim.account_number,
            payers[claim.payer_id].name,
            claim.from_date,
            claim.total_cents,
            why,
            step,
        )
        items.append((REASONS.index("denied"), 0, row))
    rejected = found.get("rejected", [])
    for row in sorted(rejected, key=lambda r: (r.service_date, r.claim_id)):
        alert = make_alert(row, payers, None, 0)
        step = f"fix it and resend as an original: clinicbill claim resubmit {alert.claim_id}"
        add("rejected", alert, "rejected before adjudication (never reached the payer)", step)
    for alert in no_response_alerts(found.get("no_response", []), payers, as_of):
        why = f"no response {alert.days} days after billing on {alert.billed_on}"
        step = "call the payer or send a claim status inquiry (276); resend if not on file"
        add("no response", alert, why, step)
    window_start = as_of - timedelta(days=APPEAL_DAYS)
    short: dict = {}
    for line in session.execute(underpaid_query(window_start, as_of)).all():
        claim = short.setdefault(
            line.claim_id, {"line": line, "short": 0, "on": line.adjudicated_on}
        )
        claim["short"] += int(line.short)
        claim["on"] = max(claim["on"], line.adjudicated_on)
    for claim in sorted(short.values(), key=lambda c: (c["line"].service_date, c["line"].claim_id)):
        line = claim["line"]
        row = (
            line.pcn,
            f"{line.last_name}, {line.first_name}",
            line.account,
            line.payer,
            line.service_date,
            claim["short"],
            f"underpaid by {fmt(claim['short'])} against the contracted rate",
            "ask the payer to reprocess at the contracted rate (appeal by "
            f"{claim['on'] + timedelta(days=APPEAL_DAYS)})",
        )
        items.append((REASONS.index("underpaid"), 0, row))
    items.sort(key=lambda item: (item[0], item[1]))
    counts = {reason: sum(1 for i in items if REASONS[i[0]] == reason) for reason in REASONS}
    section = Section(
        key="followup",
        title="Claims that need action",
        columns=(
            Column("claim", "Claim"),
            Column("patient", "Patient"),
            Column("account", "Account"),
            Column("payer", "Payer"),
            Column("service_date", "Service date", DATE),
            Column("at_stake", "At stake", MONEY),
            Column("why", "Why"),
            Column("next_step", "Next step"),
        ),
        rows=tuple(item[2] for item in items),
        empty="nothing to follow up",
    )
    summary = ", ".join(f"{n} {reason}" for reason, n in counts.items() if n) or "nothing"
    return Report(
        name="followup",
        title="Follow-up worklist",
        parameters={"as_of": as_of.isoformat()},
        sections=(section, _installments_section(session, as_of)),
        notes=(
            f"{len(items)} item(s): {summary}. At stake: the open balance; for a denial, the "
            "claim's charges; for an underpayment, the shortfall.",
        ),
        summary={},
    )


def visits_report(session, on: date | None = None, expiring_days: int | None = None) -> Report:
    """Per policy in effect: plan-year visits used (practice and payer counts) against the
    limit; then each authorization not yet ended with visits/units left, days to expiry and
    flags (only those expiring within `expiring_days` or nearly used up, when given).
    Uses domain/visits.py and domain/authorizations.py."""
    from clinicbill.domain.authorizations import authorizations_status
    from clinicbill.domain.errors import ClinicbillError
    from clinicbill.domain.visits import visits_status
    from clinicbill.store.models import Patient, Policy

    on = on or date.today()
    if expiring_days is not None and expiring_days < 0:
        raise ClinicbillError(f"expiring-days: {expiring_days} is negative", "give 0 or more")
    who = {
        row.id: row
        for row in session.execute(
            select(
                Policy.id,
                Policy.effective_from,
                Policy.effective_to,
                Patient.account_number,
                Patient.last_name,
                Patient.first_name,
            ).join(Patient, Patient.id == Policy.patient_id)
        ).all()
    }

    def in_effect(policy_id: int) -> bool:
        p = who[policy_id]
        return (p.effective_from is None or p.effective_from <= on) and (
            p.effective_to is None or p.effective_to >= on
        )

    def name(policy_id: int) -> tuple[str, str]:
        p = who[policy_id]
        return f"{p.last_name}, {p.first_name}", p.account_number

    statuses = visits_status(session, on)
    visit_rows = tuple(
        (
            *name(s.policy_id),
            s.payer_name,
            s.plan_year_start,
            s.plan_year_end,
            s.visit_limit,
            s.visits_used_practice,
            s.visits_used_payer,
            s.visits_remaining,
            ", ".join(s.flags),
        )
        for s in sorted(statuses, key=lambda s: (name(s.policy_id), s.payer_name))
        if in_effect(s.policy_id)
    )
    payer_of = {s.policy_id: s.payer_name for s in statuses}
    auth_rows = tuple(
        (
            a.number,
            *name(a.policy_id),
            payer_of.get(a.policy_id, ""),
            a.start_date,
            a.end_date,
            a.visits_authorized,
            a.visits_used,
            a.visits_remaining,
            a.units_authorized,
            a.units_used,
            a.units_remaining,
            a.days_left,
            ", ".join(a.flags),
        )
        for a in authorizations_status(session, on, expiring_days)
        if a.end_date >= on
    )
    return Report(
        name="visits",
        title="Visits and authorizations",
        parameters={"as_of": on.isoformat(), "expiring_within_days": expiring_days},
        sections=(
            Section(
                key="visits",
                title="Plan-year visits per policy",
                columns=(
                    Column("patient", "Patient"),
                    Column("account", "Account"),
                    Column("payer", "Payer"),
                    Column("plan_year_start", "Plan year from", DATE),
                    Column("plan_year_end", "to", DATE),
                    Column("limit", "Limit", COUNT),
                    Column("used_practice", "Used (ours)", COUNT),
                    Column("used_payer", "Used (payer)", COUNT),
                    Column("remaining", "Left", COUNT),
                    Column("flags", "Flags"),
                ),
                rows=visit_rows,
                empty="no policies in effect",
            ),
            Section(
                key="authorizations",
                title=(
                    "Authorizations in effect"
                    if expiring_days is None
                    else f"Authorizations ending within {expiring_days} days or nearly used up"
                ),
                columns=(
                    Column("number", "Authorization"),
                    Column("patient", "Patient"),
                    Column("account", "Account"),
                    Column("payer", "Payer"),
                    Column("start_date", "From", DATE),
                    Column("end_date", "To", DATE),
                    Column("visits_authorized", "Visits", COUNT),
                    Column("visits_used", "Used", COUNT),
                    Column("visits_remaining", "Left", COUNT),
                    Column("units_authorized", "Units", COUNT),
                    Column("units_used", "Used", COUNT),
                    Column("units_remaining", "Left", COUNT),
                    Column("days_left", "Days left", COUNT),
                    Column("flags", "Flags"),
                ),
                rows=auth_rows,
                empty="no authorization expiring or nearly used up",
            ),
        ),
        notes=(
            "Visits used: our own count of visits on the policy this plan year beside the "
            "payer's count from the latest verification; left = limit - the larger.",
        ),
    )


def _installments_section(session, as_of: date) -> Section:
    """Payment-plan installments past their date (domain/selfpay/payment_plans.py)."""
    from clinicbill.domain.selfpay.payment_plans import late_installments_section

    return late_installments_section(session, as_of)
