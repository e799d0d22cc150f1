"""`clinicbill demo` steps for the clearinghouse round trip (see cli/demo.py).

When a throwaway local SFTP server can be started (app/sftp_local.py), the demo connects to it,
submits a new claim over SFTP and fetches generated acknowledgements from its inbound
directory; otherwise it exports the claim to a file and shows `ack import` with the same
generated acknowledgements. The first step says which it did.
"""

from __future__ import annotations

from pathlib import Path

import typer

_STATE: dict = {"server": None}


def _db(target: Path) -> str:
    return str(target / "clinicbill-demo.db")


def _connect(target: Path) -> list[str]:
    import shutil

    root = target / "demo-clearinghouse"
    key = target / "demo-clearinghouse-key"
    shutil.rmtree(root, ignore_errors=True)
    key.unlink(missing_ok=True)
    (root / "outbound").mkdir(parents=True, mode=0o700)
    (root / "inbound").mkdir(mode=0o700)
    try:
        from clinicbill.app.sftp_local import LocalSftpServer, new_client_key

        server = LocalSftpServer(root, new_client_key(key)).start()
    except Exception as exc:  # noqa: BLE001 - no asyncssh, no loopback, no port: say so, go on
        _STATE["server"] = None
        typer.echo(
            f"demo: no local SFTP server could be started ({type(exc).__name__}); showing "
            "'ack import' with generated acknowledgements instead of a submission"
        )
        return ["claim", "list", "--status", "submitted"]
    _STATE["server"] = server
    typer.echo(
        f"demo: a throwaway SFTP server on 127.0.0.1:{server.port} stands in for the "
        "clearinghouse; the new claim is submitted to it over SFTP"
    )
    return [
        "clearinghouse", "set", "--name", "Demo clearinghouse", "--host", "127.0.0.1",
        "--port", str(server.port), "--user", "willow", "--key", str(key),
        "--host-key", server.fingerprint, "--outbound", "outbound", "--inbound", "inbound",
    ]  # fmt: skip


def _test(_target: Path) -> list[str]:
    return ["clearinghouse", "test"] if _STATE["server"] else ["claim", "list"]


def _followup_session(_target: Path) -> list[str]:
    from datetime import date

    return [
        "session", "add", "--patient", "P00001", "--provider", "Reyes",
        "--date", date.today().isoformat(), "--dx", "M54.50", "--line", "97124:minutes=30",
        "--template", "massage", "--detail", "areas=low back", "--detail", "techniques=Swedish",
        "--detail", "pressure=moderate", "--subjective", "Low back better since last visit.",
        "--objective", "Less guarding in the lumbar paraspinals.",
        "--assessment", "Progressing.", "--plan", "Two more visits.", "--sign",
    ]  # fmt: skip


def _send(target: Path) -> list[str]:
    if _STATE["server"]:
        return ["claim", "submit", "--ready"]
    return ["claim", "export", "--ready", "--format", "837p", "-o", str(target / "claims-2.837")]


def _answers(target: Path) -> list[str]:
    """Play the clearinghouse: a 999 and a 277CA for every batch sent, where they arrive."""
    from datetime import UTC, datetime

    from clinicbill.app.demo import acknowledge_batches
    from clinicbill.store.engine import transaction

    server = _STATE["server"]
    folder = server.root / "inbound" if server else target
    with transaction(_db(target), "demo") as session:
        paths = acknowledge_batches(session, folder, 900, datetime.now(UTC))
    if server:
        return ["inbox", "fetch"]
    return ["ack", "import", *paths]


def _finish(_target: Path) -> list[str]:
    server = _STATE.pop("server", None)
    _STATE["server"] = None
    if server is not None:
        server.stop()
    return ["claim", "list"]


DEMO_STEPS: list = [
    ("Connect to the clearinghouse (a throwaway local SFTP server when one starts)", _connect),
    ("Log in and look at its directories", _test),
    ("Chen's follow-up massage today, signed", _followup_session),
    ("Bill it", ["claim", "create", "--all"]),
    ("Check it: ready", ["claim", "check", "--all"]),
    ("Send it to the clearinghouse (or to a file without one)", _send),
    ("The clearinghouse answers: a 999 and a 277CA for each batch", _answers),
    (
        "Eligibility for Chen's next visit: a 270",
        [
            "eligibility",
            "request",
            "--patient",
            "P00001",
            "-o",
            "{dir}/eligibility.270",
            "--force",
        ],
    ),  # fmt: skip
    ("Claims after the acknowledgements (accepted into adjudication)", _finish),
]


def register(app: typer.Typer) -> None:
    """Demo steps only; the commands are in cli/clearinghouse.py."""
