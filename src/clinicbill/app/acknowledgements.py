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


ANSWER_ROW = {  # column -> ClaimResponse attribute
    "date": "on_date",
    "source": "source",
    "result": "result",
    "payer_claim_number": "payer_claim_number",
    "category": "category_code",
    "status_codes": "status_codes",
    "entity": "entity_code",
    "reason": "reason",
    "fix": "fix",
}


def claim_answers(session, claim_id: int) -> list[dict]:
    """Every clearinghouse or payer answer to one claim (TA1, 999, 277CA, 277), oldest first:
    the date, the file it came in, the result, the payer's claim number, the STC codes and
    entity, the reason in words and the fix (`claim show`)."""
    from sqlalchemy import select

    from clinicbill.app.rows import pick
    from clinicbill.store.models import ClaimResponse, X12Batch, X12Response

    rows = session.execute(
        select(ClaimResponse, X12Response.file_name, X12Response.imported_at, X12Batch.file_name)
        .join(X12Response, X12Response.id == ClaimResponse.response_id)
        .outerjoin(X12Batch, X12Batch.id == ClaimResponse.batch_id)
        .where(ClaimResponse.claim_id == claim_id)
        .order_by(ClaimResponse.on_date, ClaimResponse.id)
    ).all()
    return [
        {**pick(answer, ANSWER_ROW), "file": file, "imported_at": at, "batch": batch}
        for answer, file, at, batch in rows
    ]
