"""Use cases after a payer's first answer (issue 17): appeal a denial, write it off, bill the
patient, log a follow-up call. Each takes the unit of work (a session) and plain values and
returns a result; the CLI (cli/denials.py) parses, opens the transaction and renders.

The rules live in domain/remittance/holds.py (what a denial or crossover holds, and how a
decision releases it); the appeal packet is app/appeal_packet.py.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import func, select

from clinicbill.domain.errors import ClinicbillError
from clinicbill.domain.validate import check_not_future

APPEALABLE = ("denied", "partially-paid", "paid", "closed")


@dataclass(frozen=True)
class Decision:
    """What a decision on a claim did."""

    claim_id: int
    patient_control_number: str
    status: str
    moved_cents: int = 0
    deadline: date | None = None


@dataclass(frozen=True)
class Call:
    claim_id: int
    patient_control_number: str
    call_id: int
    called_on: date
    next_action_on: date | None


def _claim(session, ident):
    from clinicbill.domain.claims.build import get_claim

    return get_claim(session, ident)


def _denied_cents(session, claim_id: int) -> int:
    from clinicbill.domain.remittance.holds import DENIAL, open_holds

    return sum(h["amount"] for h in open_holds(session, claim_id, DENIAL))


def denied_on(session, claim_id: int) -> date | None:
    """The date of the latest remittance that answered the claim (not a reversal)."""
    from clinicbill.store.models import Remittance, RemittanceClaim

    return session.execute(
        select(func.max(func.coalesce(Remittance.payment_date, func.date(Remittance.imported_at))))
        .join(RemittanceClaim, RemittanceClaim.remittance_id == Remittance.id)
        .where(RemittanceClaim.claim_id == claim_id, RemittanceClaim.status_code != "22")
    ).scalar()


def appeal_deadline(session, claim) -> date | None:
    """The last day to appeal: the latest remittance's date plus the payer profile's appeal
    window (DOMAIN.md §13, default 180 days)."""
    from clinicbill.domain.practice.profiles import profile_for_payer
    from clinicbill.store.models import Payer

    answered = denied_on(session, claim.id)
    if answered is None:
        return None
    if isinstance(answered, str):  # SQLite's date() of a timestamp
        answered = date.fromisoformat(answered)
    days = profile_for_payer(session.get(Payer, claim.payer_id)).appeal_days
    return answered + timedelta(days=days)


def appeal_claim(
    session,
    ident,
    on: date,
    *,
    force: bool = False,
    note: str | None = None,
    letter_only: bool = False,
) -> Decision:
    """Mark a denied (or underpaid) claim appealed, with the payer's deadline on the event.
    The denial stays held with the payer; a payment on appeal replaces it when posted.
    `letter_only`: an appealed claim stays as it is (its packet is written again)."""
    from clinicbill.domain.claims.build import record_status

    claim = _claim(session, ident)
    if claim.status == "appealed" and letter_only:
        denied = _denied_cents(session, claim.id)
        deadline = appeal_deadline(session, claim)
        return Decision(claim.id, claim.patient_control_number, "appealed", denied, deadline)
    if claim.status == "appealed":
        raise ClinicbillError(
            f"claim: {claim.id} is already appealed", f"see 'clinicbill claim show {claim.id}'"
        )
    if claim.status not in APPEALABLE:
        raise ClinicbillError(
            f"claim: {claim.id} is {claim.status}; only a claim the payer answered is appealed",
            "post the payer's remittance first (clinicbill era import FILE)",
        )
    denied = _denied_cents(session, claim.id)
    if claim.status != "denied" and not denied and not force:
        raise ClinicbillError(
            f"claim: {claim.id} is {claim.status} with no open denial",
            "give --force to appeal an underpayment",
        )
    deadline = appeal_deadline(session, claim)
    if deadline is not None and on > deadline and not force:
        raise ClinicbillError(
            f"appeal: the payer's appeal window for claim {claim.id} ended on {deadline}",
            "give --force if the payer accepts it late (e.g. with proof of timely filing)",
        )
    text = f"appeal sent; payer's deadline {deadline}" if deadline else "appeal sent"
    record_status(session, claim, "appealed", on, f"{text}; {note}" if note else text)
    return Decision(claim.id, claim.patient_control_number, "appealed", denied, deadline)


def write_off_denial(session, ident, reason: str, on: date) -> Decision:
    """The practice gives up on a denial: its held CO/OA/PI amounts become adjustments (the
    same group and CARC), dated today; the claim is closed once nothing is left held."""
    from clinicbill.domain.claims.build import record_status
    from clinicbill.domain.ledger.balances import ADJUSTMENT
    from clinicbill.domain.remittance.holds import DENIAL, open_holds, release_holds

    reason = _reason(reason)
    claim = _claim(session, ident)
    holds = open_holds(session, claim.id, DENIAL)
    if not holds:
        raise ClinicbillError(
            f"claim: {claim.id} has no open denial to write off",
            "a payment or adjustment of another kind: clinicbill payment adjust",
        )
    moved = release_holds(session, claim.id, holds, ADJUSTMENT, on, f"denial written off: {reason}")
    status = claim.status
    if status in ("denied", "appealed"):
        record_status(session, claim, "closed", on, f"denial written off: {reason}")
        status = "closed"
    return Decision(claim.id, claim.patient_control_number, status, moved)


def bill_patient(session, ident, reason: str | None, on: date) -> Decision:
    """Move what a payer holds to the patient: a crossover's PR amounts (the next payer did
    not pay them), or a denial. CO and PI make the provider liable (DOMAIN.md §5): moving
    those needs the practice's documented reason (e.g. a signed waiver)."""
    from clinicbill.domain.claims.build import record_status
    from clinicbill.domain.ledger.balances import PATIENT_RESPONSIBILITY
    from clinicbill.domain.remittance.holds import (
        CROSSOVER,
        DENIAL,
        PROVIDER_LIABLE,
        open_holds,
        release_holds,
    )

    claim = _claim(session, ident)
    holds = open_holds(session, claim.id, CROSSOVER) + open_holds(session, claim.id, DENIAL)
    if not holds:
        raise ClinicbillError(
            f"claim: {claim.id} holds nothing with a payer to bill the patient for",
            f"see 'clinicbill claim show {claim.id}'",
        )
    liable = sorted({f"{h['group']}-{h['reason']}" for h in holds if h["group"] in PROVIDER_LIABLE})
    if liable and not (reason or "").strip():
        raise ClinicbillError(
            f"claim: {claim.id} was denied {', '.join(liable)}: the provider is liable, not the "
            "patient",
            "appeal or write it off; bill the patient only with a documented reason: "
            "--reason 'signed waiver on file ...'",
        )
    why = _reason(reason) if reason else "patient responsibility (PR)"
    moved = release_holds(
        session, claim.id, holds, PATIENT_RESPONSIBILITY, on, f"billed to the patient: {why}"
    )
    status = claim.status
    if status in ("denied", "appealed"):
        record_status(session, claim, "closed", on, f"billed to the patient: {why}")
        status = "closed"
    return Decision(claim.id, claim.patient_control_number, status, moved)


