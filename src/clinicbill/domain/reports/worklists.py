"""Worklists: `report followup` (each claim needing action, why, and the next step; the aging's
data turned into a to-do list, SPEC §4.8, DOMAIN.md §13) and `report visits` (per policy:
visits used against the limit; authorizations remaining and expiring). A fixed number of
queries each, whatever the number of claims.
"""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select

from clinicbill.domain.clearinghouse.acknowledgements import rejections
from clinicbill.domain.money import fmt
from clinicbill.domain.reports.aging.query import NO_RESPONSE_DAYS, open_line_cte, payers_by_id
from clinicbill.domain.reports.aging.sections import (
    make_alert,
    no_response_alerts,
    no_response_section,
    payer_claims,
    run_sections,
    timely_filing_alerts,
    timely_filing_section,
)
from clinicbill.domain.reports.table import (
    CLAIM_COLUMNS,
    COUNT,
    DATE,
    MONEY,
    POLICY_COLUMNS,
    Column,
    Report,
    Section,
)

APPEAL_DAYS = 180  # appeal window from the remittance date, DOMAIN.md §13
# Worklist order: the most urgent reason first. A rejection never reached the payer and its
# timely-filing clock is running unseen, so it leads.
REASONS = ("rejected", "timely filing", "denied", "no response", "forwarded", "underpaid")


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


class _Worklist:
    """The follow-up items gathered so far: (reason, at stake, deadline, claim id, row)."""

    def __init__(self) -> None:
        self.items: list[tuple] = []

    def add(self, reason, claim_id, reference, patient, account, payer, day, stake, deadline,
            why, step) -> None:  # fmt: skip
        row = (reference, patient, account, payer, day, stake, deadline, why, step)
        self.items.append((reason, stake, deadline, claim_id, row))

    def add_alert(self, reason, alert, why, step, deadline=None) -> None:
        self.add(reason, alert.claim_id, alert.reference, alert.patient, alert.account,
                 alert.payer, alert.service_date, alert.balance, deadline, why, step)  # fmt: skip


def followup_report(
    session,
    as_of: date | None = None,
    no_response_days: int = NO_RESPONSE_DAYS,
    forwarded_days: int = NO_RESPONSE_DAYS,
) -> Report:
    """Every claim that needs someone to act, the reason, and the next step: past or near
    timely filing, denied or appealed, rejected, no response after `no_response_days`,
    forwarded to the next payer with no answer after `forwarded_days`, underpaid. Sorted by
    money at stake (most first), then deadline (soonest first); with each claim's last logged
    call and next action date. Denials also get their own section (held with the payer)."""
    from clinicbill.domain.remittance.followup import held_by_claim, underpaid_items

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
    work = _Worklist()
    for alert in timely_filing_alerts(found.get("timely_filing", []), payers, as_of):
        work.add_alert("timely filing", alert, *_timely_step(alert), alert.deadline)
    holds = held_by_claim(session, as_of)
    denied_rows = _denied_items(session, work, payers, as_of, holds["denial"])
    _rejected_items(session, work, found.get("rejected", []), payers)
    for alert in no_response_alerts(found.get("no_response", []), payers, as_of):
        why = f"no response {alert.days} days after billing on {alert.billed_on}"
        step = "call the payer or send a claim status inquiry (276); resend if not on file"
        work.add_alert("no response", alert, why, step)
    _forwarded_items(session, work, as_of, forwarded_days, holds["crossover"])
    underpaid_items(session, as_of, work.add)
    return _followup_report(session, as_of, work.items, denied_rows)


def _denied_items(session, work: _Worklist, payers, as_of: date, held: dict) -> list[tuple]:
    """Add each denied or appealed claim; return the rows of the denied section."""
    from clinicbill.domain.remittance.followup import (
        appeal_days_by_payer,
        denied_claims,
        denied_step,
    )

    appeal_days = appeal_days_by_payer(payers)
    denied_rows = []
    for claim, reasons, held_cents in denied_claims(session, as_of, held):
        days = appeal_days.get(claim.payer_id, APPEAL_DAYS)
        deadline = claim.remitted_on + timedelta(days=days) if claim.remitted_on else None
        why, step = denied_step(claim, reasons, deadline)
        stake = held_cents or claim.total_cents
        patient = f"{claim.last_name}, {claim.first_name}"
        payer = payers[claim.payer_id].name
        work.add("denied", claim.id, claim.patient_control_number, patient, claim.account_number,
                 payer, claim.from_date, stake, deadline, why, step)  # fmt: skip
        denied_rows.append((claim, reasons, held_cents, deadline, payer, patient))
    return denied_rows


