"""The ledger invariant under random sequences of charges, insurance payments, reversals,
manual EOBs, patient payments, write-offs, credit applications, refunds and packages, and
(issue 17) denials held with the payer, appeals, denial write-offs, denials billed to the
patient and crossovers (CLP02 19) held with the next payer.

For every service line, after every operation (accepted or refused):
charge = insurance paid + patient paid + adjustments + balance, to the cent; the balance is
never negative; no kind of money goes below zero; a patient's credit is never negative.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from clinicbill.domain.errors import ClinicbillError
from clinicbill.domain.ledger import balances as ledger
from clinicbill.domain.ledger.packages import add_package, draw_from_package
from clinicbill.domain.ledger.payments import (
    add_adjustment,
    add_patient_payment,
    add_refund,
    apply_credit,
    free_credit,
)
from clinicbill.domain.practice.lookup import find_patient
from clinicbill.domain.remittance.eob import EobLine, post_eob
from clinicbill.domain.remittance.match import load_billed_claims
from clinicbill.domain.remittance.posting import post_remittance
from clinicbill.domain.remittance.remit import Adjustment
from clinicbill.formats.x12_835_write import Outcome, advice_for, claim_payment, reversal_of
from clinicbill.store.engine import transaction
from clinicbill.store.models import Encounter
from tests.factories import make_encounter
from tests.remittance_factories import make_claim

ON = date(2026, 3, 1)
cents = st.integers(min_value=1, max_value=30_000)
outcomes = st.builds(
    Outcome,
    kind=st.sampled_from(["paid", "paid", "denied"]),
    allowed_percent=st.integers(0, 100),
    coinsurance_percent=st.integers(0, 50),
    copay_cents=st.integers(0, 4000),
    deductible_cents=st.integers(0, 20_000),
    deny_lines=st.sampled_from([(), (1,), (2,)]),
)
operations = st.lists(
    st.one_of(
        st.tuples(st.just("remit"), st.integers(0, 2), outcomes),
        st.tuples(st.just("reverse"), st.integers(0, 2)),
        st.tuples(st.just("repost"), st.integers(0, 2)),
        st.tuples(st.just("wild"), st.integers(0, 2), cents, cents, st.sampled_from("COPROAPI")),
        st.tuples(st.just("eob"), st.integers(0, 2), st.integers(0, 20_000), cents),
        st.tuples(st.just("pay"), st.integers(1, 60_000), st.sampled_from([None, 0, 1, 2])),
        st.tuples(st.just("adjust"), cents, st.sampled_from([None, 0, 1, 2])),
        st.tuples(st.just("apply")),
        st.tuples(st.just("refund"), st.integers(1, 3000)),
        st.tuples(st.just("charge"), cents),
        st.tuples(st.just("package"), cents, st.sampled_from([None, 1, 2, 3])),
        st.tuples(st.just("crossover"), st.integers(0, 2), outcomes),
        st.tuples(st.just("appeal"), st.integers(0, 2)),
        st.tuples(st.just("writeoff"), st.integers(0, 2)),
        st.tuples(st.just("bill-patient"), st.integers(0, 2)),
    ),
    max_size=10,
)


def check_invariant(session, patient_id):
    for line in ledger.line_details(session, patient_id=patient_id):
        assert line.charge == (
            line.insurance_paid + line.patient_paid + line.adjusted + line.balance
        )
        assert line.balance >= 0
        assert line.insurance_paid >= 0 and line.patient_paid >= 0
        assert line.patient_responsibility >= 0
        assert line.denied >= 0 and line.forwarded >= 0  # holds are never negative
        assert line.patient_due + line.insurance_due == line.balance
    assert ledger.patient_credit(session, patient_id) >= 0
    assert free_credit(session, patient_id) >= 0


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(ops=operations)
def test_invariant_holds_for_every_line_after_every_operation(sample_db, ops):
    with transaction(sample_db, "tester") as session:
        example = session.begin_nested()  # every example starts from the same ledger
        patient = find_patient(session, "P00001")
        claims = [
            make_claim(
                session,
                [
                    {"code": "97140", "charge_cents": 9000 + 1000 * i},
                    {"code": "97124", "charge_cents": 16000, "units": 2},
                ],
                date(2026, 1, 5 + 7 * i),
            )
            for i in range(3)
        ]
        encounters = [ledger.line_details(session, claim_id=c.id)[0].encounter_id for c in claims]
        billed = load_billed_claims(session, ids=[c.id for c in claims])
        posted: dict[int, list] = {}
        for number, op in enumerate(ops):
            trace = f"T{number}"
            step = session.begin_nested()
            try:
                _run(session, op, trace, claims, billed, encounters, patient, posted)
            except ClinicbillError:
                step.rollback()
                event(f"{op[0]} refused")
            else:
                step.commit()
                event(f"{op[0]} done")
            check_invariant(session, patient.id)
        example.rollback()


def _run(session, op, trace, claims, billed, encounters, patient, posted):
    kind = op[0]
    if kind == "charge":  # a new self-pay visit
        visit = make_encounter(
            session, patient.id, 1, ON, [{"code": "97124", "charge_cents": op[1]}]
        )
        encounters.append(visit.id)
        return
    if kind == "package":  # sell a package and use it for the newest visit
        package = add_package(session, patient, "pkg", op[1], "card", visits=op[2], purchased_on=ON)
        draw_from_package(session, session.get(Encounter, encounters[-1]), package, ON)
        return
    if kind in ("appeal", "writeoff", "bill-patient"):
        from clinicbill.app import appeals

        claim_id = claims[op[1]].id
        if kind == "appeal":
            appeals.appeal_claim(session, claim_id, ON, force=True)
        elif kind == "writeoff":
            appeals.write_off_denial(session, claim_id, "appeal lost", ON)
        else:
            appeals.bill_patient(session, claim_id, "signed waiver", ON)
        return
    if kind in ("remit", "reverse", "repost", "wild", "crossover"):
        claim = claims[op[1]]
        history = posted.setdefault(claim.id, [])
        if kind == "remit":
            cp = claim_payment(billed[claim.id], op[2])
        elif kind == "crossover":  # processed as primary, forwarded to the secondary
            cp = claim_payment(billed[claim.id], op[2], status_code="19")
        elif kind == "wild":  # an unbalanced payer: random paid and one random adjustment
            base = claim_payment(billed[claim.id], Outcome())
            svc = replace(
                base.services[0],
                paid_cents=op[2],
                adjustments=(Adjustment(op[4][:2], "45", op[3]),),
            )
            cp = replace(base, paid_cents=op[2], services=(svc,))
        elif not history:
            return
        elif kind == "reverse":
            cp = reversal_of(history[-1])
        else:
            cp = history[-1]
        out = post_remittance(session, advice_for([cp], trace_number=trace, payment_date=ON))
        if out.claims[0].posted:
            history.append(cp)
    elif kind == "eob":
        line = EobLine(1, op[2], (Adjustment("CO", "45", op[3]),))
        post_eob(session, claims[op[1]], [line], paid_on=ON, reference=trace)
    elif kind == "pay":
        encounter = None if op[2] is None else encounters[op[2]]
        add_patient_payment(session, patient, op[1], "cash", ON, encounter_id=encounter)
    elif kind == "adjust":
        encounter = None if op[2] is None else encounters[op[2]]
        add_adjustment(session, patient, op[1], "courtesy", ON, encounter_id=encounter)
    elif kind == "apply":
        apply_credit(session, patient, ON)
    else:
        add_refund(session, patient, op[1], "check", ON)
