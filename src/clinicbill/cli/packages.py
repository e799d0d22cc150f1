"""`package add|list|use`: prepaid packages and memberships (domain/ledger/packages.py)."""

from __future__ import annotations

from typing import Annotated

import typer

from clinicbill.cli.common import OnlyPatientArg, PatientArg, unit_of_work
from clinicbill.cli.payments import Arg, DateOpt, Method, Opt, _applied_rows, _ask, _on

package_app = typer.Typer(help="Prepaid packages and memberships.", no_args_is_help=True)


@package_app.command("add")
def package_add(
    patient: PatientArg,
    name: Annotated[str | None, Opt(help="e.g. '10 massages'.")] = None,
    price: Annotated[str | None, Opt(help="What the patient pays, in dollars.")] = None,
    visits: Annotated[int | None, Opt(help="Visits included; leave out for a membership.")] = None,
    method: Method = None,
    expires: Annotated[str | None, Opt(help="Last day it can be used, YYYY-MM-DD.")] = None,
    ref: Annotated[str | None, Opt("--ref", help="Receipt or check number.")] = None,
    on: DateOpt = None,
) -> None:
    """Sell a prepaid package (10 massages, say) or a membership; the money is prepaid credit.

    Example: clinicbill package add P00006 --name '10 massages' --price 850
      --visits 10 --method card
    """
    from clinicbill.app.packages import sell_package
    from clinicbill.cli.render import done
    from clinicbill.domain.errors import MissingValue
    from clinicbill.domain.money import fmt, parse_amount
    from clinicbill.domain.validate import parse_date

    name = _ask(name, "Package name", "name")
    price = _ask(price, "Price (dollars)", "price")
    if price is None:
        raise MissingValue(["price"], "give --price, e.g. --price 850")
    cents = parse_amount(price, "price", allow_zero=False)
    method = _ask(method, "Method (cash/card/check/hsa/fsa/eft)", "method")
    if visits is None and expires is None:
        visits, expires = _ask_visits_and_expiry()
    day = parse_date(expires, "expires") if expires else None
    with unit_of_work() as session:
        package = sell_package(session, patient, name, cents, method, visits, _on(on), day, ref)
    done(
        f"package {package.id}: {package.name} for {fmt(cents)}"
        + (f", {visits} visits" if visits else " (membership: any number of visits)")
        + (f", expires {package.expires_on}" if package.expires_on else ", never expires"),
        {"package_id": package.id, "price": fmt(cents), "visits": visits},
    )


def _ask_visits_and_expiry() -> tuple[int | None, str | None]:
    """At a terminal: the visits included (a number, or 'membership' for any number until it
    expires: never assumed) and the last day it can be used (required for a membership)."""
    from clinicbill.cli.context import tty

    if not tty():
        return None, None
    import questionary

    from clinicbill.cli.common import answer_check
    from clinicbill.domain.validate import parse_date

    def visits_ok(text: str):
        text = text.strip().lower()
        if text == "membership" or (text.isdigit() and 1 <= int(text) <= 1000):
            return True
        return "a number of visits 1-1000, or the word membership"

    answer = questionary.text(
        "Visits included (a number; or 'membership' for any number until it expires):",
        validate=visits_ok,
    ).unsafe_ask()
    visits = None if answer.strip().lower() == "membership" else int(answer)
    label = "Last day it can be used (YYYY-MM-DD" + (")" if visits is None else "; Enter: never)")
    expires = questionary.text(
        label + ":", validate=answer_check(parse_date, "expires", required=visits is None)
    ).unsafe_ask()
    return visits, expires.strip() or None


@package_app.command("edit")
def package_edit(
    package: Annotated[str, Arg(help="Package id.")],
    name: Annotated[str | None, Opt(help="New name.")] = None,
    visits: Annotated[int | None, Opt(help="Visits included (at least those used).")] = None,
    expires: Annotated[
        str | None, Opt(help="Last day it can be used, YYYY-MM-DD, or 'never'.")
    ] = None,
) -> None:
    """Change a package's name, visits or expiry (refused below the visits already used, or
    before the date of a visit that used it). --visits equal to the visits used closes it.

    Example: clinicbill package edit 1 --expires 2027-06-30
    """
    from clinicbill.app.packages import edit_package
    from clinicbill.cli.render import done
    from clinicbill.domain.errors import ClinicbillError
    from clinicbill.domain.validate import parse_date

    if name is None and visits is None and expires is None:
        raise ClinicbillError("package: nothing to change", "give --name, --visits or --expires")
    never = expires is not None and expires.strip().lower() == "never"
    day = parse_date(expires, "expires") if expires is not None and not never else None
    with unit_of_work() as session:
        edited = edit_package(session, package, name, visits, day, clear_expiry=never)
    what = ", ".join(k.replace("_", "-") for k in edited.changed) or "nothing changed"
    done(
        f"package {edited.id}: {what}; {edited.remaining}",
        {"package_id": edited.id, "changed": list(edited.changed)},
    )


@package_app.command("void")
def package_void(
    package: Annotated[str, Arg(help="Package id.")],
    reason: Annotated[str | None, Opt(help="Why (required).")] = None,
) -> None:
    """Void a package sold in error or cancelled before use: the money stays on the account as
    the patient's credit (refund it with 'clinicbill refund'). Refused once a visit used it.

    Example: clinicbill package void 2 --reason "Sold to the wrong patient"
    """
    from clinicbill.app.packages import void_package
    from clinicbill.cli.render import done

    with unit_of_work() as session:
        voided = void_package(session, package, reason)
    done(
        f"package {voided.id} void; its payment {voided.payment_id} stays as the patient's"
        " credit (refund it with clinicbill refund, or apply it with clinicbill payment apply)",
        {"package_id": voided.id, "payment_id": voided.payment_id, "patient_id": voided.patient_id},
    )


@package_app.command("list")
def package_list(patient: OnlyPatientArg = None) -> None:
    """List packages and memberships with visits and value left.

    Example: clinicbill package list P00006
    """
    from clinicbill.app.packages import list_packages
    from clinicbill.cli.render import table

    with unit_of_work() as session:
        rows = list_packages(session, patient)
    table(
        rows,
        [
            "id",
            "patient_id",
            "name",
            "visits_used",
            "visits_left",
            "price",
            "value_left",
            "purchased_on",
            "expires_on",
            "status",
        ],
        "packages",
        right=["price", "value_left"],
    )


@package_app.command("use")
def package_use(
    package: Annotated[str, Arg(help="Package id.")],
    session_id: Annotated[int, Arg(help="The self-pay session it pays for.")],
) -> None:
    """Draw one visit of a package for a self-pay session (the rest is the package discount).

    Example: clinicbill package use 1 12
    """
    from clinicbill.app.packages import use_package
    from clinicbill.cli.render import done
    from clinicbill.domain.money import fmt

    with unit_of_work() as session:
        drawn = use_package(session, package, session_id)
    done(
        f"session {session_id}: {fmt(drawn.total_cents)} drawn from package {drawn.package_id}",
        {
            "package_id": drawn.package_id,
            "session": session_id,
            "applied": _applied_rows(drawn.applied),
        },
    )


def register(app: typer.Typer) -> None:
    """Add this module's commands to the root app."""
    app.add_typer(package_app, name="package")
