"""The session list: one SQL query with its filters (patient, provider, dates, unsigned,
unbilled), aggregating lines in the database rather than loading them."""

from __future__ import annotations

from sqlalchemy import exists, func, select

from clinicbill.domain.claims.status import INACTIVE_STATUSES
from clinicbill.domain.errors import ClinicbillError
from clinicbill.store.models import Claim, ClaimLine, Encounter, Patient, Provider, ServiceLine

COLUMNS = ["id", "date", "patient", "provider", "codes", "units", "charge", "status", "billed"]


def _billed_line():
    """SQL: a line of this encounter is on a claim that bills it (domain/claims/build.py decides
    which claims count; without it, any claim that is not void)."""
    try:
        from clinicbill.domain.claims.build import active_claim_clause

        active = active_claim_clause()
    except ImportError:  # pragma: no cover - claims not installed yet
        active = Claim.status.not_in(INACTIVE_STATUSES)
    return exists(
        select(ClaimLine.id)
        .join(Claim, Claim.id == ClaimLine.claim_id)
        .join(ServiceLine, ServiceLine.id == ClaimLine.service_line_id)
        .where(ServiceLine.encounter_id == Encounter.id, active)
    )


def _session_rows(session):
    """The select of sessions newest first, one row per session: its id, date, patient
    (last, first, account), provider, codes, units, charge, status, policy and whether a
    claim bills it; and the `billed` expression (to filter on)."""
    if _sqlite(session):
        codes = func.group_concat(ServiceLine.code, " ")
    else:
        codes = func.string_agg(ServiceLine.code, " ")
    billed = _billed_line()
    columns = (
        Encounter.id,
        Encounter.service_date,
        Patient.last_name,
        Patient.first_name,
        Patient.account_number,
        Provider.last_name,
        codes,
        func.coalesce(func.sum(ServiceLine.units), 0),
        func.coalesce(func.sum(ServiceLine.charge_cents), 0),
        Encounter.status,
        Encounter.policy_id,
        billed,
    )
    query = (
        select(*columns)
        .join(Patient, Patient.id == Encounter.patient_id)
        .join(Provider, Provider.id == Encounter.provider_id)
        .outerjoin(ServiceLine, ServiceLine.encounter_id == Encounter.id)
        .group_by(Encounter.id, Patient.id, Provider.id)
        .order_by(Encounter.service_date.desc(), Encounter.id.desc())
    )
    return query, billed


def list_sessions(
    session,
    *,
    patient=None,
    provider=None,
    start=None,
    end=None,
    unsigned: bool = False,
    unbilled: bool = False,
    limit: int = 200,
) -> list[dict]:
    """Sessions newest first, as rows of COLUMNS (charge is a formatted amount)."""
    from clinicbill.domain.practice.lookup import find_patient, find_provider
    from clinicbill.domain.validate import parse_date

    if unsigned and unbilled:
        raise ClinicbillError(
            "filter: --unsigned and --unbilled exclude each other",
            "unbilled sessions are signed ones; use one of them",
        )
    query, billed = _session_rows(session)
    query = query.limit(max(1, min(int(limit), 100_000)))
    if patient:
        query = query.where(Encounter.patient_id == find_patient(session, patient).id)
    if provider:
        query = query.where(Encounter.provider_id == find_provider(session, provider).id)
    if start:
        query = query.where(Encounter.service_date >= parse_date(start, "from"))
    if end:
        query = query.where(Encounter.service_date <= parse_date(end, "to"))
    if unsigned:
        query = query.where(Encounter.status == "draft")
    if unbilled:
        query = query.where(Encounter.status == "signed", Encounter.policy_id.is_not(None), ~billed)
    return [_row(row) for row in session.execute(query).all()]


def _row(row) -> dict:
    """One session as a row of COLUMNS."""
    from clinicbill.domain.money import fmt

    ident, day, last, first, account, prov, codes, units, cents, status, policy, billed = row
    return {
        "id": ident,
        "date": day,
        "patient": f"{last}, {first} ({account})",
        "provider": prov,
        "codes": codes or "",
        "units": units,
        "charge": fmt(cents),
        "status": status,
        "billed": "self-pay" if policy is None else ("yes" if billed else "no"),
    }


def _sqlite(session) -> bool:
    return session.get_bind().dialect.name == "sqlite"
