"""The CPT/HCPCS catalog (data/cpt.toml, plus the practice's own <config dir>/cpt.toml).

Codes outside the catalog are allowed (SPEC §4.1) with a warning: they have no description
and count as untimed.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import cache

from clinicbill.domain.errors import ClinicbillError

CATEGORIES = ("massage", "manual", "exercise", "acupuncture", "modality", "em", "wellness")
ACUPUNCTURE_ROLES = ("initial", "add-on")


@dataclass(frozen=True)
class CptEntry:
    code: str
    description: str
    timed: bool
    category: str
    typical_modifiers: tuple[str, ...] = ()
    hsa_eligible: bool | None = None  # None: only with a letter of medical necessity
    acupuncture: str | None = None  # "initial" | "add-on" for 97810-97814
    estim: bool = False  # acupuncture with electrical stimulation

    @property
    def is_acupuncture_initial(self) -> bool:
        return self.acupuncture == "initial"

    @property
    def is_acupuncture_add_on(self) -> bool:
        return self.acupuncture == "add-on"


def _entry(code: str, raw: dict, source: str) -> CptEntry:
    try:
        entry = CptEntry(
            code=code.strip().upper(),
            description=str(raw["description"]),
            timed=bool(raw.get("timed", False)),
            category=str(raw["category"]),
            typical_modifiers=tuple(str(m).upper() for m in raw.get("typical_modifiers", ())),
            hsa_eligible=raw.get("hsa_eligible"),
            acupuncture=raw.get("acupuncture"),
            estim=bool(raw.get("estim", False)),
        )
    except (KeyError, TypeError) as exc:
        raise ClinicbillError(
            f"cpt catalog: code {code[:10]} in {source} lacks {exc}",
            "each code needs a description and a category",
        ) from None
    if not (len(entry.code) == 5 and entry.code.isalnum()):
        raise ClinicbillError(
            f"cpt catalog: '{code[:10]}' in {source} is not a 5-character code",
            "codes are 5 letters or digits, e.g. 97124 or WM060",
        )
    if entry.category not in CATEGORIES:
        raise ClinicbillError(
            f"cpt catalog: {entry.code} in {source} has category '{entry.category[:20]}'",
            "use one of " + ", ".join(CATEGORIES),
        )
    if entry.acupuncture not in (None, *ACUPUNCTURE_ROLES):
        raise ClinicbillError(
            f"cpt catalog: {entry.code} in {source} has acupuncture '{entry.acupuncture}'",
            "use initial or add-on",
        )
    return entry


@cache
def catalog() -> dict[str, CptEntry]:
    """Every catalog entry by code: shipped codes, then the practice's own file on top."""
    from clinicbill.resources import config_dir, data_path

    entries: dict[str, CptEntry] = {}
    for path in (data_path("cpt.toml"), config_dir() / "cpt.toml"):
        if not path.is_file():
            continue
        try:
            raw = tomllib.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
            raise ClinicbillError(
                f"cpt catalog: cannot read {path} ({exc})", "fix or delete the practice's copy"
            ) from None
        for code, values in raw.get("codes", {}).items():
            item = _entry(code, values, str(path))
            entries[item.code] = item
    return entries


def entry(code: str) -> CptEntry | None:
    return catalog().get(str(code or "").strip().upper())


def is_timed(code: str) -> bool:
    hit = entry(code)
    return bool(hit and hit.timed)


def describe(code: str) -> str:
    """Our short description, or "" for a code outside the catalog."""
    hit = entry(code)
    return hit.description if hit else ""


def search(query: str | None = None) -> list[CptEntry]:
    """Entries whose code starts with the query or whose description or category holds every
    word of it; everything (in code order) without a query."""
    rows = sorted(catalog().values(), key=lambda e: e.code)
    words = str(query or "").lower().split()
    if not words:
        return rows
    code = words[0].upper()
    if len(words) == 1 and any(e.code.startswith(code) for e in rows):
        return [e for e in rows if e.code.startswith(code)]
    return [e for e in rows if all(w in _haystack(e) for w in words)]


def _haystack(e: CptEntry) -> str:
    extra = " e-stim estim" if e.estim else ""
    return f"{e.description} {e.category}{extra}".lower()
