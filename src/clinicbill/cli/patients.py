"""`patient …` and `policy …`."""

from __future__ import annotations

from typing import Annotated

import typer

from clinicbill.cli.common import ask_missing, changed_message, show, unit_of_work
from clinicbill.cli.records import PATIENT, add_command, edit_command

Opt = typer.Option
patient_app = typer.Typer(help="Patients: demographics, account numbers.", no_args_is_help=True)
policy_app = typer.Typer(help="A patient's insurance policies.", no_args_is_help=True)
POLICY_TERMS = ["member_id", "group_number", "relationship", "effective_from", "effective_to"]

patient_app.command("add")(
    add_command(
        PATIENT,
        """Add a patient.

    Example: clinicbill patient add --first-name Maya --last-name Chen --dob 1984-03-02 --sex F
    """,
    )
)


def _patients(use_case: str, *args) -> None:
    """A patient listing (app/records.py `use_case`) as the table both listings print."""
    from clinicbill.app import records
    from clinicbill.cli.render import table

    with unit_of_work() as session:
        rows = getattr(records, use_case)(session, *args)
    table(rows, records.PATIENT_LIST_COLUMNS, "patients")


@patient_app.command("list")
def patient_list(
    limit: Annotated[int, Opt(help="At most this many.")] = 500,
) -> None:
    """List patients by name.

    Example: clinicbill patient list
    """
    _patients("list_patients", limit)


@patient_app.command("find")
def patient_find(query: Annotated[str, typer.Argument(help="Part of a name or account.")]) -> None:
    """Find patients by part of a name, account number or date of birth.

    Example: clinicbill patient find chen
    """
    _patients("find_patients", query)


@patient_app.command("show")
def patient_show(patient: Annotated[str, typer.Argument(help="Id, account or name.")]) -> None:
    """Show a patient with their policies.

    Example: clinicbill patient show P00001
    """
    from clinicbill.app.records import show_patient
    from clinicbill.cli.context import STATE
    from clinicbill.cli.render import emit_json, table

    with unit_of_work() as session:
        view = show_patient(session, patient)
    row, policies, extras = view.patient, view.policies, view.extras
    if STATE.json:
        emit_json({**row.model_dump(), "policies": policies, **extras})
        return
    show(row, f"patient {row.id}")
    table(
        policies,
        [
            "id",
            "priority",
            "payer_id",
            *POLICY_TERMS,
        ],
        "policies",
    )
    for key, value in extras.items():
        if isinstance(value, list):
            continue
        typer.echo(f"  {key}: {value}")


patient_app.command("edit")(
    edit_command(
        PATIENT,
        """Change a patient's details.

    Example: clinicbill patient edit P00001 --phone 503-555-0199
    """,
    )
)


def _as_fields(options: dict, **given) -> dict:
    """A policy command's options as the policy's fields, in option order: `--group` is the
    group_number; the patient, policy and payer references are not fields."""
    renamed = {"group": "group_number"}
    skip = {"patient", "policy", "payer"}
    fields = {renamed.get(k, k): v for k, v in options.items() if k not in skip}
    return {**fields, **given}


@policy_app.command("add")
def policy_add(
    patient: Annotated[str, typer.Argument(help="Id, account or name.")],
    payer: Annotated[str | None, Opt(help="Payer id, electronic id or name.")] = None,
    member_id: Annotated[str | None, Opt()] = None,
    priority: Annotated[str, Opt(help="primary, secondary or tertiary.")] = "primary",
    group: Annotated[str | None, Opt("--group", help="Group number (box 11).")] = None,
    plan_name: Annotated[str | None, Opt()] = None,
    relationship: Annotated[
        str, Opt(help="Patient to subscriber: self, spouse, child, other.")
    ] = "self",
    subscriber_first_name: Annotated[str | None, Opt()] = None,
    subscriber_last_name: Annotated[str | None, Opt()] = None,
    subscriber_dob: Annotated[str | None, Opt()] = None,
    subscriber_sex: Annotated[str | None, Opt()] = None,
    subscriber_address1: Annotated[str | None, Opt()] = None,
    subscriber_city: Annotated[str | None, Opt()] = None,
    subscriber_state: Annotated[str | None, Opt()] = None,
    subscriber_zip: Annotated[str | None, Opt()] = None,
    effective_from: Annotated[str | None, Opt("--from", help="Coverage start.")] = None,
    effective_to: Annotated[str | None, Opt("--to", help="Coverage end.")] = None,
) -> None:
    """Add an insurance policy to a patient.

    Example: clinicbill policy add Chen --payer Cascade --member-id XYZ123456 --group G100
    """
    values = dict(locals())  # the options, before any import adds a name
    from clinicbill.app.records import add_policy
    from clinicbill.cli.render import done
    from clinicbill.domain.errors import MissingValue

    asked = ask_missing(
        {"payer": payer, "member_id": member_id},
        {"payer": "Payer", "member_id": "Member id"},
        {"payer", "member_id"},
    )
    if not asked.get("payer"):
        raise MissingValue(["payer"], "give --payer")
    values = _as_fields(values, member_id=asked["member_id"])
    with unit_of_work() as session:
        added = add_policy(session, patient, asked["payer"], values)
        policy = added.policy
        message, data = (
            f"policy {policy.id} added: {added.payer_name} {policy.priority} for patient "
            f"{added.patient_id}",
            policy.model_dump(),
        )
    done(message, data)


@policy_app.command("list")
def policy_list(
    patient: Annotated[str | None, typer.Argument(help="Only this patient's policies.")] = None,
) -> None:
    """List policies.

    Example: clinicbill policy list Chen
    """
    from clinicbill.app.records import list_policies
    from clinicbill.cli.common import read
    from clinicbill.cli.render import table

    table(
        read(list_policies, patient),
        [
            "id",
            "patient_id",
            "payer",
            "priority",
            *POLICY_TERMS,
        ],
        "policies",
    )


@policy_app.command("edit")
def policy_edit(
    policy: Annotated[str, typer.Argument(help="Policy id.")],
    payer: Annotated[str | None, Opt()] = None,
    member_id: Annotated[str | None, Opt()] = None,
    priority: Annotated[str | None, Opt()] = None,
    group: Annotated[str | None, Opt("--group")] = None,
    plan_name: Annotated[str | None, Opt()] = None,
    relationship: Annotated[str | None, Opt()] = None,
    subscriber_first_name: Annotated[str | None, Opt()] = None,
    subscriber_last_name: Annotated[str | None, Opt()] = None,
    subscriber_dob: Annotated[str | None, Opt()] = None,
    subscriber_sex: Annotated[str | None, Opt()] = None,
    effective_from: Annotated[str | None, Opt("--from")] = None,
    effective_to: Annotated[str | None, Opt("--to")] = None,
) -> None:
    """Change a policy.

    Example: clinicbill policy edit 3 --to 2026-12-31
    """
    changes = dict(locals())  # the options, before any import adds a name
    from clinicbill.app.records import edit_policy
    from clinicbill.cli.render import done

    changes = _as_fields(changes)
    with unit_of_work() as session:
        edited = edit_policy(session, policy, payer, changes)
        message = changed_message("policy", edited.id, edited.changed)
    changed = edited.changed
    done(message, changed)


def register(app: typer.Typer) -> None:
    app.add_typer(patient_app, name="patient")
    app.add_typer(policy_app, name="policy")
