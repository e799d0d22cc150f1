"""`claim show`: everything known about one claim, loaded in the caller's unit of work."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from clinicbill.store.models import Claim, LedgerEntry, Patient, Payer, Provider


@dataclass
class ClaimView:
    claim: Claim
    patient: Patient
    payer: Payer
    provider: Provider
    snapshot: object  # domain.snapshot.ClaimSnapshot, as it would be sent today
    balances: dict  # service line id -> domain.ledger line balance
    findings: list  # the scrubber's findings
    history: list  # ClaimStatusEvent rows, oldest first
    answers: list[dict]  # clearinghouse and payer answers (app/acknowledgements.py)
    postings: list[LedgerEntry]
    calls: list[dict]  # follow-up calls (app/appeals.py)


def claim_view(session, claim_ref: str) -> ClaimView:
    """The claim named by id or patient control number, with its lines' balances, scrubber
    findings, history, clearinghouse answers, ledger postings and follow-up calls."""
    from clinicbill.app.acknowledgements import claim_answers
    from clinicbill.app.appeals import claim_calls
    from clinicbill.domain.claims.build import claim_history, get_claim
    from clinicbill.domain.claims.scrub import scrub
    from clinicbill.domain.claims.snapshot_load import load_snapshots
    from clinicbill.domain.ledger.balances import line_balances

    claim = get_claim(session, claim_ref)
    snapshot = load_snapshots(session, [claim.id])[0]
    postings = session.execute(
        select(LedgerEntry)
        .where(LedgerEntry.claim_id == claim.id)
        .order_by(LedgerEntry.effective_date, LedgerEntry.id)
    ).scalars()
    return ClaimView(
        claim=claim,
        patient=session.get(Patient, claim.patient_id),
        payer=session.get(Payer, claim.payer_id),
        provider=session.get(Provider, claim.provider_id),
        snapshot=snapshot,
        balances=line_balances(session, [line.service_line_id for line in snapshot.lines]),
        findings=scrub(snapshot),
        history=list(claim_history(session, claim.id)),
        answers=claim_answers(session, claim.id),
        postings=list(postings),
        calls=claim_calls(session, claim.id),
    )
