"""Money reports over a period: revenue (charges, payments, adjustments, collection rate),
denials (counts and amounts by CARC, payer and code), underpaid lines (paid below the payer's
contracted amount). Every number is a SQL aggregate; a fixed number of queries each.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import Integer, and_, case, cast, extract, func, literal_column, select, union_all

from clinicbill.domain.errors import ClinicbillError
from clinicbill.domain.ledger import (
    ADJUSTMENT,
    INSURANCE_PAYMENT,
    PATIENT_PAYMENT,
    PATIENT_RESPONSIBILITY,
    REDUCING_KINDS,
)
from clinicbill.domain.report_table import COUNT, DATE, MONEY, PERCENT, Column, Report, Section
from clinicbill.domain.report_table import percent as share
from clinicbill.store.models import (
    Claim,
    Encounter,
    FeeSchedule,
    LedgerEntry,
    Patient,
    Payer,
    Policy,
    Provider,
    ServiceLine,
)

REVENUE_GROUPINGS = ("month", "provider", "payer", "code")
# Deductible, coinsurance and copay (CARC 1, 2, 3) are the patient's share, not denials.
COST_SHARING_CARCS = ("1", "2", "3")
SELF_PAY = "Self-pay (no policy)"


def _period(date_from: date, date_to: date) -> dict:
    if date_from > date_to:
        raise ClinicbillError(f"from: {date_from} is after --to {date_to}", "give --from first")
    return {"from": date_from.isoformat(), "to": date_to.isoformat()}


def _kind_sum(kind: str):
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
    parameters = {**_period(date_from, date_to), "by": by}
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
            _kind_sum(INSURANCE_PAYMENT).label("insurance"),
            _kind_sum(PATIENT_PAYMENT).label("patient"),
            _kind_sum(ADJUSTMENT).label("adjusted"),
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
    result = session.execute(
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
    ).all()
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
                share(insurance + patient, charged - adjusted),
            )
        )
    if by != "month":
        rows.sort(key=lambda r: r[0].lower())
    sums = [sum(r[i] for r in rows) for i in range(1, 6)]
    total = ("Total", *sums, share(sums[4], sums[0] - sums[3]))
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
        sections=(section,),
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


def _denied_entries(date_from: date, date_to: date):
    """Adjustment entries on lines a remittance paid nothing for (CARC 1-3 left out)."""
    window = LedgerEntry.effective_date.between(date_from, date_to)
    paid = (
        select(
            LedgerEntry.remittance_claim_id.label("remittance_claim_id"),
            LedgerEntry.service_line_id.label("service_line_id"),
            func.sum(_kind_sum(INSURANCE_PAYMENT)).label("paid"),
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
            LedgerEntry.kind.in_((ADJUSTMENT, PATIENT_RESPONSIBILITY)),
            LedgerEntry.reason_code.is_not(None),
            LedgerEntry.reason_code.not_in(COST_SHARING_CARCS),
        )
        .subquery("denied")
    )


def denials_report(session, date_from: date, date_to: date) -> Report:
    """Lines a payer paid nothing for, by CARC, by payer and by code: how many lines and the
    amount denied. A line denied for two reasons counts under each reason."""
    from clinicbill.domain.remit import carc_text

    parameters = _period(date_from, date_to)
    denied = _denied_entries(date_from, date_to)
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
    return Report(
        name="denials",
        title="Denials",
        parameters=parameters,
        sections=(
            section(
                "by_carc",
                "By reason (CARC)",
                (Column("carc", "Reason"), Column("description", "Description")),
                carc_rows,
            ),
            section(
                "by_payer",
                "By payer",
                (Column("payer", "Payer"),),
                [(name, int(n), int(c)) for name, n, c in by_payer],
            ),
            section(
                "by_code",
                "By procedure code",
                (Column("code", "Code"),),
                [(code, int(n), int(c)) for code, n, c in by_code],
            ),
        ),
        notes=(
            f"{int(total_lines)} denied line(s), {_money(int(total_amount))} denied in all. A "
            "denied line is one a remittance paid nothing for; deductible, coinsurance and "
            "copay (CARC 1-3) are not denials.",
        ),
        summary={"denied": int(total_amount)},
    )


def _money(cents: int) -> str:
    from clinicbill.domain.money import fmt

    return fmt(cents)


def underpaid_query(date_from: date, date_to: date, payer_id: int | None = None):
    """Select lines whose allowed amount (insurance paid + patient responsibility from the
    payer's remittance) is below the payer's contracted amount x units, adjudicated in the
    period. Lines the payer allowed nothing for are denials, not underpayments."""
    adjudicated = (
        select(
            LedgerEntry.service_line_id.label("service_line_id"),
            LedgerEntry.claim_id.label("claim_id"),
            func.sum(_kind_sum(INSURANCE_PAYMENT)).label("paid"),
            func.sum(_kind_sum(PATIENT_RESPONSIBILITY)).label("patient_resp"),
            func.max(LedgerEntry.effective_date).label("adjudicated_on"),
        )
        .where(LedgerEntry.claim_id.is_not(None), LedgerEntry.remittance_claim_id.is_not(None))
        .group_by(LedgerEntry.service_line_id, LedgerEntry.claim_id)
        .having(func.max(LedgerEntry.effective_date).between(date_from, date_to))
        .subquery("adjudicated")
    )
    allowed = adjudicated.c.paid + adjudicated.c.patient_resp
    contracted = FeeSchedule.amount_cents * ServiceLine.units
    query = (
        select(
            ServiceLine.id.label("service_line_id"),
            Claim.id.label("claim_id"),
            Claim.patient_control_number.label("pcn"),
            Claim.payer_id.label("payer_id"),
            Payer.name.label("payer"),
            Patient.account_number.label("account"),
            Patient.last_name,
            Patient.first_name,
            Encounter.service_date,
            ServiceLine.code,
            ServiceLine.units,
            contracted.label("contracted"),
            allowed.label("allowed"),
            adjudicated.c.paid.label("paid"),
            (contracted - allowed).label("short"),
            adjudicated.c.adjudicated_on,
        )
        .select_from(adjudicated)
        .join(ServiceLine, ServiceLine.id == adjudicated.c.service_line_id)
        .join(Encounter, Encounter.id == ServiceLine.encounter_id)
        .join(Patient, Patient.id == Encounter.patient_id)
        .join(Claim, Claim.id == adjudicated.c.claim_id)
        .join(Payer, Payer.id == Claim.payer_id)
        .join(
            FeeSchedule,
            and_(FeeSchedule.code == ServiceLine.code, FeeSchedule.payer_id == Claim.payer_id),
        )
        .where(allowed > 0, allowed < contracted)
        .order_by(Payer.name, Encounter.service_date, ServiceLine.id)
    )
    if payer_id is not None:
        query = query.where(Claim.payer_id == payer_id)
    return query


def underpaid_report(session, date_from: date, date_to: date, payer=None) -> Report:
    """Lines paid below the payer's contracted amount (fee schedule), adjudicated in the
    period, with the shortfall per line and in total."""
    parameters = {**_period(date_from, date_to), "payer": payer.name if payer else None}
    result = session.execute(
        underpaid_query(date_from, date_to, payer.id if payer is not None else None)
    ).all()
    rows = tuple(
        (
            r.pcn,
            f"{r.last_name}, {r.first_name}",
            r.account,
            r.payer,
            r.service_date,
            r.code,
            int(r.units),
            int(r.contracted),
            int(r.allowed),
            int(r.paid),
            int(r.short),
            r.adjudicated_on,
        )
        for r in result
    )
    sums = [sum(r[i] for r in rows) for i in (7, 8, 9, 10)]
    section = Section(
        key="underpaid",
        title="Lines paid below the contracted amount",
        columns=(
            Column("claim", "Claim"),
            Column("patient", "Patient"),
            Column("account", "Account"),
            Column("payer", "Payer"),
            Column("service_date", "Service date", DATE),
            Column("code", "Code"),
            Column("units", "Units", COUNT),
            Column("contracted", "Contracted", MONEY),
            Column("allowed", "Allowed", MONEY),
            Column("paid", "Paid", MONEY),
            Column("short", "Short by", MONEY),
            Column("adjudicated_on", "Adjudicated", DATE),
        ),
        rows=rows,
        total=("Total", None, None, None, None, None, None, *sums, None),
        empty="no underpaid lines in this period",
    )
    return Report(
        name="underpaid",
        title="Underpaid lines",
        parameters=parameters,
        sections=(section,),
        notes=(
            "Allowed = insurance paid + patient responsibility on the payer's remittance; "
            "contracted = the payer's fee schedule amount x units.",
        ),
        summary={"short": sums[3]},
    )
