"""Who pays for the interactive visit (see session_prompts.py): the injury case billed under,
and the prepaid package a self-pay visit draws from."""

from __future__ import annotations

from datetime import date

from clinicbill.cli.common import questions as _q
from clinicbill.cli.common import read as _read


def ask_package(out: dict, on: date) -> None:
    """A self-pay visit of a patient with a prepaid package: pay with it (the default) or
    bill the visit. Asked only when the flags chose neither."""
    if out.get("package") is not None or out["policy"] is not None:
        return
    from clinicbill.app.packages import package_choices

    choices = _read(package_choices, out["patient"], on)
    if not choices:
        return
    Choice = _q().Choice
    options = [Choice(label, value=ident) for label, ident in choices]
    options.append(Choice("Bill the visit (no package)", value="none"))
    out["package"] = _q().select("Pay with:", options, default=options[0]).unsafe_ask()


def ask_case(value, patient_id: int, policy):
    """The injury case to bill under: a choice among the patient's open cases (the only one
    for the policy billed is the default), or none."""
    from clinicbill.app.session_prompts import case_choices
    from clinicbill.domain.sessions.entry import AUTO

    if value is not AUTO or policy is None or policy is AUTO:
        return value
    choices, current = _read(case_choices, patient_id, policy)
    if not choices:
        return AUTO
    Choice = _q().Choice
    options = [Choice(label, value=ident) for label, ident in choices]
    options.append(Choice("No case (not an injury visit)", value=""))  # None: the title
    default = next((o for o in options if o.value == current), options[-1])
    return _q().select("Injury case:", options, default=default).unsafe_ask() or None
