"""Session note templates (templates/notes/*.toml prompts + *.txt.j2 text) and rendering.

A template's TOML lists the prompts (areas, techniques, needle count ...) whose answers are
stored with the session as `modality_json`, and the services it suggests; its jinja2 file
turns a session into the note text. The practice's copy in the config directory wins
(resources.template_dirs()).
"""

from __future__ import annotations

import json
import tomllib
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from clinicbill.domain.errors import ClinicbillError

PROMPT_KINDS = ("text", "int", "bool", "choice")
TEXT_LIMIT = 500  # characters for one template answer


@dataclass(frozen=True)
class Prompt:
    key: str
    label: str
    kind: str = "text"
    choices: tuple[str, ...] = ()
    min: int | None = None
    max: int | None = None
    help: str | None = None
    default: object = None  # offered first when asking


@dataclass(frozen=True)
class Suggestion:
    """A service a template offers first: code with default minutes/units/modifiers."""

    code: str
    minutes: int | None = None
    units: int | None = None
    modifiers: tuple[str, ...] = ()


@dataclass(frozen=True)
class NoteTemplate:
    name: str
    title: str
    description: str
    prompts: tuple[Prompt, ...]
    suggest: tuple[Suggestion, ...]
    path: str

    def prompt(self, key: str) -> Prompt | None:
        return next((p for p in self.prompts if p.key == key), None)


def _notes_dirs() -> list[Path]:
    from clinicbill.resources import template_dirs

    return [d / "notes" for d in template_dirs()]


def template_names() -> list[str]:
    """Every note template a session can use (shipped and the practice's own)."""
    names = set()
    for folder in _notes_dirs():
        if folder.is_dir():
            names.update(p.stem for p in folder.glob("*.toml"))
    return sorted(names)


def _refuse_template(name: str) -> ClinicbillError:
    return ClinicbillError(
        f"template: '{str(name)[:30]}' is not a note template",
        "use one of " + ", ".join(template_names()),
    )


@cache
def _load_template(name: str, path: str) -> NoteTemplate:
    try:
        raw = tomllib.loads(Path(path).read_text(encoding="utf-8"))
        prompts = []
        for item in raw.get("prompts", []):
            prompt = Prompt(
                key=str(item["key"]),
                label=str(item.get("label", item["key"])),
                kind=str(item.get("kind", "text")),
                choices=tuple(str(c) for c in item.get("choices", ())),
                min=item.get("min"),
                max=item.get("max"),
                help=item.get("help"),
                default=item.get("default"),
            )
            if prompt.kind not in PROMPT_KINDS or (prompt.kind == "choice" and not prompt.choices):
                raise ValueError(f"prompt {prompt.key}: kind {prompt.kind!r} needs choices")
            prompts.append(prompt)
        suggest = tuple(
            Suggestion(
                code=str(s["code"]).upper(),
                minutes=s.get("minutes"),
                units=s.get("units"),
                modifiers=tuple(str(m).upper() for m in s.get("modifiers", ())),
            )
            for s in raw.get("suggest", [])
        )
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError, KeyError, ValueError) as exc:
        raise ClinicbillError(
            f"template: cannot read {path} ({exc})", "fix or delete the practice's copy"
        ) from None
    return NoteTemplate(
        name=name,
        title=str(raw.get("title", name.title())),
        description=str(raw.get("description", "")),
        prompts=tuple(prompts),
        suggest=suggest,
        path=path,
    )


def load_template(name: str) -> NoteTemplate:
    """A note template by name; the practice's copy wins over the shipped one."""
    clean = str(name or "").strip().lower()
    if not clean or not clean.replace("-", "").replace("_", "").isalnum():
        raise _refuse_template(name)
    for folder in _notes_dirs():
        path = folder / f"{clean}.toml"
        if path.is_file():
            return _load_template(clean, str(path))
    raise _refuse_template(name)


