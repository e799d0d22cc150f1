"""`audit`: the audit trail (who changed what, when, before and after) and its hash chain."""

from __future__ import annotations

from typing import Annotated

import typer

Opt = typer.Option
COLUMNS = ["id", "at", "user", "action", "entity", "entity_id", "patient_id", "fields"]


def audit(
    patient: Annotated[
        str | None, Opt(help="Only rows about this patient (id, account, name).")
    ] = None,
    entity: Annotated[str | None, Opt(help="Only this table: patient, encounter, claim …")] = None,
    user: Annotated[str | None, Opt(help="Only changes made by this user.")] = None,
    from_: Annotated[str | None, Opt("--from", help="From this day (UTC), YYYY-MM-DD.")] = None,
    to: Annotated[str | None, Opt(help="Up to and including this day (UTC), YYYY-MM-DD.")] = None,
    limit: Annotated[int, Opt(min=1, help="Show at most the latest N rows.")] = 200,
    verify: Annotated[
        bool,
        Opt(
            "--verify",
            help="Check the hash chain and every record against its logged image; exit 1 at "
            "any difference.",
        ),
    ] = False,
) -> None:
    """Show the audit trail, filtered; --verify checks that no row was edited or removed.

    Example: clinicbill audit --patient P00001 --from 2026-01-01
    """
    from clinicbill.cli.common import unit_of_work

    with unit_of_work() as session:
        if verify:
            problems, counts = _verification(session)
        else:
            filters = _filters(session, patient, entity, user, from_, to)
            from clinicbill.store.audit import trail

            rows = trail(session, limit=limit, **filters)
    if verify:
        _verdict(problems, counts)
        return
    _show(rows)


def _filters(session, patient, entity, user, from_, to) -> dict:
    from datetime import UTC, datetime, time, timedelta

    from clinicbill.domain.errors import ClinicbillError
    from clinicbill.domain.validate import parse_date
    from clinicbill.store.audit import entities

    filters: dict = {"user": user}
    if patient is not None:
        filters["patient_id"] = _patient_id(session, patient)
    if entity is not None:
        name = {"session": "encounter", "sessions": "encounter"}.get(entity.lower(), entity.lower())
        if name not in entities():
            raise ClinicbillError(
                f"entity: '{entity[:40]}' is not an audited record",
                "one of: " + ", ".join(entities()),
            )
        filters["entity"] = name
    start = parse_date(from_, "from") if from_ is not None else None
    end = parse_date(to, "to") if to is not None else None
    if start and end and end < start:
        raise ClinicbillError(f"to: {end} is before --from {start}", "give --to on or after --from")
    filters["since"] = datetime.combine(start, time(), UTC) if start else None
    filters["until"] = datetime.combine(end + timedelta(days=1), time(), UTC) if end else None
    return filters


def _patient_id(session, ref: str) -> int:
    """A current patient by id, account or name; a bare number also finds a deleted one."""
    from clinicbill.domain.errors import ClinicbillError
    from clinicbill.domain.practice.lookup import find_patient

    try:
        return find_patient(session, ref).id
    except ClinicbillError:
        if ref.strip().isdigit() and len(ref.strip()) < 19:
            return int(ref.strip())
        raise


def _changed_fields(row) -> str:
    import json

    before = json.loads(row.before) if row.before else {}
    after = json.loads(row.after) if row.after else {}
    if row.action == "update":
        keys = [k for k in after if before.get(k) != after.get(k)]
    else:
        keys = []
    return ", ".join(keys)


def _show(rows) -> None:
    import json

    from clinicbill.cli.context import STATE
    from clinicbill.cli.render import emit_json, table

    if STATE.json:
        emit_json(
            [
                {
                    "id": r.id,
                    "at": r.at.isoformat(),
                    "user": r.user,
                    "action": r.action,
                    "entity": r.entity,
                    "entity_id": r.entity_id,
                    "patient_id": r.patient_id,
                    "before": json.loads(r.before) if r.before else None,
                    "after": json.loads(r.after) if r.after else None,
                }
                for r in rows
            ]
        )
        return
    table(
        [
            {
                "id": r.id,
                "at": r.at.strftime("%Y-%m-%d %H:%M:%SZ"),
                "user": r.user,
                "action": r.action,
                "entity": r.entity,
                "entity_id": r.entity_id,
                "patient_id": r.patient_id,
                "fields": _changed_fields(r),
            }
            for r in rows
        ],
        COLUMNS,
        "audit rows",
    )


def _verification(session) -> tuple[list[str], dict]:
    """The hash chain, then every audited row against its last logged image."""
    from sqlalchemy import func, select

    from clinicbill.store.audit_verify import row_problems, verify_chain
    from clinicbill.store.models import AuditLog

    problems = verify_chain(session)
    found, compared = row_problems(session)
    count = session.execute(select(func.count()).select_from(AuditLog)).scalar_one()
    return problems + found, {"rows": count, "records": compared, "ok": not (problems or found)}


def _verdict(problems: list[str], counts: dict) -> None:
    from clinicbill.cli.render import done
    from clinicbill.domain.errors import ClinicbillError

    if problems:
        for line in problems[1:]:
            typer.echo(f"  {line}", err=True)
        more = f" ({len(problems) - 1} more problems listed above)" if len(problems) > 1 else ""
        raise ClinicbillError(
            f"audit: {problems[0]}{more}",
            "records or their trail were changed outside clinicbill: "
            "restore a backup and investigate",
        )
    done(
        f"audit chain verified: {counts['rows']:,} rows, none edited or removed; "
        f"{counts['records']:,} records match their logged images",
        counts,
    )


# Steps this module adds to `clinicbill demo` (see cli/demo.py).
DEMO_STEPS: list = [
    ("Who changed what: the audit trail for one patient", ["audit", "--patient", "P00001"]),
    ("The audit trail's hash chain, verified", ["audit", "--verify"]),
]


def register(app: typer.Typer) -> None:
    """Add this module's commands to the root app."""
    app.command("audit")(audit)