def _reason(reason: str | None) -> str:
    text = " ".join((reason or "").split())
    if not text:
        raise ClinicbillError("reason: give --reason", "e.g. --reason 'appeal lost, level 2'")
    if len(text) > 200:
        raise ClinicbillError("reason: longer than 200 characters", "shorten it")
    return text


def record_call(
    session,
    ident,
    *,
    representative: str,
    reference: str,
    note: str,
    on: date,
    next_action_on: date | None = None,
) -> Call:
    """Append one follow-up call to the claim's call log (never edited)."""
    from clinicbill.store.models import ClaimCall

    claim = _claim(session, ident)
    values = {"rep": representative, "reference": reference, "note": note}
    for name, value in values.items():
        if not " ".join((value or "").split()):
            raise ClinicbillError(f"{name}: is empty", f"give --{name} (what the call recorded)")
    if len(note) > 2000 or len(representative) > 100 or len(reference) > 100:
        raise ClinicbillError("call: a value is too long", "rep/reference 100, note 2000 chars")
    check_not_future(on, "date", "give the day of the call")
    if next_action_on is not None and next_action_on < on:
        raise ClinicbillError(
            f"next: {next_action_on} is before the call ({on})", "give a later date"
        )
    call = ClaimCall(
        claim_id=claim.id,
        called_on=on,
        representative=" ".join(representative.split()),
        reference=reference.strip(),
        note=note.strip(),
        next_action_on=next_action_on,
        user=session.info.get("user"),
    )
    session.add(call)
    session.flush()
    return Call(claim.id, claim.patient_control_number, call.id, on, next_action_on)


CALL_ROW = {
    "date": "called_on",
    "rep": "representative",
    "reference": "reference",
    "note": "note",
    "next": lambda c: c.next_action_on or "",
    "by": lambda c: c.user or "",
}


def claim_calls(session, claim_id: int) -> list[dict]:
    """The claim's call log, oldest first (claim show)."""
    from clinicbill.store.models import ClaimCall

    rows = session.execute(
        select(ClaimCall)
        .where(ClaimCall.claim_id == claim_id)
        .order_by(ClaimCall.called_on, ClaimCall.id)
    ).scalars()
    from clinicbill.app.rows import pick_rows

    return pick_rows(rows, CALL_ROW)
