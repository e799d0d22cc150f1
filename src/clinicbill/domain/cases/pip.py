"""Personal injury protection (PIP) limits: an auto case pays up to its limit, so the charges
billed under the case are counted against it (voided sessions excepted)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select

from clinicbill.domain.reports.table import ACCOUNT, COUNT, DATE, MONEY, PATIENT, Column, Section
from clinicbill.store.models import Encounter, InjuryCase, ServiceLine


@dataclass(frozen=True)
class PipStatus:
    case_id: int
    limit_cents: int
    billed_cents: int

    @property
    def remaining_cents(self) -> int:
        return self.limit_cents - self.billed_cents

    def line(self) -> str:
        from clinicbill.domain.money import fmt

        return (
            f"PIP limit {fmt(self.limit_cents)}: {fmt(self.billed_cents)} billed, "
            f"{fmt(max(self.remaining_cents, 0))} left"
        )


def billed_by_case(session, case_ids, exclude_encounter_id: int | None = None) -> dict[int, int]:
    """Charges of every non-void session under each case."""
    if not case_ids:
        return {}
    query = (
        select(Encounter.case_id, func.sum(ServiceLine.charge_cents))
        .join(ServiceLine, ServiceLine.encounter_id == Encounter.id)
        .where(Encounter.case_id.in_(sorted(case_ids)), Encounter.status != "void")
        .group_by(Encounter.case_id)
    )
    if exclude_encounter_id is not None:
        query = query.where(Encounter.id != exclude_encounter_id)
    return {case_id: int(total or 0) for case_id, total in session.execute(query).all()}


def pip_status(session, case: InjuryCase, exclude_encounter_id: int | None = None):
    """The case's PIP limit and what is billed against it; None when it has no limit."""
    if not case.pip_limit_cents:
        return None
    billed = billed_by_case(session, [case.id], exclude_encounter_id).get(case.id, 0)
    return PipStatus(case.id, case.pip_limit_cents, billed)


def pip_statuses(session) -> list[PipStatus]:
    """Every open auto case with a PIP limit (report visits)."""
    cases = list(
        session.execute(
            select(InjuryCase).where(
                InjuryCase.status == "open", InjuryCase.pip_limit_cents.is_not(None)
            )
        ).scalars()
    )
    billed = billed_by_case(session, [c.id for c in cases])
    return [PipStatus(c.id, c.pip_limit_cents, billed.get(c.id, 0)) for c in cases]


def pip_section(session):
    """`report visits`: each open auto case's PIP limit, what is billed and what is left."""
    from clinicbill.store.models import Patient

    rows = []
    for status in pip_statuses(session):
        case = session.get(InjuryCase, status.case_id)
        patient = session.get(Patient, case.patient_id)
        rows.append(
            (
                case.id,
                f"{patient.last_name}, {patient.first_name}",
                patient.account_number,
                case.injury_date,
                status.limit_cents,
                status.billed_cents,
                max(status.remaining_cents, 0),
            )
        )
    return Section(
        key="pip",
        title="PIP limits of open auto cases",
        columns=(
            Column("case", "Case", COUNT),
            PATIENT,
            ACCOUNT,
            Column("injury_date", "Injury", DATE),
            Column("limit", "PIP limit", MONEY),
            Column("billed", "Billed", MONEY),
            Column("remaining", "Left", MONEY),
        ),
        rows=tuple(rows),
        empty="no open auto case with a PIP limit",
    )
