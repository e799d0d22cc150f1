"""`report denials` sections added by issue 17: how often each payer and each code is denied,
and what appeals bring back (count, win rate, money recovered). SQL aggregates; a fixed
number of queries."""

from __future__ import annotations

from datetime import date

from sqlalchemy import and_, case, func, select

from clinicbill.domain.ledger.balances import INSURANCE_PAYMENT
from clinicbill.domain.reports.table import (
    COUNT,
    MONEY,
    PAYER,
    PERCENT,
    Column,
    Section,
    column_totals,
)
from clinicbill.domain.reports.table import percent as share


def _answered_lines(date_from: date, date_to: date):
    """Subquery: (claim_id, service_line_id) a remittance answered in the period."""
    from clinicbill.store.models import LedgerEntry

    return (
        select(LedgerEntry.claim_id, LedgerEntry.service_line_id)
        .where(
            LedgerEntry.remittance_claim_id.is_not(None),
            LedgerEntry.effective_date.between(date_from, date_to),
        )
        .distinct()
        .subquery("answered")
    )


def _claims_by_payer(session, entries) -> list:
    """(payer name, distinct claims) among `entries` (a subquery with a claim_id column)."""
    from clinicbill.store.models import Claim, Payer

    return session.execute(
        select(Payer.name, func.count(func.distinct(entries.c.claim_id)))
        .join(Claim, Claim.id == entries.c.claim_id)
        .join(Payer, Payer.id == Claim.payer_id)
        .group_by(Payer.id, Payer.name)
    ).all()


def _lines_by_code(session, entries) -> list:
    """(procedure code, distinct lines) among `entries` (with a service_line_id column)."""
    from clinicbill.store.models import ServiceLine

    return session.execute(
        select(ServiceLine.code, func.count(func.distinct(entries.c.service_line_id)))
        .join(ServiceLine, ServiceLine.id == entries.c.service_line_id)
        .group_by(ServiceLine.code)
    ).all()


def _rate_rows(counts, denials: dict) -> tuple[tuple, ...]:
    """(key, answered, denied, rate), the highest rate first."""
    out = []
    for key, total in counts:
        n = int(denials.get(key, 0))
        out.append((key, int(total), n, share(n, int(total))))
    return tuple(sorted(out, key=lambda r: (-(r[3] or 0), r[0])))


def rate_sections(session, denied, date_from: date, date_to: date) -> tuple[Section, Section]:
    """Denial rate by payer (claims) and by procedure code (lines). `denied`: the denials
    report's subquery of denied entries (service_line_id, claim_id, ...)."""
    answered = _answered_lines(date_from, date_to)
    payer_claims = _claims_by_payer(session, answered)
    payer_denied = dict(_claims_by_payer(session, denied))
    code_lines = _lines_by_code(session, answered)
    code_denied = dict(_lines_by_code(session, denied))
    rate = Column("rate", "Denial rate", PERCENT)
    return (
        Section(
            key="rate_by_payer",
            title="Denial rate by payer (claims answered in the period)",
            columns=(
                PAYER,
                Column("answered", "Claims answered", COUNT),
                Column("denied", "Claims with a denial", COUNT),
                rate,
            ),
            rows=_rate_rows(payer_claims, payer_denied),
            empty="no claim answered in this period",
        ),
        Section(
            key="rate_by_code",
            title="Denial rate by procedure code (lines answered in the period)",
            columns=(
                Column("code", "Code"),
                Column("answered", "Lines answered", COUNT),
                Column("denied", "Lines denied", COUNT),
                rate,
            ),
            rows=_rate_rows(code_lines, code_denied),
            empty="no line answered in this period",
        ),
    )


def appeal_section(session, date_from: date, date_to: date) -> tuple[Section, dict]:
    """Claims appealed in the period: how many, how many the payer then paid (won), the win
    rate and the insurance money posted after the appeal (recovered), by payer."""
    rows = tuple(
        (name, int(n), int(w or 0), share(int(w or 0), int(n)), int(cents or 0))
        for name, n, w, cents in _appeals_by_payer(session, date_from, date_to)
    )
    appeals, won, recovered = column_totals(rows, (1, 2, 4))
    totals = {"appeals": appeals, "won": won, "recovered": recovered}
    section = Section(
        key="appeals",
        title="Appeals filed in the period",
        columns=(
            PAYER,
            Column("appeals", "Appeals", COUNT),
            Column("won", "Won (paid after appeal)", COUNT),
            Column("win_rate", "Win rate", PERCENT),
            Column("recovered", "Recovered", MONEY),
        ),
        rows=rows,
        total=("Total", appeals, won, share(won, appeals), recovered) if rows else None,
        empty="no appeal filed in this period",
    )
    return section, totals


def _appeals_by_payer(session, date_from: date, date_to: date) -> list:
    """(payer, claims appealed, claims paid after the appeal, insurance money posted since)."""
    from clinicbill.store.models import Claim, ClaimStatusEvent, LedgerEntry, Payer

    appealed = (
        select(
            ClaimStatusEvent.claim_id.label("claim_id"),
            func.min(ClaimStatusEvent.on_date).label("appealed_on"),
        )
        .where(
            ClaimStatusEvent.status == "appealed",
            ClaimStatusEvent.on_date.between(date_from, date_to),
        )
        .group_by(ClaimStatusEvent.claim_id)
        .subquery("appealed")
    )
    recovered = (
        select(
            appealed.c.claim_id,
            func.coalesce(func.sum(LedgerEntry.amount_cents), 0).label("recovered"),
        )
        .select_from(appealed)
        .outerjoin(
            LedgerEntry,
            and_(
                LedgerEntry.claim_id == appealed.c.claim_id,
                LedgerEntry.kind == INSURANCE_PAYMENT,
                LedgerEntry.effective_date >= appealed.c.appealed_on,
                LedgerEntry.effective_date <= date_to,
            ),
        )
        .group_by(appealed.c.claim_id)
        .subquery("recovered")
    )
    won = func.sum(case((recovered.c.recovered > 0, 1), else_=0))
    return session.execute(
        select(Payer.name, func.count(), won, func.sum(recovered.c.recovered))
        .join(Claim, Claim.id == recovered.c.claim_id)
        .join(Payer, Payer.id == Claim.payer_id)
        .group_by(Payer.id, Payer.name)
        .order_by(Payer.name)
    ).all()
