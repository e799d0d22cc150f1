"""Money reports over a period: revenue (charges, payments, adjustments, collection rate) and
denials (counts and amounts by CARC, payer and code); underpaid lines are in
domain/reports/underpaid.py. Every number is a SQL aggregate; a fixed number of queries each.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import Integer, and_, case, cast, extract, func, literal_column, select, union_all

from clinicbill.domain.errors import ClinicbillError
from clinicbill.domain.ledger.balances import (
    ADJUSTMENT,
    DENIAL,
    INSURANCE_PAYMENT,
    PATIENT_PAYMENT,
    PATIENT_RESPONSIBILITY,
    REDUCING_KINDS,
)
from clinicbill.domain.reports.table import (
    COUNT,
    MONEY,
    PAYER,
    PERCENT,
    Column,
    Report,
    Section,
    column_totals,
    percent,
)
from clinicbill.store.models import (
    Claim,
    Encounter,
    LedgerEntry,
    Payer,
    Policy,
    Provider,
    ServiceLine,
)

REVENUE_GROUPINGS = ("month", "provider", "payer", "code")
# Deductible, coinsurance and copay (CARC 1, 2, 3) are the patient's share, not denials.
COST_SHARING_CARCS = ("1", "2", "3")
SELF_PAY = "Self-pay (no policy)"


def period(date_from: date, date_to: date) -> dict:
    if date_from > date_to:
        raise ClinicbillError(f"from: {date_from} is after --to {date_to}", "give --from first")
    return {"from": date_from.isoformat(), "to": date_to.isoformat()}


def kind_sum(kind: str):
    return case((LedgerEntry.kind == kind, LedgerEntry.amount_cents), else_=0)


def _revenue_keys(by: str, day):
    if by == "month":
        return (
            cast(extract("year", day), Integer).label("k1"),
            cast(extract("month", day), Integer).label("k2"),
        )
    first = {
        "provider": Encounter.provider_id,
        "payer": func.coalesce(Policy.payer_id, 0),
        "code": ServiceLine.code,
    }[by]
    return (first.label("k1"), literal_column("0").label("k2"))


def _revenue_labels(session, by: str, keys) -> dict:
    if by == "month":
        return {k: f"{k[0]:04d}-{k[1]:02d}" for k in keys}
    if by == "code":
        return {k: k[0] for k in keys}
    if by == "provider":
        names = {p.id: p.display_name for p in session.execute(select(Provider)).scalars()}
        return {k: names.get(k[0], f"provider {k[0]}") for k in keys}
    names = {p.id: p.name for p in session.execute(select(Payer)).scalars()}
    return {k: names.get(k[0], SELF_PAY) if k[0] else SELF_PAY for k in keys}


def revenue_report(session, date_from: date, date_to: date, by: str = "month") -> Report:
    """Charges by date of service; payments and adjustments by the date they were posted; the
    collection rate = payments / (charges - adjustments). Grouped by month (of the service
    or the posting), rendering provider, payer of the visit's policy, or procedure code."""
    if by not in REVENUE_GROUPINGS:
        raise ClinicbillError(
            f"by: '{by}' is not a grouping", "use " + ", ".join(REVENUE_GROUPINGS)
        )
    parameters = {**period(date_from, date_to), "by": by}
    rows = _revenue_rows(session, by, date_from, date_to)
    sums = column_totals(rows, range(1, 6))
    total = ("Total", *sums, percent(sums[4], sums[0] - sums[3]))
    section = Section(
        key="revenue",
        title=f"Revenue by {by}",
        columns=(
            Column(by, by.capitalize()),
            Column("charges", "Charges", MONEY),
            Column("insurance_paid", "Insurance paid", MONEY),
            Column("patient_paid", "Patient paid", MONEY),
            Column("adjustments", "Adjustments", MONEY),
            Column("payments", "Payments", MONEY),
            Column("collection_rate", "Collection rate", PERCENT),
        ),
        rows=tuple(rows),
        total=total,
        empty="no charges or postings in this period",
    )
    return Report(
        name="revenue",
        title="Revenue",
        parameters=parameters,
        sections=(section, *_selfpay_sections(session, date_from, date_to)),
        notes=(
            "Charges count on the date of service; payments and adjustments on the date "
            "posted. Collection rate = payments / (charges - adjustments).",
        ),
        summary={
            "charges": sums[0],
            "payments": sums[4],
            "adjustments": sums[3],
        },
    )


