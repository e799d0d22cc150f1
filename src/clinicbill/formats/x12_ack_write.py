"""Play the clearinghouse for a batch we sent (the demo, `clinicbill dev acknowledgements`): a
999 accepting every transaction set and a 277CA accepting each claim into adjudication, or
rejecting the claims named (A7, the billing provider's NPI). Tests never use these as fixtures:
the readers are tested on hand-written files (tests/data/x12/ack_*)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from clinicbill.domain.money import x12_amount
from clinicbill.formats.x12_envelope import Envelope, close_transaction, write_interchange
from clinicbill.formats.x12_segments import local_time, segment
from clinicbill.store.models import Claim, X12Batch, X12BatchClaim


def _rows(session, batch: X12Batch):
    return session.execute(
        select(X12BatchClaim.transaction_control_number, Claim)
        .join(Claim, Claim.id == X12BatchClaim.claim_id)
        .where(X12BatchClaim.batch_id == batch.id)
        .order_by(X12BatchClaim.id)
    ).all()


def latest_batches(session, claim_ids: list[int]) -> list[int]:
    """The last 837P batch each claim went out in (in batch order), for claims that were sent."""
    last: dict[int, int] = {}
    for claim_id, batch_id in session.execute(
        select(X12BatchClaim.claim_id, X12BatchClaim.batch_id)
        .join(X12Batch, X12Batch.id == X12BatchClaim.batch_id)
        .where(X12BatchClaim.claim_id.in_(claim_ids), X12Batch.kind == "837p")
        .order_by(X12BatchClaim.batch_id)
    ):
        last[claim_id] = batch_id
    return sorted(set(last.values()))


def acknowledgements_for_batch(
    session,
    batch_id: int,
    control_number: int,
    created: datetime,
    reject: frozenset[int] = frozenset(),
) -> tuple[str, str]:
    """(999 text, 277CA text) answering batch `batch_id`; the 277CA uses control_number + 1 and
    rejects the claims whose ids are in `reject`."""
    batch = session.get(X12Batch, batch_id)
    rows = _rows(session, batch)
    sts = list(dict.fromkeys(st for st, _claim in rows))
    back = Envelope(batch.receiver_id, batch.sender_id, control_number, created)
    created = local_time(created)
    text_999 = write_interchange(back, "FA", "005010X231A1", [lambda st: _ack_999(st, batch, sts)])
    ca = Envelope(back.sender, back.receiver, control_number + 1, created)
    text_277 = write_interchange(
        ca, "HN", "005010X214", [lambda st: _claims_277ca(st, batch, rows, reject, created)]
    )
    return text_999, text_277


def _ack_999(st: str, batch, sts: list[str]) -> list[str]:
    """One 999 accepting every 837 transaction of the batch."""
    body = [segment("ST", 999, st, "005010X231A1")]
    body.append(segment("AK1", "HC", batch.group_control_number, "005010X222A1"))
    for number in sts:
        body += [segment("AK2", 837, number, "005010X222A1"), segment("IK5", "A")]
    body.append(segment("AK9", "A", len(sts), len(sts), len(sts)))
    return close_transaction(body, st)


def _counts(accepted, rejected, accepted_qty: str, rejected_qty: str) -> list[str]:
    """QTY and AMT of the accepted and rejected claims at one level of the 277CA."""
    out = []
    if accepted:
        out.append(segment("QTY", accepted_qty, len(accepted)))
    if rejected:
        out.append(segment("QTY", rejected_qty, len(rejected)))
    out.append(segment("AMT", "YU", x12_amount(sum(c.total_cents for c in accepted))))
    if rejected:
        out.append(segment("AMT", "YY", x12_amount(sum(c.total_cents for c in rejected))))
    return out


def _claim_status(claim, rejected: bool, day: str) -> list[str]:
    if rejected:
        return [segment("STC", "A7:562:85", day, "U", x12_amount(claim.total_cents))]
    return [
        segment("STC", "A2:20:PR", day, "WQ", x12_amount(claim.total_cents)),
        segment("REF", "1K", f"DEMO{claim.id:08d}"),
    ]


def _claims_277ca(st: str, batch, rows, reject, created: datetime) -> list[str]:
    """One 277CA: the batch accepted at the payer, each claim accepted or rejected."""
    day = created.strftime("%Y%m%d")
    accepted = [claim for _st, claim in rows if claim.id not in reject]
    rejected = [claim for _st, claim in rows if claim.id in reject]
    everything = x12_amount(sum(claim.total_cents for _st, claim in rows))
    body = [
        segment("ST", 277, st, "005010X214"),
        segment("BHT", "0085", "08", f"ACK{batch.id}", day, created.strftime("%H%M"), "TH"),
        segment("HL", 1, "", 20, 1),
        segment("NM1", "PR", 2, "DEMO PAYERS", "", "", "", "", "PI", "DEMO"),
        segment("TRN", 1, f"ACK{batch.id}"),
        segment("DTP", "050", "D8", day),
        segment("DTP", "009", "D8", day),
        segment("HL", 2, 1, 21, 1),
        segment("NM1", 41, 2, "SUBMITTER", "", "", "", "", 46, batch.sender_id),
        segment("TRN", 2, batch.interchange_control_number),
        segment("STC", "A1:19:PR", day, "WQ", everything),
        *_counts(accepted, rejected, "90", "AA"),
        segment("HL", 3, 2, 19, 1),
        segment("NM1", 85, 2, "BILLING PROVIDER", "", "", "", "", "XX", "1234567893"),
        segment("TRN", 1, 0),
        segment("STC", "A1:19:PR", "", "WQ", everything),
        *_counts(accepted, rejected, "QA", "QC"),
    ]
    for hl, (_st, claim) in enumerate(rows, start=4):
        body += [
            segment("HL", hl, 3, "PT"),
            segment("NM1", "QC", 1, "PATIENT", "", "", "", "", "MI", "DEMO"),
            segment("TRN", 2, claim.patient_control_number),
            *_claim_status(claim, claim.id in reject, day),
            segment("DTP", 472, "D8", claim.from_date.strftime("%Y%m%d")),
        ]
    return close_transaction(body, st)
