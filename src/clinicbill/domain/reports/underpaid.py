"""Underpaid lines (`report underpaid`, `report followup`): what a payer allowed (insurance
paid + patient responsibility on its remittance) below its contracted amount from the fee
schedule x units. One query.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import and_, func, select

from clinicbill.domain.ledger.balances import INSURANCE_PAYMENT, PATIENT_RESPONSIBILITY
from clinicbill.domain.reports.revenue import kind_sum, period
from clinicbill.domain.reports.table import (
    CLAIM_COLUMNS,
    COUNT,
    DATE,
    MONEY,
    Column,
    Report,
    Section,
    column_totals,
)
from clinicbill.store.models import (
    Claim,
    Encounter,
    FeeSchedule,
    LedgerEntry,
    Patient,
    Payer,
    ServiceLine,
)


def underpaid_query(date_from: date, date_to: date, payer_id: int | None = None):
    """Select lines whose allowed amount (insurance paid + patient responsibility from the
    payer's remittance) is below the payer's contracted amount x units, adjudicated in the
    period. Lines the payer allowed nothing for are denials, not underpayments."""
    adjudicated = (
        select(
            LedgerEntry.service_line_id.label("service_line_id"),
            LedgerEntry.claim_id.label("claim_id"),
            func.sum(kind_sum(INSURANCE_PAYMENT)).label("paid"),
            func.sum(kind_sum(PATIENT_RESPONSIBILITY)).label("patient_resp"),
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
    parameters = {**period(date_from, date_to), "payer": payer.name if payer else None}
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
    sums = column_totals(rows, (7, 8, 9, 10))
    section = Section(
        key="underpaid",
        title="Lines paid below the contracted amount",
        columns=(
            *CLAIM_COLUMNS,
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
