"""Write a file holding patient data: created 0600, never through a symlink, never over an
existing file unless `force` (then replaced atomically). Until the shared safe-output helper
lands, the clearinghouse commands use this one (one place to switch at merge)."""

from __future__ import annotations

import os
from pathlib import Path

from clinicbill.domain.errors import ClinicbillError


def write_private(
    path: str | Path, content: str, force: bool = False, encoding: str = "ascii"
) -> Path:
    target = Path(path)
    if target.is_symlink():
        raise ClinicbillError(f"output: {target} is a symbolic link", "give a plain file path")
    if target.exists() and not force:
        raise ClinicbillError(f"output: {target} already exists", "give another -o, or --force")
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    flags = os.O_CREAT | os.O_EXCL | os.O_WRONLY | getattr(os, "O_NOFOLLOW", 0)
    try:
        fd = os.open(tmp, flags, 0o600)
    except OSError as exc:
        raise ClinicbillError(
            f"output: cannot write {target} ({exc.strerror})", "check the path"
        ) from None
    try:
        with os.fdopen(fd, "w", encoding=encoding, errors="replace", newline="") as fh:
            fh.write(content)
        os.replace(tmp, target)
    finally:
        if tmp.exists():
            tmp.unlink()
    return target
