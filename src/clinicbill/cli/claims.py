"""`claim create|check|list|show|export|mark|resubmit|void|secondary` (SPEC §4.5).

Export and show live in cli/claims_export.py and cli/claims_show.py, and appeal, writeoff,
bill-patient and call in cli/claims_decide.py; they register on the same `claim` group here.
"""

from __future__ import annotations

from typing import Annotated

import typer

from clinicbill.cli.common import unit_of_work
from clinicbill.cli.parse import day, past_day

Opt = typer.Option
Arg = typer.Argument
claim_app = typer.Typer(
    help="Claims: build from signed sessions, check, export (837P, CMS-1500), follow.",
    no_args_is_help=True,
)
FINDING_COLUMNS = ["claim", "severity", "line", "box", "message", "hint"]


def finding_rows(findings) -> list[dict]:
    return [
        {
            "claim": f.claim_id,
            "severity": f.severity,
            "line": f.line,
            "box": f.box,
            "message": f.message,
            "hint": f.hint,
            "rule": f.rule,
        }
        for f in findings
    ]


def claim_row(claim, patient=None, payer=None) -> dict:
    from clinicbill.domain.money import fmt

    return {
        "id": claim.id,
        "control_number": claim.patient_control_number,
        "status": claim.status,
        "patient": patient.display_name if patient else claim.patient_id,
        "payer": payer.name if payer else claim.payer_id,
        "priority": claim.priority,
        "frequency": claim.frequency,
        "from": claim.from_date,
        "to": claim.to_date,
        "total": fmt(claim.total_cents),
    }


@claim_app.command("create")
def claim_create(
    session_ids: Annotated[
        list[int] | None, Opt("--session", help="A signed session to bill (repeatable).")
    ] = None,
    patient: Annotated[str | None, Opt(help="Bill this patient's signed sessions.")] = None,
    from_: Annotated[str | None, Opt("--from", help="First date of service.")] = None,
    to: Annotated[str | None, Opt(help="Last date of service.")] = None,
    all_: Annotated[bool, Opt("--all", help="Every signed, unbilled, insured session.")] = False,
) -> None:
    """Build draft claims from signed, unbilled, insured sessions.

    Lines group by patient, policy, rendering provider, authorization and referral; a claim
    holds at most 50 lines (837P) and 12 diagnoses, and prints 6 lines per CMS-1500 page.

    Example: clinicbill claim create --patient P00001 --from 2026-11-01 --to 2026-11-30
    """
    from clinicbill.app.claims import create_claims
    from clinicbill.cli.render import done

    start = day(from_, "from") if from_ else None
    end = day(to, "to") if to else None
    with unit_of_work() as session:
        result = create_claims(session, session_ids, patient, start, end, all_)
        rows = [claim_row(c) for c in result.claims]
    skipped = result.skipped
    lines = [
        f"claim {c['id']} ({c['control_number']}): {c['total']}, {c['from']} to {c['to']}"
        for c in rows
    ]
    lines += [f"skipped: {reason}" for reason in skipped]
    done(
        f"created {len(rows)} draft claim(s)\n" + "\n".join(lines),
        {"claims": rows, "skipped": skipped},
    )


def print_findings(findings, title: str = "findings") -> None:
    from clinicbill.cli.render import table

    table(finding_rows(findings), FINDING_COLUMNS, title)


@claim_app.command("check")
def claim_check(
    claim_ids: Annotated[list[str] | None, Arg(help="Claim ids or control numbers.")] = None,
    all_: Annotated[bool, Opt("--all", help="Every draft and ready claim.")] = False,
) -> None:
    """Run the scrubber: every finding with severity, line, CMS-1500 box and a fix.

    A clean draft becomes ready; exits 1 when any claim has an error.

    Example: clinicbill claim check --all
    """
    from clinicbill.app.claims import check_claims
    from clinicbill.cli.context import STATE
    from clinicbill.domain.claims.scrub import has_errors

    with unit_of_work() as session:
        checked = check_claims(session, claim_ids, all_)
    statuses, findings = checked.statuses, checked.findings
    if STATE.json:
        from clinicbill.cli.render import emit_json

        emit_json({"claims": statuses, "findings": finding_rows(findings)})
    else:
        if findings:
            print_findings(findings)
        for claim_id, status in statuses.items():
            count = sum(1 for f in findings if f.claim_id == claim_id and f.severity == "error")
            verdict = f"{count} error(s)" if count else "no errors"
            typer.echo(f"claim {claim_id}: {verdict}; status {status}")
    if has_errors(findings):
        raise typer.Exit(1)


