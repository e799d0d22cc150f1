"""Self-pay use cases: membership plans and members, the billing run, the session hook.

Each takes a unit of work and plain values and returns a result value (never prints).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from clinicbill.domain.money import fmt


@dataclass(frozen=True)
class BillingRunResult:
    as_of: date
    charges: tuple = ()  # PostedCharge
    installments_due: tuple = ()  # DueInstallment
    receipts: tuple = ()  # the receipt PDFs written, one per charge posted

    @property
    def charged_cents(self) -> int:
        return sum(c.amount_cents for c in self.charges)


def add_membership_plan(
    session, name, price_cents, period, visits=0, rollover=False, member_rate_cents=None
):
    from clinicbill.domain.selfpay.memberships import add_plan

    return add_plan(session, name, price_cents, period, visits, rollover, member_rate_cents)


def membership_plans(session) -> list[dict]:
    from sqlalchemy import select

    from clinicbill.store.models import MembershipPlan

    plans = session.execute(select(MembershipPlan).order_by(MembershipPlan.id)).scalars()
    return [
        {
            "id": p.id,
            "name": p.name,
            "price": fmt(p.price_cents),
            "period": p.period,
            "visits": p.visits,
            "rollover": p.rollover,
            "member_rate": fmt(p.member_rate_cents)
            if p.member_rate_cents is not None
            else "full fee",
        }
        for p in plans
    ]


def enroll_member(session, patient_ref, plan_ref, start_on: date, provider_ref=None):
    from clinicbill.domain.practice.lookup import find_patient, find_provider
    from clinicbill.domain.selfpay.memberships import enroll, find_plan

    patient = find_patient(session, patient_ref)
    plan = find_plan(session, plan_ref)
    provider_id = find_provider(session, provider_ref).id if provider_ref else None
    return enroll(session, patient, plan, start_on, provider_id), plan


def change_membership(session, action: str, membership_ref, on: date):
    """pause, resume or cancel a membership on a date."""
    from clinicbill.domain.selfpay import memberships

    membership = memberships.find_membership(session, membership_ref)
    getattr(memberships, action)(session, membership, on)
    return membership


def list_memberships(session, on: date, patient_ref=None):
    from clinicbill.domain.practice.lookup import find_patient
    from clinicbill.domain.selfpay.memberships import membership_statuses

    patient_id = find_patient(session, patient_ref).id if patient_ref else None
    return membership_statuses(session, on, patient_id)


def billing_run(session, as_of: date, user: str, receipts: str | None = None) -> BillingRunResult:
    """Post every membership charge due by `as_of` (once per member and period) and mark the
    payment-plan installments whose date has come as due; with `receipts` (a folder), write a
    receipt PDF per charge posted."""
    from clinicbill.domain.selfpay.membership_billing import post_membership_charges

    charges = tuple(post_membership_charges(session, as_of, user))
    due = _mark_installments(session, as_of)
    paths = write_charge_receipts(session, charges, receipts) if receipts else []
    return BillingRunResult(as_of, charges, tuple(due), tuple(paths))


def _mark_installments(session, as_of: date):
    from clinicbill.domain.selfpay.payment_plans import mark_due

    return mark_due(session, as_of)


@dataclass(frozen=True)
class SessionBilling:
    """What `session add` tells the front desk about a self-pay visit."""

    notes: tuple[str, ...] = field(default_factory=tuple)


def bill_new_session(session, encounter) -> SessionBilling:
    """After a session is written: an insured visit's expected patient share ("collect $X
    today"); for self-pay, the patient's sliding-scale tier, then a member's visit (included,
    or at the member rate). Returns lines to show."""
    from clinicbill.domain.selfpay.insured_estimate import estimate_session
    from clinicbill.domain.selfpay.membership_billing import draw_membership_visit
    from clinicbill.domain.selfpay.tiers import apply_tier

    notes = []
    tier = apply_tier(session, encounter)
    if tier is not None:
        notes.append(
            f"sliding scale {tier.tier}: charged {fmt(tier.tier_cents)}"
            f" (standard fee {fmt(tier.standard_cents)})"
        )
        if tier.review_overdue is not None:
            notes.append(
                f"warning: the sliding-scale review was due {tier.review_overdue.isoformat()};"
                " see new proof of income and run 'clinicbill fee tier assign'"
            )
    insured = estimate_session(session, encounter)
    if insured is not None:
        note_id, share = insured
        notes.append(
            f"collect {fmt(share.patient)} today (estimated patient share from verification"
            f" {note_id})"
        )
    visit = draw_membership_visit(session, encounter)
    if visit is not None:
        if visit.included:
            notes.append(
                f"membership {visit.membership_id} ({visit.plan}): included visit,"
                f" {visit.left_after} left this period"
            )
        else:
            notes.append(
                f"membership {visit.membership_id} ({visit.plan}): no included visit left;"
                f" member rate {fmt(visit.patient_owes_cents)}"
            )
    return SessionBilling(tuple(notes))


def write_charge_receipts(session, charges, folder) -> list:
    """One PDF per membership charge posted (what was billed, for which period)."""
    from pathlib import Path

    from clinicbill.domain.selfpay.charge_notice import charge_notice
    from clinicbill.formats.selfpay_charge import render_charge_notice

    paths = []
    for charge in charges:
        notice = charge_notice(session, charge)
        name = f"membership-charge-{charge.charge_id}.pdf"
        paths.append(render_charge_notice(notice, Path(folder) / name))
    return paths


def add_payment_plan(session, patient_ref, total_cents, installments, start_on, every, today):
    """Spread part of a patient's open balance into dated installments."""
    from clinicbill.domain.practice.lookup import find_patient
    from clinicbill.domain.selfpay.payment_plans import add_plan, installment_states

    patient = find_patient(session, patient_ref)
    plan = add_plan(session, patient, total_cents, installments, start_on, every, today)
    items = [s for s in installment_states(session, today, patient.id) if s.plan_id == plan.id]
    return plan, items


