"""`claim export`: 837P interchange, CMS-1500 PDF, CSV or JSON of the box values."""

from __future__ import annotations

from typing import Annotated

import typer

from clinicbill.cli.common import Output, unit_of_work

Opt = typer.Option
FORMATS = ("837p", "cms1500", "csv", "json")


def _default_name(fmt: str, batch_id: int, claim_ids: list[int]) -> str:
    """One name per export batch, so a second export never meets the first one's file."""
    if fmt == "837p":
        return f"claims-{batch_id}.837"
    if fmt == "cms1500":
        if len(claim_ids) == 1:
            return f"cms1500-{claim_ids[0]}-batch{batch_id}.pdf"
        return f"cms1500-batch{batch_id}.pdf"
    return f"claims-{batch_id}.{fmt}"


def claim_export(
    claim_ids: Annotated[list[str] | None, typer.Argument(help="Claim ids.")] = None,
    ready: Annotated[bool, Opt("--ready", help="Every claim with status ready.")] = False,
    format: Annotated[str, Opt("--format", help="837p, cms1500, csv or json.")] = "837p",
    output: Output = None,
    overlay: Annotated[
        bool, Opt("--overlay", help="CMS-1500: data only, for the red pre-printed form.")
    ] = False,
    force: Annotated[
        bool,
        Opt("--force", help="Export despite scrubber errors, and replace an existing file."),
    ] = False,
) -> None:
    """Export claims as an 837P interchange, CMS-1500 PDF, CSV or JSON.

    837P and CMS-1500 mark the claims submitted; a claim with scrubber errors is refused unless
    --force. `-o -` writes to standard output.

    Example: clinicbill claim export --ready --format 837p -o claims.837
    """
    from datetime import date
    from pathlib import Path

    from clinicbill.app.claim_batches import build_837p, refuse_errors, scrub, select_claims
    from clinicbill.cli.claims import print_findings
    from clinicbill.cli.render import done
    from clinicbill.domain.claims.actions import begin_export, finish_export
    from clinicbill.domain.errors import ClinicbillError
    from clinicbill.store.files import resolve_output

    fmt = format.strip().lower()
    if fmt not in FORMATS:
        raise ClinicbillError(
            f"format: '{format[:20]}' is not accepted", "use " + ", ".join(FORMATS)
        )
    today = date.today()
    with unit_of_work() as session:
        claims = select_claims(session, claim_ids, ready)
        snapshots, errors = scrub(session, claims, today)
        if errors and not force and fmt in ("837p", "cms1500"):
            print_findings(errors, "errors")
            refuse_errors(errors)
        if fmt == "837p":
            built = build_837p(session, claims, snapshots, Path(output).name if output else None)
            batch, content = built.export, built.content
        else:
            batch = begin_export(session, [c.id for c in claims], fmt)
            content = None
        name = _default_name(fmt, batch.id, [c.id for c in claims])
        target = resolve_output(output, name, force=force)
        if fmt == "cms1500":
            from clinicbill.formats.cms1500 import cms1500_pdf

            content = cms1500_pdf(snapshots, overlay=overlay)
        elif fmt in ("csv", "json"):
            from clinicbill.formats import claim_table

            content = (
                claim_table.to_csv(snapshots) if fmt == "csv" else claim_table.to_json(snapshots)
            )
        target.write(content)  # 837P text is ASCII (x12_837 writes only ASCII)
        for claim in claims:
            if claim.first_billed_on and fmt == "837p":
                typer.echo(
                    f"note: claim {claim.id} was already sent on {claim.first_billed_on}; "
                    "a payer may deny a second copy as a duplicate",
                    err=True,
                )
        finish_export(session, batch, claims, str(target), today)
        summary = {
            "batch": batch.id,
            "format": fmt,
            "path": str(target),
            "claims": [c.id for c in claims],
            "interchange_control_number": batch.interchange_control_number,
        }
    what = f"interchange {summary['interchange_control_number']}, " if fmt == "837p" else ""
    done(
        f"wrote {target.label} ({what}{len(summary['claims'])} claim(s))",
        summary,
        err=target.to_stdout,
    )
    if fmt == "837p" and snapshots[0].billing.x12_usage != "P":
        typer.echo(
            "note: the file is marked as a TEST interchange (ISA15 = T): payers do not process "
            "it; for real claims run `clinicbill practice edit --x12-usage P`",
            err=True,
        )


def register(app: typer.Typer) -> None:
    """Add this module's commands to the `claim` group (cli/claims.py)."""
    from clinicbill.cli.claims import claim_app

    claim_app.command("export")(claim_export)
