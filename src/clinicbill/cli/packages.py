"""`package add|list|use`: prepaid packages and memberships (domain/ledger/packages.py)."""

from __future__ import annotations

from typing import Annotated

import typer

from clinicbill.cli.common import unit_of_work
from clinicbill.cli.payments import Arg, DateOpt, Method, Opt, Patient, _applied_rows, _ask, _on

package_app = typer.Typer(help="Prepaid packages and memberships.", no_args_is_help=True)


@package_app.command("add")
def package_add(
    patient: Patient,
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
    from clinicbill.cli.render import done
    from clinicbill.domain.errors import MissingValue
    from clinicbill.domain.ledger.packages import add_package
    from clinicbill.domain.money import fmt, parse_amount
    from clinicbill.domain.practice.lookup import find_patient
    from clinicbill.domain.validate import parse_date

    name = _ask(name, "Package name", "name")
    price = _ask(price, "Price (dollars)", "price")
    if price is None:
        raise MissingValue(["price"], "give --price, e.g. --price 850")
    cents = parse_amount(price, "price", allow_zero=False)
    method = _ask(method, "Method (cash/card/check/hsa/fsa/eft)", "method")
    with unit_of_work() as session:
        row = find_patient(session, patient)
        package = add_package(
            session,
            row,
            name,
            cents,
            method,
            visits,
            _on(on),
            parse_date(expires, "expires") if expires else None,
            ref,
        )
    done(
        f"package {package.id}: {package.name} for {fmt(cents)}"
        + (f", {visits} visits" if visits else " (membership)"),
        {"package_id": package.id, "price": fmt(cents), "visits": visits},
    )


@package_app.command("list")
def package_list(patient: Annotated[str | None, Arg(help="Only this patient.")] = None) -> None:
    """List packages and memberships with visits and value left.

    Example: clinicbill package list P00006
    """
    from clinicbill.cli.render import table
    from clinicbill.domain.ledger.packages import describe, package_statuses
    from clinicbill.domain.practice.lookup import find_patient

    with unit_of_work() as session:
        patient_id = find_patient(session, patient).id if patient else None
        rows = [describe(s) for s in package_statuses(session, patient_id)]
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
    from clinicbill.cli.render import done
    from clinicbill.domain.ledger.packages import draw_from_package, find_package
    from clinicbill.domain.money import fmt
    from clinicbill.domain.practice.lookup import get_or_refuse
    from clinicbill.store.models import Encounter

    with unit_of_work() as session:
        pkg = find_package(session, package)
        encounter = get_or_refuse(session, Encounter, session_id, "session")
        applied = draw_from_package(session, encounter, pkg)
    total = sum(a.amount_cents for a in applied)
    done(
        f"session {session_id}: {fmt(total)} drawn from package {pkg.id}",
        {"package_id": pkg.id, "session": session_id, "applied": _applied_rows(applied)},
    )


def register(app: typer.Typer) -> None:
    """Add this module's commands to the root app."""
    app.add_typer(package_app, name="package")
