"""Import 835 remittances: the one use case behind `era import`, `inbox fetch` (an 835 found in
the clearinghouse's inbound directory) and the demo's payer step, plus the queries of
`era list` and `era show`.

An 835 is read as a stream (app/era_import.py, formats/x12_835.py) and checked whole before
anything is posted: a malformed file posts nothing. A file whose content (SHA-256 of its
bytes) was imported before posts nothing again, whatever its name and whichever command
imported it; a remittance whose check/EFT trace was posted before posts nothing either
(domain/remittance/posting.py). Never commits: the caller's unit of work holds every file.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import case, func, select

from clinicbill.store.models import ProviderAdjustment, Remittance, RemittanceClaim


def import_remittance(session, source, *, name: str = "835"):
    """Post one 835 in the caller's transaction, by the streaming import `era import` uses
    (app/era_import.py): `source` is a path or the file's bytes (kept 0600 in a private
    temporary folder while read). Returns its FileReport (posted, summary ...)."""
    import tempfile

    from clinicbill.app.era_import import import_835

    if not isinstance(source, bytes):
        return import_835(session, [str(source)])[0]
    with tempfile.TemporaryDirectory(prefix="clinicbill-") as folder:  # 0700
        from clinicbill.store.files import write_private

        path = write_private(Path(folder) / Path(name).name, source, force=False)
        report = import_835(session, [str(path)])[0]
    return report


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