@claim_app.command("list")
def claim_list(
    status: Annotated[str | None, Opt(help="Only claims with this status.")] = None,
    payer: Annotated[str | None, Opt(help="Only this payer's claims.")] = None,
    patient: Annotated[str | None, Opt(help="Only this patient's claims.")] = None,
    limit: Annotated[int, Opt(help="At most this many (newest first).")] = 500,
) -> None:
    """List claims, newest first.

    Example: clinicbill claim list --status ready --payer CHP01
    """
    from clinicbill.app.claims import list_claims
    from clinicbill.cli.render import table

    with unit_of_work() as session:
        found = list_claims(session, status, payer, patient, limit)
        rows = [claim_row(c, p, y) for c, p, y in found]
    table(
        rows,
        ["id", "control_number", "status", "patient", "payer", "from", "to", "total"],
        "claims",
        right=["total"],
    )


@claim_app.command("mark")
def claim_mark(
    claim_id: Annotated[str, Arg(help="Claim id or control number.")],
    status: Annotated[str, Arg(help="submitted, accepted, rejected, paid, denied, ...")],
    note: Annotated[str | None, Opt(help="Why (e.g. the 277CA rejection reason).")] = None,
    date: Annotated[str | None, Opt("--date", help="When it happened (default today).")] = None,
    force: Annotated[bool, Opt("--force", help="Mark ready despite scrubber errors.")] = False,
) -> None:
    """Record a lifecycle step: draft, ready, submitted, accepted, rejected, paid,
    partially-paid, denied, appealed, closed.

    Example: clinicbill claim mark 12 accepted --note "277CA accepted"
    """
    from clinicbill.app.claims import mark_claim
    from clinicbill.cli.render import done

    with unit_of_work() as session:
        claim = mark_claim(session, claim_id, status, past_day(date), note, force)
        row = claim_row(claim)
    done(f"claim {row['id']}: {row['status']}", row)


@claim_app.command("void")
def claim_void(
    claim_id: Annotated[str, Arg(help="Claim id or control number.")],
    note: Annotated[str | None, Opt(help="Why.")] = None,
) -> None:
    """Void a claim that never reached the payer; its sessions can be billed again.

    Example: clinicbill claim void 12 --note "billed the wrong policy"
    """
    from clinicbill.app.claims import void_claim
    from clinicbill.cli.render import done

    with unit_of_work() as session:
        row = claim_row(void_claim(session, claim_id, past_day(None), note))
    done(f"claim {row['id']}: void", row)


@claim_app.command("resubmit")
def claim_resubmit(
    claim_id: Annotated[str, Arg(help="Claim id or control number.")],
    replace: Annotated[bool, Opt("--replace", help="Replacement claim (frequency 7).")] = False,
    void: Annotated[bool, Opt("--void", help="Void request (frequency 8).")] = False,
) -> None:
    """Resubmit: --replace (frequency 7) or --void (frequency 8) with the payer's claim
    control number (REF*F8); without either, a rejected claim is resent as an original.

    Example: clinicbill claim resubmit 12 --replace
    """
    from clinicbill.app.claims import resubmit_claim
    from clinicbill.cli.render import done
    from clinicbill.domain.errors import ClinicbillError

    if replace and void:
        raise ClinicbillError("resubmit: --replace and --void together", "choose one")
    mode = "replace" if replace else "void" if void else "original"
    with unit_of_work() as session:
        claim, original_id = resubmit_claim(session, claim_id, mode, past_day(None))
        row = claim_row(claim)
        row["original_claim_id"] = original_id
    done(
        f"claim {row['id']} ({row['control_number']}, frequency {row['frequency']}) "
        f"resubmits claim {row['original_claim_id']}; check and export it",
        row,
    )


