"""One rule for who owes a line's open balance (domain/ledger/responsibility.py): the aging
(`open_lines`) and every balance (`ledger.line_details`: balance, patient show, claim show,
payment allocation, the statement) give the same answer in every claim state, today and on
past dates."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from clinicbill.domain.claims.build import record_status
from clinicbill.domain.documents.account import statement
from clinicbill.domain.ledger import balances as ledger
from clinicbill.domain.practice.lookup import find_patient
from clinicbill.domain.reports.aging.query import open_line_cte, open_lines, payers_by_id
from clinicbill.domain.reports.aging.report import aging_report
from clinicbill.store.engine import transaction
from clinicbill.store.models import Patient, Policy
from tests.domain.reports_data import (
    ALVAREZ,
    CASCADE,
    CHEN,
    EVERGREEN,
    HADDAD,
    KOWALSKI,
    NATARAJAN,
    OKAFOR,
    SELF_PAY,
    TODAY,
    Books,
    ago,
)

PATIENT, PAYER = "patient", "payer"


@pytest.fixture
def books(sample_db):
    with transaction(sample_db, "tester") as session:
        yield Books(session)


def reversal(books: Books, claim, days: int, postings) -> None:
    """The payer takes back a remittance (CLP02 22): negating entries, claim accepted again."""
    negated = [(line, kind, -cents, *code) for line, kind, cents, *code in postings]
    books.remit(claim, days, negated, status_code="22")
    record_status(books.session, claim, "accepted", ago(days), "reversed")
    books.session.flush()


def every_state(books: Books) -> dict[str, tuple[int, object]]:
    """One open line in each state the rule distinguishes: name -> (line id, expected party:
    a payer id or PATIENT)."""
    s = books.session
    out = {}
    out["self-pay visit"] = (books.visit(HADDAD, 20, 1000, policy=False)[0], PATIENT)
    s.add(Policy(patient_id=KOWALSKI, payer_id=SELF_PAY, member_id="SELF"))
    s.flush()
    self_pay = s.execute(select(Policy.id).where(Policy.patient_id == KOWALSKI)).scalar()
    out["self-pay payer profile"] = (books.visit(KOWALSKI, 20, 1100, policy=self_pay)[0], PATIENT)
    out["unbilled"] = (books.visit(OKAFOR, 20, 1200)[0], CASCADE)
    line = books.visit(OKAFOR, 21, 1300)[0]
    books.entry(line, "patient_responsibility", 1300, 10, group_code="PR", reason_code="1")
    out["unbilled, responsibility posted"] = (line, PATIENT)
    line = books.visit(OKAFOR, 22, 1400)[0]
    books.claim([line], [("draft", 19)])
    out["draft claim"] = (line, CASCADE)
    line = books.visit(CHEN, 23, 1500)[0]
    books.claim([line], [("submitted", 18)])
    out["submitted"] = (line, CASCADE)
    line = books.visit(CHEN, 24, 4000)[0]
    claim = books.claim([line], [("submitted", 20), ("denied", 12), ("appealed", 5)])
    books.remit(claim, 12, [(line, "adjustment", 1000, "CO", "50")], "4")
    out["appealed"] = (line, CASCADE)
    line = books.visit(NATARAJAN, 25, 4100)[0]
    claim = books.claim([line], [("submitted", 20), ("denied", 12)])
    books.remit(claim, 12, [(line, "adjustment", 1000, "CO", "50")], "4")
    out["denied"] = (line, EVERGREEN)
    line = books.visit(NATARAJAN, 26, 4200)[0]
    claim = books.claim([line], [("submitted", 20), ("denied", 12)])
    books.remit(claim, 12, [(line, "patient_responsibility", 4200, "PR", "204")], "4")
    out["denied, moved to the patient"] = (line, PATIENT)
    line = books.visit(CHEN, 27, 10000)[0]
    claim = books.claim([line], [("submitted", 20), ("partially-paid", 12)])
    books.remit(
        claim,
        12,
        [
            (line, "insurance_payment", 6000),
            (line, "adjustment", 2000, "CO", "45"),
            (line, "patient_responsibility", 2000, "PR", "3"),
        ],
    )
    books.pay(CHEN, 500, 8, applied=[(line, 500, 8)])
    out["paid partially, responsibility posted"] = (line, PATIENT)
    line = books.visit(CHEN, 28, 9000)[0]
    claim = books.claim([line], [("submitted", 20), ("paid", 12)])
    paid = [(line, "insurance_payment", 7000), (line, "patient_responsibility", 2000, "PR", "2")]
    books.remit(claim, 12, paid)
    reversal(books, claim, 6, paid)
    out["fully reversed"] = (line, CASCADE)
    line = books.visit(CHEN, 29, 8000)[0]
    claim = books.claim([line], [("submitted", 20), ("paid", 12)])
    paid = [(line, "insurance_payment", 5000), (line, "patient_responsibility", 3000, "PR", "2")]
    books.remit(claim, 12, paid)
    reversal(books, claim, 6, paid)
    corrected = [
        (line, "insurance_payment", 6000),
        (line, "patient_responsibility", 500, "PR", "2"),
    ]
    books.remit(claim, 4, corrected)
    record_status(s, claim, "paid", ago(4))
    out["reversed, then corrected"] = (line, PATIENT)
    line = books.visit(CHEN, 30, 700)[0]
    books.claim([line], [("submitted", 20), ("closed", 10)])
    out["closed"] = (line, PATIENT)
    line = books.visit(ALVAREZ, 31, 32000)[0]
    primary = books.claim([line], [("submitted", 20), ("paid", 12)])
    books.remit(
        primary,
        12,
        [(line, "insurance_payment", 20000), (line, "patient_responsibility", 12000, "PR", "2")],
    )
    books.claim([line], [("submitted", 9)], policy_id=3, primary=primary)
    out["with the secondary payer"] = (line, EVERGREEN)
    line = books.visit(CHEN, 32, 600)[0]
    books.claim([line], [("draft", 19), ("void", 15)])
    out["claim voided: unbilled again"] = (line, CASCADE)
    return out


def ledger_view(session, as_of: date | None = None) -> dict[int, object]:
    """line id -> PATIENT or PAYER for each open line, as line_details says."""
    out = {}
    for x in ledger.line_details(session, open_only=True, as_of=as_of):
        if x.balance > 0:
            assert x.patient_due + x.insurance_due == x.balance
            assert x.patient_due in (0, x.balance)  # one party owes a line's whole balance
            out[x.service_line_id] = PATIENT if x.patient_due else PAYER
    return out


def aging_view(session, as_of: date, historical: bool | None = None) -> dict[int, object]:
    """line id -> the aging's party (a payer id, or PATIENT)."""
    if historical is None:
        lines = open_line_cte(session, as_of, payers_by_id(session))
        rows = session.execute(select(lines)).all()
    else:
        rows = session.execute(open_lines(as_of, historical=historical)).all()
    return {
        r.service_line_id: PATIENT if r.party_payer_id is None else r.party_payer_id
        for r in rows
        if r.balance > 0
    }


