"""What happens to a claim after it is built: check, mark, void, resubmit, secondary, export.

Replacement (frequency 7) and void (frequency 8) claims carry the payer's claim control number
of the original (REF*F8, box 22). A secondary claim bills the patient's secondary policy with the
primary's payments and adjustments (837P 2320/2430), read from the ledger.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from clinicbill.domain.claims.build import (
    SENT_STATUSES,
    check_status,
    claim_service_lines,
    new_draft_claim,
    next_control_numbers,
    record_status,
    record_statuses,
)
from clinicbill.domain.claims.status import INACTIVE_STATUSES
from clinicbill.domain.errors import ClinicbillError
from clinicbill.domain.validate import check_not_future
from clinicbill.store.models import Claim, ExportBatch, LedgerEntry
from clinicbill.store.query import added

ADJUDICATED = ("paid", "partially-paid", "denied", "appealed", "closed")
INTERCHANGE_COUNTER = "x12_interchange"


def check_claims(session, claims: list[Claim], on: date | None = None):
    """Run the scrubber; a clean draft becomes ready, a ready claim with errors goes back to
    draft. Returns (snapshots, findings)."""
    from sqlalchemy.orm.attributes import set_committed_value

    from clinicbill.domain.claims.scrub import scrub_all
    from clinicbill.domain.claims.snapshot_load import load_snapshots

    on = on or date.today()
    snapshots = load_snapshots(session, [c.id for c in claims], as_of=on)
    findings = scrub_all(snapshots)
    with_errors = {f.claim_id for f in findings if f.severity == "error"}
    changes = []
    for claim in claims:
        if claim.status == "draft" and claim.id not in with_errors:
            changes.append((claim.id, "draft", "ready", on, "scrubbed: no errors"))
        elif claim.status == "ready" and claim.id in with_errors:
            changes.append((claim.id, "ready", "draft", on, "scrubber found errors"))
    record_statuses(session, changes)  # one audited statement for a whole batch
    by_id = {c.id: c for c in claims}
    for claim_id, _old, new, _on, _note in changes:
        set_committed_value(by_id[claim_id], "status", new)
    return snapshots, findings


def mark_claim(
    session, claim: Claim, status: str, on: date, note: str | None = None, force: bool = False
) -> None:
    """A person records a lifecycle step (e.g. submitted on paper, accepted by a 999/277CA)."""
    status = check_status(status)
    if claim.status in INACTIVE_STATUSES:
        raise ClinicbillError(
            f"claim: {claim.id} is {claim.status}", f"a {claim.status} claim stays so"
        )
    if status in INACTIVE_STATUSES:
        raise ClinicbillError(
            "status: void is not set with 'claim mark'", f"use 'clinicbill claim void {claim.id}'"
        )
    if status == claim.status:
        raise ClinicbillError(f"status: claim {claim.id} is already {status}", "nothing to change")
    check_not_future(on, "date")
    if on < claim.from_date:
        raise ClinicbillError(
            f"date: {on} is before the claim's first date of service {claim.from_date}",
            "give the date the step happened",
        )
    if status == "ready" and not force:
        _, findings = check_claims(session, [claim], on)
        errors = [f for f in findings if f.severity == "error"]
        if errors:
            raise ClinicbillError(
                f"claim: {claim.id} has {len(errors)} error(s): {errors[0].message}",
                f"fix them (clinicbill claim check {claim.id}) or give --force",
            )
        if claim.status == "ready":
            return
    record_status(session, claim, status, on, note)


def void_claim(session, claim: Claim, on: date, note: str | None = None) -> None:
    """Void a claim that never reached the payer; its lines can be billed again."""
    if claim.status == "void":
        raise ClinicbillError(f"claim: {claim.id} is already void", "nothing to change")
    if claim.status in SENT_STATUSES:
        raise ClinicbillError(
            f"claim: {claim.id} was {claim.status}; the payer must void it",
            f"send a void claim: clinicbill claim resubmit {claim.id} --void",
        )
    record_status(session, claim, "void", on, note or "voided before submission")


def _copy(session, original: Claim, frequency: str, on: date, note: str) -> Claim:
    lines = claim_service_lines(session, original.id)
    return new_draft_claim(
        session,
        lines,
        on,
        note,
        patient_id=original.patient_id,
        policy_id=original.policy_id,
        payer_id=original.payer_id,
        provider_id=original.provider_id,
        priority=original.priority,
        frequency=frequency,
        original_claim_id=original.id if frequency in ("7", "8") else None,
        primary_claim_id=original.primary_claim_id,
        from_date=original.from_date,
        to_date=original.to_date,
        total_cents=sum(line.charge_cents for line in lines),
        authorization_id=original.authorization_id,
        referral_id=original.referral_id,
    )


def resubmit_claim(session, original: Claim, mode: str, on: date) -> Claim:
    """`replace` (frequency 7), `void` (frequency 8), or `original` for a rejected claim."""
    if mode not in ("replace", "void", "original"):
        raise ValueError(mode)
    if original.status in INACTIVE_STATUSES:
        raise ClinicbillError(f"claim: {original.id} is {original.status}", "nothing to resubmit")
    if mode == "original":
        if original.status != "rejected":
            raise ClinicbillError(
                f"claim: {original.id} is {original.status}, not rejected",
                "a claim the payer adjudicated is corrected with --replace or voided with --void",
            )
        record_status(session, original, "void", on, "rejected; resent as a new original")
        return _copy(session, original, "1", on, f"resent claim {original.id} after rejection")
    if original.status not in ("accepted", *ADJUDICATED):
        raise ClinicbillError(
            f"claim: {original.id} is {original.status}; only a claim the payer accepted "
            "can be replaced or voided",
            "a rejected claim is resent as an original: clinicbill claim resubmit ID",
        )
    if not original.payer_claim_control_number:
        raise ClinicbillError(
            f"claim: {original.id} has no payer claim control number",
            "it comes from the payer's 835 (CLP07); post the remittance first",
        )
    frequency = "7" if mode == "replace" else "8"
    word = "replacement" if mode == "replace" else "void"
    claim = _copy(session, original, frequency, on, f"{word} of claim {original.id}")
    # A replaced claim is closed (the replacement bills its lines); a voided one is `voided`
    # (not `void`: the payer did adjudicate it), and its lines may be billed again (e.g. to
    # the right payer).
    status = "closed" if mode == "replace" else "voided"
    record_status(session, original, status, on, f"{word} sent as claim {claim.id}")
    return claim


def secondary_claim(
    session, primary: Claim, on: date, *, force: bool = False, reason: str | None = None
) -> Claim:
    """Bill the secondary policy with what the primary paid and adjusted. A claim the primary
    forwarded (CLP02 19/20/21/23) goes to the secondary without us: refused unless `force`
    with the practice's `reason` (kept on the new claim's history)."""
    from clinicbill.domain.practice.patients import active_policy
    from clinicbill.store.models import Patient

    note = _secondary_note(session, primary, force, reason)
    patient = session.get(Patient, primary.patient_id)
    policy = active_policy(session, patient, primary.from_date, "secondary")
    if policy is None:
        raise ClinicbillError(
            f"claim: the patient of claim {primary.id} has no secondary policy on "
            f"{primary.from_date}",
            "add one: clinicbill policy add --priority secondary ...",
        )
    return new_draft_claim(
        session,
        claim_service_lines(session, primary.id),
        on,
        note[:300],
        patient_id=primary.patient_id,
        policy_id=policy.id,
        payer_id=policy.payer_id,
        provider_id=primary.provider_id,
        priority="secondary",
        primary_claim_id=primary.id,
        from_date=primary.from_date,
        to_date=primary.to_date,
        total_cents=primary.total_cents,
        authorization_id=None,
        referral_id=primary.referral_id,
    )


def _secondary_note(session, primary: Claim, force: bool, reason: str | None) -> str:
    """Refuse a secondary claim the primary's answer does not allow yet (not a primary claim,
    not adjudicated, forwarded without --force, already billed); else the history note."""
    from clinicbill.domain.remittance.holds import forwarded_by

    if primary.priority != "primary" or primary.primary_claim_id is not None:
        raise ClinicbillError(
            f"claim: {primary.id} is not a primary claim", "give the primary payer's claim"
        )
    paid = session.execute(
        select(LedgerEntry.id).where(
            LedgerEntry.claim_id == primary.id,
            LedgerEntry.kind.in_(("insurance_payment", "adjustment", "patient_responsibility")),
        )
    ).first()
    if primary.status not in ADJUDICATED or paid is None:
        raise ClinicbillError(
            f"claim: {primary.id} has no adjudication from the primary payer yet",
            "post the primary's remittance first (clinicbill era import FILE)",
        )
    forwarded = forwarded_by(session, primary.id)
    note = f"secondary to claim {primary.id}"
    if forwarded is not None:
        if not force or not (reason or "").strip():
            raise ClinicbillError(
                f"claim: {primary.id} was forwarded to the secondary payer by the primary "
                f"(CLP02 {forwarded}): the secondary answers it without a claim from us",
                "wait for the secondary's remittance (clinicbill report followup lists it), or "
                "give --force --reason 'why' (e.g. the secondary says it never received it)",
            )
        note += f"; billed although forwarded (CLP02 {forwarded}): {' '.join(reason.split())}"
    existing = session.execute(
        select(Claim.id).where(
            Claim.primary_claim_id == primary.id, Claim.status.not_in(INACTIVE_STATUSES)
        )
    ).scalar()
    if existing:
        raise ClinicbillError(
            f"claim: {primary.id} already has secondary claim {existing}",
            f"see 'clinicbill claim show {existing}'",
        )
    return note


def begin_export(session, claim_ids: list[int], fmt: str, transactions: int = 1) -> ExportBatch:
    """Record an export batch; an 837P batch gets its interchange control numbers here
    (ISA13 = GS06, then one ST02 per transaction), unique and increasing."""
    numbers = (
        next_control_numbers(session, INTERCHANGE_COUNTER, transactions) if fmt == "837p" else None
    )
    batch = ExportBatch(
        format=fmt,
        interchange_control_number=numbers[0] if numbers else None,
        claim_ids=",".join(str(i) for i in claim_ids),
    )
    return added(session, batch)


def finish_export(session, batch: ExportBatch, claims: list[Claim], path: str, on: date) -> None:
    """The file is written: remember where, and mark the claims submitted (837P, paper)."""
    batch.path = path
    if batch.format not in ("837p", "cms1500"):
        return
    how = "837P interchange" if batch.format == "837p" else "CMS-1500 print"
    note = f"{how}, batch {batch.id}"
    changes = [
        (claim.id, claim.status, "submitted", on, note)
        for claim in claims
        if claim.status in ("draft", "ready", "rejected")
    ]
    record_statuses(session, changes)  # one audited UPDATE and INSERT for the whole batch
