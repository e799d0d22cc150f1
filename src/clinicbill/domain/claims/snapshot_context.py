"""The parts of a ClaimSnapshot read from outside the claim itself: the primary payer's
adjudication for a secondary claim (from the ledger), and the scrubber's context (the patient's
acupuncture visits with the payer, other active claims' lines, coverage problems)."""

from __future__ import annotations

from collections import defaultdict
from datetime import date

from sqlalchemy import select

from clinicbill.domain.claims.chunked import rows_in, scalars_in
from clinicbill.domain.claims.snapshot import (
    ACUPUNCTURE_CODES,
    THERAPY_CODES,
    Adjustment,
    CoverageIssue,
    LineAdjudication,
    OtherLine,
    PriorPayer,
    ScrubContext,
)
from clinicbill.domain.claims.snapshot_build import coverage_of, split_modifiers
from clinicbill.domain.claims.status import INACTIVE_STATUSES
from clinicbill.store.models import (
    Claim,
    ClaimLine,
    Encounter,
    LedgerEntry,
    Policy,
    RemittanceClaim,
    ServiceLine,
)
from clinicbill.store.query import through_visit


def prior_payers(session, claims, patients, policies, payers) -> dict[int, PriorPayer]:
    """For secondary claims: the primary claim's payments and adjustments from the ledger."""
    primary_ids = {c.primary_claim_id for c in claims if c.primary_claim_id}
    if not primary_ids:
        return {}
    primaries = {c.id: c for c in scalars_in(session, Claim, Claim.id, primary_ids)}
    entries = rows_in(
        session,
        lambda chunk: select(LedgerEntry).where(LedgerEntry.claim_id.in_(chunk)),
        primary_ids,
    )
    remit_ids = {e.remittance_claim_id for (e,) in entries if e.remittance_claim_id}
    remits = {r.id: r for r in scalars_in(session, RemittanceClaim, RemittanceClaim.id, remit_ids)}
    by_claim = _adjudication_by_line(entries)
    out = {}
    for claim in claims:
        primary = primaries.get(claim.primary_claim_id)
        if primary is None:
            continue
        lines = _line_adjudications(by_claim.get(primary.id, {}))
        control = primary.payer_claim_control_number or next(
            (
                remits[e.remittance_claim_id].payer_claim_control_number
                for (e,) in entries
                if e.claim_id == primary.id and e.remittance_claim_id in remits
            ),
            None,
        )
        dates = [line.adjudicated_on for line in lines if line.adjudicated_on]
        out[claim.id] = PriorPayer(
            claim_id=primary.id,
            coverage=coverage_of(
                policies[primary.policy_id], payers[primary.payer_id], patients[primary.patient_id]
            ),
            payer_claim_control_number=control,
            paid_cents=sum(line.paid_cents for line in lines),
            adjudicated_on=max(dates) if dates else None,
            lines=lines,
        )
    return out


def _adjudication_by_line(entries) -> dict[int, dict[int, dict]]:
    """The payer's ledger entries summed per claim and service line: paid, adjustments by
    (group, reason), and the latest effective date (patient payments left out)."""
    by_claim: dict[int, dict[int, dict]] = defaultdict(dict)
    for (entry,) in entries:
        if entry.kind == "patient_payment":
            continue
        line = by_claim[entry.claim_id].setdefault(
            entry.service_line_id, {"paid": 0, "adj": defaultdict(int), "on": None}
        )
        if entry.kind == "insurance_payment":
            line["paid"] += entry.amount_cents
        else:
            group = "PR" if entry.kind == "patient_responsibility" else (entry.group_code or "CO")
            reason = entry.reason_code or ("1" if group == "PR" else "45")
            line["adj"][(group, reason)] += entry.amount_cents
        if line["on"] is None or entry.effective_date > line["on"]:
            line["on"] = entry.effective_date
    return by_claim


def _line_adjudications(by_line: dict[int, dict]) -> tuple[LineAdjudication, ...]:
    return tuple(
        LineAdjudication(
            service_line_id=sl_id,
            paid_cents=data["paid"],
            adjustments=tuple(
                Adjustment(group, reason, amount)
                for (group, reason), amount in sorted(data["adj"].items())
                if amount
            ),
            adjudicated_on=data["on"],
        )
        for sl_id, data in sorted(by_line.items())
    )


