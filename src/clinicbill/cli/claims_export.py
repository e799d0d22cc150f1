"""`claim export`: 837P interchange, CMS-1500 PDF, CSV or JSON of the box values."""

from __future__ import annotations

from typing import Annotated

import typer

from clinicbill.cli.common import Output, unit_of_work

Opt = typer.Option


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
    from clinicbill.app.claims import ScrubbedOut, export_claims, export_format
    from clinicbill.cli.claims import print_findings
    from clinicbill.cli.render import done

    fmt = export_format(format)
    try:
        with unit_of_work() as session:
            result = export_claims(session, claim_ids, ready, fmt, output, overlay, force)
    except ScrubbedOut as refusal:  # the findings first, then the refusal line
        print_findings(refusal.findings, "errors")
        raise
    for claim_id, sent_on in result.already_sent:
        typer.echo(
            f"note: claim {claim_id} was already sent on {sent_on}; "
            "a payer may deny a second copy as a duplicate",
            err=True,
        )
    summary = {
        "batch": result.batch_id,
        "format": fmt,
        "path": result.path,
        "claims": result.claim_ids,
        "interchange_control_number": result.interchange_control_number,
    }
    what = f"interchange {summary['interchange_control_number']}, " if fmt == "837p" else ""
    done(
        f"wrote {result.label} ({what}{len(summary['claims'])} claim(s))",
        summary,
        err=result.to_stdout,
    )
    if result.test_interchange:
        typer.echo(
            "note: the file is marked as a TEST interchange (ISA15 = T): payers do not process "
            "it; for real claims run `clinicbill practice edit --x12-usage P`",
            err=True,
        )


def register(app: typer.Typer) -> None:
    """Add this module's commands to the `claim` group (cli/claims.py)."""
    from clinicbill.cli.claims import claim_app

    claim_app.command("export")(claim_export)