def same_parties(ledger_parties: dict, aging_parties: dict) -> None:
    """The same lines, and the same side (payer or patient) for each."""
    assert set(ledger_parties) == set(aging_parties)
    for line, party in aging_parties.items():
        assert (party == PATIENT) == (ledger_parties[line] == PATIENT), line


def test_every_state_has_the_expected_party_in_both_views(books):
    states = every_state(books)
    s = books.session
    aging = aging_view(s, TODAY)
    owed = ledger_view(s)
    for name, (line, expected) in states.items():
        assert aging[line] == expected, name
        assert (owed[line] == PATIENT) == (expected == PATIENT), name
    same_parties(owed, aging)
    assert aging == aging_view(s, TODAY, historical=True) == aging_view(s, TODAY, False)
    same_parties(ledger_view(s, TODAY), aging)


@pytest.mark.parametrize("days", [0, 5, 7, 11, 13, 19, 25])
def test_both_views_agree_on_past_dates(books, days):
    every_state(books)
    s = books.session
    same_parties(ledger_view(s, ago(days)), aging_view(s, ago(days), historical=True))


def test_a_reversal_puts_the_line_back_with_the_payer_then_and_not_before(books):
    states = every_state(books)
    s = books.session
    line, _ = states["fully reversed"]
    assert aging_view(s, ago(7), historical=True)[line] == PATIENT  # paid, before the reversal
    assert ledger_view(s, ago(7))[line] == PATIENT
    assert aging_view(s, ago(6), historical=True)[line] == CASCADE
    assert ledger_view(s, ago(6))[line] == PAYER
    corrected, _ = states["reversed, then corrected"]
    assert aging_view(s, ago(5), historical=True)[corrected] == CASCADE
    assert ledger_view(s, ago(5))[corrected] == PAYER
    assert ledger_view(s, ago(4))[corrected] == PATIENT


def test_aging_totals_equal_the_balances_and_the_statement(books):
    every_state(books)
    s = books.session
    report = aging_report(s, TODAY, by="patient")
    patients = {p.id: p for p in s.execute(select(Patient)).scalars()}
    for patient_id, patient in patients.items():
        lines = ledger.line_details(s, patient_id=patient_id)
        sums = ledger.totals(lines)
        rows = [r for r in report.rows if r.patient_id == patient_id]
        assert sum(r.total for r in rows if r.payer_id is None) == sums["patient_due"]
        assert sum(r.total for r in rows if r.payer_id is not None) == sums["insurance_due"]
        doc = statement(s, find_patient(s, patient.account_number), TODAY)
        assert doc.patient_due == sums["patient_due"]
        assert doc.pending_insurance == sums["insurance_due"]
        patient_row = next((r.amounts for r in rows if r.payer_id is None), (0,) * 5)
        assert tuple(cents for _label, cents in doc.aging) == patient_row


