"""Apply a clearinghouse response (TA1, 999, 277CA, 277) to the claims of the batch it answers:
each claim's answer recorded (ClaimResponse) with the reason in words and the fix, rejected
claims moved to `rejected`, 277CA-accepted ones to `accepted`, dated in the claim's history
(DOMAIN.md §13). A file already imported (same content, or same sender and ISA13) changes
nothing. Never commits: the caller's transaction holds the whole file."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import or_, select

from clinicbill.domain.claims.build import record_statuses
from clinicbill.domain.clearinghouse import codes
from clinicbill.domain.clearinghouse.batch_answers import apply_batch_status
from clinicbill.domain.clearinghouse.batches import (
    batch_claims,
    claims_at,
    find_batch,
    imported_before,
)
from clinicbill.domain.clearinghouse.records import (
    ClaimStatus,
    GroupAck,
    ResponseFile,
    SegmentError,
    TransactionAck,
)
from clinicbill.store.models import Claim, ClaimResponse, X12Batch, X12Response
from clinicbill.store.query import added

BATCH_KINDS = {"HC": "837p", "HS": "270", "HR": "276"}
REJECT_FROM = ("submitted", "accepted")  # a claim already adjudicated keeps its 835 status


@dataclass
class AckResult:
    file_name: str
    kinds: tuple[str, ...]
    already: str | None = None  # when the file was imported before
    response_id: int | None = None
    accepted: list[int] = field(default_factory=list)
    rejected: list[int] = field(default_factory=list)
    received: list[int] = field(default_factory=list)
    other: list[int] = field(default_factory=list)
    lines: list[str] = field(default_factory=list)  # what to tell the person
    warnings: list[str] = field(default_factory=list)


class _Apply:
    def __init__(self, session, response: X12Response, resp: ResponseFile, today: date):
        self.session = session
        self.response = response
        self.resp = resp
        self.today = today
        self.on = min(resp.sent_on or today, today)
        self.status: dict[int, str] = {}
        self.changes: list[tuple[int, str, str, date, str]] = []
        self.result = AckResult(resp.name, resp.kinds, response_id=response.id)

    def claim_status(self, claim_id: int) -> str:
        if claim_id not in self.status:
            self.status[claim_id] = self.session.get(Claim, claim_id).status
        return self.status[claim_id]

    def answer_batch(
        self, batch, rows, source: str, rejected: bool, reason: str, fix: str, on=None
    ):
        """The same answer for each claim of `rows` (a whole batch or what a 999 left over):
        received, or rejected with the `fix`."""
        for row in rows:
            self.answer(
                row.claim_id,
                batch,
                source,
                "rejected" if rejected else "received",
                on=on,
                reason=reason,
                fix=fix if rejected else None,
            )

    def answer(self, claim_id: int, batch: X12Batch | None, source: str, result: str, **kw):
        claim = self.session.get(Claim, claim_id)
        # dated when the answer came, but never before the claim was sent nor in the future
        on = min(kw.pop("on", None) or self.on, self.today)
        on = max(on, claim.first_billed_on or claim.from_date)
        row = ClaimResponse(
            response_id=self.response.id,
            claim_id=claim_id,
            batch_id=batch.id if batch else None,
            source=source,
            result=result,
            on_date=on,
            **kw,
        )
        self.session.add(row)
        old = self.claim_status(claim_id)
        new = None
        if result == "rejected" and old in REJECT_FROM:
            new = "rejected"
        elif result == "accepted" and source in ("277CA", "277") and old == "submitted":
            new = "accepted"
        if new:
            note = f"{source} {self.resp.name}: " + (kw.get("reason") or result)
            self.changes.append((claim_id, old, new, on, note[:500]))
            self.status[claim_id] = new
        bucket = {
            "accepted": self.result.accepted,
            "rejected": self.result.rejected,
            "received": self.result.received,
        }.get(result, self.result.other)
        if claim_id not in bucket:
            bucket.append(claim_id)
        label = f"claim {claim_id}: {source} {result}"
        reason = kw.get("reason")
        self.result.lines.append(f"{label}: {reason}" if reason else label)
        if kw.get("fix") and result == "rejected":
            self.result.lines.append(f"  fix: {kw['fix']}")

    # --- TA1 ------------------------------------------------------------------------------

    def interchange(self, ack) -> None:
        batch = find_batch(self.session, None, ack.control_number)
        if batch is None:
            self.result.warnings.append(
                f"TA1 answers interchange {ack.control_number}, which clinicbill did not send"
            )
            return
        rejected = ack.result == "R"
        reason = codes.words("ta1_ack", ack.result)
        if ack.note and ack.note != "000":
            reason += ": " + codes.words("ta1_note", ack.note)
        fix = "correct the envelope with the clearinghouse, then resend the batch"
        rows = batch_claims(self.session, batch)
        if not rows:
            self.result.lines.append(f"{batch.kind} batch {batch.id}: TA1 {reason}")
        self.answer_batch(batch, rows, "TA1", rejected, reason, fix, on=ack.on)

    # --- 999 ------------------------------------------------------------------------------

    def group(self, ack: GroupAck) -> None:
        kind = BATCH_KINDS.get(ack.functional_id)
        batch = find_batch(self.session, kind, ack.control_number)
        if batch is None:
            self.result.warnings.append(
                f"999 answers group {ack.control_number} ({ack.functional_id}), which "
                "clinicbill did not send"
            )
            return
        answered = set()
        for tx in ack.transactions:
            answered.add(tx.control_number)
            self.transaction(batch, tx)
        rows = [
            r
            for r in batch_claims(self.session, batch)
            if r.transaction_control_number not in answered
        ]
        rejected = ack.result not in ("A", "E", "P")
        reason = "group " + codes.words("ack_code", ack.result)
        if ack.reasons:
            reason += ": " + "; ".join(codes.words("ik5_error", c) for c in ack.reasons)
        if not rows and not ack.transactions:
            self.result.lines.append(f"{batch.kind} batch {batch.id}: 999 {reason}")
        fix = "correct the claims and resend the batch"
        self.answer_batch(batch, rows, "999", rejected, reason, fix)

    def transaction(self, batch: X12Batch, tx: TransactionAck) -> None:
        rows = batch_claims(self.session, batch, tx.control_number)
        if not rows:
            word = "rejected" if tx.rejected else "accepted"
            self.result.lines.append(
                f"{batch.kind} batch {batch.id}, transaction set {tx.control_number}: {word}"
            )
            return
        by_claim: dict[int, list[str]] = {}
        pcn = {c: n for c, n in self._control_numbers([r.claim_id for r in rows]).items()}
        for error in tx.errors:
            hit = [r for r in rows if pcn.get(r.claim_id) == error.claim_reference]
            for row in hit or claims_at(rows, error.position):
                by_claim.setdefault(row.claim_id, []).append(describe_error(error))
        result = "rejected" if tx.rejected else "received"
        head = "transaction set " + codes.words("ack_code", tx.result)
        if tx.reasons:
            head += " (" + "; ".join(codes.words("ik5_error", c) for c in tx.reasons) + ")"
        for row in rows:
            errors = by_claim.get(row.claim_id)
            if errors:
                reason = f"{head}: " + "; ".join(errors)
            elif tx.rejected:
                reason = f"{head}: errors in other claims of the same transaction set"
            else:
                reason = head
            fix = None
            if tx.rejected:
                fix = (
                    "correct the segment named"
                    if errors
                    else "nothing is wrong in this claim: the whole transaction set was refused"
                ) + f"; then resend it: clinicbill claim resubmit {row.claim_id}"
            self.answer(row.claim_id, batch, "999", result, reason=reason, fix=fix)

    def _control_numbers(self, claim_ids: list[int]) -> dict[int, str]:
        return dict(
            self.session.execute(
                select(Claim.id, Claim.patient_control_number).where(Claim.id.in_(claim_ids))
            ).all()
        )

    # --- 277CA / 277 ----------------------------------------------------------------------

    def claim(self, source: str, status: ClaimStatus) -> None:
        claim = self._find_claim(status)
        if claim is None:
            self.result.warnings.append(
                f"{source}: claim '{status.reference[:20]}' is not one of clinicbill's claims"
            )
            return
        results = [codes.category_result(c.category) for c in status.codes]
        for result in ("rejected", "accepted", "finalized", "pending"):
            if result in results:
                break
        else:
            result = "info"
        reason = describe_status(status)
        entity = next((c.entity for c in status.codes if c.entity), None)
        fix = None
        if result == "rejected":
            fix = codes.fix_for([c.status for c in status.codes if c.status], entity)
            fix += f"; then resend: clinicbill claim resubmit {claim.id}"
        first = status.codes[0] if status.codes else None
        self.answer(
            claim.id,
            self._claim_batch(claim.id),
            source,
            result,
            on=status.on,
            category_code=first.category if first else None,
            status_codes=",".join(c.status for c in status.codes if c.status) or None,
            entity_code=entity,
            payer_claim_number=status.payer_claim_number or None,
            reason=reason,
            fix=fix,
        )
        if status.payer_claim_number and not claim.payer_claim_control_number:
            claim.payer_claim_control_number = status.payer_claim_number[:50]

    def _find_claim(self, status: ClaimStatus) -> Claim | None:
        numbers = [n for n in (status.reference, status.patient_account) if n]
        if not numbers:
            return None
        return (
            self.session.execute(
                select(Claim)
                .where(or_(*(Claim.patient_control_number == n for n in numbers)))
                .order_by(Claim.id.desc())
            )
            .scalars()
            .first()
        )

    def _claim_batch(self, claim_id: int) -> X12Batch | None:
        from clinicbill.store.models import X12BatchClaim

        return (
            self.session.execute(
                select(X12Batch)
                .join(X12BatchClaim, X12BatchClaim.batch_id == X12Batch.id)
                .where(X12BatchClaim.claim_id == claim_id)
                .order_by(X12Batch.id.desc())
            )
            .scalars()
            .first()
        )

    def finish(self) -> AckResult:
        record_statuses(self.session, self.changes)
        return self.result


def describe_error(error: SegmentError) -> str:
    """`segment NM1 (position 22, loop 2010BA): segment has data element errors; element 9
    (ref 67): invalid code value` (IK404, the bad value, is never shown: it may be PHI)."""
    where = f"position {error.position}" + (f", loop {error.loop}" if error.loop else "")
    text = f"segment {error.segment_id} ({where})"
    if error.code:
        text += ": " + codes.words("ik3_error", error.code)
    for element in error.elements:
        ref = f" (data element {element.reference})" if element.reference else ""
        text += (
            f"; element {error.segment_id}{int(element.position):02d}"
            if element.position.isdigit()
            else f"; element {element.position}"
        )
        text += f"{ref}: " + codes.words("ik4_error", element.code)
    return text


def describe_status(status: ClaimStatus) -> str:
    """Every STC composite in words, then the service lines' and the payer's message."""
    parts = [_describe_code(c) for c in status.codes]
    for line in status.lines:
        if line.codes:
            parts.append(
                f"line {line.procedure}: " + ", ".join(_describe_code(c) for c in line.codes)
            )
    parts += [f"message: {m}" for m in status.messages]
    return "; ".join(p for p in parts if p)


def _describe_code(code) -> str:
    text = codes.words("status_category", code.category)
    if code.status:
        text += ", " + codes.words("status", code.status)
    if code.entity:
        text += f" (entity: {codes.words('entity', code.entity)})"
    return text


def import_response(session, resp: ResponseFile, today: date | None = None) -> AckResult:
    """Record a parsed response file and apply it; a file seen before changes nothing."""
    today = today or date.today()
    seen = imported_before(session, resp.sha256, resp.sender, resp.control_number)
    if seen is not None:
        when = seen.imported_at.date().isoformat()
        return AckResult(resp.name, resp.kinds, already=f"imported on {when} as {seen.file_name}")
    response = X12Response(
        kind="+".join(resp.kinds),
        file_name=resp.name[:200],
        sha256=resp.sha256,
        sender_id=resp.sender,
        interchange_control_number=resp.control_number,
    )
    added(session, response)
    apply = _Apply(session, response, resp, today)
    for ack in resp.interchange_acks:
        apply.interchange(ack)
    for ack in resp.group_acks:
        apply.group(ack)
    for source, status in resp.claim_statuses:
        apply.claim(source, status)
    answered = set(apply.status)  # every claim the file answered one by one
    for status in resp.batch_statuses:
        apply_batch_status(apply, status, answered)
    result = apply.finish()
    response.summary = (
        f"{len(result.accepted)} accepted, {len(result.rejected)} rejected, "
        f"{len(result.received)} received, {len(result.other)} other"
    )
    return result


def rejections(session, claim_ids: list[int]) -> dict[int, tuple[str, str | None]]:
    """The latest rejection's (reason, fix) of each claim that has one (report followup)."""
    out: dict[int, tuple[str, str | None]] = {}
    for start in range(0, len(claim_ids), 500):
        rows = session.execute(
            select(
                ClaimResponse.claim_id,
                ClaimResponse.source,
                ClaimResponse.reason,
                ClaimResponse.fix,
            )
            .where(
                ClaimResponse.claim_id.in_(claim_ids[start : start + 500]),
                ClaimResponse.result == "rejected",
            )
            .order_by(ClaimResponse.on_date, ClaimResponse.id)
        ).all()
        for claim_id, source, reason, fix in rows:
            out[claim_id] = (f"{source}: {reason}", fix)
    return out