def _rejected_items(session, work: _Worklist, rejected: list, payers) -> None:
    """Add each claim rejected before adjudication, with the clearinghouse's reason if any."""
    answers = rejections(session, [r.claim_id for r in rejected])
    for row in sorted(rejected, key=lambda r: (r.service_date, r.claim_id)):
        alert = make_alert(row, payers, None, 0)
        step = f"fix it and resend as an original: clinicbill claim resubmit {alert.claim_id}"
        why = "rejected before adjudication (never reached the payer)"
        if alert.claim_id in answers:
            reason, fix = answers[alert.claim_id]
            why, step = f"rejected: {reason}", f"{fix}" if fix else step
        work.add_alert("rejected", alert, why, step)


def _forwarded_items(session, work: _Worklist, as_of: date, days: int, held: dict) -> None:
    """Add each crossover the next payer has not answered after `days`."""
    from clinicbill.domain.remittance.followup import forwarded_unanswered

    for claim, since, held_cents in forwarded_unanswered(session, as_of, days, held):
        why = (
            f"forwarded to the next payer on {since}: no answer after "
            f"{(as_of - since).days} days; {fmt(held_cents)} patient share held with it"
        )
        step = (
            "call the secondary payer; if it never received the crossover, bill it: "
            f"clinicbill claim secondary {claim.id} --force --reason '...'; if it will not pay, "
            f"clinicbill claim bill-patient {claim.id}"
        )
        work.add("forwarded", claim.id, claim.patient_control_number,
                 f"{claim.last_name}, {claim.first_name}", claim.account_number, claim.payer,
                 claim.from_date, held_cents, None, why, step)  # fmt: skip


def _followup_report(session, as_of: date, items: list[tuple], denied_rows: list) -> Report:
    """The worklist sorted, with each claim's last call, beside the denied section."""
    from clinicbill.domain.cases.plan_of_care import reevaluations_section
    from clinicbill.domain.remittance.followup import (
        CALL_COLUMNS,
        call_text,
        denied_section,
        last_calls,
    )

    calls = last_calls(session, [i[3] for i in items if i[3]], as_of)
    # rejections first (never reached the payer; issue 19), then money at stake and deadline
    items.sort(
        key=lambda i: (i[0] != "rejected", -i[1], i[2] or date.max, REASONS.index(i[0]), i[4][0])
    )
    rows = tuple(
        (*row, call_text(calls.get(cid)), (calls.get(cid) or {}).get("next"))
        for _reason, _stake, _deadline, cid, row in items
    )
    counts = {reason: sum(1 for i in items if i[0] == reason) for reason in REASONS}
    summary = ", ".join(f"{n} {reason}" for reason, n in counts.items() if n) or "nothing"
    return Report(
        name="followup",
        title="Follow-up worklist",
        parameters={"as_of": as_of.isoformat()},
        sections=(
            Section(
                key="followup",
                title="Claims that need action",
                columns=(*FOLLOWUP_COLUMNS, *CALL_COLUMNS),
                rows=rows,
                empty="nothing to follow up",
            ),
            denied_section(denied_rows, calls),
            reevaluations_section(session, as_of),
            _installments_section(session, as_of),
        ),
        notes=(
            f"{len(items)} item(s): {summary}. At stake: the open balance; for a denial, the "
            "amount the payer denied (held with it, not the patient's); for a crossover, the "
            "patient share held with the next payer; for an underpayment, the shortfall.",
        ),
        summary={},
    )


FOLLOWUP_COLUMNS = (
    *CLAIM_COLUMNS,
    Column("service_date", "Service date", DATE),
    Column("at_stake", "At stake", MONEY),
    Column("deadline", "Deadline", DATE),
    Column("why", "Why"),
    Column("next_step", "Next step"),
)


