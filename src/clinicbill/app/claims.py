"""Claim use cases: create, check, list and export (the 837P / CMS-1500 / CSV / JSON workflow).

`export_claims` is the whole `claim export`: resolve the claims once, read them into
snapshots, stop at scrubber errors, number the interchange, write the file and mark the
claims submitted, all in the caller's unit of work. Each returns a result value; none prints.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from clinicbill.domain.errors import ClinicbillError, NothingChosen

EXPORT_FORMATS = ("837p", "cms1500", "csv", "json")
DRAFT_OR_READY = ("draft", "ready")


@dataclass(frozen=True)
class CreatedClaims:
    claims: list  # Claim rows
    skipped: list[str]


@dataclass(frozen=True)
class CheckedClaims:
    statuses: dict[int, str]  # claim id -> status after the check
    findings: list  # every Finding, errors first as the scrubber returns them


@dataclass(frozen=True)
class ExportedClaims:
    batch_id: int
    format: str
    path: str
    label: str
    to_stdout: bool
    claim_ids: list[int]
    interchange_control_number: int | None
    test_interchange: bool  # ISA15 = T: payers do not process it
    already_sent: list[tuple[int, date]] = field(default_factory=list)  # (claim id, first sent)


class ScrubbedOut(ClinicbillError):
    """An export refused because of scrubber errors; `findings` lists them for the caller."""

    def __init__(self, message: str, hint: str, findings: list):
        super().__init__(message, hint)
        self.findings = findings


def create_claims(
    session,
    session_ids: list[int] | None = None,
    patient: str | None = None,
    from_date: date | None = None,
    to_date: date | None = None,
    everything: bool = False,
) -> CreatedClaims:
    """Draft claims from signed, unbilled, insured sessions chosen by id, patient, dates or all."""
    from clinicbill.domain.claims import build as claim_rules
    from clinicbill.domain.practice.lookup import find_patient

    patient_id = find_patient(session, patient).id if patient else None
    encounters, skipped = claim_rules.select_encounters(
        session,
        encounter_ids=session_ids,
        patient_id=patient_id,
        from_date=from_date,
        to_date=to_date,
        everything=everything,
    )
    result = claim_rules.create_claims(session, encounters)
    return CreatedClaims(list(result.claims), [*skipped, *result.skipped])


def claims_to_work(session, refs: list[str] | None, everything: bool, statuses=DRAFT_OR_READY):
    """Claims by id or control number, or every claim in `statuses` (`--all`)."""
    from sqlalchemy import select

    from clinicbill.domain.claims.build import get_claim
    from clinicbill.store.models import Claim

    if refs:
        return [get_claim(session, ident) for ident in refs]
    if not everything:
        raise NothingChosen("claim: say which claims", "give claim ids or --all")
    query = select(Claim).where(Claim.status.in_(statuses)).order_by(Claim.id)
    claims = list(session.execute(query).scalars().all())
    if not claims:
        raise ClinicbillError(
            f"claim: no {' or '.join(statuses)} claims", "create some: clinicbill claim create"
        )
    return claims


def check_claims(session, refs: list[str] | None, everything: bool) -> CheckedClaims:
    """Run the scrubber on the claims; a clean draft becomes ready."""
    from clinicbill.domain.claims.actions import check_claims as scrub_and_mark

    claims = claims_to_work(session, refs, everything)
    _, findings = scrub_and_mark(session, claims)
    return CheckedClaims({c.id: c.status for c in claims}, list(findings))


def list_claims(
    session,
    status: str | None = None,
    payer: str | None = None,
    patient: str | None = None,
    limit: int = 500,
) -> list[tuple]:
    """(claim, patient, payer) rows, newest first, filtered by status, payer and patient."""
    from sqlalchemy import select

    from clinicbill.domain.claims.build import check_status
    from clinicbill.domain.practice.lookup import find_patient, find_payer
    from clinicbill.store.models import Claim, Patient, Payer

    query = (
        select(Claim, Patient, Payer)
        .join(Patient, Patient.id == Claim.patient_id)
        .join(Payer, Payer.id == Claim.payer_id)
        .order_by(Claim.id.desc())
        .limit(limit)
    )
    if status:
        query = query.where(Claim.status == check_status(status))
    if payer:
        query = query.where(Claim.payer_id == find_payer(session, payer).id)
    if patient:
        query = query.where(Claim.patient_id == find_patient(session, patient).id)
    return [tuple(row) for row in session.execute(query).all()]


def export_file_name(fmt: str, batch_id: int, claim_ids: list[int]) -> str:
    """One name per export batch, so a second export never meets the first one's file."""
    if fmt == "837p":
        return f"claims-{batch_id}.837"
    if fmt == "cms1500":
        if len(claim_ids) == 1:
            return f"cms1500-{claim_ids[0]}-batch{batch_id}.pdf"
        return f"cms1500-batch{batch_id}.pdf"
    return f"claims-{batch_id}.{fmt}"


