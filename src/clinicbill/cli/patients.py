"""`patient …` and `policy …`."""

from __future__ import annotations

from typing import Annotated

import typer

from clinicbill.cli.common import ask_missing, changed_message, show, unit_of_work

Opt = typer.Option
patient_app = typer.Typer(help="Patients: demographics, account numbers.", no_args_is_help=True)
policy_app = typer.Typer(help="A patient's insurance policies.", no_args_is_help=True)

PATIENT_LIST_COLUMNS = ["id", "account_number", "last_name", "first_name", "dob", "sex", "phone"]


@patient_app.command("add")
def patient_add(
    first_name: Annotated[str | None, Opt()] = None,
    last_name: Annotated[str | None, Opt()] = None,
    middle_name: Annotated[str | None, Opt()] = None,
    dob: Annotated[str | None, Opt(help="Date of birth, YYYY-MM-DD.")] = None,
    sex: Annotated[str | None, Opt(help="F, M or U.")] = None,
    account_number: Annotated[str | None, Opt(help="Default: the next P-number.")] = None,
    address1: Annotated[str | None, Opt()] = None,
    address2: Annotated[str | None, Opt()] = None,
    city: Annotated[str | None, Opt()] = None,
    state: Annotated[str | None, Opt()] = None,
    zip: Annotated[str | None, Opt()] = None,
    phone: Annotated[str | None, Opt()] = None,
    email: Annotated[str | None, Opt()] = None,
    signature_on_file: Annotated[bool, Opt("--signature-on-file/--no-signature-on-file")] = True,
    assignment_on_file: Annotated[bool, Opt("--assignment-on-file/--no-assignment-on-file")] = True,
    allow_duplicate: Annotated[
        bool,
        Opt(
            "--allow-duplicate",
            help="Add even when a patient with the same name and date of birth is on file.",
        ),
    ] = False,
) -> None:
    """Add a patient.

    Example: clinicbill patient add --first-name Maya --last-name Chen --dob 1984-03-02 --sex F
    """
    from clinicbill.cli.render import done
    from clinicbill.domain.practice.patients import PATIENT_FIELDS, PATIENT_REQUIRED, add_patient

    values = dict(
        first_name=first_name,
        last_name=last_name,
        middle_name=middle_name,
        dob=dob,
        sex=sex,
        account_number=account_number,
        address1=address1,
        address2=address2,
        city=city,
        state=state,
        zip=zip,
        phone=phone,
        email=email,
        signature_on_file=signature_on_file,
        assignment_on_file=assignment_on_file,
    )
    values = ask_missing(
        values,
        {
            "first_name": "First name",
            "last_name": "Last name",
            "dob": "Date of birth (MM/DD/YYYY or YYYY-MM-DD)",
            "sex": "Sex (F/M/U)",
        },
        PATIENT_REQUIRED,
        PATIENT_FIELDS,
    )
    with unit_of_work() as session:
        patient = add_patient(session, allow_duplicate=allow_duplicate, **values)
        message, data = (
            f"patient {patient.id} added: account {patient.account_number}",
            patient.model_dump(),
        )
    done(message, data)


@patient_app.command("list")
def patient_list(
    limit: Annotated[int, Opt(help="At most this many.")] = 500,
) -> None:
    """List patients by name.

    Example: clinicbill patient list
    """
    from sqlalchemy import select

    from clinicbill.cli.render import table
    from clinicbill.store.models import Patient

    table_ = Patient.__table__  # its columns: no ORM mapper set-up for a plain listing
    cols = [table_.c[c] for c in PATIENT_LIST_COLUMNS]
    with unit_of_work() as session:
        rows = session.execute(
            select(*cols).order_by(table_.c.last_name, table_.c.first_name).limit(limit)
        ).all()
    table(
        [dict(zip(PATIENT_LIST_COLUMNS, r, strict=True)) for r in rows],
        PATIENT_LIST_COLUMNS,
        "patients",
    )


@patient_app.command("find")
def patient_find(query: Annotated[str, typer.Argument(help="Part of a name or account.")]) -> None:
    """Find patients by part of a name, account number or date of birth.

    Example: clinicbill patient find chen
    """
    from sqlalchemy import func, or_, select

    from clinicbill.cli.render import table
    from clinicbill.store.models import Patient

    pattern = "%" + query.strip().lower().replace("%", r"\%").replace("_", r"\_") + "%"
    cols = [getattr(Patient, c) for c in PATIENT_LIST_COLUMNS]
    with unit_of_work() as session:
        rows = session.execute(
            select(*cols)
            .where(
                or_(
                    func.lower(Patient.first_name + " " + Patient.last_name).like(pattern, "\\"),
                    func.lower(Patient.account_number).like(pattern, "\\"),
                    func.lower(Patient.last_name).like(pattern, "\\"),
                )
            )
            .order_by(Patient.last_name, Patient.first_name)
            .limit(100)
        ).all()
    table(
        [dict(zip(PATIENT_LIST_COLUMNS, r, strict=True)) for r in rows],
        PATIENT_LIST_COLUMNS,
        "patients",
    )


@patient_app.command("show")
def patient_show(patient: Annotated[str, typer.Argument(help="Id, account or name.")]) -> None:
    """Show a patient with their policies.

    Example: clinicbill patient show P00001
    """
    from clinicbill.cli.context import STATE
    from clinicbill.cli.render import emit_json, table
    from clinicbill.domain.practice.lookup import find_patient
    from clinicbill.domain.practice.patients import policies_for

    with unit_of_work() as session:
        row = find_patient(session, patient)
        policies = [p.model_dump() for p in policies_for(session, row)]
        extras = patient_show_extras(session, row)
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
            "member_id",
            "group_number",
            "relationship",
            "effective_from",
            "effective_to",
        ],
        "policies",
    )
    for key, value in extras.items():
        if isinstance(value, list):
            continue
        typer.echo(f"  {key}: {value}")


