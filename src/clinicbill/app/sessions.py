"""The session (visit) workflows behind `clinicbill session ...`: each takes the unit of work
and plain values, and returns what the command shows."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class SessionVoided:
    id: int
    reason: str
    given_back: object = None  # domain.ledger.package_draws.GivenBack, when it drew from one

    def lines(self) -> list[str]:
        out = [f"session {self.id} void: {self.reason}"]
        return out + ([self.given_back.text()] if self.given_back is not None else [])

    def data(self) -> dict:
        if self.given_back is None:
            return {"id": self.id}
        back = self.given_back
        return {
            "id": self.id,
            "package": {
                "id": back.package_id,
                "value_back_cents": back.value_cents,
                "discount_reversed_cents": back.discount_cents,
                "remaining": back.remaining,
            },
        }


def void_session(session, ident, reason: str | None) -> SessionVoided:
    """Void a session: kept for the record, never billed; a visit drawn from a prepaid
    package goes back to the package."""
    from clinicbill.domain.sessions import record
    from clinicbill.domain.sessions.entry import get_session

    encounter = get_session(session, ident)
    given_back = record.void_session(session, encounter, reason)
    return SessionVoided(encounter.id, encounter.void_reason, given_back)
