"""The interactive parts of `verify add` (cli/coverage.py): the policy found from a patient's
name, a correction that starts from the corrected note's values, and a review before saving
that warns on unlikely values (domain/coverage/plausibility.py) and lets any answer change."""

from __future__ import annotations

import typer

from clinicbill.cli.common import questions as _q


def pick_policy(ref: str) -> int:
    """A policy id or member id as given; else a patient (id, account or name) whose only
    policy it is, or, at a terminal, the one picked among the patient's policies."""
    from clinicbill.app.session_prompts import verified_policy
    from clinicbill.cli.common import read
    from clinicbill.cli.context import tty
    from clinicbill.domain.errors import ClinicbillError

    pick = read(verified_policy, ref)
    if pick.policy_id is not None:
        return pick.policy_id
    choices, account = pick.choices, pick.account
    if not choices:
        raise ClinicbillError(
            f"policy: patient {account} has no policy",
            f"add one first: clinicbill policy add {account} ...",
        )
    if len(choices) == 1:
        typer.echo(f"  policy: {choices[0][0]}")
        return choices[0][1]
    if not tty():
        listed = "; ".join(f"{ident}: {label}" for label, ident in choices)
        raise ClinicbillError(
            f"policy: patient {account} has {len(choices)} policies ({listed})",
            "give the policy id",
        )
    Choice = _q().Choice
    options = [Choice(label, value=ident) for label, ident in choices]
    return _q().select("Which policy was verified?", options).unsafe_ask()


def corrected_values(policy_id: int, corrects: str | None) -> dict:
    """The values of the note being corrected, to start the prompts from (empty without)."""
    from clinicbill.app.session_prompts import corrected_values as values
    from clinicbill.cli.common import read

    if corrects is None or not str(corrects).strip().isdigit():
        return {}
    return read(values, policy_id, str(corrects))


def review(values: dict, prompts: dict[str, str], ask_one) -> dict:
    """Show the answers and what looks unlikely; save (the default), change one, or cancel."""
    from clinicbill.domain.coverage.plausibility import implausible

    out = dict(values)
    while True:
        typer.echo("\nVerification to save:")
        for name, label in prompts.items():
            if out.get(name) not in (None, ""):
                typer.echo(f"  {label.split(' (')[0]:<36} {out[name]}")
        for warning in implausible(out):
            typer.echo(f"  warning: {warning}")
        Choice = _q().Choice
        options = [
            Choice("Save", value="save"),
            Choice("Change an answer", value="change"),
            Choice("Cancel (nothing is saved)", value="cancel"),
        ]
        action = _q().select("Save this verification?", options).unsafe_ask()
        if action == "save":
            return out
        if action == "cancel":
            raise KeyboardInterrupt
        which = (
            _q()
            .select("Change which answer?", [Choice(v, value=k) for k, v in prompts.items()])
            .unsafe_ask()
        )
        out[which] = ask_one(which, out.get(which))
