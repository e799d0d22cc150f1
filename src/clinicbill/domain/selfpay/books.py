"""The practice's books: a double-entry journal of everything that moved money, for an
accountant (`export ledger`; formats/books.py writes it as beancount or CSV).

Accounts (amounts in cents; a debit is positive, a credit negative, as beancount counts):
- Assets:Receivable:Insurance / Assets:Receivable:Patients: a charge is owed by the payer of
  an insured visit, by the patient of a self-pay visit; insurance payments and payer
  adjustments reduce the first, patient payments and write-offs the party of the visit. At
  the end of the period one reclassification entry moves each balance to the party the aging
  says owes it (domain/ledger/responsibility.py: the patient once the payer has answered), and the
  excess of overpaid lines to Liabilities:Credits:Overpaid-Lines, so the receivables equal the
  aging on the closing date, to the cent (a `balance` assertion in the file says so).
- Income:Services:<code>:<provider>: charges by date of service.
- Income:Adjustments:Contractual (CO), Income:Adjustments:Other (OA, PI, PR),
  Income:Adjustments:Write-Off:<reason> (manual write-offs), Income:Discounts:<kind>
  (membership, package, sliding scale): every adjustment, on its posting date.
- Assets:Cash:<method>: patient money received (refunds out); Assets:Bank:Insurance: payer
  money as posted to lines.
- Liabilities:Patient-Credit: patient money not yet applied to a line; applying it moves it
  to the receivable. Liabilities:Deferred:Packages: a package's price until its visits use it
  (the visit's value is then applied to the visit, the rest is the package discount).
- Liabilities:Deferred:Memberships: membership dues (code MEMBERSHIP lines) until earned:
  each included visit earns the period's dues / included visits (the last one the rest); what
  is left is earned on the period's last day, or, with rollover, when the membership is
  cancelled; plans without visits are earned on the period's last day. Earned dues go to
  Income:Memberships.

Everything before the first day is summed into one opening-balances entry, so every file
balances on its own and its closing balances tie to `aging` and its period entries to
`report revenue` (charges, adjustments, payments) for the same dates.
Known limit: postings on a voided session are left out (the aging leaves out its lines too).
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlalchemy import func, select

from clinicbill.domain.errors import ClinicbillError
from clinicbill.domain.ledger.balances import ADJUSTMENT, INSURANCE_PAYMENT, PATIENT_PAYMENT
from clinicbill.store.models import (
    Encounter,
    LedgerEntry,
    Package,
    Payment,
    Provider,
    ServiceLine,
)

AR_INSURANCE = "Assets:Receivable:Insurance"
AR_PATIENTS = "Assets:Receivable:Patients"
BANK_INSURANCE = "Assets:Bank:Insurance"
PATIENT_CREDIT = "Liabilities:Patient-Credit"
OVERPAID = "Liabilities:Credits:Overpaid-Lines"
DEFERRED_PACKAGES = "Liabilities:Deferred:Packages"
DEFERRED_MEMBERSHIPS = "Liabilities:Deferred:Memberships"
MEMBERSHIP_INCOME = "Income:Memberships"
OPENING = "Equity:Opening-Balances"
DISCOUNTS = {
    "membership": "Income:Discounts:Membership",
    "package": "Income:Discounts:Package",
    "sliding-scale": "Income:Discounts:Sliding-Scale",
}


@dataclass(frozen=True)
class Transaction:
    day: date
    narration: str
    postings: tuple[tuple[str, int], ...]  # (account, cents): debits positive
    kind: str = ""  # charge | payment | adjustment | receipt | refund | earned | opening | reclass


@dataclass
class Books:
    date_from: date
    date_to: date
    transactions: list[Transaction] = field(default_factory=list)
    closing: dict[str, int] = field(default_factory=dict)  # balances asserted after date_to

    @property
    def accounts(self) -> list[str]:
        return sorted({a for t in self.transactions for a, _c in t.postings} | set(self.closing))

    def balance(self, account_prefix: str, through: date | None = None) -> int:
        return sum(
            cents
            for t in self.transactions
            if through is None or t.day <= through
            for account, cents in t.postings
            if account == account_prefix or account.startswith(account_prefix + ":")
        )


def component(text: str) -> str:
    """A beancount account component: letters, digits and dashes, starting with a capital or
    a digit ('ana reyes' -> 'Ana-Reyes')."""
    words = [w for w in re.split(r"[^A-Za-z0-9]+", text or "") if w]
    name = "-".join(w[:1].upper() + w[1:] for w in words) or "Unknown"
    return name if name[0].isalnum() else "X" + name


def _add(groups, key, cents: int) -> None:
    groups[key] = groups.get(key, 0) + int(cents)


def _charges(session, date_to: date, groups) -> None:
    providers = {
        p.id: component(f"{p.last_name} {p.first_name}")
        for p in session.execute(select(Provider)).scalars()
    }
    rows = session.execute(
        select(
            Encounter.service_date,
            Encounter.provider_id,
            Encounter.policy_id.is_(None).label("self_pay"),
            Encounter.template,
            ServiceLine.code,
            func.sum(ServiceLine.charge_cents),
        )
        .join(Encounter, Encounter.id == ServiceLine.encounter_id)
        .where(Encounter.status != "void", Encounter.service_date <= date_to)
        .group_by(
            Encounter.service_date,
            Encounter.provider_id,
            Encounter.policy_id.is_(None),
            Encounter.template,
            ServiceLine.code,
        )
    ).all()
    for day, provider_id, self_pay, template, code, cents in rows:
        receivable = AR_PATIENTS if self_pay else AR_INSURANCE
        if template == "membership":
            income, what = DEFERRED_MEMBERSHIPS, "membership dues"
        else:
            income = f"Income:Services:{component(code)}:{providers.get(provider_id, 'Unknown')}"
            what = "charges"
        _add(groups, (day, "charge", what, receivable, income), cents)


def _adjustment_account(group_code: str | None, reason: str | None) -> str:
    if reason in DISCOUNTS:
        return DISCOUNTS[reason]
    if group_code == "CO":
        return "Income:Adjustments:Contractual"
    if group_code in ("OA", "PI", "PR"):
        return "Income:Adjustments:Other"
    return f"Income:Adjustments:Write-Off:{component(reason or 'other')}"


def _package_payments():
    """Select the ids of the payments that bought a package."""
    return select(Package.payment_id).where(Package.payment_id.is_not(None))


def _postings(session, date_to: date, groups) -> None:
    # day, kind, group, reason, paid from a package, self-pay visit: selected and grouped by
    keys = (
        LedgerEntry.effective_date,
        LedgerEntry.kind,
        LedgerEntry.group_code,
        LedgerEntry.reason_code,
        LedgerEntry.payment_id.in_(_package_payments()),
        Encounter.policy_id.is_(None),
    )
    rows = session.execute(
        select(*keys, func.sum(LedgerEntry.amount_cents))
        .join(ServiceLine, ServiceLine.id == LedgerEntry.service_line_id)
        .join(Encounter, Encounter.id == ServiceLine.encounter_id)
        .where(
            Encounter.status != "void",
            LedgerEntry.effective_date <= date_to,
            LedgerEntry.kind.in_((INSURANCE_PAYMENT, PATIENT_PAYMENT, ADJUSTMENT)),
        )
        .group_by(*keys)
    ).all()
    for day, kind, group_code, reason, package, self_pay, cents in rows:
        receivable = AR_PATIENTS if self_pay else AR_INSURANCE
        if kind == INSURANCE_PAYMENT:
            key = (day, "payment", "insurance payments", BANK_INSURANCE, AR_INSURANCE)
        elif kind == PATIENT_PAYMENT:
            source = DEFERRED_PACKAGES if package else PATIENT_CREDIT
            what = "package visits used" if package else "patient payments applied"
            key = (day, "payment", what, source, receivable)
        else:
            account = _adjustment_account(group_code, reason)
            key = (day, "adjustment", "adjustments", account, receivable)
        _add(groups, key, cents)


def _receipts(session, date_to: date, groups) -> None:
    keys = (Payment.received_on, Payment.kind, Payment.method, Payment.id.in_(_package_payments()))
    rows = session.execute(
        select(*keys, func.sum(Payment.amount_cents))
        .where(Payment.source == "patient", Payment.received_on <= date_to)
        .group_by(*keys)
    ).all()
    for day, kind, method, package, cents in rows:
        cash = f"Assets:Cash:{component(method)}"
        liability = DEFERRED_PACKAGES if package else PATIENT_CREDIT
        if kind == "refund":
            _add(groups, (day, "refund", "patient refunds", liability, cash), cents)
        else:
            what = "packages sold" if package else "patient money received"
            _add(groups, (day, "receipt", what, cash, liability), cents)


def build_books(session, date_from: date, date_to: date) -> Books:
    """The journal for [date_from, date_to], opened with the balances of the day before."""
    from clinicbill.domain.selfpay.books_memberships import earned_dues

    if date_from > date_to:
        raise ClinicbillError(f"from: {date_from} is after --to {date_to}", "give --from first")
    groups: dict = {}
    _charges(session, date_to, groups)
    _postings(session, date_to, groups)
    _receipts(session, date_to, groups)
    for day, cents in earned_dues(session, date_to):
        _add(
            groups,
            (day, "earned", "membership dues earned", DEFERRED_MEMBERSHIPS, MEMBERSHIP_INCOME),
            cents,
        )
    every = [
        Transaction(day, what, ((debit, cents), (credit, -cents)), kind)
        for (day, kind, what, debit, credit), cents in sorted(groups.items(), key=_order)
        if cents
    ]
    books = Books(date_from, date_to)
    opening: dict[str, int] = defaultdict(int)
    for t in every:
        if t.day < date_from:
            for account, cents in t.postings:
                opening[account] += cents
        else:
            books.transactions.append(t)
    opened = tuple((a, c) for a, c in sorted(opening.items()) if c)
    if opened:
        books.transactions.insert(
            0, Transaction(date_from - timedelta(days=1), "opening balances", opened, "opening")
        )
    _reclassify(session, books)
    return books


KIND_ORDER = ("charge", "receipt", "payment", "adjustment", "earned", "refund")


def _order(item):
    """By day; within a day charges, money received, applied, adjustments, earned, refunds."""
    (day, kind, what, debit, credit), _cents = item
    return (day, KIND_ORDER.index(kind), what, debit, credit)


def _reclassify(session, books: Books) -> None:
    """Move receivables to the party the aging names on the closing date, and overpaid
    lines' excess to a liability; record the closing balances the file asserts."""
    from clinicbill.domain.ledger.balances import responsibility_query

    q = responsibility_query(books.date_to).subquery("resp")
    insurance, patients = session.execute(
        select(
            func.coalesce(func.sum(q.c.insurance_due), 0),
            func.coalesce(func.sum(q.c.patient_due), 0),
        )
    ).one()
    negative = session.execute(
        select(func.coalesce(func.sum(q.c.balance), 0)).where(q.c.balance < 0)
    ).scalar()
    insurance, patients, overpaid = int(insurance), int(patients), -int(negative)
    move = (
        (AR_INSURANCE, insurance - books.balance(AR_INSURANCE)),
        (AR_PATIENTS, patients - books.balance(AR_PATIENTS)),
        (OVERPAID, -overpaid - books.balance(OVERPAID)),
    )
    postings = tuple((a, c) for a, c in move if c)
    if postings:
        if sum(c for _a, c in postings) != 0:  # pragma: no cover - guards the identity
            raise ClinicbillError("books: receivables do not tie to the ledger", "report a bug")
        books.transactions.append(
            Transaction(
                books.date_to, "receivables by responsible party (aging)", postings, "reclass"
            )
        )
    books.closing = {AR_INSURANCE: insurance, AR_PATIENTS: patients, OVERPAID: -overpaid}
