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
from clinicbill.domain.validate import multiline_text, whole_number

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
    from clinicbill.domain.codesets.cpt import entry

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
        low = prompt.min if prompt.min is not None else 0
        high = prompt.max if prompt.max is not None else 100_000
        return whole_number(value, field, low, high, hint=f"give {prompt.label}")
    text = str(value).strip()
    if prompt.kind == "choice":
        if text.lower() not in prompt.choices:
            raise ClinicbillError(
                f"{field}: '{text[:20]}' is not accepted", "use one of " + ", ".join(prompt.choices)
            )
        return text.lower()
    return multiline_text(text, field, TEXT_LIMIT)


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


# --- the signature's local time -----------------------------------------------------------

# The practice's time zone from its state (the zone most of the state keeps; a practice in
# the other part of a split state reads the time of the larger part).
_ZONES = {
    "America/New_York": "CT DE DC FL GA KY ME MD MA NH NJ NY NC OH PA RI SC VT VA WV",
    "America/Detroit": "MI",
    "America/Indiana/Indianapolis": "IN",
    "America/Chicago": "AL AR IL IA KS LA MN MS MO NE ND OK SD TN TX WI",
    "America/Denver": "CO ID MT NM UT WY",
    "America/Phoenix": "AZ",
    "America/Los_Angeles": "CA NV OR WA",
    "America/Anchorage": "AK",
    "Pacific/Honolulu": "HI",
    "America/Puerto_Rico": "PR VI",
    "Pacific/Guam": "GU MP",
    "Pacific/Pago_Pago": "AS",
}
STATE_ZONES = {state: zone for zone, states in _ZONES.items() for state in states.split()}


def practice_zone(state: str | None):
    """The practice's time zone (UTC when the state is unknown or no zone data is installed)."""
    from datetime import UTC
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    name = STATE_ZONES.get((state or "").strip().upper())
    try:
        return ZoneInfo(name) if name else UTC
    except ZoneInfoNotFoundError:
        return UTC


def local_timestamp(value, state: str | None) -> str:
    """A stored UTC timestamp at the practice's local time: '2026-11-20 09:14 PST'."""
    if value is None:
        return ""
    moment = value.astimezone(practice_zone(state))
    return moment.strftime("%Y-%m-%d %H:%M ") + (moment.tzname() or "UTC")


def signature_text(session, encounter) -> str:
    """'Ana Reyes, LMT at 2026-11-20 09:14 PST': who signed (the session's provider, with the
    credential) and when, at the practice's local time."""
    from sqlalchemy import select

    from clinicbill.store.models import Practice, Provider

    state = session.execute(select(Practice.state).limit(1)).scalar()
    provider = session.get(Provider, encounter.provider_id)
    return f"{provider.display_name} at {local_timestamp(encounter.signed_at, state)}"