@claim_app.command("secondary")
def claim_secondary(
    claim_id: Annotated[str, Arg(help="The primary claim (id or control number).")],
    force: Annotated[
        bool, Opt("--force", help="Bill it although the primary forwarded the claim.")
    ] = False,
    reason: Annotated[str | None, Opt("--reason", help="Why (required with --force).")] = None,
) -> None:
    """Bill the secondary policy with the primary's payment and adjustments (837P 2320/2430).

    A claim the primary forwarded to the secondary (CLP02 19/20/21/23) is refused unless
    --force with --reason: the secondary answers it without a second claim.

    Example: clinicbill claim secondary 12
    """
    from clinicbill.app.claims import secondary_claim
    from clinicbill.cli.render import done

    with unit_of_work() as session:
        claim, primary_id = secondary_claim(session, claim_id, past_day(None), force, reason)
        row = claim_row(claim)
        row["primary_claim_id"] = primary_id
    done(f"secondary claim {row['id']} ({row['control_number']}) for claim {primary_id}", row)


def _demo_kowalski_session(_dir) -> list[str]:
    from clinicbill.cli.demo import demo_day

    return [
        "session", "add", "--patient", "P00008", "--provider", "Reyes",
        "--date", demo_day(-1), "--dx", "M54.2", "--line", "97124:minutes=45",
        "--template", "massage", "--detail", "areas=neck, upper trapezius",
        "--detail", "techniques=Swedish", "--detail", "pressure=moderate",
        "--subjective", "Neck stiffness from desk work.",
        "--objective", "Hypertonic upper trapezius bilaterally.",
        "--assessment", "Improved rotation after treatment.",
        "--plan", "Every two weeks.", "--pain-before", "5", "--pain-after", "2", "--sign",
    ]  # fmt: skip


# Steps this module adds to `clinicbill demo` (see cli/demo.py); after the sessions' steps.
# The finding the demo fixes is real: a payer added at the front desk without its electronic
# payer id cannot receive an 837P, and the scrubber says so before the clearinghouse would.
DEMO_STEPS: list = [
    (
        "A new patient's plan, added at the front desk without its electronic payer id",
        ["payer", "add", "--name", "Summit Benefit Administrators", "--type", "commercial"],
    ),
    (
        "Kowalski's policy with Summit",
        [
            "policy",
            "add",
            "P00008",
            "--payer",
            "Summit",
            "--member-id",
            "SBA4471002",
            "--group",
            "NW-220",
            "--from",
            "2026-01-01",
        ],
    ),  # fmt: skip
    ("Kowalski's massage session, signed", _demo_kowalski_session),
    (
        "Bill every signed, unbilled session: one claim per patient and policy",
        ["claim", "create", "--all"],
    ),  # fmt: skip
    (
        "The scrubber's findings on Kowalski's claim (an error blocks export)",
        ["claim", "show", "3"],
    ),
    (
        "Fix it: record Summit's electronic payer id from the clearinghouse list",
        ["payer", "edit", "Summit", "--payer-id", "SBA01"],
    ),
    ("Check every claim again: no errors, so each becomes ready", ["claim", "check", "--all"]),
    (
        "Export the ready claims as one 837P interchange (marks them submitted)",
        ["claim", "export", "--ready", "--format", "837p", "-o", "{dir}/claims-1.837"],
    ),
    (
        "Chen's claim on a CMS-1500, form drawn, for review",
        ["claim", "export", "1", "--format", "cms1500", "-o", "{dir}/cms1500-1.pdf"],
    ),
    (
        "Whitfield's claim as data only, for the red pre-printed form",
        [
            "claim",
            "export",
            "2",
            "--format",
            "cms1500",
            "--overlay",
            "-o",
            "{dir}/cms1500-2-overlay.pdf",
        ],
    ),  # fmt: skip
    ("Claims after export", ["claim", "list"]),
]


def register(app: typer.Typer) -> None:
    """Add this module's commands to the root app."""
    app.add_typer(claim_app, name="claim")
