"""The aging's SQL groupings ("sections") of the open lines (domain/reports/aging/query.py), all
sent as ONE
statement, and the claims they flag: past or near timely filing, no response after N days.
`report followup` reads the same sections.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import (
    Date,
    Integer,
    String,
    and_,
    case,
    cast,
    false,
    func,
    literal,
    not_,
    null,
    or_,
    select,
    union_all,
)

from clinicbill.domain.reports.aging.query import (
    AWAITING_PAYER,
    NOT_YET_SUBMITTED,
    TIMELY_FILING_WARNING_DAYS,
)

GROUP_KEYS = {
    "party_payer_id": Integer,
    "patient_id": Integer,
    "bucket": Integer,
    "claim_id": Integer,
    "unbilled_encounter_id": Integer,
    "pcn": String,
    "claim_status": String,
    "claim_billed_on": Date,
}
CLAIM_KEYS = ("claim_id", "unbilled_encounter_id", "pcn", "claim_status", "claim_billed_on")


def section(lines, name: str, keys: tuple[str, ...], *where):
    """One grouping of the open lines (`open_line_cte`): the sums of what is owed (positive
    balances) and overpaid (negative ones) and the earliest date of service per group. Every
    section has the same columns (keys it does not group by are NULL), so `run_sections` can
    send them all at once."""
    columns = [literal(name, String).label("section")]
    for key, kind in GROUP_KEYS.items():
        columns.append(lines.c[key] if key in keys else cast(null(), kind).label(key))
    columns += [
        func.min(lines.c.service_date).label("service_date"),
        func.coalesce(func.sum(case((lines.c.balance > 0, lines.c.balance), else_=0)), 0).label(
            "owed"
        ),
        func.coalesce(func.sum(case((lines.c.balance < 0, -lines.c.balance), else_=0)), 0).label(
            "overpaid"
        ),
    ]
    return select(*columns).where(*where).group_by(*(lines.c[k] for k in keys))


def run_sections(session, sections: list) -> dict[str, list]:
    """Run the sections as one UNION ALL statement (the open lines are computed once); the
    rows by section name, each with the patient's account and name when grouped by patient."""
    from clinicbill.store.models import Patient

    rows = union_all(*sections).subquery("report_rows")
    result = session.execute(
        select(rows, Patient.account_number, Patient.last_name, Patient.first_name).outerjoin(
            Patient, Patient.id == rows.c.patient_id
        )
    ).all()
    out: dict[str, list] = {}
    for row in result:
        out.setdefault(row.section, []).append(row)
    return out


@dataclass(frozen=True)
class ClaimAlert:
    """A claim (or an unbilled visit) the aging flags for follow-up."""

    reference: str  # the claim's patient control number, or "session N" when unbilled
    claim_id: int | None
    encounter_id: int | None
    patient: str
    account: str
    payer: str
    payer_id: int
    status: str  # claim status, or "unbilled"
    service_date: date  # earliest open date of service
    billed_on: date | None
    deadline: date | None  # timely-filing deadline
    days: int  # days left before the deadline (negative: past), or days waiting
    balance: int


def make_alert(row, payers: dict, deadline: date | None, days: int) -> ClaimAlert:
    return ClaimAlert(
        reference=row.pcn if row.claim_id else f"session {row.unbilled_encounter_id}",
        claim_id=row.claim_id,
        encounter_id=row.unbilled_encounter_id,
        patient=f"{row.last_name}, {row.first_name}",
        account=row.account_number,
        payer=payers[row.party_payer_id].name,
        payer_id=row.party_payer_id,
        status=row.claim_status or "unbilled",
        service_date=row.service_date,
        billed_on=row.claim_billed_on,
        deadline=deadline,
        days=days,
        balance=int(row.owed),
    )


def payer_claims(lines, name: str, *where):
    """Section: per claim (or unbilled visit) the payer still owes, filtered by `where`."""
    keys = (*CLAIM_KEYS, "party_payer_id", "patient_id")
    return section(
        lines, name, keys, lines.c.balance > 0, lines.c.party_payer_id.is_not(None), *where
    )


def timely_filing_days(payers: dict) -> dict[int, int]:
    """Each claim-taking payer's timely-filing limit in days (its profile, or its override)."""
    from clinicbill.domain.practice.profiles import profile_for_payer

    limits = {}
    for payer in payers.values():
        profile = profile_for_payer(payer)
        if profile.billable and profile.timely_filing_days > 0:
            limits[payer.id] = profile.timely_filing_days
    return limits


def timely_filing_section(lines, payers: dict, as_of: date):
    """Not-yet-submitted claims and unbilled visits past or within 30 days of the limit."""
    limits = timely_filing_days(payers)
    near = [
        and_(
            lines.c.party_payer_id == payer_id,
            lines.c.service_date <= as_of - timedelta(days=days - TIMELY_FILING_WARNING_DAYS),
        )
        for payer_id, days in limits.items()
    ]
    return payer_claims(
        lines,
        "timely_filing",
        or_(lines.c.claim_id.is_(None), lines.c.claim_status.in_(NOT_YET_SUBMITTED)),
        or_(*near) if near else false(),
    )


def timely_filing_alerts(rows, payers: dict, as_of: date) -> list[ClaimAlert]:
    limits = timely_filing_days(payers)
    alerts = []
    for row in rows:
        deadline = row.service_date + timedelta(days=limits[row.party_payer_id])
        alerts.append(make_alert(row, payers, deadline, (deadline - as_of).days))
    alerts.sort(key=lambda a: (a.days, a.reference))
    return alerts


def no_response_section(lines, as_of: date, days: int):
    """Submitted claims no remittance answered within `days` of first billing."""
    return payer_claims(
        lines,
        "no_response",
        lines.c.claim_status.in_(AWAITING_PAYER),
        not_(lines.c.remitted),
        lines.c.claim_billed_on <= as_of - timedelta(days=days),
    )


def no_response_alerts(rows, payers: dict, as_of: date) -> list[ClaimAlert]:
    alerts = [make_alert(row, payers, None, (as_of - row.claim_billed_on).days) for row in rows]
    alerts.sort(key=lambda a: (-a.days, a.reference))
    return alerts
