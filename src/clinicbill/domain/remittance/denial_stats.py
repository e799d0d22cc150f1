"""`report denials` sections added by issue 17: how often each payer and each code is denied,
and what appeals bring back (count, win rate, money recovered). SQL aggregates; a fixed
number of queries."""

from __future__ import annotations

from datetime import date

from sqlalchemy import and_, case, func, select

from clinicbill.domain.ledger.balances import INSURANCE_PAYMENT
from clinicbill.domain.reports.table import COUNT, MONEY, PERCENT, Column, Section
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


def rate_sections(session, denied, date_from: date, date_to: date) -> tuple[Section, Section]:
    """Denial rate by payer (claims) and by procedure code (lines). `denied`: the denials
    report's subquery of denied entries (service_line_id, claim_id, ...)."""
    from clinicbill.store.models import Claim, Payer, ServiceLine

    answered = _answered_lines(date_from, date_to)
    payer_claims = session.execute(
        select(Payer.name, func.count(func.distinct(answered.c.claim_id)))
        .join(Claim, Claim.id == answered.c.claim_id)
        .join(Payer, Payer.id == Claim.payer_id)
        .group_by(Payer.id, Payer.name)
    ).all()
    payer_denied = dict(
        session.execute(
            select(Payer.name, func.count(func.distinct(denied.c.claim_id)))
            .join(Claim, Claim.id == denied.c.claim_id)
            .join(Payer, Payer.id == Claim.payer_id)
            .group_by(Payer.id, Payer.name)
        ).all()
    )
    code_lines = session.execute(
        select(ServiceLine.code, func.count(func.distinct(answered.c.service_line_id)))
        .join(ServiceLine, ServiceLine.id == answered.c.service_line_id)
        .group_by(ServiceLine.code)
    ).all()
    code_denied = dict(
        session.execute(
            select(ServiceLine.code, func.count(func.distinct(denied.c.service_line_id)))
            .join(ServiceLine, ServiceLine.id == denied.c.service_line_id)
            .group_by(ServiceLine.code)
        ).all()
    )

    def rows(counts, denials):
        out = []
        for key, total in counts:
            n = int(denials.get(key, 0))
            out.append((key, int(total), n, share(n, int(total))))
        return tuple(sorted(out, key=lambda r: (-(r[3] or 0), r[0])))

    rate = Column("rate", "Denial rate", PERCENT)
    return (
        Section(
            key="rate_by_payer",
            title="Denial rate by payer (claims answered in the period)",
            columns=(
                Column("payer", "Payer"),
                Column("answered", "Claims answered", COUNT),
                Column("denied", "Claims with a denial", COUNT),
                rate,
            ),
            rows=rows(payer_claims, payer_denied),
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
            rows=rows(code_lines, code_denied),
            empty="no line answered in this period",
        ),
    )


def appeal_section(session, date_from: date, date_to: date) -> tuple[Section, dict]:
    """Claims appealed in the period: how many, how many the payer then paid (won), the win
    rate and the insurance money posted after the appeal (recovered), by payer."""
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
    found = session.execute(
        select(Payer.name, func.count(), won, func.sum(recovered.c.recovered))
        .join(Claim, Claim.id == recovered.c.claim_id)
        .join(Payer, Payer.id == Claim.payer_id)
        .group_by(Payer.id, Payer.name)
        .order_by(Payer.name)
    ).all()
    rows = tuple(
        (name, int(n), int(w or 0), share(int(w or 0), int(n)), int(cents or 0))
        for name, n, w, cents in found
    )
    totals = {
        "appeals": sum(r[1] for r in rows),
        "won": sum(r[2] for r in rows),
        "recovered": sum(r[4] for r in rows),
    }
    total = ("Total", totals["appeals"], totals["won"], share(totals["won"], totals["appeals"]),
             totals["recovered"])  # fmt: skip
    section = Section(
        key="appeals",
        title="Appeals filed in the period",
        columns=(
            Column("payer", "Payer"),
            Column("appeals", "Appeals", COUNT),
            Column("won", "Won (paid after appeal)", COUNT),
            Column("win_rate", "Win rate", PERCENT),
            Column("recovered", "Recovered", MONEY),
        ),
        rows=rows,
        total=total if rows else None,
        empty="no appeal filed in this period",
    )
    return section, totals
