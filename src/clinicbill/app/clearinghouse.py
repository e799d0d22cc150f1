"""Use cases of the clearinghouse connection: `clearinghouse set|show|test` and
`inbox fetch` (each fetched file imported in its own transaction)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

# what is shown -> the ClearinghouseSetting column (never a password: none is stored)
SHOWN = {
    "name": "name",
    "host": "host",
    "port": "port",
    "user": "username",
    "key": "key_path",
    "host_key": "host_key",
    "outbound": "outbound_dir",
    "inbound": "inbound_dir",
}


def connection_data(row) -> dict:
    """The connection as shown and as JSON."""
    return {shown: getattr(row, column) for shown, column in SHOWN.items()}


def save_connection(session, **values) -> dict:
    """Create or replace the SFTP connection (validated; the key file must exist)."""
    from clinicbill.domain.clearinghouse.settings import set_clearinghouse

    return connection_data(set_clearinghouse(session, **values))


def show_connection(session) -> dict:
    """The connection on record (refused when none is set up)."""
    from clinicbill.domain.clearinghouse.settings import required

    return connection_data(required(session))


def check_connection(remote) -> dict:
    """Log in and look at both directories; refused naming a directory that is missing."""
    from clinicbill.app.sftp import check
    from clinicbill.domain.errors import ClinicbillError

    found = check(remote)
    missing = [label for label, ok in found.items() if not ok]
    if missing:
        raise ClinicbillError(
            f"clearinghouse: logged in, but the {missing[0]} directory does not exist",
            "ask the clearinghouse for the directory names: clinicbill clearinghouse set ...",
        )
    return found


@dataclass(frozen=True)
class InboxFetched:
    new: int  # files not fetched before
    results: list  # app/inbox.py Fetched, one per new file


def fetch_inbox(unit_of_work: Callable, landed: Callable | None = None) -> InboxFetched:
    """Download the response files not fetched before and import each in its own unit of work
    (`unit_of_work()` opens one); a file that cannot be imported is kept and recorded as
    refused. `landed(fetched)` is told of each file once its transaction has committed."""
    from clinicbill.app import inbox
    from clinicbill.app.sftp import download, list_inbound
    from clinicbill.app.submission import remote_for
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
        if landed is not None:
            landed(fetched)
    return InboxFetched(len(new), results)
