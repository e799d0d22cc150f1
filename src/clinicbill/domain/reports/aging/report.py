"""The aging report (SPEC §4.8): computed once from the SQL in domain/reports/aging/query.py into an
`AgingReport`, then turned into the generic `Report` every format prints (terminal table, CSV,
JSON, PDF), so every format shows the same numbers.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select

from clinicbill.domain.reports.aging.query import (
    BASES,
    BUCKET_LABELS,
    GROUPINGS,
    NO_RESPONSE_DAYS,
    open_line_cte,
    payers_by_id,
    recorded_after,
)
from clinicbill.domain.reports.aging.sections import (
    ClaimAlert,
    no_response_alerts,
    no_response_section,
    run_sections,
    section,
    timely_filing_alerts,
    timely_filing_section,
)
from clinicbill.domain.reports.table import (
    ACCOUNT,
    CLAIM_COLUMNS,
    COUNT,
    DATE,
    MONEY,
    PATIENT,
    Column,
    Report,
    Section,
    percent,
)

ALERT_PREVIEW = 20  # claims a terminal lists under the aging table (the most urgent first)


@dataclass(frozen=True)
class AgingRow:
    """One responsible party (or, by patient, one patient and who owes their balance)."""

    party: str  # payer name, "Patient responsibility", or "Last, First"
    responsible: str  # payer name or "Patient"
    payer_id: int | None  # None: the patient owes it
    patient_id: int | None  # set when the report is by patient
    account: str | None
    amounts: tuple[int, ...]  # cents per bucket

    @property
    def total(self) -> int:
        return sum(self.amounts)


@dataclass(frozen=True)
class CreditRow:
    party: str
    kind: str  # "prepaid package" | "unapplied payment" | "overpaid line"
    patient_id: int | None
    payer_id: int | None
    account: str | None
    amount: int


@dataclass(frozen=True)
class AgingReport:
    as_of: date
    basis: str
    by: str
    provider: str | None
    rows: tuple[AgingRow, ...]  # by the chosen grouping
    parties: tuple[AgingRow, ...]  # by responsible party (the PDF's chart)
    credits: tuple[CreditRow, ...]
    timely_filing: tuple[ClaimAlert, ...]
    no_response: tuple[ClaimAlert, ...]
    no_response_days: int = NO_RESPONSE_DAYS

    @property
    def totals(self) -> tuple[int, ...]:
        return tuple(sum(r.amounts[i] for r in self.rows) for i in range(len(BUCKET_LABELS)))

    @property
    def total(self) -> int:
        """The aging total: every open (positive) line balance, in exactly one bucket."""
        return sum(self.totals)

    @property
    def credit_total(self) -> int:
        return sum(c.amount for c in self.credits)

    @property
    def net_receivable(self) -> int:
        return self.total - self.credit_total

    @property
    def percentages(self) -> tuple:
        return tuple(percent(amount, self.total) for amount in self.totals)

    def check_line(self) -> str:
        """The report's last line (SPEC §4.8): how the total ties to accounts receivable."""
        from clinicbill.domain.money import fmt

        net = self.net_receivable
        meaning = (
            "patients' money held exceeds what is owed"
            if net < 0
            else "what is owed less the money held"
        )
        return (
            f"Aging total {fmt(self.total)} = open line balances {fmt(self.total)}; "
            f"credits {fmt(self.credit_total)} (prepaid packages, unapplied payments, overpaid "
            f"lines) are listed apart, not netted into any bucket; open balances less credits "
            f"{fmt(net)} ({meaning})."
        )


def _payer_name(payers: dict, payer_id: int | None) -> str:
    return payers[payer_id].name if payer_id is not None else "Patient"


def _party_label(payers: dict, payer_id: int | None) -> str:
    return payers[payer_id].name if payer_id is not None else "Patient responsibility"


