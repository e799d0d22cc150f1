"""Import 835 remittances: the one use case behind `era import`, `inbox fetch` (an 835 found in
the clearinghouse's inbound directory) and the demo's payer step, plus the queries of
`era list` and `era show`.

An 835 is read through the reader's public entry point (`formats.x12_835.read_835` for a path,
`parse_835` for bytes), whole, before anything is written: a malformed file posts nothing. A
file whose content (SHA-256 of its bytes) was imported before posts nothing again, whatever
its name and whichever command imported it; a remittance whose check/EFT trace was posted
before posts nothing either (domain/remittance/posting.py). Never commits: the caller's unit of work
holds every file it imports.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from sqlalchemy import case, func, select

from clinicbill.store.models import ProviderAdjustment, Remittance, RemittanceClaim


@dataclass
class RemittanceImport:
    """One 835 file: imported before (when), or what each of its remittances posted."""

    file: str
    sha256: str
    already_imported: datetime | None = None
    outcomes: list = field(default_factory=list)  # domain.posting.AdviceOutcome, one per ST

    @property
    def posted(self) -> int:
        return sum(len(o.posted) for o in self.outcomes)

    @property
    def not_posted(self) -> int:
        return sum(len(o.not_posted) for o in self.outcomes)

    @property
    def summary(self) -> str:
        if self.already_imported is not None:
            return f"already imported {self.already_imported:%Y-%m-%d}; nothing posted"
        duplicates = sum(1 for o in self.outcomes if o.duplicate)
        text = f"{self.posted} claim(s) posted"
        if self.not_posted:
            text += f", {self.not_posted} not posted"
        if duplicates:
            text += f"; {duplicates} remittance(s) posted before (same trace)"
        return text


def read_remittance(source: str | Path | bytes, name: str = "835"):
    """Read and check a whole 835 (a path, or its bytes): a ClinicbillError naming the
    segment on any problem. Returns the reader's parsed file (name, sha256, advices)."""
    from clinicbill.formats.x12_835 import parse_835, read_835

    if isinstance(source, bytes):
        return parse_835(source, name)
    return read_835(source)


def read_remittances(paths: Iterable[str | Path]) -> list:
    """Every file read and checked before anything is posted; a file given twice (the same
    content under two names) is read once."""
    parsed, seen = [], set()
    for path in paths:
        item = read_remittance(path)
        if item.sha256 not in seen:
            seen.add(item.sha256)
            parsed.append(item)
    return parsed


def earlier_import(session, sha256: str) -> datetime | None:
    """When an 835 with exactly this content was imported (by any command), if ever."""
    return session.execute(
        select(Remittance.imported_at).where(Remittance.file_sha256 == sha256).limit(1)
    ).scalar()


def import_remittance(
    session,
    source,
    *,
    name: str = "835",
    progress: Callable[[int], None] | None = None,
) -> RemittanceImport:
    """Post one 835 file in the caller's transaction. `source` is a path, the file's bytes, or
    a file already read by `read_remittance`. `progress(n)`: two units per claim."""
    from clinicbill.domain.remittance.posting import post_remittance

    parsed = source if hasattr(source, "advices") else read_remittance(source, name)
    result = RemittanceImport(parsed.name, parsed.sha256)
    result.already_imported = earlier_import(session, parsed.sha256)
    if result.already_imported is not None:
        if progress:
            progress(2 * parsed.claim_count)
        return result
    result.outcomes = [
        post_remittance(session, advice, file_sha256=parsed.sha256, progress=progress)
        for advice in parsed.advices
    ]
    return result


def import_remittances(
    session, parsed: list, progress: Callable[[int], None] | None = None
) -> list[RemittanceImport]:
    """`era import`: files read by `read_remittances`, posted in the caller's transaction."""
    return [import_remittance(session, item, progress=progress) for item in parsed]


def list_remittances(session, limit: int = 100) -> list[dict]:
    """`era list`: remittances newest first, with their claims and those not posted."""
    counts = (
        select(
            RemittanceClaim.remittance_id,
            func.count().label("claims"),
            func.sum(case((RemittanceClaim.unmatched_reason.is_not(None), 1), else_=0)).label(
                "not_posted"
            ),
        )
        .group_by(RemittanceClaim.remittance_id)
        .subquery()
    )
    rows = session.execute(
        select(Remittance, counts.c.claims, counts.c.not_posted)
        .outerjoin(counts, counts.c.remittance_id == Remittance.id)
        .order_by(Remittance.id.desc())
        .limit(limit)
    ).all()
    return [
        {
            "id": r.id,
            "source": r.source,
            "trace": r.trace_number,
            "payer": r.payer_name or r.payer_identifier,
            "paid_on": r.payment_date,
            "paid_cents": r.paid_cents,
            "claims": claims or 0,
            "not_posted": not_posted or 0,
        }
        for r, claims, not_posted in rows
    ]


@dataclass
class RemittanceDetail:
    remittance: Remittance
    claims: list[RemittanceClaim]
    provider_adjustments: list[ProviderAdjustment]


def remittance_detail(session, remittance_id: int) -> RemittanceDetail:
    """`era show`: one remittance, its claims and its provider-level adjustments."""
    from clinicbill.domain.errors import ClinicbillError

    row = session.get(Remittance, remittance_id)
    if row is None:
        raise ClinicbillError(
            f"remittance: no remittance with id {remittance_id}", "see 'clinicbill era list'"
        )
    claims = session.execute(
        select(RemittanceClaim)
        .where(RemittanceClaim.remittance_id == row.id)
        .order_by(RemittanceClaim.id)
    ).scalars()
    plb = session.execute(
        select(ProviderAdjustment)
        .where(ProviderAdjustment.remittance_id == row.id)
        .order_by(ProviderAdjustment.id)
    ).scalars()
    return RemittanceDetail(row, list(claims), list(plb))
