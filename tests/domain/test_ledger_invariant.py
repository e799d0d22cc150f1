"""The ledger invariant under random sequences of charges, insurance payments, reversals,
manual EOBs, patient payments, write-offs, credit applications, refunds and packages, and
(issue 17) denials held with the payer, appeals, denial write-offs, denials billed to the
patient and crossovers (CLP02 19) held with the next payer, and (issue 16) packages sold,
drawn by new self-pay visits, edited and voided, and sessions voided.

For every service line, after every operation (accepted or refused):
charge = insurance paid + patient paid + adjustments + balance, to the cent; the balance is
never negative; no kind of money goes below zero; a patient's credit is never negative.
For every package: value used + value left = price, value used is what its payment pays on
the lines of sessions not void (a voided session gives its visit and value back), and no more
visits are used than it holds; prepaid credit is never negative.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from hypothesis import HealthCheck, event, example, given, settings
from hypothesis import strategies as st

from clinicbill.domain.errors import ClinicbillError
from clinicbill.domain.ledger import balances as ledger
from clinicbill.domain.ledger.package_draws import draw_for_session, draw_from_package
from clinicbill.domain.ledger.packages import (
    add_package,
    edit_package,
    package_statuses,
    void_package,
)
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
from clinicbill.domain.sessions.record import void_session
from clinicbill.formats.x12_835_write import Outcome, advice_for, claim_payment, reversal_of
from clinicbill.store.engine import transaction
from clinicbill.store.models import Encounter, LedgerEntry, Package
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
        st.tuples(st.just("package-add"), cents, st.sampled_from([None, 1, 2, 3])),
        st.tuples(st.just("draw"), st.integers(0, 3), cents),
        st.tuples(st.just("package-edit"), st.integers(0, 3), st.integers(1, 4)),
        st.tuples(st.just("package-void"), st.integers(0, 3)),
        st.tuples(st.just("void"), st.integers(0, 3)),
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
    assert patient_money_on_void_sessions(session, patient_id) == 0  # credit again, never lost
    check_packages(session, patient_id)


def patient_money_on_void_sessions(session, patient_id) -> int:
    from sqlalchemy import func, select

    from clinicbill.store.models import Payment, ServiceLine

    return session.execute(
        select(func.coalesce(func.sum(LedgerEntry.amount_cents), 0))
        .join(ServiceLine, ServiceLine.id == LedgerEntry.service_line_id)
        .join(Encounter, Encounter.id == ServiceLine.encounter_id)
        .join(Payment, Payment.id == LedgerEntry.payment_id)
        .where(
            Encounter.patient_id == patient_id,
            Encounter.status == "void",
            Payment.source == "patient",
        )
    ).scalar()


def check_packages(session, patient_id):
    """Value used + left = price; the value used is paid on lines of sessions not void."""
    from sqlalchemy import func, select

    from clinicbill.store.models import ServiceLine

    for status in package_statuses(session, patient_id):
        payment_id = session.get(Package, status.id).payment_id
        live = session.execute(
            select(func.coalesce(func.sum(LedgerEntry.amount_cents), 0))
            .join(ServiceLine, ServiceLine.id == LedgerEntry.service_line_id)
            .join(Encounter, Encounter.id == ServiceLine.encounter_id)
            .where(LedgerEntry.payment_id == payment_id, Encounter.status != "void")
        ).scalar()
        assert 0 <= status.value_used_cents <= status.price_cents
        assert status.value_used_cents == (live if payment_id else 0)
        if not status.voided:
            assert status.value_used_cents + status.value_left_cents == status.price_cents
        assert status.visits is None or status.visits_used <= status.visits
    for row in session.execute(ledger.patient_credits_query(None, patient_id, True)).all():
        assert row.credit >= 0, row


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(ops=operations)
@example(ops=[("package-add", 20_000, 2), ("draw", 0, 12_000), ("void", 0), ("draw", 0, 9000)])
@example(ops=[("package-add", 9000, None), ("draw", 0, 4000), ("void", 0), ("package-void", 0)])
@example(ops=[("charge", 5000), ("pay", 3000, None), ("void", 0)])
@example(ops=[("package-add", 9000, None), ("draw", 0, 4000), ("package-void", 0), ("void", 0)])
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
    if kind.startswith("package-") or kind in ("draw", "void"):
        _package_step(session, op, patient, encounters)
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


def _package_step(session, op, patient, encounters):
    """Packages sold, drawn by a new self-pay visit (session add), edited, voided; a self-pay
    session voided."""
    kind = op[0]
    if kind == "void":  # one of the self-pay visits (the claims' are refused while billed)
        visits = encounters[3:]
        if visits:
            target = session.get(Encounter, visits[-1 - op[1] % len(visits)])
            void_session(session, target, "entered in error")
        return
    if kind == "package-add":
        add_package(session, patient, "pkg", op[1], "card", visits=op[2], purchased_on=ON)
        return
    statuses = package_statuses(session, patient.id)
    if not statuses:
        return
    package = session.get(Package, statuses[op[1] % len(statuses)].id)
    if kind == "draw":  # session add for a self-pay visit, drawing from this package
        visit = make_encounter(
            session, patient.id, 1, ON, [{"code": "97124", "charge_cents": op[2]}]
        )
        encounters.append(visit.id)
        draw_for_session(session, visit, str(package.id))
    elif kind == "package-edit":
        edit_package(session, package, visits=op[2])
    else:
        void_package(session, package, "sold in error")
