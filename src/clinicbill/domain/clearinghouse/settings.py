"""The clearinghouse connection settings: one row; never a password (that comes from the
environment when the clearinghouse wants one)."""

from __future__ import annotations

import re
from pathlib import Path

from sqlalchemy import select

from clinicbill.domain.errors import ClinicbillError
from clinicbill.store.models import ClearinghouseSetting

_FINGERPRINT = re.compile(r"SHA256:[A-Za-z0-9+/]{43}\Z")
_HOST = re.compile(r"[A-Za-z0-9.\-:\[\]]{1,253}\Z")
_NAME = re.compile(r"[^\x00-\x1f\x7f]{1,60}\Z")
_USER = re.compile(r"[A-Za-z0-9._\-@]{1,64}\Z")


def current(session) -> ClearinghouseSetting | None:
    return (
        session.execute(select(ClearinghouseSetting).order_by(ClearinghouseSetting.id))
        .scalars()
        .first()
    )


def required(session) -> ClearinghouseSetting:
    found = current(session)
    if found is None:
        raise ClinicbillError(
            "clearinghouse: no connection is set up",
            "clinicbill clearinghouse set --name N --host H --user U --key PATH "
            "--host-key SHA256:...",
        )
    return found


def _check(field: str, value: str, pattern: re.Pattern, hint: str) -> str:
    text = (value or "").strip()
    if not pattern.match(text):
        raise ClinicbillError(f"{field}: '{text[:40]}' is not accepted", hint)
    return text


def set_clearinghouse(
    session,
    *,
    name: str,
    host: str,
    username: str,
    key_path: str,
    host_key: str,
    port: int = 22,
    outbound: str | None = None,
    inbound: str | None = None,
) -> ClearinghouseSetting:
    """Create or replace the connection settings (validated; the key file must exist)."""
    values = {
        "name": _check("name", name, _NAME, "a short name, e.g. Office Ally"),
        "host": _check("host", host, _HOST, "a host name or IP address"),
        "username": _check("user", username, _USER, "the SFTP user name"),
        "host_key": _check(
            "host-key",
            host_key,
            _FINGERPRINT,
            "the server's SHA256 fingerprint, SHA256: and 43 characters "
            "(clinicbill clearinghouse test shows it)",
        ),
    }
    if not 0 < int(port) < 65536:
        raise ClinicbillError(f"port: {port} is out of range", "1 to 65535 (SFTP is usually 22)")
    key = Path(key_path).expanduser()
    if not key.is_file():
        raise ClinicbillError(f"key: {key_path} is not a file", "give the private key's path")
    values["key_path"] = str(key.resolve())
    values["port"] = int(port)
    for field, directory in (("outbound", outbound), ("inbound", inbound)):
        if directory is not None:
            text = directory.strip()
            if not text or any(ord(c) < 32 for c in text):
                raise ClinicbillError(f"{field}: '{text[:40]}' is not a directory", "give a path")
            values[f"{field}_dir"] = text
    row = current(session)
    if row is None:
        row = ClearinghouseSetting(**values)
        session.add(row)
    else:
        for column, value in values.items():
            setattr(row, column, value)
    session.flush()
    if row.outbound_dir == row.inbound_dir:
        raise ClinicbillError(
            "clearinghouse: --outbound and --inbound are the same directory",
            "give the directory the clearinghouse reads from and the one it writes answers to",
        )
    return row
