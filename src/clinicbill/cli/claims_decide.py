"""`claim appeal|writeoff|bill-patient|call`: what the practice decides after a payer's answer
(use cases in app/appeals.py; a denial stays with the payer until one of these)."""

from __future__ import annotations

from typing import Annotated

import typer

from clinicbill.cli import parse
from clinicbill.cli.common import unit_of_work

Opt = typer.Option
Arg = typer.Argument
ClaimArg = Annotated[str, Arg(help="Claim id or patient control number.")]
DateOpt = Annotated[str | None, Opt("--date", help="When (YYYY-MM-DD; default today).")]


def claim_appeal(
    claim: ClaimArg,
    letter: Annotated[
        bool, Opt("--letter", help="Write the appeal packet PDF (letter + evidence).")
    ] = False,
    output: Annotated[str | None, Opt("-o", "--output", help="Where to write the PDF.")] = None,
    force: Annotated[
        bool, Opt("--force", help="Overwrite the PDF; appeal past the window or an underpayment.")
    ] = False,
    note: Annotated[str | None, Opt("--note", help="Kept on the claim's history.")] = None,
    on: DateOpt = None,
) -> None:
    """Appeal a denied claim: status appealed, with the payer's appeal deadline; --letter also
    writes one PDF (letter, signed notes, referral, authorization, verification, 835 detail),
    and on an appealed claim writes the packet again.

    Example: clinicbill claim appeal 5 --letter -o appeal-5.pdf
    """
    from clinicbill.app.appeal_packet import appeal_with_packet
    from clinicbill.cli.render import done

    day = parse.past_day(on)
    with unit_of_work() as session:
        result, path = appeal_with_packet(
            session, claim, day, force=force, note=note, letter=letter, output=output
        )
    deadline = f"; payer's deadline {result.deadline}" if result.deadline else ""
    wrote = f"; wrote {path}" if path else ""
    done(
        f"claim {result.patient_control_number}: appealed{deadline}{wrote}",
        {
            "claim_id": result.claim_id,
            "status": result.status,
            "deadline": result.deadline,
            "denied_cents": result.moved_cents,
            "packet": str(path) if path else None,
        },
    )


def claim_writeoff(
    claim: ClaimArg,
    reason: Annotated[str, Opt("--reason", help="Why the practice gives up on the denial.")],
    on: DateOpt = None,
) -> None:
    """Write off a claim's open denial: the held CO/OA/PI amounts become adjustments.

    Example: clinicbill claim writeoff 5 --reason "appeal lost at level 2"
    """
    from clinicbill.app.appeals import write_off_denial

    _move(write_off_denial, claim, reason, on, "wrote off {}", "written_off")


def claim_bill_patient(
    claim: ClaimArg,
    reason: Annotated[
        str | None, Opt("--reason", help="Required for CO/PI denials (e.g. a signed waiver).")
    ] = None,
    on: DateOpt = None,
) -> None:
    """Move what a payer holds (a crossover's PR amounts, or a denial) to the patient. A CO or
    PI denial makes the provider liable: refused without a documented --reason.

    Example: clinicbill claim bill-patient 7
    """
    from clinicbill.app.appeals import bill_patient

    _move(bill_patient, claim, reason, on, "{} moved to the patient", "to_patient")


def _move(use_case, claim: str, reason, on, said: str, key: str) -> None:
    """Run a use case that moves a claim's held amount (write-off, bill the patient) and say
    how much moved (`said` with the amount in its {}) and the claim's new status."""
    from clinicbill.cli.render import done
    from clinicbill.domain.money import fmt

    with unit_of_work() as session:
        result = use_case(session, claim, reason, parse.past_day(on))
    done(
        f"claim {result.patient_control_number}: {said.format(fmt(result.moved_cents))}; "
        f"status {result.status}",
        {"claim_id": result.claim_id, "status": result.status, key: result.moved_cents},
    )


def claim_call(
    claim: ClaimArg,
    rep: Annotated[str, Opt("--rep", help="The payer representative's name.")],
    reference: Annotated[str, Opt("--reference", help="The call reference / case number.")],
    note: Annotated[str, Opt("--note", help="What was said.")],
    next_on: Annotated[
        str | None, Opt("--next", help="Next action date (YYYY-MM-DD), shown in follow-up.")
    ] = None,
    on: DateOpt = None,
) -> None:
    """Log a follow-up call to the payer about a claim (append-only).

    Example: clinicbill claim call 5 --rep "J. Park" --reference 88231 --note "resubmit"
    """
    from clinicbill.app.appeals import record_call
    from clinicbill.cli.render import done

    nxt, day = parse.day(next_on, "next"), parse.past_day(on)
    with unit_of_work() as session:
        result = record_call(
            session,
            claim,
            representative=rep,
            reference=reference,
            note=note,
            on=day,
            next_action_on=nxt,
        )
    follow = f"; next action {result.next_action_on}" if result.next_action_on else ""
    done(
        f"claim {result.patient_control_number}: call {result.call_id} logged{follow}",
        {"claim_id": result.claim_id, "call_id": result.call_id, "next": result.next_action_on},
    )


def register(app: typer.Typer) -> None:
    """Add this module's commands to the `claim` group (cli/claims.py)."""
    from clinicbill.cli.claims import claim_app

    claim_app.command("appeal")(claim_appeal)
    claim_app.command("writeoff")(claim_writeoff)
    claim_app.command("bill-patient")(claim_bill_patient)
    claim_app.command("call")(claim_call)
