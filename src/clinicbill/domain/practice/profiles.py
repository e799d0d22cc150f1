"""Payer rule profiles (SPEC §4.2), shipped as TOML; a practice's copy in the config dir wins."""

from __future__ import annotations

import tomllib
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache
from typing import NoReturn

from clinicbill.domain.errors import ClinicbillError

PROFILE_NAMES = ("medicare", "commercial", "workers-comp", "auto", "self-pay")
PAYER_TYPES = (
    "commercial",
    "medicare",
    "medicare-advantage",
    "medicaid",
    "workers-comp",
    "auto",
    "self-pay",
)
# The profile a payer type gets unless told otherwise.
DEFAULT_PROFILE = {
    "commercial": "commercial",
    "medicare": "medicare",
    "medicare-advantage": "commercial",
    "medicaid": "commercial",
    "workers-comp": "workers-comp",
    "auto": "auto",
    "self-pay": "self-pay",
}
# 2000B SBR09 claim filing indicator by payer type.
SBR09 = {
    "commercial": "CI",
    "medicare": "MB",
    "medicare-advantage": "16",
    "medicaid": "MC",
    "workers-comp": "WC",
    "auto": "AM",
    "self-pay": "ZZ",
}


@dataclass(frozen=True)
class DiagnosisSupport:
    """Which diagnoses support a family of service codes: a line of one of `codes` must point
    at a diagnosis starting with one of `supported_by` (when given), and not only at ones
    starting with `not_supported_by` (e.g. wellness and screening Z codes)."""

    name: str
    codes: tuple[str, ...]
    supported_by: tuple[str, ...] = ()
    not_supported_by: tuple[str, ...] = ()


@dataclass(frozen=True)
class Profile:
    name: str
    timely_filing_days: int
    unit_rule: str  # cms-8-minute | ama-midpoint
    referral_required: bool
    authorization_required: bool
    visit_limit_per_year: int
    require_gp_modifier: bool
    ncci_59_column2: str
    sbr09: str
    billable: bool = True
    appeal_days: int = 180  # appeal window from the remittance date, DOMAIN.md §13
    insured_dob_on_form: bool = False  # box 11a even when the patient is the insured
    credentials: dict[str, tuple[str, ...]] = field(default_factory=dict)
    acupuncture: dict = field(default_factory=dict)
    diagnosis_support: tuple[DiagnosisSupport, ...] = ()
    therapy_threshold: dict = field(default_factory=dict)  # Medicare KX: codes, amounts by year
    reevaluation: dict = field(default_factory=dict)  # re-evaluation clock: days, visits

    def credential_allowed(self, code: str, credential: str) -> bool:
        """Whether a provider with this credential may bill the code to this payer."""
        allowed = self.credentials.get(code)
        if allowed is None:
            return True
        return credential.upper() in {c.upper() for c in allowed}


@dataclass(frozen=True)
class Kind:
    """What a profile key holds: its words for a message, and the check of a TOML value."""

    words: str
    check: Callable[[object], bool]


