"""`claim export`: 837P interchange, CMS-1500 PDF, CSV or JSON of the box values."""

from __future__ import annotations

from typing import Annotated

import typer

from clinicbill.cli.common import Output, unit_of_work

Opt = typer.Option
FORMATS = ("837p", "cms1500", "csv", "json")


def _default_name(fmt: str, batch_id: int, claim_ids: list[int]) -> str:
    if fmt == "837p":
        return f"claims-{batch_id}.837"
    if fmt == "cms1500":
        return (
            f"cms1500-{claim_ids[0]}.pdf" if len(claim_ids) == 1 else f"cms1500-batch{batch_id}.pdf"
        )
    return f"claims-{batch_id}.{fmt}"


def _select(session, claim_ids: list[str] | None, ready: bool):
    from sqlalchemy import select

    from clinicbill.domain.claims import get_claim
    from clinicbill.domain.errors import ClinicbillError
    from clinicbill.store.models import Claim

    if claim_ids and ready:
        raise ClinicbillError("export: claim ids and --ready together", "give one or the other")
    if claim_ids:
        numeric = [int(i) for i in claim_ids if i.strip().isdigit()]
        found = {
            c.id: c for c in session.execute(select(Claim).where(Claim.id.in_(numeric))).scalars()
        }
        claims, seen = [], set()
        for ident in claim_ids:
            text = ident.strip()
            claim = found.get(int(text)) if text.isdigit() else None
            claim = claim or get_claim(session, ident)
            if claim.id not in seen:
                seen.add(claim.id)
                claims.append(claim)
    elif ready:
        claims = list(
            session.execute(select(Claim).where(Claim.status == "ready").order_by(Claim.id))
            .scalars()
            .all()
        )
        if not claims:
            raise ClinicbillError(
                "export: no ready claims", "check drafts first: clinicbill claim check --all"
            )
    else:
        raise ClinicbillError("export: say which claims", "give claim ids or --ready")
    void = [c.id for c in claims if c.status in ("void", "voided")]
    if void:
        raise ClinicbillError(
            f"export: claim {void[0]} is void", "void claims are never sent; leave it out"
        )
    return claims


def claim_export(
    claim_ids: Annotated[list[str] | None, typer.Argument(help="Claim ids.")] = None,
    ready: Annotated[bool, Opt("--ready", help="Every claim with status ready.")] = False,
    format: Annotated[str, Opt("--format", help="837p, cms1500, csv or json.")] = "837p",
    output: Output = None,
    overlay: Annotated[
        bool, Opt("--overlay", help="CMS-1500: data only, for the red pre-printed form.")
    ] = False,
    force: Annotated[bool, Opt("--force", help="Export despite scrubber errors.")] = False,
) -> None:
    """Export claims as an 837P interchange, CMS-1500 PDF, CSV or JSON.

    837P and CMS-1500 mark the claims submitted; a claim with scrubber errors is refused unless
    --force.

    Example: clinicbill claim export --ready --format 837p -o claims.837
    """
    from datetime import date, datetime
    from pathlib import Path

    from clinicbill.cli.claims import print_findings
    from clinicbill.cli.render import done
    from clinicbill.domain.claim_actions import begin_export, finish_export
    from clinicbill.domain.errors import ClinicbillError
    from clinicbill.domain.scrub import scrub_all
    from clinicbill.domain.snapshot_load import load_snapshots

    fmt = format.strip().lower()
    if fmt not in FORMATS:
        raise ClinicbillError(
            f"format: '{format[:20]}' is not accepted", "use " + ", ".join(FORMATS)
        )
    today = date.today()
    with unit_of_work() as session:
        claims = _select(session, claim_ids, ready)
        snapshots = load_snapshots(session, [c.id for c in claims], as_of=today)
        errors = [f for f in scrub_all(snapshots) if f.severity == "error"]
        if errors and not force and fmt in ("837p", "cms1500"):
            print_findings(errors, "errors")
            claims_with = sorted({f.claim_id for f in errors})
            raise ClinicbillError(
                f"export: {len(errors)} error(s) in claim(s) {', '.join(map(str, claims_with))}",
                "fix them (clinicbill claim check ID) or give --force",
            )
        if fmt == "837p":
            from clinicbill.formats.x12_837 import transactions_needed, write_837p

            batch = begin_export(
                session, [c.id for c in claims], fmt, transactions_needed(len(claims))
            )
            content = write_837p(snapshots, batch.interchange_control_number, datetime.now())
        else:
            batch = begin_export(session, [c.id for c in claims], fmt)
            content = None
        path = Path(output or _default_name(fmt, batch.id, [c.id for c in claims]))
        path.parent.mkdir(parents=True, exist_ok=True)
        if fmt == "cms1500":
            from clinicbill.formats.cms1500 import write_cms1500

            write_cms1500(path, snapshots, overlay=overlay)
        elif fmt in ("csv", "json"):
            from clinicbill.formats import claim_table

            content = (
                claim_table.to_csv(snapshots) if fmt == "csv" else claim_table.to_json(snapshots)
            )
        if content is not None:
            path.write_text(content, encoding="ascii" if fmt == "837p" else "utf-8")
        for claim in claims:
            if claim.first_billed_on and fmt == "837p":
                typer.echo(
                    f"note: claim {claim.id} was already sent on {claim.first_billed_on}; "
                    "a payer may deny a second copy as a duplicate",
                    err=True,
                )
        finish_export(session, batch, claims, str(path), today)
        summary = {
            "batch": batch.id,
            "format": fmt,
            "path": str(path),
            "claims": [c.id for c in claims],
            "interchange_control_number": batch.interchange_control_number,
        }
    what = f"interchange {summary['interchange_control_number']}, " if fmt == "837p" else ""
    done(f"wrote {path} ({what}{len(summary['claims'])} claim(s))", summary)


def register(claim_app: typer.Typer) -> None:
    claim_app.command("export")(claim_export)
