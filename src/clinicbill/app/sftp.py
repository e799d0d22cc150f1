"""SFTP to the clearinghouse (asyncssh, imported only here and only when used).

The server's host key must match the fingerprint stored with `clearinghouse set --host-key`:
an unknown or changed key is refused before anything is sent, with the fingerprint the server
showed. Authentication is by the private key file, plus a password from the environment
(CLINICBILL_SFTP_PASSWORD) if the clearinghouse wants one; a key passphrase comes from
CLINICBILL_SFTP_PASSPHRASE. Uploads go to a temporary name first and are renamed when whole,
so the clearinghouse never picks up half a file; an existing file is never overwritten.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from clinicbill.domain.errors import ClinicbillError

PASSWORD_ENV = "CLINICBILL_SFTP_PASSWORD"
PASSPHRASE_ENV = "CLINICBILL_SFTP_PASSPHRASE"
TIMEOUT = 30  # seconds to connect and log in
MAX_DOWNLOAD = 100 * 1024 * 1024


@dataclass(frozen=True)
class Remote:
    name: str
    host: str
    port: int
    username: str
    key_path: str
    host_key: str  # SHA256:... fingerprint
    outbound: str
    inbound: str


@dataclass(frozen=True)
class RemoteFile:
    name: str
    size: int


def _refusal(remote: Remote, action: str, exc: BaseException) -> ClinicbillError:
    import asyncssh

    where = f"{remote.name} ({remote.host}:{remote.port})"
    if isinstance(exc, asyncssh.PermissionDenied):
        return ClinicbillError(
            f"sftp: {where} refused the login of user '{remote.username}' while {action}",
            f"check the user and key (clinicbill clearinghouse set ...); a password comes from "
            f"{PASSWORD_ENV}",
        )
    if isinstance(exc, asyncssh.SFTPError):
        return ClinicbillError(
            f"sftp: {where}: {exc.reason} while {action}",
            "check the directories with the "
            "clearinghouse (clinicbill clearinghouse set --outbound DIR --inbound DIR)",
        )
    if isinstance(exc, asyncssh.KeyImportError | FileNotFoundError | PermissionError):
        return ClinicbillError(
            f"sftp: cannot read the private key {remote.key_path} ({exc})",
            f"check --key; a passphrase comes from {PASSPHRASE_ENV}",
        )
    text = getattr(exc, "reason", None) or str(exc) or type(exc).__name__
    return ClinicbillError(
        f"sftp: {where}: connection failed while {action} ({text})",
        "check the host, port and network, then run it again",
    )


def run(remote: Remote, action: str, work: Callable[[Any], Awaitable[Any]]):
    """Connect, check the host key, log in, open SFTP, run `work(sftp)`, close."""
    import asyncio

    import asyncssh

    seen: list[str] = []

    class _Client(asyncssh.SSHClient):
        def validate_host_public_key(self, host, addr, port, key) -> bool:
            fingerprint = key.get_fingerprint("sha256")
            seen.append(fingerprint)
            return fingerprint == remote.host_key.strip()

    async def main():
        passphrase = os.environ.get(PASSPHRASE_ENV) or None
        key = asyncssh.read_private_key(os.path.expanduser(remote.key_path), passphrase)
        async with asyncssh.connect(
            remote.host,
            port=remote.port,
            username=remote.username,
            client_factory=_Client,
            known_hosts=([], [], []),  # no trusted keys: every key goes to the check above
            server_host_key_algs="default",
            client_keys=[key],
            password=os.environ.get(PASSWORD_ENV) or None,
            agent_path=None,
            connect_timeout=TIMEOUT,
            login_timeout=TIMEOUT,
            config=[],
        ) as conn:
            async with conn.start_sftp_client() as sftp:
                return await work(sftp)

    try:
        return asyncio.run(main())
    except asyncssh.HostKeyNotVerifiable:
        shown = seen[-1] if seen else "none"
        raise ClinicbillError(
            f"sftp: the host key of {remote.host}:{remote.port} is {shown}, not the "
            f"{remote.host_key} on record: refused, nothing was sent",
            "if the clearinghouse confirms the new key, record it: clinicbill clearinghouse "
            "set ... --host-key " + shown,
        ) from None
    except ClinicbillError:
        raise
    except (asyncssh.Error, OSError, asyncssh.KeyImportError, TimeoutError, EOFError) as exc:
        raise _refusal(remote, action, exc) from None


def _join(directory: str, name: str) -> str:
    return f"{directory.rstrip('/')}/{name}" if directory else name


def upload(remote: Remote, name: str, data: bytes) -> str:
    """Put `data` as `outbound/name`: written as a hidden temporary name, then renamed; an
    existing file of that name is never replaced. Returns the remote path."""
    final = _join(remote.outbound, name)
    partial = _join(remote.outbound, f".{name}.part")

    async def work(sftp):
        if await sftp.exists(final):
            raise ClinicbillError(
                f"sftp: {final} already exists on {remote.name}",
                "the clearinghouse has a file of that name: nothing was sent",
            )
        try:
            async with sftp.open(partial, "wb") as fh:
                await fh.write(data)
            await sftp.rename(partial, final)
        except BaseException:
            try:
                await sftp.remove(partial)
            except Exception:  # noqa: BLE001 - the connection may be gone; best effort
                pass
            raise
        return final

    return run(remote, f"uploading {name}", work)


def exists(remote: Remote, names: list[str]) -> set[str]:
    """Which of these file names are in the outbound directory."""

    async def work(sftp):
        return {n for n in names if await sftp.exists(_join(remote.outbound, n))}

    return run(remote, "checking earlier uploads", work)


def list_inbound(remote: Remote) -> list[RemoteFile]:
    async def work(sftp):
        found = []
        for entry in await sftp.readdir(remote.inbound or "."):
            attrs = entry.attrs
            regular = attrs.permissions is not None and stat.S_ISREG(attrs.permissions)
            if entry.filename.startswith(".") or not regular:
                continue
            found.append(RemoteFile(entry.filename, attrs.size or 0))
        return sorted(found, key=lambda f: f.name)

    return run(remote, "listing the inbound directory", work)


def download(remote: Remote, names: list[str]) -> dict[str, bytes]:
    async def work(sftp):
        out = {}
        for name in names:
            async with sftp.open(_join(remote.inbound, name), "rb") as fh:
                data = await fh.read(MAX_DOWNLOAD + 1)
            if len(data) > MAX_DOWNLOAD:
                raise ClinicbillError(
                    f"sftp: {name} is larger than {MAX_DOWNLOAD} bytes", "ask the clearinghouse"
                )
            out[name] = data
        return out

    return run(remote, "downloading", work)


def check(remote: Remote) -> dict:
    """Log in and look at both directories (`clearinghouse test`)."""

    async def work(sftp):
        result = {}
        for label, directory in (("outbound", remote.outbound), ("inbound", remote.inbound)):
            result[label] = await sftp.isdir(directory or ".")
        return result

    return run(remote, "testing the connection", work)