def payment_plan_rows(session, as_of: date, patient_ref=None) -> list[dict]:
    """Every installment (of one patient) with its state on `as_of`."""
    from clinicbill.domain.practice.lookup import find_patient
    from clinicbill.domain.selfpay.payment_plans import installment_states

    patient_id = find_patient(session, patient_ref).id if patient_ref else None
    return [
        {
            "plan": s.plan_id,
            "patient_id": s.patient_id,
            "number": s.number,
            "due_on": s.due_on,
            "amount": fmt(s.amount_cents),
            "paid": fmt(s.paid_cents),
            "state": s.state,
        }
        for s in installment_states(session, as_of, patient_id)
    ]


def add_fee_tier(session, name, percent=None, codes=()):
    from clinicbill.domain.selfpay.tiers import add_tier, parse_code_amount, parse_percent

    percent_bp = parse_percent(percent) if percent is not None else 0
    return add_tier(session, name, percent_bp, [parse_code_amount(c) for c in codes])


def assign_fee_tier(session, patient_ref, tier_ref, on, proof_seen_on, review_by):
    """Put a patient on a tier ('none' takes them off the sliding scale)."""
    from clinicbill.domain.practice.lookup import find_patient
    from clinicbill.domain.selfpay.tiers import assign, find_tier

    patient = find_patient(session, patient_ref)
    off = str(tier_ref).strip().lower() == "none"
    tier = None if off else find_tier(session, tier_ref)
    return patient, tier, assign(session, patient, tier, on, proof_seen_on, review_by)


@dataclass(frozen=True)
class LedgerExport:
    written_to: str
    transactions: int
    accounts: int
    closing: dict


