"""`eligibility request` (write a 270 for the day's sessions or named patients) and
`eligibility import` (271 answers into append-only verification notes, with what changed)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path

from sqlalchemy import select

from clinicbill.app.submission import RequestBatch
from clinicbill.store.models import EligibilityRequest, Policy, X12Batch, X12Response


@dataclass(frozen=True)
class EligibilityBatch(RequestBatch):
    policies: tuple[int, ...]
    traces: tuple[str, ...]

    def details(self) -> dict:
        return {"policies": list(self.policies), "traces": list(self.traces)}

    def counted(self) -> str:
        return f"{len(self.policies)} inquiry(ies)"


def new_interchange(session, now: datetime | None = None):
    """(practice, 2100B information receiver, envelope) of a new 270 or 276: the envelope takes
    the next interchange control number and is dated `now` (default the current time)."""
    from clinicbill.domain.claims.actions import INTERCHANGE_COUNTER
    from clinicbill.domain.claims.build import next_control_numbers
    from clinicbill.domain.clearinghouse.eligibility import InformationReceiver
    from clinicbill.domain.practice.records import get_practice
    from clinicbill.formats.x12_envelope import Envelope

    control = next_control_numbers(session, INTERCHANGE_COUNTER)[0]
    practice = get_practice(session)
    envelope = Envelope(
        practice.submitter_id or "",
        practice.receiver_id or "",
        control,
        now or datetime.now(UTC),
        practice.x12_usage,
    )
    return practice, InformationReceiver(practice.name, practice.npi, practice.tax_id), envelope


def record_request(session, kind: str, content: str, file_name: str, envelope) -> X12Batch:
    """Record a 270 or 276 written in `envelope` (new_interchange) as a batch to keep or send."""
    from clinicbill.domain.clearinghouse.batches import record_batch

    return record_batch(
        session,
        kind,
        content,
        file_name,
        envelope.control_number,
        envelope.sender,
        envelope.receiver,
    )


def request_eligibility(
    session,
    on: date,
    patient_refs: list[str] | None = None,
    file_name: str | None = None,
    now: datetime | None = None,
) -> EligibilityBatch:
    """Write the 270 for the policies of `on`'s sessions (or the named patients) and record it
    (batch kind 270, one EligibilityRequest per policy, keyed by its trace number)."""
    from clinicbill.domain.clearinghouse.eligibility import inquiries
    from clinicbill.domain.practice.lookup import find_patient
    from clinicbill.formats.x12_270 import write_270

    patient_ids = [find_patient(session, ref).id for ref in patient_refs or []]
    asked = inquiries(session, on, patient_ids or None)
    _practice, receiver, envelope = new_interchange(session, now)
    control = envelope.control_number
    traces = [f"{control}-{q.policy_id}" for q in asked]
    content = write_270(asked, traces, receiver, envelope)
    name = file_name or f"eligibility-{control}.270"
    batch = record_request(session, "270", content, name, envelope)
    for q, trace in zip(asked, traces, strict=True):
        session.add(
            EligibilityRequest(
                batch_id=batch.id,
                policy_id=q.policy_id,
                trace_number=trace,
                service_types=",".join(q.service_types),
                service_date=on,
            )
        )
    session.flush()
    return EligibilityBatch(batch, content, tuple(q.policy_id for q in asked), tuple(traces))


@dataclass
class PolicyAnswer:
    policy_id: int
    note_id: int
    trace: str
    active: bool | None
    summary: str
    changed: list[str]
    first: bool  # no earlier note for the policy


@dataclass
class EligibilityImport:
    file_name: str
    already: str | None = None
    answers: list[PolicyAnswer] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def import_eligibility(session, path: str | Path) -> EligibilityImport:
    """Every answer of a 271 file as a new verification note (method 271, the trace number as
    its reference) on the policy its trace (or member id) names. One transaction; a file
    imported before changes nothing."""
    from clinicbill.domain.clearinghouse import codes
    from clinicbill.domain.clearinghouse.batches import imported_before
    from clinicbill.domain.clearinghouse.benefits import changes, note_values, summary
    from clinicbill.domain.coverage.verification import add_verification, history, standing_notes
    from clinicbill.formats.x12_271 import read_271
    from clinicbill.formats.x12_envelope import read_bytes

    name = Path(path).name
    parsed, answers, general = read_271(read_bytes(path, "eligibility response (271)"), name)
    head = parsed.interchanges[0]
    result = EligibilityImport(name)
    seen = imported_before(session, parsed.sha256, head.sender, head.control_number)
    if seen is not None:
        result.already = f"imported on {seen.imported_at.date()} as {seen.file_name}"
        return result
    session.add(
        X12Response(
            kind="271",
            file_name=name[:200],
            sha256=parsed.sha256,
            sender_id=head.sender,
            interchange_control_number=head.control_number,
            summary=f"{len(answers)} answer(s)",
        )
    )
    result.warnings += [f"request rejected: {codes.words('reject_reason', c)}" for c in general]
    user = session.info.get("user") or "271"
    for answer in answers:
        request, policy = _policy_for(session, answer)
        if policy is None:
            result.warnings.append(
                f"answer with trace '{answer.trace[:30]}' matches no request or policy: skipped"
            )
            continue
        earlier = standing_notes(history(session, policy.id))
        types = tuple(request.service_types.split(",")) if request else ()
        note = add_verification(session, policy, verified_by=user, **note_values(answer, types))
        if request is not None:
            request.answered_at = note.verified_at
        result.answers.append(
            PolicyAnswer(
                policy.id,
                note.id,
                answer.trace,
                answer.active,
                summary(answer),
                changes(earlier[0], note) if earlier else [],
                not earlier,
            )
        )
    session.flush()
    return result


def _policy_for(session, answer):
    """The request our trace names; else the one policy with the answer's member id."""
    if answer.trace:
        request = session.execute(
            select(EligibilityRequest).where(EligibilityRequest.trace_number == answer.trace)
        ).scalar_one_or_none()
        if request is not None:
            return request, session.get(Policy, request.policy_id)
    if answer.member_id:
        found = (
            session.execute(select(Policy).where(Policy.member_id == answer.member_id))
            .scalars()
            .all()
        )
        if len(found) == 1:
            return None, found[0]
    return None, None
