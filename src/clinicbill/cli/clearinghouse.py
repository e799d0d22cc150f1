"""`clearinghouse set|show|test` (the SFTP connection) and `inbox fetch` (response files)."""

from __future__ import annotations

from typing import Annotated

import typer

from clinicbill.cli.common import unit_of_work

Opt = typer.Option
clearinghouse_app = typer.Typer(help="The clearinghouse SFTP connection.")
inbox_app = typer.Typer(help="Response files from the clearinghouse.")


@clearinghouse_app.command("set")
def clearinghouse_set(
    name: Annotated[str, Opt("--name", help="The clearinghouse's name.")],
    host: Annotated[str, Opt("--host", help="SFTP host name.")],
    user: Annotated[str, Opt("--user", help="SFTP user name.")],
    key: Annotated[str, Opt("--key", help="Path of the private key file.")],
    host_key: Annotated[
        str, Opt("--host-key", help="The server's host key fingerprint (SHA256:...).")
    ],
    port: Annotated[int, Opt("--port", help="SFTP port.")] = 22,
    outbound: Annotated[
        str | None, Opt("--outbound", help="Directory to upload claims to (default outbound).")
    ] = None,
    inbound: Annotated[
        str | None, Opt("--inbound", help="Directory answers appear in (default inbound).")
    ] = None,
) -> None:
    """Set the clearinghouse SFTP connection. No password is stored: if the clearinghouse
    wants one, it comes from CLINICBILL_SFTP_PASSWORD (a key passphrase from
    CLINICBILL_SFTP_PASSPHRASE).

    Example: clinicbill clearinghouse set --name CH --host sftp.ch.example --user willow
    --key ~/.ssh/ch --host-key SHA256:...
    """
    from clinicbill.cli.render import done
    from clinicbill.domain.clearinghouse.settings import set_clearinghouse

    with unit_of_work() as session:
        row = set_clearinghouse(
            session,
            name=name,
            host=host,
            username=user,
            key_path=key,
            host_key=host_key,
            port=port,
            outbound=outbound,
            inbound=inbound,
        )
        data = _data(row)
    done(f"clearinghouse {data['name']}: {data['user']}@{data['host']}:{data['port']}", data)


def _data(row) -> dict:
    return {
        "name": row.name,
        "host": row.host,
        "port": row.port,
        "user": row.username,
        "key": row.key_path,
        "host_key": row.host_key,
        "outbound": row.outbound_dir,
        "inbound": row.inbound_dir,
    }


@clearinghouse_app.command("show")
def clearinghouse_show() -> None:
    """Show the clearinghouse connection (never a password).

    Example: clinicbill clearinghouse show
    """
    from clinicbill.cli.render import record
    from clinicbill.domain.clearinghouse.settings import required

    with unit_of_work() as session:
        data = _data(required(session))
    record(data, "clearinghouse")


@clearinghouse_app.command("test")
def clearinghouse_test() -> None:
    """Log in to the clearinghouse and look at both directories; a host key that does not
    match the one on record is refused and shown.

    Example: clinicbill clearinghouse test
    """
    from clinicbill.app.sftp import check
    from clinicbill.app.submission import remote_for
    from clinicbill.cli.render import done
    from clinicbill.domain.errors import ClinicbillError

    with unit_of_work() as session:
        remote = remote_for(session)
    found = check(remote)
    missing = [label for label, ok in found.items() if not ok]
    if missing:
        raise ClinicbillError(
            f"clearinghouse: logged in, but the {missing[0]} directory does not exist",
            "ask the clearinghouse for the directory names: clinicbill clearinghouse set ...",
        )
    done(
        f"clearinghouse {remote.name}: logged in; outbound and inbound directories found",
        {"ok": True, **found},
    )


@inbox_app.command("fetch")
def inbox_fetch() -> None:
    """Download new response files from the clearinghouse (each once, kept 0600 in inbox/
    beside the database file) and import them: 999/TA1/277CA/277 as acknowledgements, 835
    as remittances, 271 as eligibility answers. Each file is its own transaction. A file
    whose content was imported before (fetched under another name, or imported by hand with
    ack import, era import or eligibility import) is skipped, and the reason is printed. A
    file that cannot be imported is kept and reported, and the command then exits 1.

    Example: clinicbill inbox fetch
    """
    from pathlib import Path

    from clinicbill.app import inbox
    from clinicbill.app.sftp import download, list_inbound
    from clinicbill.app.submission import remote_for
    from clinicbill.cli.context import STATE
    from clinicbill.cli.render import done
    from clinicbill.domain.errors import ClinicbillError

    with unit_of_work() as session:
        remote = remote_for(session)
        seen = inbox.fetched_names(session)
    new = [f for f in list_inbound(remote) if f.name not in seen]
    contents = download(remote, [f.name for f in new]) if new else {}
    results = []
    for entry in new:
        data = contents[entry.name]
        try:
            with unit_of_work() as session:
                fetched = inbox.take(session, entry.name, entry.size, data)
        except ClinicbillError as exc:
            with unit_of_work() as session:
                fetched = inbox.refuse(session, entry.name, entry.size, data, exc.message)
        results.append(fetched)
        if not STATE.json:  # each file as it lands (its transaction has committed)
            typer.echo(f"{fetched.file}: {fetched.kind or 'not imported'}: {fetched.result}")
    skipped = [r for r in results if r.skipped]
    refused = [r for r in results if r.kind is None]
    done(
        f"fetched {len(new)} new file(s)"
        + (f"; {len(skipped)} skipped (imported before)" if skipped else "")
        + (
            f"; {len(refused)} refused (kept in {Path(refused[0].local).parent})" if refused else ""
        ),
        {
            "files": [
                {"file": r.file, "kind": r.kind, "result": r.result, "skipped": r.skipped}
                for r in results
            ]
        },
    )
    if refused:  # kept and recorded; a script (cron) must still notice
        raise ClinicbillError(
            f"inbox: {len(refused)} of {len(new)} new file(s) refused: "
            + ", ".join(r.file for r in refused[:5]),
            f"they are kept in {Path(refused[0].local).parent}; ask the clearinghouse for a "
            "corrected file, or import it by hand (ack import, era import, eligibility import)",
        )


def register(app: typer.Typer) -> None:
    app.add_typer(clearinghouse_app, name="clearinghouse")
    app.add_typer(inbox_app, name="inbox")
