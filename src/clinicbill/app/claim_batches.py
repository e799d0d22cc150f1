"""Build an 837P batch from claims: select them, scrub, number the interchange, write it and
record the batch (file name, ISA13/GS06, each claim's ST02 and segments) so acknowledgements
map back to claims. `claim export --format 837p` and `claim submit` both run this."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime

from sqlalchemy import select

from clinicbill.domain.errors import ClinicbillError, NothingChosen
from clinicbill.store.models import Claim, ExportBatch, X12Batch


def select_claims(session, claim_ids: list[str] | None, ready: bool) -> list[Claim]:
    """Claims by id or control number, or every ready claim; void claims are refused."""
    from clinicbill.domain.claims.build import get_claim

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
        raise NothingChosen("export: say which claims", "give claim ids or --ready")
    void = [c.id for c in claims if c.status in ("void", "voided")]
    if void:
        raise ClinicbillError(
            f"export: claim {void[0]} is void", "void claims are never sent; leave it out"
        )
    return claims


def scrub(session, claims: list[Claim], on: date):
    """(snapshots, error findings) of the claims as they would be sent."""
    from clinicbill.domain.claims.scrub import scrub_all
    from clinicbill.domain.claims.snapshot_load import load_snapshots

    snapshots = load_snapshots(session, [c.id for c in claims], as_of=on)
    errors = [f for f in scrub_all(snapshots) if f.severity == "error"]
    return snapshots, errors


def refuse_errors(errors) -> None:
    if errors:
        claims_with = sorted({f.claim_id for f in errors})
        raise ClinicbillError(
            f"export: {len(errors)} error(s) in claim(s) {', '.join(map(str, claims_with))}",
            "fix them (clinicbill claim check ID) or give --force",
        )


@dataclass(frozen=True)
class Batch837:
    export: ExportBatch
    x12: X12Batch
    content: str


def default_name(batch_id: int) -> str:
    return f"claims-{batch_id}.837"


def build_837p(
    session,
    claims: list[Claim],
    snapshots,
    file_name: str | None = None,
    now: datetime | None = None,
) -> Batch837:
    """Number, write and record the 837P interchange of scrubbed claims (not yet marked
    submitted: finish_export does that once the file is written or uploaded)."""
    from clinicbill.domain.claims.actions import begin_export
    from clinicbill.domain.clearinghouse.batches import record_batch
    from clinicbill.formats.x12_837 import transactions_needed, write_837p
    from clinicbill.formats.x12_batch_map import claim_spans

    ids = [c.id for c in claims]
    export = begin_export(session, ids, "837p", transactions_needed(len(claims)))
    control = export.interchange_control_number
    content = write_837p(snapshots, control, now or datetime.now(UTC))
    billing = snapshots[0].billing
    x12 = record_batch(
        session,
        "837p",
        content,
        file_name or default_name(export.id),
        control,
        billing.submitter_id,
        billing.receiver_id,
        claim_spans(content),
        export_batch_id=export.id,
    )
    return Batch837(export, x12, content)
