"""`era import|list|show` (X12 835 remittances). Registers the payment commands too
(cli/payments.py: `payment …`, `adjust`, `refund`, `package …`, `balance`)."""

from __future__ import annotations

from typing import Annotated

import typer

from clinicbill.cli.common import unit_of_work
from clinicbill.cli.era_demo import demo_appeal, demo_payment, demo_remittance

Opt = typer.Option
era_app = typer.Typer(help="Remittances (X12 835): post, list, show.", no_args_is_help=True)


class _DryRun(Exception):
    """Raised inside the unit of work to roll back a dry run."""


@era_app.command("import")
def era_import(
    files: Annotated[list[str], typer.Argument(help="835 files from the payer/clearinghouse.")],
    dry_run: Annotated[bool, Opt("--dry-run", help="Show what would post; write nothing.")] = False,
) -> None:
    """Post 835 remittances: payments, adjustments, patient responsibility and denials per line.

    The whole command posts in one transaction: a malformed file posts nothing. A file (or a
    trace number) imported before posts nothing again. Unmatched claims are reported and left
    for `payment post-eob`.

    Example: clinicbill era import remittance-2026-03-02.835 --dry-run
    """
    from clinicbill.app.era_import import import_835
    from clinicbill.cli.context import STATE

    reports = []
    try:
        with unit_of_work() as session, _reading(len(files)) as spinner, _progress() as bar:
            reports = import_835(
                session, files, keep_claims=STATE.json, progress=bar.update, reading=spinner.stop
            )
            if dry_run:
                raise _DryRun
    except _DryRun:
        pass
    _report(reports, dry_run)


def _on_terminal() -> bool:
    import sys

    from clinicbill.cli.context import STATE

    return sys.stderr.isatty() and not STATE.json


class _reading:
    """A spinner while files are read and checked (terminal only)."""

    def __init__(self, count: int):
        self.status = None
        self.count = count

    def __enter__(self):
        if _on_terminal():
            from rich.console import Console

            self.status = Console(stderr=True).status(f"reading {self.count} file(s)")
            self.status.start()
        return self

    def stop(self) -> None:
        if self.status is not None:
            self.status.stop()
            self.status = None

    def __exit__(self, *exc):
        self.stop()
        return False


class _progress:
    """A rich progress bar on a terminal (nothing when piped or with --json) once the files
    are read: two units per claim, one when planned and one when written. Shown for 200
    claims or more."""

    def __init__(self):
        self.bar = None

    def __enter__(self):
        return self

    def update(self, done: int, total: int) -> None:
        if self.bar is None:
            if total < 400 or not _on_terminal():
                return
            from rich.console import Console
            from rich.progress import Progress

            self.bar = Progress(console=Console(stderr=True), transient=True)
            self.bar.start()
            self.task = self.bar.add_task("posting claims", total=total)
        self.bar.update(self.task, completed=done)

    def __exit__(self, *exc):
        if self.bar is not None:
            self.bar.stop()
        return False


def _report(reports: list, dry_run: bool) -> None:
    from clinicbill.cli.context import STATE
    from clinicbill.cli.render import emit_json
    from clinicbill.domain.money import fmt

    if STATE.json:
        emit_json({"dry_run": dry_run, "files": [_json_file(r) for r in reports]})
        return
    for report in reports:
        if report.already_imported is not None:
            when = report.already_imported
            typer.echo(f"{report.file}: already imported {when:%Y-%m-%d}; nothing posted")
            continue
        for o, tally in zip(report.outcomes, report.tallies, strict=True):
            head = f"{report.file}: trace {o.trace_number} ({o.payer_identifier})"
            if o.duplicate:
                typer.echo(f"{head}: posted before (remittance {o.remittance_id}); nothing posted")
                continue
            paid_on = f" on {o.payment_date}" if o.payment_date else ""
            typer.echo(
                f"{head}: {fmt(o.paid_cents)} paid{paid_on}; {tally.posted} claim(s) posted,"
                f" {tally.not_posted} not posted"
            )
            if o.provider_adjustments_cents:
                typer.echo(
                    f"  provider-level adjustments (PLB): {fmt(o.provider_adjustments_cents)}"
                )
            for warning in o.warnings:
                typer.echo(f"  warning: {warning}")
            _claims_table(o, tally)
    if dry_run:
        typer.echo("dry run: nothing was written")