def _aging_rows(result, payers: dict, by_patient: bool) -> tuple[list[AgingRow], list[CreditRow]]:
    """Bucket sums per responsible party (or per patient and party) from the section rows, and
    the overpaid lines per party (credits)."""
    amounts: dict = {}
    over: dict = {}
    for row in result:
        if by_patient:
            key = (row.patient_id, row.account_number, f"{row.last_name}, {row.first_name}")
        else:
            key = (None, None, _party_label(payers, row.party_payer_id))
        key = (*key, row.party_payer_id)
        amounts.setdefault(key, [0] * len(BUCKET_LABELS))[int(row.bucket)] += int(row.owed)
        over[key] = over.get(key, 0) + int(row.overpaid)
    rows = [
        AgingRow(
            party=name,
            responsible=_payer_name(payers, pid),
            payer_id=pid,
            patient_id=patient_id,
            account=account,
            amounts=tuple(values),
        )
        for (patient_id, account, name, pid), values in amounts.items()
        if any(values)
    ]
    if by_patient:
        rows.sort(key=lambda r: (r.party.lower(), r.account, r.payer_id is None, r.responsible))
    else:
        rows.sort(key=lambda r: (r.payer_id is None, r.party.lower()))
    credits = [
        CreditRow(name, "overpaid line", patient_id, pid, account, amount)
        for (patient_id, account, name, pid), amount in sorted(
            over.items(), key=lambda kv: (kv[0][2].lower(), kv[0][1] or "")
        )
        if amount
    ]
    return rows, credits


# how each kind of patient money is named in the credits list
PREPAID, UNAPPLIED = "prepaid package", "unapplied payment"


def _unapplied_credits(session, as_of: date | None, each: bool) -> list[CreditRow]:
    """Patients' money not applied to a visit: prepaid packages not yet drawn down, apart from
    other unapplied payments (prepayments, overpayments not yet refunded). One row per patient
    and kind, or (`each` False, the by-payer summary) one row per kind for all of them."""
    from clinicbill.domain.ledger.balances import patient_credits_query
    from clinicbill.store.models import Patient

    credits = patient_credits_query(as_of, split_prepaid=True).subquery("credit")
    if not each:
        out = []
        for prepaid, count, total in session.execute(
            select(credits.c.prepaid, func.count(), func.coalesce(func.sum(credits.c.credit), 0))
            .where(credits.c.credit != 0)
            .group_by(credits.c.prepaid)
            .order_by(credits.c.prepaid.desc())
        ).all():
            party = "1 patient" if count == 1 else f"{count} patients"
            kind = PREPAID if prepaid else UNAPPLIED
            out.append(CreditRow(party, kind + "s", None, None, None, int(total)))
        return out
    result = session.execute(
        select(
            credits.c.patient_id,
            Patient.account_number,
            Patient.last_name,
            Patient.first_name,
            credits.c.prepaid,
            credits.c.credit,
        )
        .join(Patient, Patient.id == credits.c.patient_id)
        .where(credits.c.credit != 0)
        .order_by(Patient.last_name, Patient.first_name, Patient.id, credits.c.prepaid.desc())
    ).all()
    return [
        CreditRow(
            f"{last}, {first}", PREPAID if prepaid else UNAPPLIED, pid, None, account, int(amount)
        )
        for pid, account, last, first, prepaid, amount in result
    ]


def aging_report(
    session,
    as_of: date | None = None,
    *,
    by: str = "payer",
    basis: str = "service",
    provider=None,
    no_response_days: int = NO_RESPONSE_DAYS,
) -> AgingReport:
    """Open balances by age and responsible party on `as_of` (default today), the credits
    listed apart, and the claims to chase. A fixed number of queries, whatever the size."""
    from clinicbill.domain.errors import ClinicbillError
    from clinicbill.domain.validate import check_not_future

    today = date.today()
    as_of = as_of or today
    check_not_future(as_of, "as-of")
    if by not in GROUPINGS:
        raise ClinicbillError(f"by: '{by}' is not a grouping", "use payer or patient")
    if basis not in BASES:
        raise ClinicbillError(f"basis: '{basis}' is not an aging basis", "use service or billed")
    if no_response_days < 1:
        raise ClinicbillError(
            f"no-response-days: {no_response_days} is not a number of days", "give 1 or more"
        )
    payers = payers_by_id(session)
    provider_id = provider.id if provider is not None else None
    historical = recorded_after(session, as_of)
    lines = open_line_cte(session, as_of, payers, basis, provider_id, historical)
    sections = [
        section(lines, "party", ("party_payer_id", "bucket")),
        timely_filing_section(lines, payers, as_of),
        no_response_section(lines, as_of, no_response_days),
    ]
    if by == "patient":
        sections.append(section(lines, "patient", ("patient_id", "party_payer_id", "bucket")))
    found = run_sections(session, sections)
    parties, party_over = _aging_rows(found.get("party", []), payers, by_patient=False)
    if by == "payer":
        rows, credits = parties, party_over
    else:
        rows, credits = _aging_rows(found.get("patient", []), payers, by_patient=True)
    if provider is None:  # unapplied money belongs to the patient, not to a provider
        dated = as_of if historical else None
        credits.extend(_unapplied_credits(session, dated, each=by == "patient"))
    return AgingReport(
        as_of=as_of,
        basis=basis,
        by=by,
        provider=provider.display_name if provider is not None else None,
        rows=tuple(rows),
        parties=tuple(parties),
        credits=tuple(credits),
        timely_filing=tuple(timely_filing_alerts(found.get("timely_filing", []), payers, as_of)),
        no_response=tuple(no_response_alerts(found.get("no_response", []), payers, as_of)),
        no_response_days=no_response_days,
    )


