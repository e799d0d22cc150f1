"""The books (domain/selfpay/books.py) as a beancount file or as CSV, one row per posting.

The beancount file opens every account the day before the period, carries the opening
balances, the period's entries (one per day, kind and account pair: no patient data), and
`balance` assertions for the receivables the day after the period, so `bean-check` itself
verifies that they tie to the aging.
"""

from __future__ import annotations

import csv
import io
from datetime import timedelta

from clinicbill.domain.money import to_decimal
from clinicbill.domain.selfpay.books import Books

CURRENCY = "USD"


def _amount(cents: int) -> str:
    return f"{to_decimal(cents)} {CURRENCY}"


def beancount_text(books: Books, title: str) -> str:
    opened = books.date_from - timedelta(days=1)
    out = [
        f'option "title" "{_quote(title)}"',
        f'option "operating_currency" "{CURRENCY}"',
        "",
    ]
    out += [f"{opened.isoformat()} open {account} {CURRENCY}" for account in books.accounts]
    for t in books.transactions:
        out += ["", f'{t.day.isoformat()} * "{_quote(t.narration)}"', f'  kind: "{t.kind}"']
        width = max(len(a) for a, _c in t.postings)
        out += [f"  {account.ljust(width)}  {_amount(cents):>16}" for account, cents in t.postings]
    after = (books.date_to + timedelta(days=1)).isoformat()
    out.append("")
    out += [f"{after} balance {a}  {_amount(c)}" for a, c in sorted(books.closing.items())]
    return "\n".join(out) + "\n"


def _quote(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', '\\"')


def csv_text(books: Books) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["date", "entry", "kind", "narration", "account", "debit", "credit"])
    for number, t in enumerate(books.transactions, 1):
        for account, cents in t.postings:
            debit = str(to_decimal(cents)) if cents > 0 else ""
            credit = str(to_decimal(-cents)) if cents < 0 else ""
            writer.writerow(
                [t.day.isoformat(), number, t.kind, t.narration, account, debit, credit]
            )
    return buffer.getvalue()
