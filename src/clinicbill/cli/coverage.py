"""`verify …`: benefit verification notes. Also registers `referral …` and `auth …`
(cli/authorizations.py).

Notes are append-only: there is no edit or delete command; `verify add --corrects ID` records a
correction that says which note it replaces.
"""

from __future__ import annotations

from typing import Annotated

import typer

from clinicbill.cli.common import prompted_options, with_options
from clinicbill.cli.demo import demo_day
from clinicbill.cli.parse import today

Opt = typer.Option
verify_app = typer.Typer(
    help="Benefit verification notes (append-only; correct with --corrects).",
    no_args_is_help=True,
)

# The note's fields in the order a benefits call goes (domain/coverage/verification.py
# VERIFICATION_FIELDS): its prompt label, and the help of its `verify add` option (None: the
# help of cli/option_docs.py).
VERIFY_FIELDS = {
    "method": ("Verified how (phone, portal, 271)", "phone, portal or 271."),
    "representative": ("Representative's name", "Who you spoke with."),
    "call_reference": ("Call reference number", "The call reference number."),
    "in_network": ("In network? (yes/no)", "yes or no."),
    "massage_covered": ("Massage covered? (yes/no)", "yes or no."),
    "acupuncture_covered": ("Acupuncture covered? (yes/no)", "yes or no."),
    "visit_limit": ("Visit limit per plan year", "Visits allowed per plan year."),
    "visits_used": ("Visits used so far, per the payer", "Visits used so far, as the payer says."),
    "plan_year_start": ("Plan year starts (YYYY-MM-DD)", "YYYY-MM-DD."),
    "deductible": ("Deductible ($)", "Dollars."),
    "deductible_met": ("Deductible met so far ($)", "Dollars met so far."),
    "oop_max": ("Out-of-pocket maximum ($)", "Out-of-pocket maximum, dollars."),
    "oop_met": ("Out-of-pocket met so far ($)", "Out-of-pocket met so far, dollars."),
    "copay": ("Copay per visit ($)", "Dollars per visit."),
    "coinsurance": ("Coinsurance (%)", "Percent, 0-100."),
    "preauth_required": ("Pre-authorization required? (yes/no)", "yes or no."),
    "referral_required": (
        "Referral/prescription required? (yes/no)",
        "Referral/prescription: yes or no.",
    ),
    "exclusions": ("Exclusions", None),
    "notes": ("Notes", None),
    "reverify_by": ("Re-verify by (YYYY-MM-DD)", "Check again by this date."),
}
VERIFY_PROMPTS, VERIFY_OPTIONS = prompted_options(VERIFY_FIELDS)
PHONE_ONLY = {"representative", "call_reference"}
LIST_COLUMNS = [
    "id",
    "verified_on",
    "verified_by",
    "method",
    "reference",
    "in_network",
    "massage",
    "acupuncture",
    "limit",
    "payer_used",
    "plan_year_start",
    "reverify_by",
    "status",
]


def _skip_phone_only(name: str, answers: dict) -> bool:
    """The representative and call reference are asked only of a phone call."""
    return name in PHONE_ONLY and answers.get("method") not in (None, "phone")


def _ask_verification(values: dict, policy_id: int, corrects: str | None) -> dict:
    """On a terminal: ask what is missing (a correction starts from the corrected note's
    values), then show it all for review. Without one, the values stay as given."""
    from clinicbill.app.coverage import field_rules
    from clinicbill.cli import verify_prompts as vp
    from clinicbill.cli.common import ask_missing, asker
    from clinicbill.cli.context import tty

    if not tty():
        return values
    required, fields = field_rules("verification")
    base = vp.corrected_values(policy_id, corrects)
    values = ask_missing(
        values, VERIFY_PROMPTS, required, fields, _skip_phone_only, "required", defaults=base
    )
    if any(v is not None for k, v in values.items() if k in VERIFY_PROMPTS):
        ask_one = asker(VERIFY_PROMPTS, fields, required, "required")
        values = vp.review(values, VERIFY_PROMPTS, ask_one)
    return values


def _recorded(added) -> tuple[str, dict]:
    """The line and the JSON of a recorded note (app/coverage.py VerificationRecorded)."""
    note, status = added.note, added.visits
    fixed = ""
    if note.corrects_id:
        fixed = f" (corrects {note.corrects_id}: " + (
            "changed " + ", ".join(added.corrected) + ")"
            if added.corrected
            else "no value changed)"
        )
    return (
        f"verification {note.id} recorded for policy {added.policy_id}{fixed}\n"
        f"{visits_line(status)}",
        {**note.model_dump(), "visits": status.as_dict()},
    )


def visits_line(status) -> str:
    """Plan-year visits of a policy in one line (domain/coverage/visits.py PolicyVisitStatus)."""
    payer = (
        f", payer reported {status.visits_used_payer}"
        if status.visits_used_payer is not None
        else ""
    )
    head = (
        f"visits in plan year {status.plan_year_start}..{status.plan_year_end}: "
        f"{status.visits_used_practice} by our sessions{payer}"
    )
    if status.visit_limit is None:
        tail = "; no visit limit on record"
    else:
        tail = f"; limit {status.visit_limit}, {max(status.visits_remaining, 0)} remaining"
    flags = f" [{', '.join(status.flags)}]" if status.flags else ""
    return head + tail + flags


