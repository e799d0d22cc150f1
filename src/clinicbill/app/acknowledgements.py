"""`ack import`: read a clearinghouse response file and apply it in the caller's transaction."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from clinicbill.domain.clearinghouse.acknowledgements import AckResult, import_response


def import_ack_file(session, path: str | Path, today: date | None = None) -> AckResult:
    """Parse the whole file first (a malformed one is refused before anything is written),
    then record it and apply it to the claims of the batches it answers."""
    from clinicbill.formats.x12_ack import read_response
    from clinicbill.formats.x12_envelope import read_bytes

    data = read_bytes(path, "acknowledgement file")
    response = read_response(data, Path(path).name)
    return import_response(session, response, today)
