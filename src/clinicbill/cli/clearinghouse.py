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
    from clinicbill.app.clearinghouse import save_connection
    from clinicbill.cli.render import done

    with unit_of_work() as session:
        data = save_connection(
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
    done(f"clearinghouse {data['name']}: {data['user']}@{data['host']}:{data['port']}", data)


@clearinghouse_app.command("show")
def clearinghouse_show() -> None:
    """Show the clearinghouse connection (never a password).

    Example: clinicbill clearinghouse show
    """
    from clinicbill.app.clearinghouse import show_connection
    from clinicbill.cli.render import record

    with unit_of_work() as session:
        data = show_connection(session)
    record(data, "clearinghouse")


@clearinghouse_app.command("test")
def clearinghouse_test() -> None:
    """Log in to the clearinghouse and look at both directories; a host key that does not
    match the one on record is refused and shown.

    Example: clinicbill clearinghouse test
    """
    from clinicbill.app.clearinghouse import check_connection
    from clinicbill.app.submission import remote_for
    from clinicbill.cli.render import done

    with unit_of_work() as session:
        remote = remote_for(session)
    found = check_connection(remote)  # over the network, after the transaction
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

    from clinicbill.app.clearinghouse import fetch_inbox
    from clinicbill.cli.context import STATE
    from clinicbill.cli.render import done
    from clinicbill.domain.errors import ClinicbillError

    def landed(fetched) -> None:  # each file as it lands (its transaction has committed)
        if not STATE.json:
            typer.echo(f"{fetched.file}: {fetched.kind or 'not imported'}: {fetched.result}")

    fetched_all = fetch_inbox(unit_of_work, landed)
    new, results = fetched_all.new, fetched_all.results
    skipped = [r for r in results if r.skipped]
    refused = [r for r in results if r.kind is None]
    done(
        f"fetched {new} new file(s)"
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
            f"inbox: {len(refused)} of {new} new file(s) refused: "
            + ", ".join(r.file for r in refused[:5]),
            f"they are kept in {Path(refused[0].local).parent}; ask the clearinghouse for a "
            "corrected file, or import it by hand (ack import, era import, eligibility import)",
        )


def register(app: typer.Typer) -> None:
    app.add_typer(clearinghouse_app, name="clearinghouse")
    app.add_typer(inbox_app, name="inbox")
