"""`referral …` and `auth …`: prescriptions/referrals and prior authorizations (registered by
cli/coverage.py). Visits and units remaining are derived from the linked sessions."""

from __future__ import annotations

from typing import Annotated

import typer

from clinicbill.cli.parse import today

Opt = typer.Option
referral_app = typer.Typer(
    help="Prescriptions/referrals from a physician (box 17).", no_args_is_help=True
)
auth_app = typer.Typer(help="Prior authorizations (box 23).", no_args_is_help=True)

REFERRAL_PROMPTS = {
    "first_name": "Referring/ordering provider's first name",
    "last_name": "Last name",
    "npi": "Their NPI",
    "referral_date": "Date of the referral (YYYY-MM-DD)",
    "visits_ordered": "Visits ordered",
    "expires_on": "Expires (YYYY-MM-DD)",
}
AUTH_PROMPTS = {
    "number": "Authorization number",
    "start_date": "First date covered (YYYY-MM-DD)",
    "end_date": "Last date covered (YYYY-MM-DD)",
    "visits_authorized": "Visits authorized",
    "units_authorized": "Units authorized",
}
REFERRAL_COLUMNS = [
    "id",
    "patient_id",
    "referring",
    "npi",
    "qualifier",
    "referral_date",
    "diagnoses",
    "visits_ordered",
    "visits_used",
    "visits_remaining",
    "expires_on",
    "status",
]
AUTH_COLUMNS = [
    "id",
    "patient",
    "policy",
    "number",
    "start",
    "end",
    "codes",
    "visits",
    "used",
    "left",
    "units",
    "units_used",
    "units_left",
    "flags",
]


def _asked(kind: str, prompts: dict[str, str], given: tuple) -> dict:
    """The options given, by field (in the order of `prompts`), then on a terminal each one
    missing asked for and checked as typed (app/coverage.py field_rules)."""
    from clinicbill.app.coverage import field_rules
    from clinicbill.cli.common import ask_missing

    values = dict(zip(prompts, given, strict=True))
    return ask_missing(values, prompts, *field_rules(kind), None, "required")


@referral_app.command("add")
def referral_add(
    patient: Annotated[str, typer.Argument(help="Id, account or name.")],
    first_name: Annotated[str | None, Opt(help="Referring/ordering provider.")] = None,
    last_name: Annotated[str | None, Opt()] = None,
    npi: Annotated[str | None, Opt(help="Their individual NPI.")] = None,
    qualifier: Annotated[str, Opt(help="DN referring or DK ordering.")] = "DN",
    number: Annotated[str | None, Opt(help="Referral number, if the payer gave one.")] = None,
    date: Annotated[str | None, Opt("--date", help="Date written, YYYY-MM-DD.")] = None,
    dx: Annotated[list[str] | None, Opt("--dx", help="ICD-10-CM code (repeat or commas).")] = None,
    visits: Annotated[str | None, Opt("--visits", help="Visits ordered.")] = None,
    expires: Annotated[str | None, Opt("--expires", help="Last valid date.")] = None,
    policy: Annotated[str | None, Opt(help="Only for this policy (default: any).")] = None,
) -> None:
    """Record a prescription/referral for a patient.

    Example: clinicbill referral add P00001 --first-name Helen --last-name Park --npi
    1679576722 --date 2026-10-01 --dx M54.50 --visits 12 --expires 2027-04-01
    """
    from clinicbill.app.coverage import patient_id_of, record_referral
    from clinicbill.cli.common import read, unit_of_work
    from clinicbill.cli.render import done

    patient_id = read(patient_id_of, patient)  # refuse an unknown patient before asking
    given = (first_name, last_name, npi, date, visits, expires)
    values = _asked("referral", REFERRAL_PROMPTS, given)
    codes = [c for item in dx or [] for c in item.split(",")]
    with unit_of_work() as session:
        added = record_referral(session, patient_id, policy, values, codes, qualifier, number)
        referral = added.referral
        message, data = (
            f"referral {referral.id} recorded for patient {added.patient_id}: "
            f"{referral.first_name} {referral.last_name} ({referral.qualifier}) "
            f"{referral.referral_date}",
            referral.model_dump(),
        )
    done(message, data)


@referral_app.command("list")
def referral_list(
    patient: Annotated[str | None, typer.Argument(help="Only this patient's.")] = None,
) -> None:
    """List referrals with visits used and remaining (from the linked sessions).

    Example: clinicbill referral list Chen
    """
    from clinicbill.app.coverage import list_referrals
    from clinicbill.cli.common import read
    from clinicbill.cli.render import table

    table(read(list_referrals, patient, today()), REFERRAL_COLUMNS, "referrals")


