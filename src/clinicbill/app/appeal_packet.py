"""Use case: write a claim's appeal packet (one PDF: letter + evidence), 0600, never over an
existing file without `force`, never through a symlink."""

from __future__ import annotations

import os
import tempfile
from datetime import date
from pathlib import Path

from clinicbill.domain.errors import ClinicbillError


def write_appeal_packet(
    session, claim_id: int, path: str | Path, *, force: bool = False, on: date | None = None
) -> Path:
    """Build the packet from the books and write it to `path`; returns the path."""
    from clinicbill.domain.remittance.appeal_packet import build_packet
    from clinicbill.formats.appeal_pdf import render_appeal_packet
    from clinicbill.store.models import Claim

    target = Path(path)
    _check_target(target, force)
    claim = session.get(Claim, claim_id)
    packet = build_packet(session, claim, on or date.today())
    with tempfile.TemporaryDirectory(prefix="clinicbill-") as tmp:  # 0700
        drawn = render_appeal_packet(packet, Path(tmp) / "appeal.pdf")
        data = drawn.read_bytes()
    write_private(target, data, force)
    return target


def _check_target(target: Path, force: bool) -> None:
    if target.is_symlink():
        raise ClinicbillError(f"output: {target} is a symbolic link", "give a plain file path")
    if target.exists() and not force:
        raise ClinicbillError(f"output: {target} exists", "give another -o path, or --force")
    if not target.parent.is_dir():
        raise ClinicbillError(f"output: folder {target.parent} does not exist", "create it first")


def write_private(target: Path, data: bytes, force: bool) -> None:
    """Write `data` to a new 0600 file, then move it into place (replacing only with force)."""
    _check_target(target, force)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".clinicbill-", suffix=".tmp")
    try:
        os.fchmod(fd, 0o600)
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        if force:
            os.replace(tmp, target)
        else:
            os.link(tmp, target)  # fails if the file appeared meanwhile
            os.unlink(tmp)
    except FileExistsError:
        os.unlink(tmp)
        raise ClinicbillError(
            f"output: {target} exists", "give another -o path, or --force"
        ) from None
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
