"""The running totals of one service line while a remittance is planned
(domain/remittance/posting_plan.py): loaded from the ledger in SQL sums, copied per claim,
checked against the ledger invariant, and how much more of an entry a line can take.
"""

from __future__ import annotations

from dataclasses import dataclass

from clinicbill.domain.ledger import balances as ledger
from clinicbill.domain.ledger.balances import (
    ADJUSTMENT,
    CROSSOVER,
    DENIAL,
    INSURANCE_PAYMENT,
    PATIENT_PAYMENT,
    PATIENT_RESPONSIBILITY,
)
from clinicbill.domain.money import fmt


@dataclass
class LineState:
    """Running totals of one service line while a remittance is planned."""

    charge: int
    insurance_paid: int = 0
    patient_paid: int = 0
    adjusted: int = 0
    patient_responsibility: int = 0
    denied: int = 0  # open denial hold (domain/remittance/holds.py)
    forwarded: int = 0  # open crossover hold

    _FIELDS = {
        INSURANCE_PAYMENT: "insurance_paid",
        PATIENT_PAYMENT: "patient_paid",
        ADJUSTMENT: "adjusted",
        PATIENT_RESPONSIBILITY: "patient_responsibility",
        DENIAL: "denied",
        CROSSOVER: "forwarded",
    }
    _WORDS = {
        "insurance_paid": "insurance payment",
        "patient_paid": "patient payment",
        "adjusted": "adjustment",
        "patient_responsibility": "patient responsibility",
        "denied": "denial",
        "forwarded": "crossover",
    }

    @property
    def balance(self) -> int:
        return self.charge - self.insurance_paid - self.patient_paid - self.adjusted

    def apply(self, kind: str, amount: int) -> None:
        name = self._FIELDS[kind]
        setattr(self, name, getattr(self, name) + amount)

    def problem(self, before: LineState | None = None) -> str | None:
        """Why these totals break the invariant, or None. Every figure is one of the line's
        own: what would be taken back against what was posted (`before`: the totals before
        this remittance), or by how much the charge would be overpaid."""
        for name, word in self._WORDS.items():
            now = getattr(self, name)
            if now < 0:
                posted = getattr(before, name) if before is not None else now - now
                return (
                    f"would take back {fmt(posted - now)} of {word} but only {fmt(posted)} "
                    f"was posted on it (charge {fmt(self.charge)})"
                )
        if self.balance < 0:
            return f"would be overpaid by {fmt(-self.balance)} (charge {fmt(self.charge)})"
        return None


def load_line_states(session, service_line_ids) -> dict[int, LineState]:
    """Current totals for these lines (two-query chunks; SQL sums, domain/ledger/balances.py)."""
    ids = list(service_line_ids)
    states: dict[int, LineState] = {}
    for start in range(0, len(ids), 500):
        rows = session.execute(ledger.line_balance_query(lines=ids[start : start + 500])).all()
        for r in rows:
            states[r.service_line_id] = LineState(
                charge=int(r.charge),
                insurance_paid=int(r.insurance_paid),
                patient_paid=int(r.patient_paid),
                adjusted=int(r.adjusted),
                patient_responsibility=int(r.patient_responsibility),
                denied=int(r.denied),
                forwarded=int(r.forwarded),
            )
    return states


def copy_state(state: LineState) -> LineState:
    """A copy to plan on (one claim's work, and its totals before)."""
    copied = object.__new__(LineState)
    copied.__dict__.update(state.__dict__)
    return copied


def capacity(state: LineState, kind: str, amount: int) -> int:
    """How much of `amount` a line can take: up to its balance, or back to zero."""
    if amount >= 0:
        return max(state.balance, 0)
    if kind == INSURANCE_PAYMENT:
        return max(state.insurance_paid, 0)
    if kind == ADJUSTMENT:
        return max(state.adjusted + state.denied, 0)
    if kind in (DENIAL, CROSSOVER):
        return max(getattr(state, LineState._FIELDS[kind]), 0)
    return max(state.patient_responsibility + state.forwarded, 0)