@verify_app.command("add")
@with_options(VERIFY_OPTIONS)
def verify_add(
    policy: Annotated[
        str, typer.Argument(help="Policy id, member id, or the patient (id, account, name).")
    ],
    corrects: Annotated[str | None, Opt(help="Id of the note this one corrects.")] = None,
    verified_at: Annotated[str | None, Opt(help="When it was checked (default now).")] = None,
    verified_by: Annotated[str | None, Opt(help="Who checked (default --user).")] = None,
    **fields,
) -> None:
    """Record a benefit verification call or portal check (asks for what is missing, then
    shows it for review; a correction starts from the corrected note's values).

    Example: clinicbill verify add 1 --method phone --representative Jo --call-reference
    R12345 --in-network yes --massage-covered yes --visit-limit 20 --visits-used 3
    --plan-year-start 2026-01-01 --copay 25 --referral-required yes --reverify-by 2027-01-01
    """
    from clinicbill.app.coverage import record_verification, verification_warnings
    from clinicbill.app.database import acting_user
    from clinicbill.cli.common import unit_of_work
    from clinicbill.cli.context import STATE, tty
    from clinicbill.cli.render import done
    from clinicbill.cli.verify_prompts import pick_policy

    values = {**fields, "verified_by": acting_user(verified_by or STATE.user)}
    policy_id = pick_policy(policy)  # refused before anything is asked
    values = _ask_verification(values, policy_id, corrects)
    warnings = [] if tty() else verification_warnings(values)
    with unit_of_work() as session:
        added = record_verification(session, str(policy_id), values, corrects, verified_at, today())
        message, data = _recorded(added)  # read inside: the note is expired after the commit
    done(message, data)
    for warning in warnings:  # already shown at the review on a terminal
        typer.echo(f"warning: {warning}", err=True)


@verify_app.command("list")
def verify_list(
    policy: Annotated[str, typer.Argument(help="Policy id or member id.")],
) -> None:
    """Show a policy's verification history (oldest first) and its visits this plan year.

    Example: clinicbill verify list 1
    """
    from clinicbill.app.coverage import list_verifications
    from clinicbill.cli.common import read
    from clinicbill.cli.render import json_given, table

    found = read(list_verifications, policy, today())
    rows, status = found.rows, found.visits
    if json_given({"policy_id": found.policy_id, "visits": status.as_dict(), "notes": rows}):
        return
    table(rows, LIST_COLUMNS, f"verification notes of policy {found.policy_id}")
    typer.echo(visits_line(status))


@verify_app.command("show")
def verify_show(
    note_id: Annotated[str, typer.Argument(metavar="ID", help="Verification note id.")],
) -> None:
    """Show one verification note in full.

    Example: clinicbill verify show 1
    """
    from clinicbill.app.coverage import show_verification
    from clinicbill.cli.common import model_data, read
    from clinicbill.cli.render import json_given, record
    from clinicbill.domain.money import fmt

    view = read(show_verification, note_id, today())
    note = view.note
    data = {**model_data(note), "corrected_by": view.corrected_by, "current": view.current}
    if json_given(data):
        return
    shown = {}
    for key, value in data.items():
        if key.endswith("_cents"):
            shown[key.removesuffix("_cents")] = fmt(value) if value is not None else None
        elif key == "coinsurance_pct":
            shown["coinsurance"] = f"{value}%" if value is not None else None
        else:
            shown[key] = value
    record(shown, f"verification {note.id} (policy {note.policy_id})")


def _demo_verification(_dir) -> list[str]:
    return [
        "verify", "add", "1", "--method", "phone", "--representative", "Jordan at Cascade",
        "--call-reference", "CHP-20261", "--in-network", "yes", "--massage-covered", "yes",
        "--acupuncture-covered", "yes", "--visit-limit", "20", "--visits-used", "0",
        "--plan-year-start", demo_day(month_day="01-01"), "--deductible", "500",
        "--deductible-met", "500", "--copay", "0",
        "--coinsurance", "20",  # what the demo's 835 applies (PR-2, app/payer_demo.py)
        "--preauth-required", "yes", "--referral-required", "yes",
        "--reverify-by", demo_day(years=1, month_day="01-15"),
    ]  # fmt: skip


def _demo_portal_check(_dir) -> list[str]:
    return [
        "verify", "add", "7", "--method", "portal", "--in-network", "yes",
        "--acupuncture-covered", "yes", "--massage-covered", "yes", "--visit-limit", "24",
        "--plan-year-start", demo_day(month_day="01-01"), "--copay", "30",
        "--preauth-required", "no", "--referral-required", "no",
        "--reverify-by", demo_day(years=1, month_day="01-15"),
    ]  # fmt: skip


def _demo_referral(_dir) -> list[str]:
    return [
        "referral", "add", "P00001", "--first-name", "Helen", "--last-name", "Park",
        "--npi", "1679576722", "--qualifier", "DN", "--date", demo_day(-45), "--dx", "M54.50",
        "--visits", "12", "--expires", demo_day(135),
    ]  # fmt: skip


def _demo_authorization(_dir) -> list[str]:
    return [
        "auth", "add", "1", "--number", "CHP-PA-778812", "--start", demo_day(-30),
        "--end", demo_day(60), "--visits", "8", "--codes", "97124,97140,97810,97811",
    ]  # fmt: skip


# Steps this module adds to `clinicbill demo` (see cli/demo.py): they run before the sessions.
DEMO_STEPS: list = [
    ("Benefit verification call for Chen's Cascade policy", _demo_verification),
    ("A portal check of Whitfield's Cascade benefits", _demo_portal_check),
    ("Her physician's referral (box 17)", _demo_referral),
    ("The prior authorization Cascade issued (box 23)", _demo_authorization),
]

# ...and these after the sessions, to show what the visits used.
DEMO_STEPS_AFTER_SESSIONS: list = [
    ("Visits remaining after the sessions", ["verify", "list", "1"]),
    ("The authorization and the session that used it", ["auth", "show", "1"]),
]


def register(app: typer.Typer) -> None:
    """Add this module's commands to the root app."""
    app.add_typer(verify_app, name="verify")
