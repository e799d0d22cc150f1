"""The options `session add` and `session edit` share, and their values as the inputs of
plan_session / edit_session (cli/sessions.py)."""

from __future__ import annotations

from typing import Annotated

import typer

Opt = typer.Option

PatientOpt = Annotated[str | None, Opt(help="Id, account or name.")]
ProviderOpt = Annotated[str | None, Opt(help="Rendering provider: id, NPI or name.")]
TextOpt = Annotated[str | None, Opt()]
PainOpt = Annotated[str | None, Opt(help="0-10.")]
# The session's fields, in option order: `session add` and `session edit` both take them.
SESSION_OPTIONS = {
    "patient": PatientOpt,
    "provider": ProviderOpt,
    "date_": Annotated[str | None, Opt("--date", help="Date of service (default today).")],
    "pos": Annotated[str | None, Opt("--pos", help="Place of service (default 11 office).")],
    "policy": Annotated[
        str | None, Opt(help="Policy id or member id (default: primary policy in effect).")
    ],
    "self_pay": Annotated[bool, Opt("--self-pay", help="Bill the patient, not insurance.")],
    "dx": Annotated[
        list[str] | None, Opt("--dx", help="ICD-10-CM diagnosis, in order (repeat, up to 12).")
    ],
    "line": Annotated[
        list[str] | None,
        Opt(
            "--line",
            help="Service: CODE[:minutes=N][:units=N][:mod=59,GP][:ptr=1,2][:charge=65] (repeat).",
        ),
    ],
    "total_minutes": Annotated[str | None, Opt(help="Minutes of the whole visit.")],
    "template": Annotated[
        str | None, Opt(help="Note template: massage, acupuncture, combined (default from codes).")
    ],
    "detail": Annotated[
        list[str] | None,
        Opt("--detail", help='Template answer key=value (repeat), e.g. areas="neck".'),
    ],
    "subjective": TextOpt,
    "objective": TextOpt,
    "assessment": TextOpt,
    "plan": TextOpt,
    "pain_before": PainOpt,
    "pain_after": PainOpt,
    "auth": Annotated[str | None, Opt("--auth", help="Authorization id, or none (default: auto).")],
    "referral": Annotated[str | None, Opt(help="Referral id, or none (default: auto).")],
}
CaseOpt = Annotated[
    str | None,
    Opt("--case", help="Injury case id, or none (default: the only open case for the policy)."),
]
PackageOpt = Annotated[
    str | None,
    Opt(
        "--package",
        help="Prepaid package id this self-pay visit draws from (default: the patient's"
        " package in use, soonest to expire).",
    ),
]
NoPackageOpt = Annotated[
    bool, Opt("--no-package", help="Bill this self-pay visit; draw from no package.")
]


def _link(value: str | None, label: str):
    from clinicbill.domain.errors import ClinicbillError
    from clinicbill.domain.sessions.entry import AUTO

    if value is None or value.strip().lower() == "auto":
        return AUTO
    if value.strip().lower() == "none":
        return None
    if not value.strip().isdigit():
        raise ClinicbillError(f"{label}: '{value[:20]}' is not an id", "give an id, auto or none")
    return int(value)


def flag_inputs(**flags) -> dict:
    """Flag values as plan_session inputs (None: not given)."""
    from clinicbill.domain.sessions.entry import AUTO, parse_line
    from clinicbill.domain.sessions.notes import parse_detail

    soap = {k: flags[k] for k in ("subjective", "objective", "assessment", "plan")}
    flags["date"] = flags.get("date_")
    policy = AUTO if flags["policy"] is None else flags["policy"]
    if flags["self_pay"] or str(flags["policy"]).strip().lower() == "self-pay":
        policy = None
    return {
        "patient": flags["patient"],
        "provider": flags["provider"],
        "service_date": flags["date"],
        "place_of_service": flags["pos"],
        "policy": policy,
        "total_minutes": flags["total_minutes"],
        "template": flags["template"],
        "diagnoses": list(flags["dx"]) if flags["dx"] else None,
        "lines": [parse_line(x) for x in flags["line"]] if flags["line"] else None,
        "modality": dict(parse_detail(d) for d in flags["detail"]) if flags["detail"] else None,
        "soap": {k: v for k, v in soap.items() if v is not None} or None,
        "pain_before": flags["pain_before"],
        "pain_after": flags["pain_after"],
        "authorization_id": _link(flags["auth"], "auth"),
        "referral_id": _link(flags["referral"], "referral"),
        "case": _case_ref(flags.get("case")),
    }


def _case_ref(value):
    from clinicbill.domain.sessions.entry import AUTO

    if value is None or value.strip().lower() == "auto":
        return AUTO
    return None if value.strip().lower() == "none" else value


def needs_prompts(inputs: dict) -> bool:
    """Interactive when a required value is missing (a diagnosis unless billed as self-pay)."""
    missing = any(inputs[k] is None for k in ("patient", "provider", "lines"))
    return missing or (inputs["diagnoses"] is None and inputs["policy"] is not None)


def edit_changes(flags: dict) -> dict:
    """The `session edit` flags as edit_session changes: only what was given (--self-pay or
    --policy self-pay bills the patient; --case none detaches the session from its case)."""
    from clinicbill.domain.sessions.entry import AUTO

    inputs = flag_inputs(**flags)
    changes = {k: v for k, v in inputs.items() if v is not None and v is not AUTO}
    if flags["self_pay"] or str(flags["policy"]).strip().lower() == "self-pay":
        changes["policy"] = "self-pay"
    for key, flag in (("authorization_id", "auth"), ("referral_id", "referral")):
        if flags[flag] is not None:
            changes[key] = inputs[key]
    if flags["case"] is not None:
        changes["case"] = flags["case"].strip()
    return changes
