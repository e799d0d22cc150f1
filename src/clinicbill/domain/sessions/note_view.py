"""What a session note shows: the context its template renders (practice, patient, provider,
diagnoses in words, services, SOAP, template answers, signature) and the addenda after it."""

from __future__ import annotations

from clinicbill.domain.sessions.notes import (
    display_value,
    load_template,
    local_timestamp,
    note_file,
    render_text,
    stored_details,
)

PLACES_OF_SERVICE = {
    "02": "telehealth outside the patient's home",
    "10": "telehealth in the patient's home",
    "11": "office",
    "12": "home",
    "19": "off-campus outpatient hospital",
    "22": "on-campus outpatient hospital",
}
LETTERS = "ABCDEFGHIJKL"


def pointer_letters(pointers: str) -> str:
    """Stored pointers "1,2" as box 24E letters "A,B"."""
    out = []
    for part in str(pointers or "").split(","):
        part = part.strip()
        if part.isdigit() and 1 <= int(part) <= len(LETTERS):
            out.append(LETTERS[int(part) - 1])
    return ",".join(out)


def practice_state(session) -> str | None:
    """The practice's state, whose time zone a note's times are shown in."""
    from sqlalchemy import select

    from clinicbill.store.models import Practice

    return session.execute(select(Practice.state).limit(1)).scalar()


def note_context(session, encounter) -> dict:
    """Everything a note template (and the note PDF) shows about one session."""
    from sqlalchemy import select

    from clinicbill.store.models import Patient, Practice, Provider

    practice = session.execute(select(Practice).limit(1)).scalar()
    patient = session.get(Patient, encounter.patient_id)
    provider = session.get(Provider, encounter.provider_id)
    template = load_template(encounter.template) if encounter.template else None
    details, by_key = _details(encounter, template)
    return {
        "practice": _practice_part(practice),
        "patient": {
            "name": patient.display_name,
            "dob": patient.dob.isoformat(),
            "account": patient.account_number,
        },
        "provider": {
            "name": provider.display_name,
            "npi": provider.npi,
            "license": " ".join(x for x in (provider.license_state, provider.license) if x),
        },
        "visit": _visit_part(session, encounter, template),
        "diagnoses": _diagnoses_part(session, encounter),
        "services": _services_part(session, encounter),
        "soap": {
            "subjective": encounter.subjective,
            "objective": encounter.objective,
            "assessment": encounter.assessment,
            "plan": encounter.plan,
        },
        "pain_before": encounter.pain_before,
        "pain_after": encounter.pain_after,
        "details": details,
        "d": by_key,
        "signature": _signature_part(encounter, provider, practice and practice.state),
    }


def _practice_part(practice) -> dict:
    address = ""
    if practice is not None:
        address = f"{practice.address1}, {practice.city}, {practice.state} {_zip(practice.zip)}"
    return {
        "name": practice.name if practice else "",
        "address": address,
        "phone": _phone(practice.phone) if practice else "",
    }


def _visit_part(session, encounter, template) -> dict:
    from clinicbill.store.models import Payer, Policy

    billed_to = "Self-pay"
    if encounter.policy_id is not None:
        policy = session.get(Policy, encounter.policy_id)
        payer = session.get(Payer, policy.payer_id)
        billed_to = f"{payer.name} ({policy.priority}), member {policy.member_id}"
    pos = encounter.place_of_service
    return {
        "id": encounter.id,
        "title": template.title if template else "Session",
        "template": encounter.template,
        "date": encounter.service_date.isoformat(),
        "place_of_service": f"{pos} ({PLACES_OF_SERVICE[pos]})"
        if pos in PLACES_OF_SERVICE
        else pos,
        "billed_to": billed_to,
        "total_minutes": encounter.total_minutes,
    }


def _details(encounter, template) -> tuple[list[dict], dict]:
    """The template answers as labelled rows, and by key (None: not answered)."""
    details, by_key = [], {p.key: None for p in (template.prompts if template else ())}
    for key, value in stored_details(encounter).items():
        prompt = template.prompt(key) if template else None
        shown = display_value(value)
        details.append({"key": key, "label": prompt.label if prompt else key, "value": shown})
        by_key[key] = shown
    return details, by_key


def _diagnoses_part(session, encounter) -> list[dict]:
    from sqlalchemy import select

    from clinicbill.domain.codesets.icd import description
    from clinicbill.store.models import Diagnosis

    diagnoses = session.execute(
        select(Diagnosis).where(Diagnosis.encounter_id == encounter.id).order_by(Diagnosis.position)
    ).scalars()
    return [
        {"letter": LETTERS[d.position - 1], "code": d.code, "description": description(d.code)}
        for d in diagnoses
    ]


def _services_part(session, encounter) -> list[dict]:
    from sqlalchemy import select

    from clinicbill.domain.codesets.cpt import describe
    from clinicbill.store.models import ServiceLine

    lines = session.execute(
        select(ServiceLine)
        .where(ServiceLine.encounter_id == encounter.id)
        .order_by(ServiceLine.line_number)
    ).scalars()
    return [
        {
            "number": line.line_number,
            "code": line.code,
            "modifiers": line.modifiers,
            "code_and_modifiers": line.code
            + "".join(f" {m}" for m in line.modifiers.split(",") if m),
            "minutes_text": f"{line.minutes} min" if line.minutes else "",
            "units_text": f"{line.units} unit" + ("" if line.units == 1 else "s"),
            "units": line.units,
            "description": line.description or describe(line.code) or "(not in the catalog)",
            "pointers": pointer_letters(line.pointers),
            "charge_cents": line.charge_cents,
        }
        for line in lines
    ]


def _signature_part(encounter, provider, state) -> dict:
    return {
        "status": encounter.status,
        "signed": encounter.status != "draft" and encounter.signed_by is not None,
        "signed_by": encounter.signed_by,
        "signer": provider.display_name,  # the provider, with the credential
        "signed_at": local_timestamp(encounter.signed_at, state),
        "void_reason": encounter.void_reason,
        "voided_at": local_timestamp(encounter.voided_at, state),
    }


def _zip(value: str) -> str:
    return f"{value[:5]}-{value[5:]}" if value and len(value) == 9 else (value or "")


def _phone(value: str) -> str:
    if value and len(value) == 10:
        return f"({value[:3]}) {value[3:6]}-{value[6:]}"
    return value or ""


def render_note_text(session, encounter) -> str:
    """The note as its template renders it now (what signing freezes into note_text)."""
    return render_text(note_file(encounter.template), note_context(session, encounter))


def addenda(session, encounter) -> list:
    from sqlalchemy import select

    from clinicbill.store.models import Addendum

    return list(
        session.execute(
            select(Addendum)
            .where(Addendum.encounter_id == encounter.id)
            .order_by(Addendum.created_at, Addendum.id)
        ).scalars()
    )


def addenda_text(items, state: str | None = None) -> str:
    """Addenda as they follow a note: dated (at the practice's local time: `state`), with
    author, never merged into the signed text."""
    if not items:
        return ""
    parts = ["", "Addenda"]
    for item in items:
        parts.append(f"  {local_timestamp(item.created_at, state)}, {item.author}:")
        parts.extend("    " + line for line in item.text.splitlines() or [""])
    return "\n".join(parts) + "\n"
