"""A session after entry: editing while a draft, signing (locks it), addenda, voiding, and
the full note text. Re-exported by domain/sessions/entry.py, which is the one API to import."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import exists, select

from clinicbill.domain.claims.status import INACTIVE_STATUSES
from clinicbill.domain.errors import ClinicbillError, MissingValue
from clinicbill.domain.sessions.inputs import SOAP_FIELDS, check_soap
from clinicbill.domain.sessions.lines import LineInput
from clinicbill.store.models import (
    Addendum,
    Diagnosis,
    Encounter,
    LedgerEntry,
    Patient,
    Policy,
    Provider,
    ServiceLine,
)
from clinicbill.store.query import added
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


def _as_inputs(lines: list[ServiceLine]) -> list[LineInput]:
    """Stored lines as inputs that reproduce them exactly (units and charges as stored)."""
    return [
        LineInput(
            code=line.code,
            modifiers=tuple(m for m in line.modifiers.split(",") if m),
            minutes=line.minutes,
            units=line.units,
            charge_cents=line.charge_cents,
            pointers=tuple(int(p) for p in line.pointers.split(",") if p),
        )
        for line in lines
    ]


def stored_inputs(session, encounter: Encounter) -> dict:
    """plan_session inputs that reproduce a stored session (units and charges as stored)."""
    from clinicbill.domain.sessions.entry import stored_diagnoses, stored_lines
    from clinicbill.domain.sessions.notes import stored_details

    return {
        "patient": session.get(Patient, encounter.patient_id),
        "provider": session.get(Provider, encounter.provider_id),
        "service_date": encounter.service_date,
        "place_of_service": encounter.place_of_service,
        "policy": session.get(Policy, encounter.policy_id) if encounter.policy_id else None,
        "total_minutes": encounter.total_minutes,
        "template": encounter.template or "",
        "soap": {name: getattr(encounter, name) for name in SOAP_FIELDS},
        "pain_before": encounter.pain_before,
        "pain_after": encounter.pain_after,
        "modality": stored_details(encounter),
        "diagnoses": stored_diagnoses(session, encounter),
        "lines": _as_inputs(stored_lines(session, encounter)),
        "authorization_id": encounter.authorization_id,
        "referral_id": encounter.referral_id,
        "case": encounter.case_id,
    }


def plan_stored(session, encounter: Encounter):
    """A stored session checked again as it stands (its warnings and coverage today)."""
    from clinicbill.domain.sessions.entry import plan_session

    return plan_session(
        session, **stored_inputs(session, encounter), exclude_encounter_id=encounter.id
    )


def merge_lines(current: list, given: list | None, remove=(), replace: bool = False):
    """The lines of an edited session, and what the edit does to them by code.

    A given line replaces the stored line of its code (or is added); `remove` names codes to
    drop; the other stored lines stay. With `replace`, the given lines are the whole list.
    Returns (lines, {"added": [...], "changed": [...], "removed": [...]})."""
    given = list(given or [])
    remove = [str(code).strip().upper() for code in remove]
    codes = [line.code for line in current]
    unknown = [code for code in remove if code not in codes]
    if unknown:
        raise ClinicbillError(
            f"remove-line: the session has no {', '.join(unknown)} line",
            "name a code the session bills (clinicbill session show ID)",
        )
    given_codes = {g.code for g in given}
    if replace:
        out, removed = list(given), [c for c in codes if c not in given_codes]
    else:
        pending, out, removed = list(given), [], []
        for line in current:
            match = next((g for g in pending if g.code == line.code), None)
            if match is not None:
                pending.remove(match)
                out.append(match)
            elif line.code in remove:
                removed.append(line.code)
            else:
                out.append(line)
        out.extend(pending)
    changed = [g.code for g in given if g.code in codes]
    added = [g.code for g in given if g.code not in codes]
    return out, {"added": added, "changed": changed, "removed": removed}


def _merged_changes(current: dict, changes: dict, remove_lines, replace_lines: bool):
    """The edit's changes over the stored inputs `current` (which it updates: the total
    minutes recomputed from new lines; the authorization and referral chosen again when what
    the visit is changes). Returns the changes and the line changes (or None)."""
    changes = {k: v for k, v in changes.items() if v is not None}
    line_changes = None
    if "lines" in changes or remove_lines:
        changes["lines"], line_changes = merge_lines(
            current["lines"], changes.get("lines"), remove_lines, replace_lines
        )
    if "soap" in changes:
        changes["soap"] = {**current["soap"], **changes["soap"]}
    if "modality" in changes:
        changes["modality"] = {**current["modality"], **changes["modality"]}
    if changes.get("policy") == "self-pay":
        changes["policy"] = None
    if "lines" in changes and "total_minutes" not in changes:
        current["total_minutes"] = None  # recomputed from the new lines
    if changes.keys() & {"service_date", "lines", "policy", "patient"}:
        from clinicbill.domain.sessions.inputs import AUTO

        # what the visit is changed: choose the covering authorization/referral again
        current["authorization_id"] = current["referral_id"] = AUTO
    return changes, line_changes


def _replace_children(session, encounter: Encounter, plan, old_lines) -> None:
    """Write the plan's diagnoses and lines in place of the stored ones; refused once a
    payment is posted to a line."""
    from clinicbill.domain.sessions.entry import _write_children

    posted = session.execute(
        select(exists().where(LedgerEntry.service_line_id.in_([x.id for x in old_lines])))
    ).scalar()
    if posted:
        raise ClinicbillError(
            f"session: {encounter.id} has payments posted to its lines",
            "the lines cannot be replaced; record a new session or reverse the payment",
        )
    # Deleted through the session, not a bulk DELETE, so the audit log records each row
    # (`audit --verify` compares every row with its last logged image).
    diagnoses = select(Diagnosis).where(Diagnosis.encounter_id == encounter.id)
    for row in [*session.execute(diagnoses).scalars(), *old_lines]:
        session.delete(row)
    session.flush()
    _write_children(session, encounter, plan)


def edit_session(
    session, encounter: Encounter, remove_lines=(), replace_lines: bool = False, **changes
) -> dict:
    """Change an unsigned session. Keys as plan_session; a key left out (or None) keeps the
    stored value; `lines` replace the stored lines of their codes and add the others
    (`remove_lines` drops codes, `replace_lines` makes `lines` the whole list); `diagnoses`
    replace the whole list; `soap` and `modality` merge into the stored ones;
    policy="self-pay" bills the patient. Returns what changed (`lines` as added, changed and
    removed codes)."""
    from clinicbill.domain.sessions.entry import _encounter_values, plan_session, stored_lines

    _refuse_unless_draft(encounter, "edited")
    old_lines = stored_lines(session, encounter)
    current = stored_inputs(session, encounter)
    changes, line_changes = _merged_changes(current, changes, remove_lines, replace_lines)
    plan = plan_session(session, **{**current, **changes}, exclude_encounter_id=encounter.id)
    values = _encounter_values(plan)
    changed = {k: v for k, v in values.items() if getattr(encounter, k) != v}
    new_children = plan.diagnoses != tuple(current["diagnoses"]) or [
        _line_key(x) for x in plan.lines
    ] != [_line_key(x) for x in old_lines]
    if new_children:
        _replace_children(session, encounter, plan, old_lines)
        if plan.diagnoses != tuple(current["diagnoses"]):
            changed["diagnoses"] = list(plan.diagnoses)
        changed["lines"] = line_changes or {"added": [], "changed": [], "removed": []}
    for key in [k for k in changed if k in values]:
        setattr(encounter, key, values[key])
    session.flush()
    return changed


def _line_key(line) -> tuple:
    modifiers = line.modifiers if isinstance(line.modifiers, str) else ",".join(line.modifiers)
    pointers = (
        line.pointers if isinstance(line.pointers, str) else ",".join(map(str, line.pointers))
    )
    return (line.code, modifiers, line.minutes, line.units, line.charge_cents, pointers)


def missing_for_signature(session, encounter: Encounter) -> list[str]:
    """What a note still lacks before it can be signed."""
    missing = [f"--{name}" for name in SOAP_FIELDS if not getattr(encounter, name)]
    if not _has_lines(session, encounter):
        missing.append("a service line (--line)")
    return missing


def sign_session(session, encounter: Encounter, signer: str) -> Encounter:
    """Sign and lock: records signer and time, freezes the rendered note text."""
    from clinicbill.domain.sessions.note_view import render_note_text

    _refuse_unless_draft(encounter, "signed again")
    signer = (signer or "").strip()
    if not signer:
        raise MissingValue(["signer"], "give --user NAME")
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
        raise MissingValue(["text"], "give --text")
    item = Addendum(encounter_id=encounter.id, text=body, author=(author or "unknown")[:60])
    return added(session, item)


@dataclass(frozen=True)
class Voided:
    """What voiding a session gave back: the package visit (None when it drew from no
    package) and the ordinary patient money that was applied to it (now credit)."""

    given_back: object  # domain.ledger.package_draws.GivenBack | None
    released_cents: int


def void_session(session, encounter: Encounter, reason: str) -> Voided:
    """Void: kept for the record, never billed. Refused while a claim bills its lines. A
    session that drew from a prepaid package gives the visit and its value back to it
    (the money is the patient's prepaid credit again); patient payments applied to it are
    the patient's credit again. Nothing is deleted: entries of the opposite sign."""
    from clinicbill.domain.ledger.package_draws import give_back
    from clinicbill.domain.ledger.payments import release_payments
    from clinicbill.store.models import Claim, ClaimLine

    if encounter.status == "void":
        raise ClinicbillError(f"session: {encounter.id} is already void", "nothing to do")
    reason = (reason or "").strip()
    if not reason:
        raise MissingValue(["reason"], "say why: --reason '...'")
    if len(reason) > 200:
        raise ClinicbillError(
            f"reason: too long ({len(reason)} characters)", "at most 200 characters"
        )
    claim_ids = (
        session.execute(
            select(Claim.id)
            .join(ClaimLine, ClaimLine.claim_id == Claim.id)
            .join(ServiceLine, ServiceLine.id == ClaimLine.service_line_id)
            .where(ServiceLine.encounter_id == encounter.id, Claim.status.not_in(INACTIVE_STATUSES))
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
    return Voided(give_back(session, encounter), release_payments(session, encounter))


def render_note(session, encounter: Encounter) -> str:
    """The full note: the text frozen at signing (or rendered now for a draft) + addenda."""
    from clinicbill.domain.sessions.note_view import (
        addenda,
        addenda_text,
        practice_state,
        render_note_text,
    )
    from clinicbill.domain.sessions.notes import local_timestamp

    state = practice_state(session)
    body = encounter.note_text if encounter.note_text else render_note_text(session, encounter)
    if encounter.status == "void":
        body += (
            f"\nVOID since {local_timestamp(encounter.voided_at, state)}: {encounter.void_reason}\n"
            if encounter.voided_at
            else f"\nVOID: {encounter.void_reason}\n"
        )
    return body + addenda_text(addenda(session, encounter), state)
