"""Payer rule profiles (SPEC §4.2), shipped as TOML; a practice's copy in the config dir wins."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from functools import cache

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
    credentials = {code: tuple(v) for code, v in raw.pop("credentials", {}).items()}
    acupuncture = raw.pop("acupuncture", {})
    threshold = raw.pop("therapy_threshold", {})
    reevaluation = raw.pop("reevaluation", {})
    try:
        support = tuple(
            DiagnosisSupport(
                name=str(rule["name"]),
                codes=tuple(rule["codes"]),
                supported_by=tuple(rule.get("supported_by", ())),
                not_supported_by=tuple(rule.get("not_supported_by", ())),
            )
            for rule in raw.pop("diagnosis_support", [])
        )
        return Profile(
            **raw,
            credentials=credentials,
            acupuncture=acupuncture,
            diagnosis_support=support,
            therapy_threshold=threshold,
            reevaluation=reevaluation,
        )
    except (KeyError, TypeError) as exc:
        raise ClinicbillError(
            f"profile: {path} has a wrong or missing key ({exc})",
            "compare it with the shipped profile of the same name",
        ) from None


def profile_for_payer(payer) -> Profile:
    """The payer's profile, with the payer's own timely-filing override applied."""
    profile = load_profile(payer.profile)
    if payer.timely_filing_days:
        from dataclasses import replace

        profile = replace(profile, timely_filing_days=payer.timely_filing_days)
    return profile
