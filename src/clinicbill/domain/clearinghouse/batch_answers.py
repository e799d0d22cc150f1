"""A 277CA status above the claims (2200B: the whole batch; 2200C: a billing provider in it).

The guide lists every claim at 2200D with its own status, and those statuses are applied one
by one. Some clearinghouses reject a whole batch at 2200B/2200C without listing its claims:
then every claim of the batch is rejected with that reason, never a silent rejection that
uses up the timely-filing window. When the file lists some claims but not others, the others
are left as they are and named in a warning (a payer's 277CA may list only its own claims). A
batch reference clinicbill did not send is a warning, never a silent skip."""

from __future__ import annotations

from clinicbill.domain.clearinghouse import codes
from clinicbill.domain.clearinghouse.batches import batch_claims, find_batch
from clinicbill.domain.clearinghouse.records import BatchStatus

LEVEL_WORDS = {"receiver": "batch", "provider": "billing provider"}


def describe(status: BatchStatus) -> str:
    parts = []
    for code in status.codes:
        text = codes.words("status_category", code.category)
        if code.status:
            text += ", " + codes.words("status", code.status)
        if code.entity:
            text += f" (entity: {codes.words('entity', code.entity)})"
        parts.append(text)
    parts += [f"message: {m}" for m in status.messages]
    where = LEVEL_WORDS[status.level]
    if status.provider_id:
        where += f" {status.provider_id}"
    return f"{where}: " + "; ".join(parts)


def apply_batch_status(apply, status: BatchStatus, answered: set[int]) -> None:
    """Apply one 2200B/2200C status through the file's `_Apply` (acknowledgements.py);
    `answered`: the claims this file answers one by one (left as they say)."""
    reason = describe(status)
    results = {codes.category_result(c.category) for c in status.codes}
    batch = find_batch(apply.session, "837p", status.batch_reference)
    if "rejected" not in results:
        label = f"837p batch {batch.id}" if batch else f"batch {status.batch_reference[:20]}"
        apply.result.lines.append(f"{label}: 277CA {reason}")
        return
    if batch is None:
        apply.result.warnings.append(
            f"277CA rejects {reason[:200]} for batch '{status.batch_reference[:20]}', which "
            "clinicbill did not send: look for the claims in the clearinghouse's portal"
        )
        return
    entity = next((c.entity for c in status.codes if c.entity), None)
    fix = codes.fix_for([c.status for c in status.codes if c.status], entity)
    rows = [r for r in batch_claims(apply.session, batch) if r.claim_id not in answered]
    listed = len(rows) < len(batch_claims(apply.session, batch))
    if listed or not rows:
        apply.result.lines.append(f"837p batch {batch.id}: 277CA {reason}")
        if rows:
            apply.result.warnings.append(
                f"277CA rejects {LEVEL_WORDS[status.level]} of batch {batch.id} but does not "
                f"list claim(s) {', '.join(str(r.claim_id) for r in rows)}: look them up in "
                "the clearinghouse's portal"
            )
        return
    first = status.codes[0]
    for row in rows:
        apply.answer(
            row.claim_id,
            batch,
            "277CA",
            "rejected",
            on=status.on,
            category_code=first.category,
            status_codes=",".join(c.status for c in status.codes if c.status) or None,
            entity_code=entity,
            reason=reason,
            fix=f"{fix}; then resend: clinicbill claim resubmit {row.claim_id}",
        )