def _is_int(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _strings(value) -> bool:
    return isinstance(value, list) and all(isinstance(x, str) for x in value)


TEXT = Kind("a string", lambda v: isinstance(v, str))
WHOLE = Kind("a whole number", _is_int)
FLAG = Kind("true or false", lambda v: isinstance(v, bool))
TEXTS = Kind("a list of strings", _strings)
TEXT_LISTS = Kind(
    "a table of lists of strings", lambda v: isinstance(v, dict) and all(map(_strings, v.values()))
)
WHOLE_BY_KEY = Kind(
    "a table of whole numbers", lambda v: isinstance(v, dict) and all(map(_is_int, v.values()))
)
REQUIRED, OPTIONAL = True, False

# The typed schema of data/profiles/*.toml (and a practice's copies): key -> (kind, required).
# A table is a dict of its own keys; an array of tables is a one-element list of that dict.
PROFILE_SCHEMA: dict = {
    "name": (TEXT, REQUIRED),
    "timely_filing_days": (WHOLE, REQUIRED),
    "unit_rule": (TEXT, REQUIRED),
    "referral_required": (FLAG, REQUIRED),
    "authorization_required": (FLAG, REQUIRED),
    "visit_limit_per_year": (WHOLE, REQUIRED),
    "require_gp_modifier": (FLAG, REQUIRED),
    "ncci_59_column2": (TEXT, REQUIRED),
    "sbr09": (TEXT, REQUIRED),
    "billable": (FLAG, OPTIONAL),
    "appeal_days": (WHOLE, OPTIONAL),
    "insured_dob_on_form": (FLAG, OPTIONAL),
    "credentials": (TEXT_LISTS, OPTIONAL),  # CPT code -> credentials that may bill it
    "acupuncture": (  # Medicare NCD 30.3.3, DOMAIN.md §9
        {
            "covered_diagnoses": (TEXTS, REQUIRED),
            "max_visits_90_days": (WHOLE, OPTIONAL),
            "max_visits_per_year": (WHOLE, OPTIONAL),
            "kx_after_visit": (WHOLE, OPTIONAL),
        },
        OPTIONAL,
    ),
    "therapy_threshold": (
        {"codes": (TEXTS, REQUIRED), "amounts": (WHOLE_BY_KEY, REQUIRED)},
        OPTIONAL,
    ),
    "reevaluation": ({"days": (WHOLE, REQUIRED), "visits": (WHOLE, REQUIRED)}, OPTIONAL),
    "diagnosis_support": (
        [
            {
                "name": (TEXT, REQUIRED),
                "codes": (TEXTS, REQUIRED),
                "supported_by": (TEXTS, OPTIONAL),
                "not_supported_by": (TEXTS, OPTIONAL),
            }
        ],
        OPTIONAL,
    ),
}


def check_profile(raw: dict, source: str) -> None:
    """Refuse a profile whose keys or types do not match PROFILE_SCHEMA, naming the file and
    the key; also a unit rule or SBR09 code this code does not know."""
    from clinicbill.domain.sessions.units import UNIT_RULES

    _check_table(raw, PROFILE_SCHEMA, source, "")
    for key, allowed in (("unit_rule", UNIT_RULES), ("sbr09", tuple(SBR09.values()))):
        if raw[key] not in allowed:
            _refuse(source, key, f"is '{raw[key]}', not one of {', '.join(allowed)}")


def _check_table(table: dict, schema: dict, source: str, prefix: str) -> None:
    for key in table:
        if key not in schema:
            _refuse(source, prefix + key, "is not a profile key", unknown=True)
    for key, (kind, required) in schema.items():
        where = prefix + key
        if key not in table:
            if required:
                _refuse(source, where, "is missing")
            continue
        value = table[key]
        if isinstance(kind, Kind):
            if not kind.check(value):
                _refuse(source, where, f"must be {kind.words}, not {_toml_type(value)}")
        elif isinstance(kind, dict):
            if not isinstance(value, dict):
                _refuse(source, where, f"must be a table [{where}], not {_toml_type(value)}")
            _check_table(value, kind, source, where + ".")
        else:  # an array of tables
            if not isinstance(value, list) or not all(isinstance(x, dict) for x in value):
                _refuse(source, where, f"must be an array of tables [[{where}]]")
            for number, item in enumerate(value, 1):
                _check_table(item, kind[0], source, f"{where}[{number}].")


def _toml_type(value) -> str:
    names = {bool: "true/false", int: "a number", float: "a decimal number", str: "a string"}
    names.update({list: "a list", dict: "a table"})
    return names.get(type(value), type(value).__name__)


def _refuse(source: str, key: str, problem: str, unknown: bool = False) -> NoReturn:
    hint = "compare it with the shipped profile of the same name"
    if unknown:
        hint = "check its spelling; the keys are listed in clinicbill/domain/profiles.py"
    raise ClinicbillError(f"profile: {source}: key '{key}' {problem}", hint)


@cache
def load_profile(name: str) -> Profile:
    from clinicbill.resources import config_dir, data_path

    if name not in PROFILE_NAMES:
        raise ClinicbillError(
            f"profile: '{name}' is not a rule profile", "use one of " + ", ".join(PROFILE_NAMES)
        )
    override = config_dir() / "profiles" / f"{name}.toml"
    path = override if override.is_file() else data_path("profiles", f"{name}.toml")
    try:
        raw = tomllib.loads(path.read_text())
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ClinicbillError(
            f"profile: cannot read {path} ({exc})", "fix or delete the practice's copy"
        ) from None
    profile = profile_from_toml(raw, str(path))
    if profile.name != name:
        _refuse(str(path), "name", f"is '{profile.name}', not '{name}' as the file is named")
    return profile


def profile_from_toml(raw: dict, source: str) -> Profile:
    """A Profile from one parsed profile file, checked against PROFILE_SCHEMA first."""
    check_profile(raw, source)
    raw = dict(raw)
    credentials = {code: tuple(v) for code, v in raw.pop("credentials", {}).items()}
    support = tuple(
        DiagnosisSupport(
            name=rule["name"],
            codes=tuple(rule["codes"]),
            supported_by=tuple(rule.get("supported_by", ())),
            not_supported_by=tuple(rule.get("not_supported_by", ())),
        )
        for rule in raw.pop("diagnosis_support", [])
    )
    return Profile(**raw, credentials=credentials, diagnosis_support=support)


def profile_for_payer(payer) -> Profile:
    """The payer's profile, with the payer's own timely-filing override applied."""
    profile = load_profile(payer.profile)
    if payer.timely_filing_days:
        from dataclasses import replace

        profile = replace(profile, timely_filing_days=payer.timely_filing_days)
    return profile
