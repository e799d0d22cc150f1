"""Use case: write a claim's appeal packet (one PDF: letter + evidence), 0600, never over an
existing file without `force`, never through a symlink."""

from __future__ import annotations

import tempfile
from datetime import date
from pathlib import Path


def write_appeal_packet(
    session, claim_id: int, path: str | Path, *, force: bool = False, on: date | None = None
) -> Path:
    """Build the packet from the books and write it to `path`; returns the path."""
    from clinicbill.domain.remittance.appeal_packet import build_packet
    from clinicbill.formats.appeal_pdf import render_appeal_packet
    from clinicbill.store.files import resolve_output
    from clinicbill.store.models import Claim

    target = resolve_output(str(path), Path(path).name, force=force)
    claim = session.get(Claim, claim_id)
    packet = build_packet(session, claim, on or date.today())
    with tempfile.TemporaryDirectory(prefix="clinicbill-") as tmp:  # 0700
        drawn = render_appeal_packet(packet, Path(tmp) / "appeal.pdf")
        data = drawn.read_bytes()
    return target.write(data)


def appeal_with_packet(
    session, claim: str, on: date, *, force: bool, note, letter: bool, output: str | None
):
    """`claim appeal`: the claim appealed (app/appeals.py appeal_claim) and, with `letter`,
    its packet written to `output` (default appeal-ID.pdf). Returns (the result, the PDF's
    path or None)."""
    from clinicbill.app.appeals import appeal_claim

    result = appeal_claim(session, claim, on, force=force, note=note, letter_only=letter)
    if not letter:
        return result, None
    name = output or f"appeal-{result.claim_id}.pdf"
    return result, write_appeal_packet(session, result.claim_id, name, force=force)