def patient_show_extras(session, patient) -> dict:
    """Balances and other facts later features add to `patient show`."""
    try:
        from clinicbill.domain.ledger.balances import patient_summary
    except ImportError:
        return {}
    return patient_summary(session, patient)


@patient_app.command("edit")
def patient_edit(
    patient: Annotated[str, typer.Argument(help="Id, account or name.")],
    first_name: Annotated[str | None, Opt()] = None,
    last_name: Annotated[str | None, Opt()] = None,
    middle_name: Annotated[str | None, Opt()] = None,
    dob: Annotated[str | None, Opt()] = None,
    sex: Annotated[str | None, Opt()] = None,
    account_number: Annotated[str | None, Opt()] = None,
    address1: Annotated[str | None, Opt()] = None,
    address2: Annotated[str | None, Opt()] = None,
    city: Annotated[str | None, Opt()] = None,
    state: Annotated[str | None, Opt()] = None,
    zip: Annotated[str | None, Opt()] = None,
    phone: Annotated[str | None, Opt()] = None,
    email: Annotated[str | None, Opt()] = None,
    signature_on_file: Annotated[
        bool | None, Opt("--signature-on-file/--no-signature-on-file")
    ] = None,
    assignment_on_file: Annotated[
        bool | None, Opt("--assignment-on-file/--no-assignment-on-file")
    ] = None,
) -> None:
    """Change a patient's details.

    Example: clinicbill patient edit P00001 --phone 503-555-0199
    """
    from clinicbill.cli.render import done
    from clinicbill.domain.practice.lookup import find_patient
    from clinicbill.domain.practice.patients import edit_patient

    changes = dict(
        first_name=first_name,
        last_name=last_name,
        middle_name=middle_name,
        dob=dob,
        sex=sex,
        account_number=account_number,
        address1=address1,
        address2=address2,
        city=city,
        state=state,
        zip=zip,
        phone=phone,
        email=email,
        signature_on_file=signature_on_file,
        assignment_on_file=assignment_on_file,
    )
    with unit_of_work() as session:
        row = find_patient(session, patient)
        changed = edit_patient(session, row, **changes)
        message = changed_message("patient", row.id, changed)
    done(message, changed)


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
    from clinicbill.cli.render import done
    from clinicbill.domain.errors import MissingValue
    from clinicbill.domain.practice.lookup import find_patient, find_payer
    from clinicbill.domain.practice.patients import add_policy

    asked = ask_missing(
        {"payer": payer, "member_id": member_id},
        {"payer": "Payer", "member_id": "Member id"},
        {"payer", "member_id"},
    )
    if not asked.get("payer"):
        raise MissingValue(["payer"], "give --payer")
    with unit_of_work() as session:
        patient_row = find_patient(session, patient)
        payer_row = find_payer(session, asked["payer"])
        policy = add_policy(
            session,
            patient_row,
            payer_row,
            member_id=asked["member_id"],
            priority=priority,
            group_number=group,
            plan_name=plan_name,
            relationship=relationship,
            subscriber_first_name=subscriber_first_name,
            subscriber_last_name=subscriber_last_name,
            subscriber_dob=subscriber_dob,
            subscriber_sex=subscriber_sex,
            subscriber_address1=subscriber_address1,
            subscriber_city=subscriber_city,
            subscriber_state=subscriber_state,
            subscriber_zip=subscriber_zip,
            effective_from=effective_from,
            effective_to=effective_to,
        )
        message, data = (
            f"policy {policy.id} added: {payer_row.name} {policy.priority} for patient "
            f"{patient_row.id}",
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
    from sqlalchemy import select

    from clinicbill.cli.render import table
    from clinicbill.domain.practice.lookup import find_patient
    from clinicbill.store.models import Payer, Policy

    with unit_of_work() as session:
        query = select(Policy, Payer.name).join(Payer, Payer.id == Policy.payer_id)
        if patient:
            query = query.where(Policy.patient_id == find_patient(session, patient).id)
        rows = session.execute(query.order_by(Policy.patient_id, Policy.priority)).all()
    table(
        [{**p.model_dump(), "payer": name} for p, name in rows],
        [
            "id",
            "patient_id",
            "payer",
            "priority",
            "member_id",
            "group_number",
            "relationship",
            "effective_from",
            "effective_to",
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
    from clinicbill.cli.render import done
    from clinicbill.domain.practice.lookup import find_payer, get_or_refuse
    from clinicbill.domain.practice.patients import edit_policy
    from clinicbill.store.models import Policy

    with unit_of_work() as session:
        row = get_or_refuse(session, Policy, policy, "policy")
        payer_row = find_payer(session, payer) if payer else None
        changed = edit_policy(
            session,
            row,
            payer_row,
            member_id=member_id,
            priority=priority,
            group_number=group,
            plan_name=plan_name,
            relationship=relationship,
            subscriber_first_name=subscriber_first_name,
            subscriber_last_name=subscriber_last_name,
            subscriber_dob=subscriber_dob,
            subscriber_sex=subscriber_sex,
            effective_from=effective_from,
            effective_to=effective_to,
        )
        message = changed_message("policy", row.id, changed)
    done(message, changed)


def register(app: typer.Typer) -> None:
    app.add_typer(patient_app, name="patient")
    app.add_typer(policy_app, name="policy")