def to_report(aging: AgingReport) -> Report:
    """The aging as the generic report every format prints."""
    timely = _alert_section(
        "timely_filing",
        "Past or within 30 days of the payer's timely-filing limit (not yet submitted)",
        aging.timely_filing,
        (Column("deadline", "Deadline", DATE), Column("days_left", "Days left", COUNT)),
        lambda a: (a.deadline, a.days),
        "no claim near its timely-filing limit",
    )
    silent = _alert_section(
        "no_response",
        f"Submitted, no response after {aging.no_response_days} days",
        aging.no_response,
        (Column("billed_on", "First billed", DATE), Column("days_waiting", "Days waiting", COUNT)),
        lambda a: (a.billed_on, a.days),
        "no claim waiting for an answer",
    )
    return Report(
        name="aging",
        title="Accounts receivable aging",
        parameters={
            "as_of": aging.as_of.isoformat(),
            "by": aging.by,
            "basis": aging.basis,
            "provider": aging.provider,
        },
        sections=(_buckets_section(aging), _credits_section(aging), timely, silent),
        notes=(aging.check_line(),),
        summary={
            "open_balances": aging.total,
            "credits": aging.credit_total,
            "net_receivable": aging.net_receivable,
        },
    )


def _buckets_section(aging: AgingReport) -> Section:
    """The open balances per party and bucket, with totals and each bucket's share."""
    tones = ("", "", "", "warn", "alert")
    money = tuple(
        Column(label, label, MONEY, tone) for label, tone in zip(BUCKET_LABELS, tones, strict=True)
    )
    if aging.by == "patient":
        lead = (PATIENT, ACCOUNT, Column("responsible", "Responsible"))
        rows = tuple((r.party, r.account, r.responsible, *r.amounts, r.total) for r in aging.rows)
        pad = (None, None)
    else:
        lead = (Column("party", "Responsible party"),)
        rows = tuple((r.party, *r.amounts, r.total) for r in aging.rows)
        pad = ()
    return Section(
        key="aging",
        title="Open balances by age (days since "
        + ("the date of service" if aging.basis == "service" else "first billed")
        + ")",
        columns=(*lead, *money, Column("total", "Total", MONEY)),
        rows=rows,
        total=("Total", *pad, *aging.totals, aging.total),
        share_row=("% of total", *pad, *aging.percentages, percent(aging.total, aging.total)),
        empty="no open balances",
    )


def _credits_section(aging: AgingReport) -> Section:
    return Section(
        key="credits",
        title="Credits (listed apart, not in any bucket)",
        columns=(
            Column("party", "Party"),
            ACCOUNT,
            Column("kind", "Kind"),
            Column("amount", "Amount", MONEY),
        ),
        rows=tuple((c.party, c.account, c.kind, c.amount) for c in aging.credits),
        total=("Total", None, None, aging.credit_total),
        empty="no credits",
    )


ALERT_LEAD = (
    *CLAIM_COLUMNS,
    Column("status", "Status"),
    Column("service_date", "Service date", DATE),
)


def _alert_section(key, title, alerts, middle: tuple[Column, ...], cells, empty) -> Section:
    """Claims listed under the aging: who and what, the `middle` columns (`cells(alert)`),
    then the balance; a terminal previews the most urgent ALERT_PREVIEW."""
    return Section(
        key=key,
        title=title,
        columns=(*ALERT_LEAD, *middle, Column("balance", "Balance", MONEY)),
        rows=tuple(
            (
                a.reference,
                a.patient,
                a.account,
                a.payer,
                a.status,
                a.service_date,
                *cells(a),
                a.balance,
            )  # fmt: skip
            for a in alerts
        ),
        empty=empty,
        preview=ALERT_PREVIEW,
    )