def _revenue_rows(session, by: str, date_from: date, date_to: date) -> list[tuple]:
    """One row per group: label, charged, insurance, patient, adjusted, payments, rate."""
    result = session.execute(_revenue_query(by, date_from, date_to)).all()
    labels = _revenue_labels(session, by, [(r[0], r[1]) for r in result])
    rows = []
    for k1, k2, *amounts in result:
        charged, insurance, patient, adjusted = (int(a or 0) for a in amounts)
        rows.append(
            (
                labels[(k1, k2)],
                charged,
                insurance,
                patient,
                adjusted,
                insurance + patient,
                percent(insurance + patient, charged - adjusted),
            )
        )
    if by != "month":
        rows.sort(key=lambda r: r[0].lower())
    return rows


def _revenue_query(by: str, date_from: date, date_to: date):
    """Charges (by date of service) and postings (by date posted) summed per group."""
    zero = literal_column("0")
    charges = (
        select(
            *_revenue_keys(by, Encounter.service_date),
            ServiceLine.charge_cents.label("charges"),
            zero.label("insurance"),
            zero.label("patient"),
            zero.label("adjusted"),
        )
        .select_from(ServiceLine)
        .join(Encounter, Encounter.id == ServiceLine.encounter_id)
        .outerjoin(Policy, Policy.id == Encounter.policy_id)
        .where(
            Encounter.service_date.between(date_from, date_to),
            Encounter.status != "void",
        )
    )
    postings = (
        select(
            *_revenue_keys(by, LedgerEntry.effective_date),
            zero.label("charges"),
            kind_sum(INSURANCE_PAYMENT).label("insurance"),
            kind_sum(PATIENT_PAYMENT).label("patient"),
            kind_sum(ADJUSTMENT).label("adjusted"),
        )
        .select_from(LedgerEntry)
        .join(ServiceLine, ServiceLine.id == LedgerEntry.service_line_id)
        .join(Encounter, Encounter.id == ServiceLine.encounter_id)
        .outerjoin(Policy, Policy.id == Encounter.policy_id)
        .where(
            LedgerEntry.effective_date.between(date_from, date_to),
            LedgerEntry.kind.in_(REDUCING_KINDS),
        )
    )
    moves = union_all(charges, postings).subquery("moves")
    return (
        select(
            moves.c.k1,
            moves.c.k2,
            func.sum(moves.c.charges),
            func.sum(moves.c.insurance),
            func.sum(moves.c.patient),
            func.sum(moves.c.adjusted),
        )
        .group_by(moves.c.k1, moves.c.k2)
        .order_by(moves.c.k1, moves.c.k2)
    )


def _selfpay_sections(session, date_from: date, date_to: date) -> tuple:
    """The sliding-scale discount by tier, when any was given (domain/selfpay/tiers.py)."""
    from clinicbill.domain.selfpay.tiers import discount_by_tier_section

    section = discount_by_tier_section(session, date_from, date_to)
    return () if section is None else (section,)


def _denied_entries(date_from: date, date_to: date):
    """Adjustment entries on lines a remittance paid nothing for (CARC 1-3 left out)."""
    window = LedgerEntry.effective_date.between(date_from, date_to)
    paid = (
        select(
            LedgerEntry.remittance_claim_id.label("remittance_claim_id"),
            LedgerEntry.service_line_id.label("service_line_id"),
            func.sum(kind_sum(INSURANCE_PAYMENT)).label("paid"),
        )
        .where(LedgerEntry.remittance_claim_id.is_not(None), window)
        .group_by(LedgerEntry.remittance_claim_id, LedgerEntry.service_line_id)
        .subquery("line_paid")
    )
    return (
        select(
            LedgerEntry.service_line_id,
            LedgerEntry.claim_id,
            LedgerEntry.group_code,
            LedgerEntry.reason_code,
            LedgerEntry.amount_cents,
        )
        .join(
            paid,
            and_(
                paid.c.remittance_claim_id == LedgerEntry.remittance_claim_id,
                paid.c.service_line_id == LedgerEntry.service_line_id,
            ),
        )
        .where(
            window,
            paid.c.paid == 0,
            LedgerEntry.kind.in_((ADJUSTMENT, PATIENT_RESPONSIBILITY, DENIAL)),
            LedgerEntry.amount_cents > 0,
            LedgerEntry.reason_code.is_not(None),
            LedgerEntry.reason_code.not_in(COST_SHARING_CARCS),
        )
        .subquery("denied")
    )


