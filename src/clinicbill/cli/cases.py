"""`case add|list|show|edit|close`: injury and illness cases (workers' comp, auto/PIP, other
accidents, illness) that a session bills under (boxes 10a-c, 11b, 14; 837P CLM11, DTP, REF*Y4)."""

from __future__ import annotations

from typing import Annotated

import typer

from clinicbill.cli.common import with_options

Opt = typer.Option
case_app = typer.Typer(
    help="Injury cases: workers' comp, auto (PIP), other accident, illness.",
    no_args_is_help=True,
)
CaseId = Annotated[str, typer.Argument(help="Case id.")]
KindOpt = Annotated[
    str | None, Opt("--kind", help="workers-comp, auto, other-accident or illness.")
]
InjuryOpt = Annotated[
    str | None, Opt("--injury-date", help="Date of the injury or accident (box 14).")
]
OnsetOpt = Annotated[str | None, Opt("--onset-date", help="Onset of symptoms, if later.")]
StateOpt = Annotated[str | None, Opt("--state", help="State of an auto accident (box 10b).")]
EmployerOpt = Annotated[str | None, Opt("--employer", help="Employer (workers' comp).")]
ClaimOpt = Annotated[
    str | None, Opt("--claim-number", help="The carrier's claim number (box 11b, REF*Y4).")
]
AdjusterOpt = Annotated[str | None, Opt("--adjuster", help="Adjuster's name.")]
AdjusterPhoneOpt = Annotated[str | None, Opt("--adjuster-phone", help="Adjuster's phone.")]
AttorneyOpt = Annotated[str | None, Opt("--attorney", help="Patient's attorney.")]
PolicyOpt = Annotated[
    str | None, Opt("--policy", help="Policy id or member id billed under the case.")
]
PipOpt = Annotated[str | None, Opt("--pip-limit", help="PIP limit of an auto case, e.g. 10000.")]
# The case's fields, in option order: `case add` and `case edit` both take them.
CASE_OPTIONS = {
    "kind": KindOpt,
    "injury_date": InjuryOpt,
    "onset_date": OnsetOpt,
    "state": StateOpt,
    "employer": EmployerOpt,
    "claim_number": ClaimOpt,
    "adjuster": AdjusterOpt,
    "adjuster_phone": AdjusterPhoneOpt,
    "attorney": AttorneyOpt,
    "policy": PolicyOpt,
    "pip_limit": PipOpt,
}
COLUMNS = ["id", "patient", "kind", "status", "injury_date", "payer", "claim_number"]
PROMPTS = {
    "kind": "Kind (workers-comp, auto, other-accident, illness)",
    "injury_date": "Date of injury (YYYY-MM-DD)",
}


def _values(**flags) -> dict:
    return {k: v for k, v in flags.items() if v is not None}


@case_app.command("add")
@with_options(CASE_OPTIONS)
def case_add(
    patient: Annotated[str, typer.Argument(help="Id, account or name.")], **fields
) -> None:
    """Open an injury case for a patient; on a terminal, asks for a missing kind and date.

    Example: clinicbill case add P00001 --kind workers-comp --injury-date 2026-10-02
    --employer "Acme Freight" --claim-number WC-55123 --policy 3
    """
    from clinicbill.app.cases import open_case
    from clinicbill.cli.common import ask_missing, unit_of_work
    from clinicbill.cli.render import done

    policy = fields.pop("policy")
    values = ask_missing(fields, PROMPTS, set(PROMPTS))
    with unit_of_work() as session:
        view = open_case(session, patient, policy, **values)
    data = view.as_dict()
    message = f"case {data['id']} opened: {data['kind']}, injury {data['injury_date']}"
    if view.pip is not None:
        message += f"; {view.pip.line()}"
    done(message, data)


@case_app.command("list")
def case_list(
    patient: Annotated[str | None, typer.Argument(help="Only this patient's.")] = None,
    open_only: Annotated[bool, Opt("--open", help="Open cases only.")] = False,
) -> None:
    """List injury cases.

    Example: clinicbill case list P00001 --open
    """
    from clinicbill.app.cases import case_list as list_use_case
    from clinicbill.cli.common import unit_of_work
    from clinicbill.cli.render import table

    with unit_of_work() as session:
        rows = [v.as_dict() for v in list_use_case(session, patient, open_only)]
    table(rows, COLUMNS + ["pip_remaining"], "cases", right=["pip_remaining"])


@case_app.command("show")
def case_show(ident: CaseId) -> None:
    """Show a case with its PIP limit, what is billed against it and what remains.

    Example: clinicbill case show 1
    """
    from clinicbill.app.cases import show_case
    from clinicbill.cli.common import unit_of_work
    from clinicbill.cli.render import record

    with unit_of_work() as session:
        view = show_case(session, ident)
    record(view.as_dict(), f"case {ident}")


@case_app.command("edit")
@with_options(CASE_OPTIONS)
def case_edit(
    ident: CaseId,
    reopen: Annotated[bool, Opt("--reopen", help="Reopen a closed case.")] = False,
    **fields,
) -> None:
    """Change a case (e.g. add the claim number once the carrier assigns it).

    Example: clinicbill case edit 1 --claim-number WC-55123 --adjuster "Dana Ortiz"
    """
    from clinicbill.app.cases import change_case
    from clinicbill.cli.common import changed_message, unit_of_work
    from clinicbill.cli.render import done

    policy = fields.pop("policy")
    values = _values(**fields, reopen=reopen)
    with unit_of_work() as session:
        view, changed = change_case(session, ident, policy, **values)
    done(changed_message("case", ident, changed), view.as_dict())


@case_app.command("close")
def case_close(ident: CaseId) -> None:
    """Close a case: new sessions no longer bill under it by default.

    Example: clinicbill case close 1
    """
    from clinicbill.app.cases import finish_case
    from clinicbill.cli.common import unit_of_work
    from clinicbill.cli.render import done

    with unit_of_work() as session:
        view = finish_case(session, ident)
    done(f"case {ident} closed", view.as_dict())


def abn(
    patient: Annotated[str, typer.Argument(help="Id, account or name.")],
    code: Annotated[
        list[str] | None, Opt("--code", help="Service Medicare may not pay for (repeat).")
    ] = None,
    reason: Annotated[str | None, Opt("--reason", help="Why Medicare may not pay.")] = None,
    cost: Annotated[str | None, Opt("--cost", help="Estimated cost to the patient.")] = None,
    date_: Annotated[str | None, Opt("--date", help="Date given (default today).")] = None,
    output: Annotated[str | None, Opt("-o", "--output", help="Where to write the PDF.")] = None,
) -> None:
    """Give a Medicare patient an Advance Beneficiary Notice (CMS-R-131): records it (the
    claim's lines for these codes then carry GA) and writes the PDF to sign.

    Example: clinicbill abn P00002 --code 97810 --code 97811 --reason "Medicare covers
    acupuncture only for chronic low back pain" --cost 95
    """
    from clinicbill.app.cases import give_abn
    from clinicbill.cli.common import unit_of_work
    from clinicbill.cli.render import done

    with unit_of_work() as session:
        result = give_abn(session, patient, code, reason, cost, date_, output)
    done(
        f"ABN {result.abn_id} recorded for {result.patient} ({', '.join(result.codes)}, "
        f"{result.issued_on}); wrote {result.path}",
        {"id": result.abn_id, "codes": list(result.codes), "path": result.path},
    )


def register(app: typer.Typer) -> None:
    """Add this module's commands to the root app."""
    app.add_typer(case_app, name="case")
    app.command("abn")(abn)
