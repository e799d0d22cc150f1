"""Posting remittances to the ledger: every balance exact to the cent."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest
from sqlalchemy import func, select

from clinicbill.domain.errors import ClinicbillError
from clinicbill.domain.ledger import balances as ledger
from clinicbill.domain.remittance.match import load_billed_claims
from clinicbill.domain.remittance.posting import post_remittance
from clinicbill.domain.remittance.remit import Adjustment, ClaimPayment
from clinicbill.formats.x12_835_write import Outcome, advice_for, claim_payment, reversal_of
from clinicbill.store.engine import transaction
from clinicbill.store.models import (
    Claim,
    ClaimStatusEvent,
    LedgerEntry,
    Payment,
    ProviderAdjustment,
    RemittanceClaim,
)
from tests.remittance_factories import make_claim, massage_claim

PAID_ON = date(2026, 2, 2)


@pytest.fixture
def s(sample_db):
    with transaction(sample_db, "tester") as session:
        yield session


def pay(session, outcomes: list, trace="TR1", on=PAID_ON, transform=None):
    """Play the payer: (claim, Outcome) pairs, post the remittance, return the outcome."""
    billed = load_billed_claims(session, ids=[c.id for c, _o in outcomes])
    payments = [claim_payment(billed[c.id], o) for c, o in outcomes]
    if transform:
        payments = [transform(p) for p in payments]
    advice = advice_for(payments, trace_number=trace, payment_date=on)
    return post_remittance(session, advice)


def balances(session, claim):
    return ledger.line_details(session, claim_id=claim.id)


def entries(session, claim):
    return (
        session.execute(
            select(LedgerEntry).where(LedgerEntry.claim_id == claim.id).order_by(LedgerEntry.id)
        )
        .scalars()
        .all()
    )


def test_paid_with_contractual_write_off_and_coinsurance(s):
    claim = massage_claim(s)  # 97140 $90 + 97124 x2 $160
    outcome = pay(s, [(claim, Outcome(coinsurance_percent=20))])
    (result,) = outcome.claims
    assert result.posted and result.new_status == "paid"
    first, second = balances(s, claim)
    # $90: allowed 72.00, CO-45 18.00, PR-2 14.40, paid 57.60
    assert (first.charge, first.insurance_paid, first.adjusted) == (9000, 5760, 1800)
    assert (first.patient_responsibility, first.balance, first.patient_due) == (1440, 1440, 1440)
    assert (second.insurance_paid, second.adjusted, second.balance) == (10240, 3200, 2560)
    assert first.insurance_due == 0 and second.patient_due == 2560
    s.refresh(claim)
    assert claim.status == "paid"
    assert claim.payer_claim_control_number == f"PCC{claim.id:010d}"
    kinds = [(e.kind, e.group_code, e.reason_code, e.amount_cents) for e in entries(s, claim)]
    assert kinds[:3] == [
        ("insurance_payment", None, None, 5760),
        ("adjustment", "CO", "45", 1800),
        ("patient_responsibility", "PR", "2", 1440),
    ]
    money = s.execute(select(Payment).where(Payment.source == "insurance")).scalar_one()
    assert money.amount_cents == 16000 and money.received_on == PAID_ON
    assert all(e.effective_date == PAID_ON for e in entries(s, claim))
    assert all(
        b.charge == b.insurance_paid + b.patient_paid + b.adjusted + b.balance
        for b in balances(s, claim)
    )


def test_deductible_coinsurance_and_copay_kept_apart(s):
    claim = massage_claim(s)
    pay(s, [(claim, Outcome(deductible_cents=3000, copay_cents=2000, coinsurance_percent=10))])
    pr = [(e.reason_code, e.amount_cents) for e in entries(s, claim) if e.group_code == "PR"]
    assert ("1", 3000) in pr and ("3", 2000) in pr
    assert sorted({r for r, _ in pr}) == ["1", "2", "3"]
    total_pr = sum(a for _r, a in pr)
    assert sum(b.patient_due for b in balances(s, claim)) == total_pr


def test_denied_claim_with_reason_text(s):
    claim = massage_claim(s)
    (result,) = pay(s, [(claim, Outcome(kind="denied", remarks=("N130",)))]).claims
    assert result.new_status == "denied"
    assert "CO-50" in result.reason_text and "medical necessity" in result.reason_text
    assert "N130" in result.reason_text
    s.refresh(claim)
    assert claim.status == "denied"
    event = (
        s.execute(select(ClaimStatusEvent).where(ClaimStatusEvent.claim_id == claim.id))
        .scalars()
        .all()[-1]
    )
    assert event.status == "denied" and "CO-50" in event.note and event.on_date == PAID_ON
    # a denial is a state, not a write-off: the charge stays open, held as denied
    assert [b.balance for b in balances(s, claim)] == [9000, 16000]
    assert all(b.adjusted == 0 and b.denied == b.charge for b in balances(s, claim))


def test_partially_paid_when_one_line_is_denied(s):
    claim = massage_claim(s)
    (result,) = pay(s, [(claim, Outcome(deny_lines=(2,)))]).claims
    assert result.new_status == "partially-paid"
    first, second = balances(s, claim)
    assert first.insurance_paid == 7200 and second.insurance_paid == 0
    assert second.adjusted == 0 and second.denied == 16000 and second.balance == 16000
    (held,) = [x for x in ledger.line_details(s, claim_id=claim.id) if x.denied]
    assert held.insurance_due == 16000 and held.patient_due == 0  # with the payer


def test_reversal_undoes_and_correction_reposts(s):
    claim = massage_claim(s)
    original = pay(s, [(claim, Outcome(coinsurance_percent=20))], trace="A").claims[0]
    assert original.posted
    reversed_ = pay(s, [(claim, Outcome(coinsurance_percent=20))], trace="B", transform=reversal_of)
    assert reversed_.claims[0].new_status == "accepted"
    for line in balances(s, claim):
        assert (line.insurance_paid, line.adjusted, line.patient_responsibility) == (0, 0, 0)
        assert line.balance == line.charge and line.patient_due == 0
    # a reversal and the corrected claim in one remittance
    billed = load_billed_claims(s, ids=[claim.id])[claim.id]
    first = claim_payment(billed, Outcome(coinsurance_percent=20))
    corrected = claim_payment(billed, Outcome(allowed_percent=90))
    post_remittance(s, advice_for([first], trace_number="C", payment_date=PAID_ON))
    out = post_remittance(
        s, advice_for([reversal_of(first), corrected], trace_number="D", payment_date=PAID_ON)
    )
    assert [c.posted for c in out.claims] == [True, True]
    a, b = balances(s, claim)
    assert (a.insurance_paid, a.adjusted, a.balance) == (8100, 900, 0)
    assert (b.insurance_paid, b.adjusted, b.balance) == (14400, 1600, 0)
    s.refresh(claim)
    assert claim.status == "paid"


def test_same_trace_posts_nothing_twice(s):
    claim = massage_claim(s)
    pay(s, [(claim, Outcome())])
    count = s.execute(select(func.count(LedgerEntry.id))).scalar()
    again = pay(s, [(claim, Outcome())])
    assert again.duplicate and again.claims == ()
    assert s.execute(select(func.count(LedgerEntry.id))).scalar() == count


def test_same_payment_under_another_trace_is_not_posted(s):
    claim = massage_claim(s)
    pay(s, [(claim, Outcome())], trace="ONE")
    before = [b.balance for b in balances(s, claim)]
    (result,) = pay(s, [(claim, Outcome())], trace="TWO").claims
    assert not result.posted
    assert "overpaid" in result.problem
    assert [b.balance for b in balances(s, claim)] == before
    link = s.execute(
        select(RemittanceClaim).where(RemittanceClaim.unmatched_reason.is_not(None))
    ).scalar_one()
    assert link.claim_id == claim.id and "overpaid" in link.unmatched_reason


def test_claim_level_adjustment_comes_out_of_line_payments(s):
    # managed-care.835 style: CLP 250 paid 140, claim-level CO-A2 20; line paid sum 160.
    claim = massage_claim(s)

    def claim_level(cp: ClaimPayment) -> ClaimPayment:
        return replace(
            cp, paid_cents=cp.paid_cents - 2000, adjustments=(Adjustment("CO", "A2", 2000),)
        )

    pay(s, [(claim, Outcome())], transform=claim_level)
    first, second = balances(s, claim)
    # lines allowed 80%: paid 72.00 + 128.00, less the claim-level 20.00
    assert first.insurance_paid + second.insurance_paid == 20000 - 2000
    assert first.adjusted + second.adjusted == 1800 + 3200 + 2000
    assert first.balance == 0 and second.balance == 0


def test_claim_without_service_loops_is_spread_over_lines(s):
    claim = massage_claim(s)

    def no_lines(cp: ClaimPayment) -> ClaimPayment:
        return replace(
            cp,
            paid_cents=20000,
            patient_resp_cents=5000,
            adjustments=(Adjustment("PR", "1", 5000),),
            services=(),
        )

    (result,) = pay(s, [(claim, Outcome())], transform=no_lines).claims
    assert result.posted
    first, second = balances(s, claim)
    assert (first.insurance_paid, second.insurance_paid) == (9000, 11000)
    assert second.patient_responsibility == 5000 and second.balance == 5000


def test_lines_match_without_line_control_numbers_despite_dropped_modifiers(s):
    claim = make_claim(
        s,
        [
            {"code": "97140", "charge_cents": 9000, "modifiers": "59,GP"},
            {"code": "97140", "charge_cents": 9000, "modifiers": "GP", "units": 2},
        ],
    )

    def anonymous(cp):
        services = [
            replace(svc, line_control_number=None, modifiers=())
            for svc in reversed(cp.services)  # reordered too
        ]
        return replace(cp, services=tuple(services))

    (result,) = pay(s, [(claim, Outcome(allowed_percent=50))], transform=anonymous).claims
    assert result.posted and result.unmatched_lines == ()
    assert [b.insurance_paid for b in balances(s, claim)] == [4500, 4500]


def test_svc06_billed_code_matches_when_the_payer_changed_the_code(s):
    claim = make_claim(s, [{"code": "97140", "charge_cents": 9000}])

    def recoded(cp):
        svc = cp.services[0]
        svc = replace(svc, code="97530", billed_code="97140", line_control_number=None)
        return replace(cp, services=(svc,))

    assert pay(s, [(claim, Outcome())], transform=recoded).claims[0].unmatched_lines == ()
    assert balances(s, claim)[0].insurance_paid == 7200


def test_unmatched_claim_and_line_are_reported_and_left(s):
    claim = massage_claim(s)

    def extra(cp):
        stray = replace(cp.services[0], code="99213", line_control_number=None)
        return replace(cp, services=(*cp.services, stray))

    outcome = pay(s, [(claim, Outcome())], transform=extra)
    (result,) = outcome.claims
    assert result.posted and len(result.unmatched_lines) == 1
    assert "99213" in result.unmatched_lines[0]
    stranger = replace(
        claim_payment(load_billed_claims(s, ids=[claim.id])[claim.id], Outcome()),
        patient_control_number="NOSUCHCLAIM",
    )
    out = post_remittance(s, advice_for([stranger], trace_number="X", payment_date=PAID_ON))
    assert out.claims[0].claim_id is None and not out.claims[0].posted
    assert "no claim" in out.claims[0].problem


def test_insurance_paying_a_line_the_patient_paid_moves_money_to_credit(s):
    from clinicbill.domain.ledger.payments import add_patient_payment
    from clinicbill.domain.practice.lookup import find_patient

    claim = make_claim(s, [{"code": "97140", "charge_cents": 9000}])
    patient = find_patient(s, "P00001")
    encounter_id = balances(s, claim)[0].encounter_id
    add_patient_payment(s, patient, 3000, "card", date(2026, 1, 5), encounter_id=encounter_id)
    pay(s, [(claim, Outcome(allowed_percent=100))])  # payer pays all 90.00, no copay
    (line,) = balances(s, claim)
    assert (line.insurance_paid, line.patient_paid, line.balance) == (9000, 0, 0)
    assert ledger.patient_credit(s, patient.id) == 3000


def test_secondary_prior_payer_impact_is_not_posted_again(s):
    claim = make_claim(s, [{"code": "97140", "charge_cents": 9000}])
    pay(s, [(claim, Outcome(coinsurance_percent=20))], trace="P")  # paid 57.60, PR 14.40
    secondary = make_claim(
        s, [{"code": "97140", "charge_cents": 9000}], policy_id=3, payer_id=3, patient_id=2
    )
    # point the secondary's line at the primary's service line, as a secondary claim does
    from clinicbill.store.models import ClaimLine

    sec_line = s.execute(select(ClaimLine).where(ClaimLine.claim_id == secondary.id)).scalar_one()
    sec_line.service_line_id = balances(s, claim)[0].service_line_id
    s.flush()
    billed = load_billed_claims(s, ids=[secondary.id])[secondary.id]
    svc = replace(
        claim_payment(billed, Outcome()).services[0],
        paid_cents=1440,
        adjustments=(Adjustment("OA", "23", 7560),),
    )
    cp = ClaimPayment(billed.patient_control_number, "2", 9000, 1440, services=(svc,))
    advice = advice_for([cp], trace_number="S", payment_date=PAID_ON, payer_name="EVERGREEN")
    out = post_remittance(s, advice)
    assert out.claims[0].posted
    (line,) = balances(s, claim)
    assert (line.insurance_paid, line.adjusted, line.balance, line.patient_due) == (
        5760 + 1440,
        1800,
        0,
        0,
    )


def test_provider_level_adjustments_recorded(s):
    from clinicbill.formats.x12_835 import read_835
    from tests.conftest import SAMPLES

    parsed = read_835(SAMPLES / "hdi__835-provider-level-adjustment.dat")
    # a public sample, addressed to another payee: posted as if it were ours
    ours = [replace(a, payee_identifier=None, payee_tax_id=None) for a in parsed.advices]
    outcomes = [post_remittance(s, a, file_sha256=parsed.sha256) for a in ours]
    rows = s.execute(select(ProviderAdjustment).order_by(ProviderAdjustment.id)).scalars().all()
    assert [(r.reason, r.amount_cents) for r in rows][:2] == [("WO", 29818), ("72", -29818)]
    assert len(rows) == 6
    assert outcomes[1].claims[0].problem == "no claim with this patient control number"


def test_manual_eob_posts_like_the_835(s):
    from clinicbill.domain.remittance.eob import parse_eob_line, post_eob

    by_835 = massage_claim(s)
    pay(s, [(by_835, Outcome(coinsurance_percent=20))])
    by_hand = massage_claim(s, date(2026, 1, 12))
    lines = [
        parse_eob_line("1 paid=57.60 CO-45=18 PR-2=14.40"),
        parse_eob_line("2 paid=102.40 co-45=32.00 PR-2=25.60 remark=N14"),
    ]
    post_eob(s, by_hand, lines, paid_on=PAID_ON, reference="CHK 881")

    def shape(claim):
        return [(e.kind, e.group_code, e.reason_code, e.amount_cents) for e in entries(s, claim)]

    assert shape(by_hand) == shape(by_835)
    s.refresh(by_hand)
    assert by_hand.status == "paid"
    with pytest.raises(ClinicbillError, match="was posted before"):
        post_eob(s, by_hand, lines, paid_on=PAID_ON, reference="CHK 881")


def test_manual_eob_that_would_overdraw_is_refused_and_writes_nothing(s):
    from clinicbill.domain.remittance.eob import parse_eob_line, post_eob

    claim = massage_claim(s)
    count = s.execute(select(func.count(LedgerEntry.id))).scalar()
    with pytest.raises(ClinicbillError, match="overpaid"), s.begin_nested():
        post_eob(s, claim, [parse_eob_line("1 paid=95")], paid_on=PAID_ON, reference="R")
    assert s.execute(select(func.count(LedgerEntry.id))).scalar() == count
    assert s.get(Claim, claim.id).status == "submitted"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "does not start with a line number"),
        ("one paid=5", "does not start with a line number"),
        ("1 CO-45=3", "paid= is missing"),
        ("1 paid=5 XX-45=3", "is not an adjustment"),
        ("1 paid=-5", "negative"),
        ("1 paid=5.001", "more than two decimals"),
        ("1 paid=5 CO-45", "is not NAME=VALUE"),
        ("1 paid=NaN", "not"),
    ],
)
def test_eob_line_refusals(text, message):
    from clinicbill.domain.remittance.eob import parse_eob_line

    with pytest.raises(ClinicbillError, match=message):
        parse_eob_line(text)


def test_unknown_codes_are_kept_and_shown_as_unknown(s):
    from clinicbill.domain.remittance.remit import describe_adjustment, describe_remarks

    claim = make_claim(s, [{"code": "97140", "charge_cents": 9000}])

    def odd_codes(cp):
        svc = replace(
            cp.services[0],
            adjustments=(Adjustment("CO", "ZZ9", 1800),),
            remarks=("XQ77",),
        )
        return replace(cp, services=(svc,))

    pay(s, [(claim, Outcome())], transform=odd_codes)
    adjustment = [e for e in entries(s, claim) if e.kind == "adjustment"][0]
    assert (adjustment.group_code, adjustment.reason_code) == ("CO", "ZZ9")
    assert adjustment.remark_codes == "XQ77"
    assert describe_adjustment("CO", "ZZ9") == "CO-ZZ9 unknown reason code"
    assert describe_remarks(["XQ77"]) == "XQ77 unknown remark code"
    assert describe_adjustment("PR", "2") == "PR-2 coinsurance amount"