def infer_template(codes) -> str | None:
    """The template a set of codes suggests: acupuncture, massage, or combined for both."""
    from clinicbill.domain.cpt import entry

    categories = {e.category for e in (entry(c) for c in codes) if e is not None}
    acupuncture = "acupuncture" in categories
    massage = bool(categories & {"massage", "manual", "wellness"})
    if acupuncture and massage:
        return "combined"
    if acupuncture:
        return "acupuncture"
    if massage:
        return "massage"
    return None


def _clean_answer(prompt: Prompt, value) -> object:
    field = f"detail {prompt.key}"
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if prompt.kind == "bool":
        from clinicbill.domain.fields import boolean

        return boolean(value, field)
    if prompt.kind == "int":
        try:
            number = int(str(value).strip())
        except ValueError:
            raise ClinicbillError(
                f"{field}: '{str(value)[:20]}' is not a whole number", f"give {prompt.label}"
            ) from None
        low = prompt.min if prompt.min is not None else 0
        high = prompt.max if prompt.max is not None else 100_000
        if not low <= number <= high:
            raise ClinicbillError(f"{field}: {number} is out of range", f"use {low} to {high}")
        return number
    text = str(value).strip()
    if prompt.kind == "choice":
        if text.lower() not in prompt.choices:
            raise ClinicbillError(
                f"{field}: '{text[:20]}' is not accepted", "use one of " + ", ".join(prompt.choices)
            )
        return text.lower()
    if len(text) > TEXT_LIMIT:
        raise ClinicbillError(
            f"{field}: too long ({len(text)} characters)", f"at most {TEXT_LIMIT} characters"
        )
    if any(ord(c) < 32 and c not in "\n\t" for c in text):
        raise ClinicbillError(f"{field}: contains control characters", "use plain text")
    return text


def clean_details(template: NoteTemplate | None, details: dict | None) -> dict:
    """Template answers checked and typed, in the template's prompt order (empty ones left out)."""
    details = dict(details or {})
    if not details:
        return {}
    if template is None:
        raise ClinicbillError(
            "detail: " + ", ".join(sorted(details))[:40] + " given without a note template",
            "give --template (one of " + ", ".join(template_names()) + ")",
        )
    keys = {p.key for p in template.prompts}
    unknown = [k for k in details if k not in keys]
    if unknown:
        raise ClinicbillError(
            f"detail: '{unknown[0][:30]}' is not a prompt of the {template.name} template",
            "use " + ", ".join(p.key for p in template.prompts),
        )
    out = {}
    for prompt in template.prompts:
        value = _clean_answer(prompt, details.get(prompt.key))
        if value is not None:
            out[prompt.key] = value
    return out


def parse_detail(text: str) -> tuple[str, str]:
    """`key=value` from the command line."""
    key, sep, value = str(text).partition("=")
    key = key.strip().lower().replace("-", "_")
    if not sep or not key:
        raise ClinicbillError(
            f"detail: '{str(text)[:30]}' is not key=value", 'e.g. --detail areas="low back"'
        )
    return key, value.strip()


def display_value(value) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)


def stored_details(encounter) -> dict:
    if not encounter.modality_json:
        return {}
    try:
        data = json.loads(encounter.modality_json)
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


# --- rendering --------------------------------------------------------------------------------


@cache
def _environment(dirs: tuple[str, ...]):
    import jinja2

    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(list(dirs)),
        autoescape=False,  # plain text notes
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        undefined=jinja2.ChainableUndefined,
    )


def render_text(template_file: str, context: dict) -> str:
    """Render templates/<template_file> with the practice's copy first."""
    import jinja2

    from clinicbill.resources import template_dirs

    env = _environment(tuple(str(d) for d in template_dirs()))
    try:
        return env.get_template(template_file).render(**context)
    except jinja2.TemplateNotFound:
        raise ClinicbillError(
            f"template: {template_file} not found", "restore it or the practice's copy"
        ) from None
    except jinja2.TemplateError as exc:
        where = f" line {exc.lineno}" if getattr(exc, "lineno", None) else ""
        raise ClinicbillError(
            f"template: {template_file}{where}: {exc.message}",
            "fix the practice's copy under the config directory's templates/notes/",
        ) from None