def scrub_contexts(session, snapshot_parts, patient_ids) -> dict[int, ScrubContext]:
    """Visit history, other claims' lines and coverage problems for each claim."""
    from clinicbill.domain.cases.abn import abns_on_file

    visits = _acupuncture_visits(session, patient_ids)
    others_by_day = _other_claim_lines(session, patient_ids)
    problems = _coverage_issues(session, snapshot_parts)
    therapy = _therapy_lines(session, patient_ids)
    abns = abns_on_file(session, patient_ids)
    out = {}
    for claim_id, (claim, lines) in snapshot_parts.items():
        own_lines = {line.service_line_id for line in lines}
        others = tuple(
            OtherLine(cid, sl_id, day, code, split_modifiers(mods), payer_id)
            for day in sorted({line.service_date for line in lines})
            for cid, _, payer_id, sl_id, _, code, mods in others_by_day[(claim.patient_id, day)]
            if cid not in (claim_id, claim.original_claim_id) and sl_id not in own_lines
        )
        issues = [
            issue
            for encounter_id in sorted({line.encounter_id for line in lines})
            for issue in problems.get(encounter_id, ())
        ]
        out[claim_id] = ScrubContext(
            coverage_issues=tuple(issues),
            acupuncture_dates=tuple(sorted(visits.get((claim.patient_id, claim.payer_id), ()))),
            other_lines=others,
            abns=abns.get(claim.patient_id, ()),
            therapy_lines=tuple(
                row
                for row in therapy.get((claim.patient_id, claim.payer_id), ())
                if row[0].year in {line.service_date.year for line in lines}
            ),
        )
    return out


def _signed_lines_query(codes, *columns):
    """A query, per chunk of patient ids, of `columns` over the patients' service lines with
    one of `codes` on signed sessions, joined to the policy billed (for its payer)."""

    def query(chunk):
        return (
            select(*columns)
            .join(ServiceLine, ServiceLine.encounter_id == Encounter.id)
            .join(Policy, Policy.id == Encounter.policy_id)
            .where(
                Encounter.patient_id.in_(chunk),
                Encounter.status == "signed",
                ServiceLine.code.in_(codes),
            )
        )

    return query


def _acupuncture_visits(session, patient_ids) -> dict[tuple[int, int], set[date]]:
    """Each patient's days of acupuncture on signed sessions, by payer billed."""
    query = _signed_lines_query(
        ACUPUNCTURE_CODES, Encounter.patient_id, Policy.payer_id, Encounter.service_date
    )
    rows = rows_in(session, lambda chunk: query(chunk).distinct(), patient_ids)
    visits: dict[tuple[int, int], set[date]] = defaultdict(set)
    for patient_id, payer_id, day in rows:
        visits[(patient_id, payer_id)].add(day)
    return visits


def _other_claim_lines(session, patient_ids) -> dict[tuple[int, date], list]:
    """The lines of the patients' active claims, by (patient, date of service)."""
    rows = rows_in(
        session,
        lambda chunk: through_visit(
            select(
                Claim.id,
                Claim.patient_id,
                Claim.payer_id,
                ServiceLine.id,
                Encounter.service_date,
                ServiceLine.code,
                ServiceLine.modifiers,
            ).join(ClaimLine, ClaimLine.claim_id == Claim.id)
        ).where(
            Claim.patient_id.in_(chunk),
            Claim.status.not_in(INACTIVE_STATUSES),
            Claim.frequency != "8",
        ),
        patient_ids,
    )
    by_day: dict[tuple[int, date], list] = defaultdict(list)
    for row in rows:
        by_day[(row[1], row[4])].append(row)
    return by_day


def _coverage_issues(session, snapshot_parts) -> dict[int, tuple[CoverageIssue, ...]]:
    """Coverage problems of the claims' encounters (domain/coverage/check.py), by encounter."""
    from clinicbill.domain.coverage.check import encounters_coverage_problems

    encounter_ids = {line.encounter_id for _, lines in snapshot_parts.values() for line in lines}
    return {
        encounter_id: tuple(CoverageIssue(encounter_id, p.code, p.message, p.hint) for p in found)
        for encounter_id, found in encounters_coverage_problems(session, encounter_ids).items()
    }


def _therapy_lines(session, patient_ids) -> dict[tuple[int, int], list]:
    """Each patient's therapy lines of signed sessions, by payer billed (KX threshold)."""
    query = _signed_lines_query(
        THERAPY_CODES,
        Encounter.patient_id,
        Policy.payer_id,
        Encounter.service_date,
        ServiceLine.id,
        ServiceLine.charge_cents,
    )
    rows = rows_in(session, query, patient_ids)
    out: dict[tuple[int, int], list] = defaultdict(list)
    for patient_id, payer_id, day, line_id, charge in rows:
        out[(patient_id, payer_id)].append((day, line_id, charge))
    return out