@auth_app.command("add")
def auth_add(
    policy: Annotated[str, typer.Argument(help="Policy id or member id.")],
    number: Annotated[str | None, Opt(help="Authorization number from the payer.")] = None,
    start: Annotated[str | None, Opt("--start", help="First date covered.")] = None,
    end: Annotated[str | None, Opt("--end", help="Last date covered.")] = None,
    visits: Annotated[str | None, Opt("--visits", help="Visits authorized.")] = None,
    units: Annotated[str | None, Opt("--units", help="Units authorized.")] = None,
    codes: Annotated[str | None, Opt(help="Codes covered, e.g. 97124,97140 (default all).")] = None,
) -> None:
    """Record a prior authorization for a policy.

    Example: clinicbill auth add 1 --number PA778812 --start 2026-11-01 --end 2027-01-31
    --visits 8 --codes 97124,97140
    """
    from clinicbill.app.coverage import policy_id_of, record_authorization
    from clinicbill.cli.common import read, unit_of_work
    from clinicbill.cli.render import done

    policy_id = read(policy_id_of, policy)  # refuse an unknown policy before asking
    values = _asked("authorization", AUTH_PROMPTS, (number, start, end, visits, units))
    with unit_of_work() as session:
        auth = record_authorization(session, policy_id, codes, values)
        what = ", ".join(
            f"{n} {label}"
            for n, label in ((auth.visits_authorized, "visits"), (auth.units_authorized, "units"))
            if n is not None
        )
        message, data = (
            f"authorization {auth.id} ({auth.number}) recorded for policy {policy_id}: {what}, "
            f"{auth.start_date}..{auth.end_date}"
            + (f", codes {auth.codes}" if auth.codes else ", all codes"),
            auth.model_dump(),
        )
    done(message, data)


AUTH_ROW = {  # column -> the status's attribute (domain/coverage/authorizations.py)
    "id": "authorization_id",
    "patient": "patient_id",
    "policy": "policy_id",
    "number": "number",
    "start": "start_date",
    "end": "end_date",
    "codes": lambda s: (s.codes or "all").replace(",", " "),
    "visits": "visits_authorized",
    "used": "visits_used",
    "left": "visits_remaining",
    "units": "units_authorized",
    "units_used": "units_used",
    "units_left": "units_remaining",
    "flags": lambda s: ", ".join(s.flags),
}


def _auth_row(status) -> dict:
    from clinicbill.app.rows import pick

    return pick(status, AUTH_ROW)


@auth_app.command("list")
def auth_list(
    expiring: Annotated[
        int | None,
        Opt(
            "--expiring",
            min=0,
            metavar="DAYS",
            help="Only those ending within DAYS, or within 2 visits of running out.",
        ),
    ] = None,
    policy: Annotated[str | None, Opt(help="Only this policy's (id or member id).")] = None,
) -> None:
    """List authorizations with visits/units remaining, flagging expiry and exhaustion.

    Example: clinicbill auth list --expiring 30
    """
    from clinicbill.app.coverage import list_authorizations
    from clinicbill.cli.common import read
    from clinicbill.cli.render import json_given, table

    found = read(list_authorizations, today(), expiring, policy)
    if json_given([s.as_dict() for s in found]):
        return
    title = (
        "authorizations"
        if expiring is None
        else f"authorizations ending within {expiring} days or nearly used up"
    )
    table([_auth_row(s) for s in found], AUTH_COLUMNS, title)


@auth_app.command("show")
def auth_show(
    auth_id: Annotated[str, typer.Argument(metavar="ID", help="Authorization id.")],
) -> None:
    """Show an authorization, what remains of it, and the sessions that used it.

    Example: clinicbill auth show 1
    """
    from clinicbill.app.coverage import show_authorization
    from clinicbill.cli.common import read
    from clinicbill.cli.render import json_given, record, table

    view = read(show_authorization, auth_id, today())
    status, sessions = view.status, view.sessions
    if json_given({**status.as_dict(), "sessions": sessions}):
        return
    record({**_auth_row(status)}, f"authorization {view.id}")
    table(sessions, ["session", "service_date", "status", "codes", "units"], "linked sessions")


def register(app: typer.Typer) -> None:
    """Add this module's commands to the root app."""
    app.add_typer(referral_app, name="referral")
    app.add_typer(auth_app, name="auth")
