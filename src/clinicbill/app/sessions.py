"""The session (visit) workflows behind `clinicbill session ...`: each takes the unit of work
and plain values, and returns what the command shows."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class SessionVoided:
    id: int
    reason: str
    given_back: object = None  # domain.ledger.package_draws.GivenBack, when it drew from one
    released_cents: int = 0  # patient payments applied to it, the patient's credit again

    def lines(self) -> list[str]:
        from clinicbill.domain.money import fmt

        out = [f"session {self.id} void: {self.reason}"]
        if self.given_back is not None:
            out.append(self.given_back.text())
        if self.released_cents:
            out.append(f"{fmt(self.released_cents)} paid on it is the patient's credit again")
        return out

    def data(self) -> dict:
        data = {"id": self.id}
        if self.released_cents:
            data["credit_back_cents"] = self.released_cents
        if self.given_back is None:
            return data
        back = self.given_back
        return {
            **data,
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
    voided = record.void_session(session, encounter, reason)
    return SessionVoided(
        encounter.id, encounter.void_reason, voided.given_back, voided.released_cents
    )


def signer(user: str | None) -> str:
    """Who signs: the --user given, else the login name."""
    from clinicbill.store.engine import current_user

    return user or current_user()


@dataclass(frozen=True)
class SessionAdded:
    id: int
    status: str
    plan: object  # domain.sessions.entry.SessionPlan, as shown
    names: object  # PlanNames: the patient and provider as the summary shows them
    drawn: tuple[str, ...]  # the prepaid package drawn from
    billing: tuple[str, ...]  # memberships, tiers
    finish: bool  # "Save and sign" on an incomplete note: saved as a draft, finish it now


def add_session(
    session, inputs: dict, package=None, sign=False, user=None, asked=False
) -> SessionAdded:
    """Plan and write a session, draw a self-pay visit from its package (`package`: an id,
    None for the default, 'none'), bill memberships and tiers, and sign it when asked (an
    incomplete note asked for at a terminal is kept as a draft to finish: `finish`)."""
    from clinicbill.app.selfpay import bill_new_session  # memberships, tiers
    from clinicbill.domain.ledger.package_draws import draw_for_session
    from clinicbill.domain.sessions.entry import plan_session, write_session
    from clinicbill.domain.sessions.record import missing_for_signature, sign_session

    planned = plan_session(session, **inputs)
    encounter = write_session(session, planned)
    drawn = draw_for_session(session, encounter, package)
    billing = bill_new_session(session, encounter)
    finish = asked and sign and bool(missing_for_signature(session, encounter))
    if sign and not finish:
        _refuse_unsignable(missing_for_signature(session, encounter))
        sign_session(session, encounter, signer(user))
    names = plan_names(session, planned)
    return SessionAdded(
        encounter.id, encounter.status, planned, names, drawn, tuple(billing.notes), finish
    )


def _refuse_unsignable(missing: list[str]) -> None:
    """`session add --sign` of an incomplete note: nothing is saved, so the refusal must not
    point at a session id that the rollback takes away again."""
    from clinicbill.domain.errors import ClinicbillError

    if missing:
        raise ClinicbillError(
            "sign: the note is incomplete (missing " + ", ".join(missing) + "); nothing was saved",
            "give " + " ... ".join(missing) + " ..., or leave out --sign to save a draft",
        )


@dataclass(frozen=True)
class PlanNames:
    patient: str  # 'Name (account)'
    provider: str


def plan_names(session, plan) -> PlanNames:
    """The patient and provider of a session plan, as people read them."""
    from clinicbill.store.models import Patient, Provider

    patient = session.get(Patient, plan.patient_id)
    provider = session.get(Provider, plan.provider_id)
    return PlanNames(f"{patient.display_name} ({patient.account_number})", provider.display_name)


@dataclass(frozen=True)
class SessionEdited:
    id: int
    changed: dict
    plan: object = None  # the stored session re-planned (its notices), when something changed


def edit_session(
    session, ident, changes: dict, remove_lines=(), replace_lines=False, sign=False, user=None
) -> SessionEdited:
    """Change an unsigned session (and sign it when asked, at the terminal's summary)."""
    from clinicbill.domain.sessions import record
    from clinicbill.domain.sessions.entry import get_session

    encounter = get_session(session, ident)
    changed = record.edit_session(
        session,
        encounter,
        remove_lines=tuple(remove_lines),
        replace_lines=replace_lines,
        **changes,
    )
    if sign:
        record.sign_session(session, encounter, signer(user))
    plan = record.plan_stored(session, encounter) if changed and not sign else None
    return SessionEdited(encounter.id, changed, plan)


def missing_note_fields(session, ident, fields) -> list[str]:
    """Which of the note's `fields` are still empty."""
    from clinicbill.domain.sessions.entry import get_session

    encounter = get_session(session, ident)
    return [name for name in fields if not getattr(encounter, name)]


@dataclass(frozen=True)
class SessionSigned:
    id: int
    signature: str  # 'name, credential'
    signed_by: str
    at: object


def sign_session(session, ident, user=None) -> SessionSigned:
    """Sign and lock the note."""
    from clinicbill.domain.sessions.entry import get_session
    from clinicbill.domain.sessions.notes import signature_text
    from clinicbill.domain.sessions.record import sign_session as sign

    encounter = get_session(session, ident)
    sign(session, encounter, signer(user))
    text = signature_text(session, encounter)
    return SessionSigned(encounter.id, text, encounter.signed_by, encounter.signed_at)


def add_addendum(session, ident, text: str | None, user=None) -> dict:
    """A dated addendum to a signed note: {'id', 'session', 'at'}."""
    from clinicbill.domain.sessions.entry import get_session
    from clinicbill.domain.sessions.record import add_addendum as addendum

    encounter = get_session(session, ident)
    item = addendum(session, encounter, text, signer(user))
    return {"id": item.id, "session": encounter.id, "at": item.created_at}


@dataclass(frozen=True)
class SessionNote:
    id: int
    status: str
    service_date: object
    text: str  # the signed text (or the draft rendered now) and its addenda
    record: dict | None = None  # every field (--json): the session and its parts


def session_note(session, ident, with_record: bool = False) -> SessionNote:
    """The full note of a session; with its stored parts for --json."""
    from clinicbill.domain.sessions.entry import get_session
    from clinicbill.domain.sessions.record import render_note

    encounter = get_session(session, ident)
    text = render_note(session, encounter)
    parts = session_parts(session, encounter) if with_record else None
    return SessionNote(encounter.id, encounter.status, encounter.service_date, text, parts)


def session_parts(session, encounter) -> dict:
    """The stored session and its parts as records: encounter, details, diagnoses, lines,
    addenda (the CLI renders each record's fields)."""
    from clinicbill.domain.sessions.entry import stored_diagnoses, stored_lines
    from clinicbill.domain.sessions.note_view import addenda
    from clinicbill.domain.sessions.notes import stored_details

    return {
        "encounter": encounter,
        "details": stored_details(encounter),
        "diagnoses": stored_diagnoses(session, encounter),
        "lines": stored_lines(session, encounter),
        "addenda": addenda(session, encounter),
    }


def write_note(session, ident, output: str | None, force: bool = False):
    """The note as a PDF (the signed text and its addenda) at `output` (default
    note-ID-DATE.pdf; '-' standard output); returns the output target."""
    from clinicbill.formats.note_pdf import write_note_pdf
    from clinicbill.store.files import resolve_output

    note = session_note(session, ident)
    name = f"note-{note.id}-{note.service_date.isoformat()}.pdf"
    target = resolve_output(output, name, force=force)
    write_note_pdf(target, title=f"Session note {note.id}", note_text=note.text, status=note.status)
    return target
