"""Claim status inquiries (276) for submitted claims without an answer: no 277 or 835 yet."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import exists, select

from clinicbill.domain.clearinghouse.eligibility import Person, inquiry_parties
from clinicbill.domain.errors import ClinicbillError
from clinicbill.store.models import Claim, ClaimResponse, Policy, RemittanceClaim

WAITING = ("submitted", "accepted")


@dataclass(frozen=True)
class StatusInquiry:
    claim_id: int
    payer_name: str
    payer_identifier: str
    member_id: str
    subscriber: Person
    dependent: Person | None
    patient_control_number: str  # TRN02 trace and REF*EJ: a 277 answers with it
    payer_claim_number: str | None
    total_cents: int
    from_date: date
    to_date: date


def unanswered(session, claim_ids: list[int] | None, older_than: int | None, today: date):
    """Claims to ask about: the ids given (each must be sent and waiting), or every waiting
    claim first billed more than `older_than` days ago with no 277 or 835 answer."""
    answered = (
        exists()
        .where(ClaimResponse.claim_id == Claim.id, ClaimResponse.source.in_(("277", "277CA")))
        .where(ClaimResponse.result.in_(("finalized", "pending", "rejected")))
    )
    remitted = exists().where(RemittanceClaim.claim_id == Claim.id)
    if claim_ids:
        claims = [session.get(Claim, i) for i in claim_ids]
        for claim_id, claim in zip(claim_ids, claims, strict=True):
            if claim is None:
                raise ClinicbillError(f"claim: {claim_id} not found", "see clinicbill claim list")
            if claim.status not in WAITING:
                raise ClinicbillError(
                    f"claim: {claim.id} is {claim.status}; a status inquiry is for a claim "
                    "sent and waiting for an answer",
                    "leave it out",
                )
        return claims
    days = 30 if older_than is None else older_than
    query = (
        select(Claim)
        .where(
            Claim.status.in_(WAITING),
            Claim.first_billed_on <= today - timedelta(days=days),
            ~answered,
            ~remitted,
        )
        .order_by(Claim.id)
    )
    claims = list(session.execute(query).scalars())
    if not claims:
        raise ClinicbillError(
            f"claim status: no claim waiting more than {days} days without an answer",
            "give claim ids, or a smaller --older-than",
        )
    return claims


def status_inquiry(session, claim: Claim) -> StatusInquiry:
    policy = session.get(Policy, claim.policy_id)
    return StatusInquiry(
        claim_id=claim.id,
        **inquiry_parties(session, policy),
        patient_control_number=claim.patient_control_number,
        payer_claim_number=claim.payer_claim_control_number,
        total_cents=claim.total_cents,
        from_date=claim.from_date,
        to_date=claim.to_date,
    )
