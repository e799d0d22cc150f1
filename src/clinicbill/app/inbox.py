"""`inbox fetch`: response files from the clearinghouse's inbound directory, each fetched once,
kept 0600 in the data directory, and imported by what they are: 999/TA1/277CA/277 as
`ack import` does, 835 through app/remittance.py (as `era import`), 271 as `eligibility
import`.

A file is fetched once by its remote name, and imported once by its content: a file whose
bytes (SHA-256) were imported before, fetched under another name or imported by hand with
`ack import`, `era import` or `eligibility import`, is recorded as skipped with the reason and
imports nothing."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select

from clinicbill.store.models import InboxFile, Remittance, X12Response


def inbox_dir(session=None) -> Path:
    """`inbox/` beside the SQLite database file (the user data directory by default), so the
    files stay with the database they were imported into; with a database URL (PostgreSQL),
    `inbox/` in the user data directory."""
    import platformdirs

    bind = session.get_bind() if session is not None else None
    if bind is not None and bind.dialect.name == "sqlite" and bind.url.database:
        return Path(bind.url.database).parent / "inbox"
    return Path(platformdirs.user_data_dir("clinicbill")) / "inbox"


def fetched_names(session) -> set[str]:
    return set(session.execute(select(InboxFile.remote_name)).scalars())


def keep(session, name: str, data: bytes, directory: Path | None = None) -> Path:
    """Save a fetched file 0600 (a name taken by other content gets a numbered suffix)."""
    from clinicbill.store.files import private_directory, safe_name, write_private

    directory = private_directory(directory or inbox_dir(session))
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
    already: bool = False  # the same interchange (sender + ISA13) or trace imported before


@dataclass(frozen=True)
class Fetched:
    """What became of one fetched file (the `inbox fetch` report, one row per file)."""

    file: str
    kind: str | None  # None: refused
    result: str
    skipped: bool = False  # its content was imported before: nothing imported
    local: str = ""  # where it is kept


@dataclass(frozen=True)
class EarlierCopy:
    kind: str
    reason: str
    local_path: str | None = None


def earlier_copy(session, sha256: str) -> EarlierCopy | None:
    """Where this exact content was imported before, if anywhere: fetched from the inbox under
    another name, or imported by hand (ack/eligibility import: X12Response; era import:
    Remittance). A copy that was refused does not count: it is tried again."""
    fetched = (
        session.execute(
            select(InboxFile)
            .where(InboxFile.sha256 == sha256, InboxFile.kind.is_not(None))
            .order_by(InboxFile.id)
        )
        .scalars()
        .first()
    )
    if fetched is not None:
        return EarlierCopy(
            fetched.kind,
            f"same content as {fetched.remote_name}, fetched {fetched.fetched_at:%Y-%m-%d}",
            fetched.local_path,
        )
    response = session.execute(
        select(X12Response).where(X12Response.sha256 == sha256).limit(1)
    ).scalar()
    if response is not None:
        command = "eligibility import" if response.kind == "271" else "ack import"
        return EarlierCopy(
            response.kind,
            f"same content imported by {command} as {response.file_name} on "
            f"{response.imported_at:%Y-%m-%d}",
        )
    remittance = session.execute(
        select(Remittance.imported_at).where(Remittance.file_sha256 == sha256).limit(1)
    ).scalar()
    if remittance is not None:
        return EarlierCopy("835", f"same content posted by era import on {remittance:%Y-%m-%d}")
    return None


def take(session, name: str, size: int, data: bytes, directory: Path | None = None) -> Fetched:
    """Keep and import one fetched file in the caller's transaction, or record it as skipped
    when its content was imported before. A refusal (ClinicbillError) is the caller's to
    record with `refuse` in a transaction of its own."""
    sha256 = hashlib.sha256(data).hexdigest()
    earlier = earlier_copy(session, sha256)
    if earlier is not None:
        local = earlier.local_path or str(keep(session, name, data, directory))
        result = f"skipped: {earlier.reason}"
        record(session, name, size, sha256, local, earlier.kind, result)
        return Fetched(name, earlier.kind, result, skipped=True, local=local)
    local = keep(session, name, data, directory)
    imported = import_any(session, local)
    result = imported.summary
    if imported.already:
        result = "skipped: " + ("" if result.startswith("already") else "already ") + result
    record(session, name, size, sha256, str(local), imported.kind, result)
    return Fetched(name, imported.kind, result, skipped=imported.already, local=str(local))


def refuse(
    session, name: str, size: int, data: bytes, message: str, directory: Path | None = None
) -> Fetched:
    """Record a file that could not be imported (kept, so it can be looked at)."""
    local = keep(session, name, data, directory)
    result = f"refused: {message}"
    record(session, name, size, hashlib.sha256(data).hexdigest(), str(local), None, result)
    return Fetched(name, None, result, local=str(local))


def import_any(session, path: Path) -> Imported:
    """Import a response file by what it holds."""
    from clinicbill.app.acknowledgements import import_ack_file
    from clinicbill.app.eligibility import import_eligibility
    from clinicbill.app.remittance import import_remittance
    from clinicbill.formats.x12_ack import kinds_of
    from clinicbill.formats.x12_envelope import parse_envelopes, read_bytes

    kinds = kinds_of(parse_envelopes(read_bytes(path), path.name))
    if "835" in kinds:
        posted = import_remittance(session, path)
        return Imported("835", posted.summary, posted, posted.already_imported is not None)
    if "271" in kinds:
        result = import_eligibility(session, path)
        summary = result.already or f"{len(result.answers)} eligibility answer(s)" + "".join(
            _eligibility_line(answer) for answer in result.answers
        )
        return Imported("271", summary, result, result.already is not None)
    result = import_ack_file(session, path)
    summary = result.already or (
        f"{len(result.accepted)} accepted, {len(result.rejected)} rejected, "
        f"{len(result.received)} received"
    )
    return Imported("+".join(result.kinds), summary, result, result.already is not None)


def _eligibility_line(answer) -> str:
    """`; policy 4: active, changed: visits used: 5 -> 7` (what `eligibility import` says)."""
    state = {True: "active", False: "NOT active"}.get(answer.active, "coverage not stated")
    changed = f", changed: {'; '.join(answer.changed)}" if answer.changed else ""
    return f"; policy {answer.policy_id}: {state}{changed}"


def record(
    session, name: str, size: int, sha256: str, local: str, kind: str | None, result: str
) -> None:
    session.add(
        InboxFile(
            remote_name=name,
            size=size,
            sha256=sha256,
            local_path=local,
            kind=kind,
            result=result[:2000],
        )
    )
    session.flush()
