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
    from clinicbill.app.audit import audit_trail, verify_audit
    from clinicbill.cli.common import unit_of_work
    from clinicbill.cli.parse import day

    if verify:
        with unit_of_work() as session:
            verified = verify_audit(session)
        _verdict(verified)
        return
    start, end = day(from_, "from"), day(to, "to")
    with unit_of_work() as session:
        rows = audit_trail(session, patient, entity, user, start, end, limit)
    _show(rows)


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


def _verdict(verified) -> None:
    from clinicbill.cli.render import done
    from clinicbill.domain.errors import ClinicbillError

    problems = verified.problems
    counts = {"rows": verified.rows, "records": verified.records, "ok": verified.ok}
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