def _claims_table(outcome, tally) -> None:
    """Every claim of a small remittance; for a large one, the claims not posted (at most
    the tally's limit, the rest via `era show`) and counts of what happened to the others."""
    from clinicbill.cli.render import table
    from clinicbill.domain.money import fmt
    from clinicbill.domain.remittance.remit import CLAIM_STATUS_CODES

    limit = tally.limit  # above this many claims the report lists only the problems
    large = tally.count > limit
    shown, total = (tally.unposted, tally.not_posted) if large else (tally.first, tally.count)
    rows = [
        {
            "claim": c.patient_control_number,
            "payer status": CLAIM_STATUS_CODES.get(c.status_code, c.status_code),
            "paid": fmt(c.paid_cents),
            "patient": fmt(c.patient_resp_cents),
            "now": c.new_status or ("not posted" if not c.posted else ""),
            "notes": "; ".join(
                ([c.problem] if c.problem else [])
                + list(c.notes)
                + ([c.reason_text] if c.reason_text else [])
            ),
        }
        for c in shown[:limit]
    ]
    if rows:
        cols = ["claim", "payer status", "paid", "patient", "now", "notes"]
        table(rows, cols, right=["paid", "patient"])
    if total > limit:
        typer.echo(
            f"  ... and {total - limit} more not posted:"
            f" clinicbill era show {outcome.remittance_id}"
        )
    if large:
        for status, count in sorted(tally.statuses.items()):
            typer.echo(f"  {count} claim(s) now {status}")
        for note, count in tally.notes.most_common():
            typer.echo(f"  {count} x {note}")


def _json_file(report) -> dict:
    if report.already_imported is not None:
        return {"file": report.file, "already_imported": report.already_imported}
    from dataclasses import asdict

    return {"file": report.file, "remittances": [asdict(o) for o in report.outcomes]}


@era_app.command("list")
def era_list(limit: Annotated[int, Opt(help="At most this many, newest first.")] = 100) -> None:
    """List posted remittances (835 files and paper EOBs), newest first.

    Example: clinicbill era list
    """
    from clinicbill.app.remittance import list_remittances
    from clinicbill.cli.render import table
    from clinicbill.domain.money import fmt

    with unit_of_work() as session:
        rows = list_remittances(session, limit)
    table(
        [{**r, "paid": fmt(r.pop("paid_cents"))} for r in rows],
        ["id", "source", "trace", "payer", "paid_on", "paid", "claims", "not_posted"],
        "remittances",
        right=["paid", "claims", "not_posted"],
    )


@era_app.command("show")
def era_show(remittance: Annotated[int, typer.Argument(help="Remittance id.")]) -> None:
    """Show one remittance: its claims, remark codes in words, and provider adjustments.

    Example: clinicbill era show 1
    """
    from clinicbill.app.remittance import remittance_detail
    from clinicbill.cli.common import model_data
    from clinicbill.cli.context import STATE
    from clinicbill.cli.render import emit_json, record, table
    from clinicbill.domain.money import fmt
    from clinicbill.domain.remittance.remit import CLAIM_STATUS_CODES, describe_remarks

    with unit_of_work() as session:
        detail = remittance_detail(session, remittance)
        row = detail.remittance
        claim_rows = [
            {
                "claim": c.patient_control_number,
                "claim_id": c.claim_id,
                "payer status": CLAIM_STATUS_CODES.get(c.status_code, f"code {c.status_code}"),
                "charge": fmt(c.charge_cents),
                "paid": fmt(c.paid_cents),
                "patient": fmt(c.patient_resp_cents),
                "payer claim no": c.payer_claim_control_number,
                "remarks": describe_remarks((c.remark_codes or "").split(",")),
                "not posted": c.unmatched_reason or "",
            }
            for c in detail.claims
        ]
        plb = [
            {
                "provider": p.provider_identifier,
                "reason": p.reason,
                "reference": p.reference,
                "amount": fmt(p.amount_cents),
            }
            for p in detail.provider_adjustments
        ]
        data = model_data(row)
    if STATE.json:
        emit_json({**data, "claims": claim_rows, "provider_adjustments": plb})
        return
    data["paid"] = fmt(data.pop("paid_cents"))
    record(data, f"remittance {data['id']}")
    cols = ["claim", "claim_id", "payer status", "charge", "paid", "patient", "payer claim no"]
    table(claim_rows, [*cols, "remarks", "not posted"], "claims", right=["charge", "paid"])
    if plb:
        table(plb, ["provider", "reason", "reference", "amount"], "provider-level adjustments")


# Steps this module adds to `clinicbill demo` (see cli/demo.py); after the claims steps.
DEMO_STEPS: list = [
    ("Post the payer's 835 remittance for the submitted claims", demo_remittance),
    ("Remittances on file", ["era", "list"]),
    ("The denial stays with the payer: the follow-up worklist", ["report", "followup"]),
    ("Appeal the denied claim, with the appeal packet (letter + evidence)", demo_appeal),
    ("Chen pays her coinsurance by card (applied to her oldest balance)", demo_payment),
    ("Chen's balances after insurance and her payment", ["balance", "P00001", "--all"]),
    ("Chen's account summary", ["patient", "show", "P00001"]),
]


def register(app: typer.Typer) -> None:
    """Add this module's commands (and the payment commands) to the root app."""
    from clinicbill.cli import payments

    app.add_typer(era_app, name="era")
    payments.register(app)