VISITS_COLUMNS = (
    *POLICY_COLUMNS,
    Column("plan_year_start", "Plan year from", DATE),
    Column("plan_year_end", "to", DATE),
    Column("limit", "Limit", COUNT),
    Column("used_practice", "Used (ours)", COUNT),
    Column("used_payer", "Used (payer)", COUNT),
    Column("remaining", "Left", COUNT),
    Column("flags", "Flags"),
)
AUTHORIZATION_COLUMNS = (
    Column("number", "Authorization"),
    *POLICY_COLUMNS,
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
)


def visits_report(session, on: date | None = None, expiring_days: int | None = None) -> Report:
    """Per policy in effect: plan-year visits used (practice and payer counts) against the
    limit; then each authorization not yet ended with visits/units left, days to expiry and
    flags (only those expiring within `expiring_days` or nearly used up, when given).
    Uses domain/coverage/visits.py and domain/coverage/authorizations.py."""
    from clinicbill.domain.cases.pip import pip_section
    from clinicbill.domain.coverage.visits import visits_status
    from clinicbill.domain.errors import ClinicbillError

    on = on or date.today()
    if expiring_days is not None and expiring_days < 0:
        raise ClinicbillError(f"expiring-days: {expiring_days} is negative", "give 0 or more")
    policies = _PolicyHolders(session, on)
    statuses = visits_status(session, on)
    visits = Section(
        key="visits",
        title="Plan-year visits per policy",
        columns=VISITS_COLUMNS,
        rows=_visit_rows(statuses, policies),
        empty="no policies in effect",
    )
    authorizations = Section(
        key="authorizations",
        title=(
            "Authorizations in effect"
            if expiring_days is None
            else f"Authorizations ending within {expiring_days} days or nearly used up"
        ),
        columns=AUTHORIZATION_COLUMNS,
        rows=_authorization_rows(session, on, expiring_days, statuses, policies),
        empty="no authorization expiring or nearly used up",
    )
    return Report(
        name="visits",
        title="Visits and authorizations",
        parameters={"as_of": on.isoformat(), "expiring_within_days": expiring_days},
        sections=(visits, authorizations, pip_section(session)),
        notes=(
            "Visits used: our own count of visits on the policy this plan year beside the "
            "payer's count from the latest verification; left = limit - the larger.",
        ),
    )


class _PolicyHolders:
    """Each policy's holder (name, account) and dates, read in one query."""

    def __init__(self, session, on: date) -> None:
        from clinicbill.store.models import Patient, Policy

        self.on = on
        self.rows = {
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

    def in_effect(self, policy_id: int) -> bool:
        p = self.rows[policy_id]
        return (p.effective_from is None or p.effective_from <= self.on) and (
            p.effective_to is None or p.effective_to >= self.on
        )

    def name(self, policy_id: int) -> tuple[str, str]:
        p = self.rows[policy_id]
        return f"{p.last_name}, {p.first_name}", p.account_number


def _visit_rows(statuses, policies: _PolicyHolders) -> tuple[tuple, ...]:
    return tuple(
        (
            *policies.name(s.policy_id),
            s.payer_name,
            s.plan_year_start,
            s.plan_year_end,
            s.visit_limit,
            s.visits_used_practice,
            s.visits_used_payer,
            s.visits_remaining,
            ", ".join(s.flags),
        )
        for s in sorted(statuses, key=lambda s: (policies.name(s.policy_id), s.payer_name))
        if policies.in_effect(s.policy_id)
    )


def _authorization_rows(session, on, expiring_days, statuses, policies) -> tuple[tuple, ...]:
    from clinicbill.domain.coverage.authorizations import authorizations_status

    payer_of = {s.policy_id: s.payer_name for s in statuses}
    return tuple(
        (
            a.number,
            *policies.name(a.policy_id),
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


def _installments_section(session, as_of: date) -> Section:
    """Payment-plan installments past their date (domain/selfpay/payment_plans.py)."""
    from clinicbill.domain.selfpay.payment_plans import late_installments_section

    return late_installments_section(session, as_of)
