"""Issue 17 at the posting level: denial and crossover holds, reversals of them, and refusal
messages whose figures are the line's own."""

from __future__ import annotations

from datetime import date

import pytest

from clinicbill.domain.ledger import balances as ledger
from clinicbill.domain.remittance.holds import reversal_parts
from clinicbill.domain.remittance.match import load_billed_claims
from clinicbill.domain.remittance.posting import post_remittance
from clinicbill.formats.x12_835_write import Outcome, advice_for, claim_payment, reversal_of
from clinicbill.store.engine import transaction
from tests.remittance_factories import make_claim

ON = date(2026, 3, 1)


@pytest.fixture
def s(sample_db):
    with transaction(sample_db, "tester") as session:
        yield session


def massage(session):
    claim = make_claim(session, [{"code": "97124", "charge_cents": 6500}], date(2026, 2, 2))
    return claim, load_billed_claims(session, ids=[claim.id])[claim.id]


def post(session, cp, trace):
    return post_remittance(session, advice_for([cp], trace_number=trace, payment_date=ON))


def test_refused_reversal_of_a_never_paid_line_states_true_figures(s):
    _claim, billed = massage(s)
    paid = claim_payment(billed, Outcome(allowed_percent=100))
    (result,) = post(s, reversal_of(paid), "R1").claims
    assert not result.posted
    assert "$130.00" not in result.problem  # the old message's number matched nothing
    assert result.problem == (
        "line 1 (97124) would take back $65.00 of insurance payment but only $0.00 was "
        "posted on it (charge $65.00)"
    )


def test_overpayment_message_names_the_charge(s):
    _claim, billed = massage(s)
    paid = claim_payment(billed, Outcome(allowed_percent=100))
    assert post(s, paid, "P1").claims[0].posted
    (again,) = post(s, paid, "P2").claims
    assert again.problem == "line 1 (97124) would be overpaid by $65.00 (charge $65.00)"


def test_reversing_a_denial_releases_the_hold(s):
    claim, billed = massage(s)
    denial = claim_payment(billed, Outcome(kind="denied"))
    assert post(s, denial, "D1").claims[0].posted
    (line,) = ledger.line_details(s, claim_id=claim.id)
    assert (line.denied, line.adjusted, line.balance, line.insurance_due) == (6500, 0, 6500, 6500)
    assert post(s, reversal_of(denial), "D2").claims[0].posted
    (line,) = ledger.line_details(s, claim_id=claim.id)
    assert (line.denied, line.adjusted, line.balance) == (0, 0, 6500)


def test_crossover_holds_pr_until_the_next_answer(s):
    claim, billed = massage(s)
    forwarded = claim_payment(billed, Outcome(coinsurance_percent=20), status_code="19")
    assert post(s, forwarded, "X1").claims[0].posted
    (line,) = ledger.line_details(s, claim_id=claim.id)
    assert line.forwarded > 0 and line.patient_responsibility == 0 and line.patient_due == 0
    assert line.insurance_due == line.balance == line.forwarded


def test_reversal_parts_take_from_the_hold_first():
    assert reversal_parts("adjustment", -5000, 3000, 0) == [
        ("denial", -3000),
        ("adjustment", -2000),
    ]
    assert reversal_parts("patient_responsibility", -500, 0, 800) == [("crossover", -500)]
    assert reversal_parts("adjustment", 700, 3000, 0) == [("adjustment", 700)]


@pytest.mark.parametrize(
    ("theirs", "ours", "same"),
    [
        ("CASCADE HEALTH PLAN", "Cascade Health Plan", True),
        ("Cascade Health Plan, Inc.", "Cascade Health Plan", True),
        ("MEDICARE", "Medicare Part B Oregon", True),
        ("CASCADE HEALTH PLAN", "Summit Benefit Administrators", False),
        ("EVERGREEN MUTUAL INSURANCE", "Cascade Health Plan", False),
        ("CO", "Cascade Health Plan", False),
    ],
)
def test_payer_names_compared_without_noise(theirs, ours, same):
    from clinicbill.domain.remittance.payer_checks import same_name

    assert same_name(theirs, ours) is same


def test_a_payment_on_a_denial_written_off_before_holds_takes_the_writeoff_back(s):
    """Books from before denials were held: the CO-50 was posted as an adjustment."""
    from clinicbill.store.models import LedgerEntry, RemittanceClaim

    claim, billed = massage(s)
    (line,) = billed.lines
    link = RemittanceClaim(remittance_id=None, claim_id=claim.id,
                           patient_control_number=claim.patient_control_number,
                           status_code="4", charge_cents=6500, paid_cents=0)  # fmt: skip
    from clinicbill.store.models import Remittance

    old = Remittance(trace_number="OLD1", payer_identifier="1930000001", paid_cents=0,
                     payment_date=date(2026, 2, 20))  # fmt: skip
    s.add(old)
    s.flush()
    link.remittance_id = old.id
    s.add(link)
    s.flush()
    s.add(LedgerEntry(service_line_id=line.service_line_id, kind="adjustment", amount_cents=6500,
                      effective_date=date(2026, 2, 20), claim_id=claim.id,
                      remittance_claim_id=link.id, group_code="CO", reason_code="50"))  # fmt: skip
    s.flush()
    won = claim_payment(billed, Outcome(allowed_percent=80))  # paid 52.00, CO-45 13.00
    (result,) = post(s, won, "APPEAL1").claims
    assert result.posted, result.problem
    (after,) = ledger.line_details(s, claim_id=claim.id)
    assert (after.insurance_paid, after.adjusted, after.balance) == (5200, 1300, 0)
