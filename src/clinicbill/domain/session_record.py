"""A session after entry: signing (locks it), addenda, voiding, and the full note text."""

from __future__ import annotations

from sqlalchemy import select

from clinicbill.domain.errors import ClinicbillError
from clinicbill.domain.session_inputs import SOAP_FIELDS, check_soap
from clinicbill.store.models import Addendum, Encounter, ServiceLine
from clinicbill.store.types import utcnow


def _refuse_unless_draft(encounter: Encounter, action: str) -> None:
    """Signed sessions are locked; void ones are kept as they are."""
    if encounter.status == "signed":
        raise ClinicbillError(
            f"session: {encounter.id} is signed and locked; it cannot be {action}",
            f"add a dated addendum: clinicbill session addendum {encounter.id} --text ...",
        )
    if encounter.status == "void":
        raise ClinicbillError(
            f"session: {encounter.id} is void; it cannot be {action}",
            "record a new session instead",
        )


def _has_lines(session, encounter: Encounter) -> bool:
    return (
        session.execute(
            select(ServiceLine.id).where(ServiceLine.encounter_id == encounter.id).limit(1)
        ).scalar()
        is not None
    )


def missing_for_signature(session, encounter: Encounter) -> list[str]:
    """What a note still lacks before it can be signed."""
    missing = [f"--{name}" for name in SOAP_FIELDS if not getattr(encounter, name)]
    if not _has_lines(session, encounter):
        missing.append("a service line (--line)")
    return missing


def sign_session(session, encounter: Encounter, signer: str) -> Encounter:
    """Sign and lock: records signer and time, freezes the rendered note text."""
    from clinicbill.domain.notes import render_note_text

    _refuse_unless_draft(encounter, "signed again")
    signer = (signer or "").strip()
    if not signer:
        raise ClinicbillError("signer: a value is required", "give --user NAME")
    missing = missing_for_signature(session, encounter)
    if missing:
        raise ClinicbillError(
            f"session: {encounter.id} is incomplete: missing " + ", ".join(missing),
            f"complete it first: clinicbill session edit {encounter.id} "
            + " ... ".join(missing)
            + " ...",
        )
    encounter.status = "signed"
    encounter.signed_by = signer[:60]
    encounter.signed_at = utcnow()
    session.flush()
    encounter.note_text = render_note_text(session, encounter)
    session.flush()
    return encounter


def add_addendum(session, encounter: Encounter, text: str, author: str) -> Addendum:
    """A dated addendum to a signed (or void) note; the signed text is never changed."""
    if encounter.status == "draft":
        raise ClinicbillError(
            f"session: {encounter.id} is not signed yet",
            f"change the note itself: clinicbill session edit {encounter.id} ...",
        )
    body = check_soap({"plan": text})["plan"]
    if not body:
        raise ClinicbillError("text: a value is required", "give --text")
    item = Addendum(encounter_id=encounter.id, text=body, author=(author or "unknown")[:60])
    session.add(item)
    session.flush()
    return item


def void_session(session, encounter: Encounter, reason: str) -> Encounter:
    """Void: kept for the record, never billed. Refused while a claim bills its lines."""
    from clinicbill.store.models import Claim, ClaimLine

    if encounter.status == "void":
        raise ClinicbillError(f"session: {encounter.id} is already void", "nothing to do")
    reason = (reason or "").strip()
    if not reason:
        raise ClinicbillError("reason: a value is required", "say why: --reason '...'")
    if len(reason) > 200:
        raise ClinicbillError(
            f"reason: too long ({len(reason)} characters)", "at most 200 characters"
        )
    claim_ids = (
        session.execute(
            select(Claim.id)
            .join(ClaimLine, ClaimLine.claim_id == Claim.id)
            .join(ServiceLine, ServiceLine.id == ClaimLine.service_line_id)
            .where(ServiceLine.encounter_id == encounter.id, Claim.status != "void")
            .distinct()
        )
        .scalars()
        .all()
    )
    if claim_ids:
        listed = ", ".join(str(i) for i in claim_ids)
        raise ClinicbillError(
            f"session: {encounter.id} is billed on claim {listed}",
            "void or replace the claim first (clinicbill claim void / claim resubmit)",
        )
    encounter.status = "void"
    encounter.void_reason = reason
    encounter.voided_at = utcnow()
    session.flush()
    return encounter


def render_note(session, encounter: Encounter) -> str:
    """The full note: the text frozen at signing (or rendered now for a draft) + addenda."""
    from clinicbill.domain.notes import addenda, addenda_text, render_note_text

    body = encounter.note_text if encounter.note_text else render_note_text(session, encounter)
    if encounter.status == "void":
        body += (
            f"\nVOID since {encounter.voided_at:%Y-%m-%d %H:%M UTC}: {encounter.void_reason}\n"
            if encounter.voided_at
            else f"\nVOID: {encounter.void_reason}\n"
        )
    return body + addenda_text(addenda(session, encounter))
