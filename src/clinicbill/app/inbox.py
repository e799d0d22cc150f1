"""`inbox fetch`: response files from the clearinghouse's inbound directory, each fetched once,
kept 0600 in the data directory, and imported by what they are: 999/TA1/277CA/277 through
`ack import`, 835 through the era import's posting, 271 through `eligibility import`."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select

from clinicbill.store.models import InboxFile, Remittance


def inbox_dir() -> Path:
    import platformdirs

    return Path(platformdirs.user_data_dir("clinicbill")) / "inbox"


def fetched_names(session) -> set[str]:
    return set(session.execute(select(InboxFile.remote_name)).scalars())


def keep(name: str, data: bytes, directory: Path | None = None) -> Path:
    """Save a fetched file 0600 (a name taken by other content gets a numbered suffix)."""
    from clinicbill.store.files import private_directory, safe_name, write_private

    directory = private_directory(directory or inbox_dir())
    safe = safe_name(name)[:120] or "file"
    target, n = directory / safe, 1
    while target.exists() or target.is_symlink():
        if target.is_file() and not target.is_symlink() and target.read_bytes() == data:
            return target
        n += 1
        target = directory / f"{safe}.{n}"
    return write_private(target, data, force=False)


@dataclass(frozen=True)
class Imported:
    kind: str
    summary: str
    detail: object


def import_835_file(session, path: Path) -> Imported:
    """Post an 835 the way `era import` does (a file or trace posted before posts nothing)."""
    from clinicbill.domain.remittance.posting import post_remittance
    from clinicbill.formats.x12_835 import read_835

    item = read_835(path)
    earlier = session.execute(
        select(Remittance.imported_at).where(Remittance.file_sha256 == item.sha256).limit(1)
    ).first()
    if earlier is not None:
        return Imported("835", f"already imported {earlier.imported_at:%Y-%m-%d}", None)
    outcomes = [post_remittance(session, a, file_sha256=item.sha256) for a in item.advices]
    posted = sum(len(o.posted) for o in outcomes)
    return Imported("835", f"{posted} claim(s) posted", outcomes)


def import_any(session, path: Path) -> Imported:
    """Import a response file by what it holds."""
    from clinicbill.app.acknowledgements import import_ack_file
    from clinicbill.app.eligibility import import_eligibility
    from clinicbill.formats.x12_ack import kinds_of
    from clinicbill.formats.x12_envelope import parse_envelopes, read_bytes

    kinds = kinds_of(parse_envelopes(read_bytes(path), path.name))
    if "835" in kinds:
        return import_835_file(session, path)
    if "271" in kinds:
        result = import_eligibility(session, path)
        summary = result.already or f"{len(result.answers)} eligibility answer(s)"
        return Imported("271", summary, result)
    result = import_ack_file(session, path)
    summary = result.already or (
        f"{len(result.accepted)} accepted, {len(result.rejected)} rejected, "
        f"{len(result.received)} received"
    )
    return Imported("+".join(result.kinds), summary, result)


def record(
    session, name: str, size: int, data: bytes, local: Path, kind: str | None, result: str
) -> None:
    session.add(
        InboxFile(
            remote_name=name,
            size=size,
            sha256=hashlib.sha256(data).hexdigest(),
            local_path=str(local),
            kind=kind,
            result=result[:2000],
        )
    )
    session.flush()
