"""Builders for aging/report tests: visits, claims with dated status history, remittances and
payments written straight through the models (the claims and posting code have their own
tests; these fixtures pin down exactly what the reports must add up).

Sample practice ids (sample_data/practice.toml): payers 1 Medicare, 2 Cascade (CHP01, 180
days), 3 Evergreen (EVM22, 90 days), 4 NW Workers Comp, 5 Self-pay; patients 1 Chen (policy 1,
Cascade), 2 Alvarez (policy 2 Medicare primary, 3 Evergreen secondary), 3 Okafor (policy 4,
Cascade), 4 Natarajan (policy 5, Evergreen), 6 Haddad (no policy), 8 Kowalski (no policy);
providers 1 Ana Reyes LMT, 2 Wei Lin LAC.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from clinicbill.store.models import (
    Claim,
    ClaimLine,
    ClaimStatusEvent,
    LedgerEntry,
    Payment,
    Policy,
    Remittance,
    RemittanceClaim,
)
from tests.factories import make_encounter

TODAY = date.today()
CASCADE, EVERGREEN, MEDICARE, SELF_PAY = 2, 3, 1, 5
CHEN, ALVAREZ, OKAFOR, NATARAJAN, HADDAD, KOWALSKI = 1, 2, 3, 4, 6, 8
POLICY = {CHEN: 1, ALVAREZ: 2, OKAFOR: 4, NATARAJAN: 5}


def ago(days: int) -> date:
    return TODAY - timedelta(days=days)


class Books:
    """Write billing history for tests: `visit`, `claim`, `remit`, `pay`, `entry`."""

    def __init__(self, session):
        self.session = session
        self._pcn = 0
        self._trace = 0

    def visit(
        self,
        patient_id: int,
        days_ago: int,
        *charges: int,
        policy: bool | int = True,
        provider_id: int = 1,
        code: str = "97124",
        units: int = 1,
    ) -> list[int]:
        """One signed visit with one line per charge; returns the service line ids. `policy`
        True bills the patient's sample policy, False is self-pay, an int is a policy id."""
        policy_id = POLICY.get(patient_id) if policy is True else (policy or None)
        encounter = make_encounter(
            self.session,
            patient_id,
            provider_id,
            ago(days_ago),
            [{"code": code, "charge_cents": c, "units": units} for c in charges],
            policy_id=policy_id,
        )
        from sqlalchemy import select

        from clinicbill.store.models import ServiceLine

        return list(
            self.session.execute(
                select(ServiceLine.id)
                .where(ServiceLine.encounter_id == encounter.id)
                .order_by(ServiceLine.line_number)
            ).scalars()
        )

    def claim(
        self,
        lines: list[int],
        history: list[tuple[str, int]],
        payer_id: int | None = None,
        policy_id: int | None = None,
        primary: Claim | None = None,
    ) -> Claim:
        """A claim over `lines` with its status history [(status, days_ago), ...]; the
        claim's status is the last one, first_billed_on the first `submitted`."""
        from clinicbill.store.models import Encounter, ServiceLine

        first = self.session.get(ServiceLine, lines[0])
        encounter = self.session.get(Encounter, first.encounter_id)
        policy_id = policy_id or encounter.policy_id
        policy = self.session.get(Policy, policy_id)
        self._pcn += 1
        billed = [d for s, d in history if s == "submitted"]
        claim = Claim(
            patient_control_number=f"T{self._pcn:05d}",
            patient_id=encounter.patient_id,
            policy_id=policy_id,
            payer_id=payer_id or policy.payer_id,
            provider_id=encounter.provider_id,
            priority="secondary" if primary else "primary",
            primary_claim_id=primary.id if primary else None,
            status=history[-1][0],
            from_date=encounter.service_date,
            to_date=encounter.service_date,
            total_cents=0,
            first_billed_on=ago(billed[0]) if billed else None,
            created_at=datetime.combine(ago(history[0][1]), time(12)).astimezone(),
        )
        self.session.add(claim)
        self.session.flush()
        for number, line_id in enumerate(lines, start=1):
            line = self.session.get(ServiceLine, line_id)
            claim.total_cents += line.charge_cents
            self.session.add(
                ClaimLine(
                    claim_id=claim.id,
                    service_line_id=line_id,
                    line_number=number,
                    charge_cents=line.charge_cents,
                )
            )
        for status, days_ago in history:
            self.session.add(
                ClaimStatusEvent(claim_id=claim.id, status=status, on_date=ago(days_ago))
            )
        self.session.flush()
        return claim

    def remit(self, claim: Claim, days_ago: int, postings: list[tuple], status_code: str = "1"):
        """A remittance answering `claim`: postings are (line_id, kind, cents) or
        (line_id, kind, cents, group, reason)."""
        self._trace += 1
        remittance = Remittance(
            trace_number=f"TRN{self._trace}",
            payer_identifier="1999999999",
            payer_id=claim.payer_id,
            payment_date=ago(days_ago),
        )
        self.session.add(remittance)
        self.session.flush()
        answered = RemittanceClaim(
            remittance_id=remittance.id,
            claim_id=claim.id,
            patient_control_number=claim.patient_control_number,
            status_code=status_code,
            charge_cents=claim.total_cents,
            paid_cents=sum(p[2] for p in postings if p[1] == "insurance_payment"),
        )
        self.session.add(answered)
        self.session.flush()
        for posting in postings:
            line_id, kind, cents, *code = posting
            self.entry(
                line_id,
                kind,
                cents,
                days_ago,
                claim_id=claim.id,
                remittance_claim_id=answered.id,
                group_code=code[0] if code else None,
                reason_code=code[1] if code else None,
            )
        return answered

    def entry(self, line_id: int, kind: str, cents: int, days_ago: int, **extra) -> None:
        self.session.add(
            LedgerEntry(
                service_line_id=line_id,
                kind=kind,
                amount_cents=cents,
                effective_date=ago(days_ago),
                **extra,
            )
        )
        self.session.flush()

    def pay(self, patient_id: int, cents: int, days_ago: int, applied=(), kind="payment"):
        """A patient payment (or refund) received `days_ago`, applied to [(line_id, cents,
        days_ago)]; whatever is not applied is the patient's credit."""
        payment = Payment(
            kind=kind,
            source="patient",
            patient_id=patient_id,
            method="card",
            amount_cents=cents,
            received_on=ago(days_ago),
        )
        self.session.add(payment)
        self.session.flush()
        for line_id, amount, when in applied:
            self.entry(line_id, "patient_payment", amount, when, payment_id=payment.id)
        return payment