def denials_report(session, date_from: date, date_to: date) -> Report:
    """Lines a payer paid nothing for, by CARC, by payer and by code: how many lines and the
    amount denied. A line denied for two reasons counts under each reason. Then the denial
    rate by payer and by code, and the appeals filed: count, win rate, money recovered
    (domain/remittance/denial_stats.py)."""
    from clinicbill.domain.remittance.denial_stats import appeal_section, rate_sections

    parameters = period(date_from, date_to)
    denied = _denied_entries(date_from, date_to)
    sections, total_lines, total_amount = _denial_sections(session, denied)
    rates = rate_sections(session, denied, date_from, date_to)
    appeals, appealed = appeal_section(session, date_from, date_to)
    return Report(
        name="denials",
        title="Denials",
        parameters=parameters,
        sections=(*sections, *rates, appeals),
        notes=(
            f"{int(total_lines)} denied line(s), {_money(int(total_amount))} denied in all. A "
            "denied line is one a remittance paid nothing for; deductible, coinsurance and "
            "copay (CARC 1-3) are not denials. "
            f"{appealed['appeals']} appeal(s) filed, {appealed['won']} paid after appeal, "
            f"{_money(appealed['recovered'])} recovered.",
        ),
        summary={"denied": int(total_amount), "recovered": appealed["recovered"]},
    )


def _denial_sections(session, denied) -> tuple[tuple[Section, ...], int, int]:
    """The denied lines counted by CARC, by payer and by code; and the lines and amount in all."""
    from clinicbill.domain.remittance.remit import carc_text

    lines = func.count(func.distinct(denied.c.service_line_id))
    amount = func.coalesce(func.sum(denied.c.amount_cents), 0)
    by_carc = session.execute(
        select(denied.c.group_code, denied.c.reason_code, lines, amount)
        .group_by(denied.c.group_code, denied.c.reason_code)
        .order_by(amount.desc(), denied.c.reason_code)
    ).all()
    by_payer = session.execute(
        select(Payer.name, lines, amount)
        .select_from(denied)
        .join(Claim, Claim.id == denied.c.claim_id)
        .join(Payer, Payer.id == Claim.payer_id)
        .group_by(Payer.id, Payer.name)
        .order_by(amount.desc(), Payer.name)
    ).all()
    by_code = session.execute(
        select(ServiceLine.code, lines, amount)
        .select_from(denied)
        .join(ServiceLine, ServiceLine.id == denied.c.service_line_id)
        .group_by(ServiceLine.code)
        .order_by(amount.desc(), ServiceLine.code)
    ).all()
    total_lines, total_amount = session.execute(select(lines, amount)).one()
    counted = (Column("lines", "Lines", COUNT), Column("amount", "Amount denied", MONEY))

    def section(key, title, first, rows):
        return Section(
            key=key,
            title=title,
            columns=(*first, *counted),
            rows=tuple(rows),
            empty="no denials in this period",
        )

    carc_rows = [
        (f"{group or ''}-{reason}".lstrip("-"), carc_text(reason), int(n), int(cents))
        for group, reason, n, cents in by_carc
    ]
    sections = (
        section(
            "by_carc",
            "By reason (CARC)",
            (Column("carc", "Reason"), Column("description", "Description")),
            carc_rows,
        ),
        section(
            "by_payer", "By payer", (PAYER,), [(name, int(n), int(c)) for name, n, c in by_payer]
        ),
        section(
            "by_code",
            "By procedure code",
            (Column("code", "Code"),),
            [(code, int(n), int(c)) for code, n, c in by_code],
        ),  # fmt: skip
    )
    return sections, total_lines, total_amount


def _money(cents: int) -> str:
    from clinicbill.domain.money import fmt

    return fmt(cents)