def test_payment_goes_to_patient_balances_only(books):
    """Allocation reads the same rule: a reversed claim's line is not the patient's to pay."""
    from clinicbill.domain.ledger.payments import add_patient_payment

    states = every_state(books)
    s = books.session
    chen = s.get(Patient, CHEN)
    result = add_patient_payment(s, chen, 100_000, "card", received_on=TODAY)
    placed = {a.service_line_id for a in result.applied}
    ours = {line for line, party in states.values() if party == PATIENT}
    chen_lines = {x.service_line_id for x in ledger.line_details(s, patient_id=CHEN)}
    assert placed == ours & chen_lines
    assert states["fully reversed"][0] not in placed and states["appealed"][0] not in placed


def test_balance_and_aging_commands_agree(sample_db):
    """The commands a person reads (real subprocesses): `balance` and `aging --by patient`
    split every patient's open balance between insurance and the patient the same way."""
    import json
    from decimal import Decimal

    from tests.conftest import cli_subprocess

    def cents(text: str) -> int:
        return int(Decimal(text.strip("$").replace(",", "")) * 100)

    with transaction(sample_db, "tester") as session:
        every_state(Books(session))
    got = cli_subprocess("--db", sample_db, "--json", "aging", "--by", "patient")
    assert got.returncode == 0, got.stderr
    aging: dict = {}
    for row in json.loads(got.stdout)["sections"]["aging"]["rows"]:
        side = "patient_due" if row["responsible"] == "Patient" else "insurance_due"
        key = (row["account"], side)
        aging[key] = aging.get(key, 0) + cents(row["total"])
    for account in ("P00001", "P00002", "P00003", "P00004", "P00006", "P00008"):
        shown = cli_subprocess("--db", sample_db, "--json", "balance", account)
        assert shown.returncode == 0, shown.stderr
        totals = json.loads(shown.stdout)["totals"]
        for side in ("patient_due", "insurance_due"):
            assert cents(totals[side]) == aging.get((account, side), 0), (account, side)
    assert aging[("P00001", "insurance_due")] == 1500 + 3000 + 9000 + 600  # reversed: payer's


# --- any history: the two views agree (hypothesis) -----------------------------------------

STEPS = st.sampled_from(
    ["submit", "deny", "deny-pr", "pay", "pay-pr", "reverse", "appeal", "close", "void"]
)


def play(books: Books, patient: int, steps: list[str], start: int) -> None:
    """A visit `start` days ago and a claim history from `steps`, one step a day."""
    line = books.visit(patient, start, 5000)[0]
    claim = None
    day = start
    posted: list = []
    for step in steps:
        day -= 1
        if claim is None or step == "void":
            if claim is not None:
                record_status(books.session, claim, "void", ago(day))
            claim = books.claim([line], [("submitted", day)])
            posted = []
            continue
        if step in ("deny", "deny-pr"):
            posted = [(line, "adjustment", 500, "CO", "50")]
            if step == "deny-pr":
                posted.append((line, "patient_responsibility", 1000, "PR", "204"))
            books.remit(claim, day, posted, "4")
            record_status(books.session, claim, "denied", ago(day))
        elif step in ("pay", "pay-pr"):
            posted = [(line, "insurance_payment", 2000)]
            if step == "pay-pr":
                posted.append((line, "patient_responsibility", 1500, "PR", "2"))
            books.remit(claim, day, posted)
            record_status(books.session, claim, "paid", ago(day))
        elif step == "reverse" and posted:
            reversal(books, claim, day, posted)
            posted = []
        elif step in ("appeal", "close", "submit"):
            status = {"appeal": "appealed", "close": "closed", "submit": "submitted"}[step]
            record_status(books.session, claim, status, ago(day))


@settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(histories=st.lists(st.lists(STEPS, max_size=5), min_size=1, max_size=4))
def test_both_views_agree_after_any_claim_history(sample_db, histories):
    with transaction(sample_db, "tester") as session:
        books = Books(session)
        for number, steps in enumerate(histories):
            play(books, (CHEN, OKAFOR, NATARAJAN, ALVAREZ)[number], steps, 10)
        for days in (0, 3, 6, 9):
            same_parties(ledger_view(session, ago(days)), aging_view(session, ago(days), True))
        same_parties(ledger_view(session), aging_view(session, TODAY, historical=False))
        session.rollback()