def note_file(template_name: str | None) -> str:
    """The jinja2 file a note template renders with (base layout when there is none)."""
    if template_name:
        for folder in _notes_dirs():
            if (folder / f"{template_name}.txt.j2").is_file():
                return f"notes/{template_name}.txt.j2"
    return "notes/base.txt.j2"


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


def _timestamp(value) -> str:
    return value.strftime("%Y-%m-%d %H:%M UTC") if value else ""


def note_context(session, encounter) -> dict:
    """Everything a note template (and the note PDF) shows about one session."""
    from sqlalchemy import select

    from clinicbill.domain.cpt import describe
    from clinicbill.domain.icd import description
    from clinicbill.store.models import (
        Diagnosis,
        Patient,
        Payer,
        Policy,
        Practice,
        Provider,
        ServiceLine,
    )

    practice = session.execute(select(Practice).limit(1)).scalar()
    patient = session.get(Patient, encounter.patient_id)
    provider = session.get(Provider, encounter.provider_id)
    billed_to = "Self-pay"
    if encounter.policy_id is not None:
        policy = session.get(Policy, encounter.policy_id)
        payer = session.get(Payer, policy.payer_id)
        billed_to = f"{payer.name} ({policy.priority}), member {policy.member_id}"
    diagnoses = session.execute(
        select(Diagnosis).where(Diagnosis.encounter_id == encounter.id).order_by(Diagnosis.position)
    ).scalars()
    lines = session.execute(
        select(ServiceLine)
        .where(ServiceLine.encounter_id == encounter.id)
        .order_by(ServiceLine.line_number)
    ).scalars()
    template = load_template(encounter.template) if encounter.template else None
    answers = stored_details(encounter)
    details, by_key = [], {p.key: None for p in (template.prompts if template else ())}
    for key, value in answers.items():
        prompt = template.prompt(key) if template else None
        shown = display_value(value)
        details.append({"key": key, "label": prompt.label if prompt else key, "value": shown})
        by_key[key] = shown
    pos = encounter.place_of_service
    address = ""
    if practice is not None:
        address = f"{practice.address1}, {practice.city}, {practice.state} {_zip(practice.zip)}"
    return {
        "practice": {
            "name": practice.name if practice else "",
            "address": address,
            "phone": _phone(practice.phone) if practice else "",
        },
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
        "visit": {
            "id": encounter.id,
            "title": template.title if template else "Session",
            "template": encounter.template,
            "date": encounter.service_date.isoformat(),
            "place_of_service": f"{pos} ({PLACES_OF_SERVICE[pos]})"
            if pos in PLACES_OF_SERVICE
            else pos,
            "billed_to": billed_to,
            "total_minutes": encounter.total_minutes,
        },
        "diagnoses": [
            {"letter": LETTERS[d.position - 1], "code": d.code, "description": description(d.code)}
            for d in diagnoses
        ],
        "services": [
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
        ],
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
        "signature": {
            "status": encounter.status,
            "signed": encounter.status != "draft" and encounter.signed_by is not None,
            "signed_by": encounter.signed_by,
            "signed_at": _timestamp(encounter.signed_at),
            "void_reason": encounter.void_reason,
            "voided_at": _timestamp(encounter.voided_at),
        },
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


def addenda_text(items) -> str:
    """Addenda as they follow a note: dated, with author, never merged into the signed text."""
    if not items:
        return ""
    parts = ["", "Addenda"]
    for item in items:
        parts.append(f"  {_timestamp(item.created_at)}, {item.author}:")
        parts.extend("    " + line for line in item.text.splitlines() or [""])
    return "\n".join(parts) + "\n"