def export_format(text: str) -> str:
    fmt = text.strip().lower()
    if fmt not in EXPORT_FORMATS:
        raise ClinicbillError(
            f"format: '{text[:20]}' is not accepted", "use " + ", ".join(EXPORT_FORMATS)
        )
    return fmt


def _content(fmt: str, snapshots, overlay: bool):
    if fmt == "cms1500":
        from clinicbill.formats.cms1500 import cms1500_pdf

        return cms1500_pdf(snapshots, overlay=overlay)
    from clinicbill.formats import claim_table

    return claim_table.to_csv(snapshots) if fmt == "csv" else claim_table.to_json(snapshots)


def export_claims(
    session,
    refs: list[str] | None = None,
    ready: bool = False,
    fmt: str = "837p",
    output: str | None = None,
    overlay: bool = False,
    force: bool = False,
    today: date | None = None,
) -> ExportedClaims:
    """Export claims as an 837P interchange, CMS-1500 PDF, CSV or JSON, written to `output`
    ('-' for standard output, None for a name per batch). 837P and CMS-1500 mark the claims
    submitted and refuse scrubber errors (ScrubbedOut) unless `force`."""
    from pathlib import Path

    from clinicbill.app.claim_batches import build_837p, refuse_errors, scrub, select_claims
    from clinicbill.domain.claims.actions import begin_export, finish_export
    from clinicbill.store.files import resolve_output

    fmt = export_format(fmt)
    today = today or date.today()
    claims = select_claims(session, refs, ready)
    snapshots, errors = scrub(session, claims, today)
    if errors and not force and fmt in ("837p", "cms1500"):
        try:
            refuse_errors(errors)
        except ClinicbillError as exc:
            raise ScrubbedOut(exc.message, exc.hint, errors) from None
    ids = [c.id for c in claims]
    if fmt == "837p":
        built = build_837p(session, claims, snapshots, Path(output).name if output else None)
        batch, content = built.export, built.content
    else:
        batch = begin_export(session, ids, fmt)
        content = None
    target = resolve_output(output, export_file_name(fmt, batch.id, ids), force=force)
    target.write(content if fmt == "837p" else _content(fmt, snapshots, overlay))
    already = [(c.id, c.first_billed_on) for c in claims if c.first_billed_on and fmt == "837p"]
    finish_export(session, batch, claims, str(target), today)
    return ExportedClaims(
        batch_id=batch.id,
        format=fmt,
        path=str(target),
        label=target.label,
        to_stdout=target.to_stdout,
        claim_ids=ids,
        interchange_control_number=batch.interchange_control_number,
        test_interchange=fmt == "837p" and snapshots[0].billing.x12_usage != "P",
        already_sent=already,
    )


def mark_claim(session, ref: str, status: str, on: date, note=None, force=False):
    """Record a lifecycle step of a claim; returns the claim."""
    from clinicbill.domain.claims.actions import mark_claim as mark
    from clinicbill.domain.claims.build import get_claim

    claim = get_claim(session, ref)
    mark(session, claim, status, on, note, force)
    return claim


def void_claim(session, ref: str, on: date, note: str | None = None):
    """Void a claim that never reached the payer; its sessions can be billed again."""
    from clinicbill.domain.claims.actions import void_claim as void
    from clinicbill.domain.claims.build import get_claim

    claim = get_claim(session, ref)
    void(session, claim, on, note)
    return claim


def resubmit_claim(session, ref: str, mode: str, on: date) -> tuple:
    """(the new claim, the original's id): a replacement, a void request or a new original."""
    from clinicbill.domain.claims.actions import resubmit_claim as resubmit
    from clinicbill.domain.claims.build import get_claim

    original = get_claim(session, ref)
    return resubmit(session, original, mode, on), original.id


def secondary_claim(session, ref: str, on: date, force=False, reason=None) -> tuple:
    """(the secondary claim, the primary's id) with the primary's payment and adjustments."""
    from clinicbill.domain.claims.actions import secondary_claim as secondary
    from clinicbill.domain.claims.build import get_claim

    primary = get_claim(session, ref)
    return secondary(session, primary, on, force=force, reason=reason), primary.id