def export_ledger(session, fmt_name: str, date_from: date, date_to: date, output: str, force=False):
    """Write the books for the period as beancount or CSV (domain/selfpay/books.py)."""
    from clinicbill.domain.errors import ClinicbillError
    from clinicbill.domain.selfpay.books import build_books
    from clinicbill.formats.books import beancount_text, csv_text
    from clinicbill.store.files import resolve_output

    if fmt_name not in ("beancount", "csv"):
        raise ClinicbillError(
            f"format: '{fmt_name[:20]}' is not a books format", "beancount or csv"
        )
    # the one safe-file path (store/files.py): 0600, atomic, never through a link or a FIFO
    target = resolve_output(output, f"books-{date_from}-{date_to}.{fmt_name}", force=force)
    books = build_books(session, date_from, date_to)
    if fmt_name == "beancount":
        from clinicbill.domain.documents.superbill_data import practice_block

        name = practice_block(session).name
        text = beancount_text(books, f"{name} books {date_from} to {date_to}")
    else:
        text = csv_text(books)
    target.write(text)
    return LedgerExport(
        target.label, len(books.transactions), len(books.accounts), dict(books.closing)
    )


def insured_estimate(session, patient_ref, specs, visits, on, output=None):
    """The patient's expected share per visit and for the plan of care, and the PDF written
    to `output` (default `estimate-insured-ACCOUNT-DATE.pdf`)."""
    from clinicbill.domain.documents.superbill_data import patient_block, practice_block
    from clinicbill.domain.practice.lookup import find_patient
    from clinicbill.domain.selfpay.insured_estimate import estimate_insured
    from clinicbill.formats.insured_estimate import render_insured_estimate

    patient = find_patient(session, patient_ref)
    estimate = estimate_insured(session, patient, specs, visits, on)
    name = output or f"estimate-insured-{estimate.account_number}-{on.isoformat()}.pdf"
    path = render_insured_estimate(
        estimate, practice_block(session), patient_block(session, patient, on=on), name
    )
    return estimate, path


def fee_tiers(session) -> list[dict]:
    """The sliding-scale tiers: percent off and per-code fees."""
    from clinicbill.domain.selfpay.tiers import tier_list

    return tier_list(session)


def patients_on_fee_tiers(session, as_of) -> list[dict]:
    """Patients on a tier on `as_of`, with proof and review dates (a review past due flagged)."""
    from clinicbill.domain.selfpay.tiers import patients_on_tiers

    return patients_on_tiers(session, as_of)


def estimate_accuracy(session, start, end):
    """Estimated patient share at check-in vs the 835's patient responsibility, per payer."""
    from clinicbill.domain.selfpay.estimate_accuracy import estimate_accuracy_report

    return estimate_accuracy_report(session, start, end)


def forecast(session, as_of, months: int, monthly_cost_cents: int | None):
    """The cash forecast for the coming months and the break-even month of a monthly cost."""
    from clinicbill.domain.selfpay.forecast import forecast_report

    return forecast_report(session, as_of, months, monthly_cost_cents)


def write_year_summaries(session, patient_ref, every: bool, year: int, output) -> list[dict]:
    """Year-end HSA/FSA summary PDFs: one patient's (to `output` or its default name), or with
    `every` one per patient who paid in `year`, into the folder `output` (which must exist) or
    the default `hsa-YEAR`, made 0700 when missing as export-all makes its own."""
    from pathlib import Path

    from clinicbill.domain.practice.lookup import find_patient
    from clinicbill.domain.selfpay.year_summary import patients_paying_in, year_summary
    from clinicbill.formats.year_summary import render_year_summary
    from clinicbill.store.files import private_directory, resolve_output

    rows = patients_paying_in(session, year) if every else [find_patient(session, patient_ref)]
    folder = None
    if every:
        folder = Path(output) if output else private_directory(f"hsa-{year}")
    written = []
    for row in rows:
        doc = year_summary(session, row, year)
        name = f"hsa-summary-{row.account_number}-{year}.pdf"
        path = render_year_summary(doc, folder / name if folder else resolve_output(output, name))
        written.append(
            {
                "path": str(path) if path is not None else "-",  # None: standard output
                "patient": row.account_number,
                "paid": fmt(doc.paid, symbol=False),
                "eligible": fmt(doc.eligible, symbol=False),
            }
        )
    return written
