"""Claims: building them from signed sessions, grouping lines, control numbers, lifecycle.

A service line is billed when a ClaimLine of an active claim references it: a claim that is not
void, not a frequency-8 void request, and not a secondary (secondaries re-bill lines the
primary already billed). Resubmission and secondary claims live in domain/claims/actions.py.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import and_, exists, select, update

from clinicbill.domain.claims.status import (  # noqa: F401 (re-exported)
    CLAIM_STATUSES,
    INACTIVE_STATUSES,
    check_status,
    record_status,
    record_statuses,
)
from clinicbill.domain.errors import ClinicbillError
from clinicbill.store.models import (
    Claim,
    ClaimLine,
    ClaimStatusEvent,
    ControlCounter,
    Diagnosis,
    Encounter,
    Payer,
    Policy,
    ServiceLine,
)
from clinicbill.store.query import added

# Once a claim went out, only the payer can void it: `claim resubmit --void` (frequency 8).
SENT_STATUSES = ("submitted", "accepted", "paid", "partially-paid", "denied", "appealed", "closed")
MAX_LINES_837P = 50  # per 837P claim (DOMAIN.md §3)
MAX_DIAGNOSES = 12  # box 21 A..L / HI
LINES_PER_PAGE = 6  # CMS-1500 box 24
PCN_COUNTER = "patient_control_number"
PCN_PREFIX = "CB"


def next_control_numbers(session, name: str, count: int = 1) -> range:
    """Allocate `count` consecutive numbers of a named counter inside the transaction.

    Update first, then read, in the same transaction: the UPDATE takes the row lock (SQLite:
    the write lock of BEGIN IMMEDIATE; PostgreSQL: the row lock until commit), so two
    processes can never read the same value.
    """
    if count < 1:
        raise ValueError(count)
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    session.execute(
        insert(ControlCounter)
        .values(name=name, value=0)
        .on_conflict_do_nothing(index_elements=["name"])
    )
    session.execute(
        update(ControlCounter)
        .where(ControlCounter.name == name)
        .values(value=ControlCounter.value + count)
        .execution_options(synchronize_session=False)
    )
    last = session.execute(
        select(ControlCounter.value).where(ControlCounter.name == name)
    ).scalar_one()
    return range(last - count + 1, last + 1)


def new_patient_control_number(session) -> str:
    """CLM01 / box 26: unique, at most 20 characters, echoed back in the 835 CLP01."""
    number = next_control_numbers(session, PCN_COUNTER)[0]
    return f"{PCN_PREFIX}{number:08d}"


def active_claim_clause():
    """Claims that bill their lines: not void, not a void request, not a secondary."""
    return and_(
        Claim.status.not_in(INACTIVE_STATUSES),
        Claim.frequency != "8",
        Claim.primary_claim_id.is_(None),
    )


def billed_clause():
    """SQL: this service line is on an active claim."""
    return exists(
        select(ClaimLine.id)
        .join(Claim, Claim.id == ClaimLine.claim_id)
        .where(ClaimLine.service_line_id == ServiceLine.id, active_claim_clause())
    )


@dataclass
class CreateResult:
    claims: list[Claim] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # why a selected session was not billed


def _explain(session, encounter: Encounter, payers_billable: dict[int, bool]) -> str | None:
    """Why an encounter cannot be billed, or None when it can."""
    if encounter.status == "void":
        return f"session {encounter.id} is void"
    if encounter.status != "signed":
        return (
            f"session {encounter.id} is not signed "
            f"(sign it: clinicbill session sign {encounter.id})"
        )
    if encounter.policy_id is None:
        return f"session {encounter.id} is self-pay (give the patient a superbill instead)"
    if not payers_billable.get(encounter.policy_id, True):
        return f"session {encounter.id} is billed to a self-pay payer, which takes no claims"
    return None


def _policy_billable(session, policy_ids) -> dict[int, bool]:
    from clinicbill.domain.practice.profiles import profile_for_payer

    if not policy_ids:
        return {}
    rows = session.execute(
        select(Policy.id, Payer)
        .join(Payer, Payer.id == Policy.payer_id)
        .where(Policy.id.in_(policy_ids))
    ).all()
    return {pid: profile_for_payer(payer).billable for pid, payer in rows}


def select_encounters(
    session,
    *,
    encounter_ids: list[int] | None = None,
    patient_id: int | None = None,
    from_date: date | None = None,
    to_date: date | None = None,
    everything: bool = False,
) -> tuple[list[Encounter], list[str]]:
    """The encounters a `claim create` names. Named sessions that cannot bill are refused;
    a range skips them and says why."""
    if encounter_ids:
        encounters = []
        for ident in encounter_ids:
            encounter = session.get(Encounter, ident)
            if encounter is None:
                raise ClinicbillError(
                    f"session: no session with id {ident}", "see 'clinicbill session list'"
                )
            encounters.append(encounter)
        billable = _policy_billable(session, {e.policy_id for e in encounters} - {None})
        for encounter in encounters:
            reason = _explain(session, encounter, billable)
            if reason:
                hint = (
                    f"clinicbill session sign {encounter.id}"
                    if "not signed" in reason
                    else "only signed, insured sessions become claims"
                )
                raise ClinicbillError(f"session: {reason.split(' (')[0]}", hint)
        return encounters, []
    if not (patient_id or everything or from_date or to_date):
        raise ClinicbillError(
            "claim: say which sessions to bill", "give --session ID, --patient P, or --all"
        )
    query = select(Encounter).order_by(Encounter.service_date, Encounter.id)
    if patient_id:
        query = query.where(Encounter.patient_id == patient_id)
    if from_date:
        query = query.where(Encounter.service_date >= from_date)
    if to_date:
        query = query.where(Encounter.service_date <= to_date)
    query = query.where(Encounter.status != "void")
    encounters = list(session.execute(query).scalars().all())
    billable = _policy_billable(session, {e.policy_id for e in encounters} - {None})
    chosen, skipped = [], []
    for encounter in encounters:
        reason = _explain(session, encounter, billable)
        if reason and encounter.policy_id is not None:
            skipped.append(reason)
        elif reason is None:
            chosen.append(encounter)
    return chosen, skipped


def create_claims(session, encounters: list[Encounter], on: date | None = None) -> CreateResult:
    """Group the unbilled lines of signed, insured encounters into draft claims.

    Lines group by patient, policy, rendering provider, authorization, referral and injury
    case (boxes 10, 14, 17 and 23 are per claim); a claim holds at most 50 lines (837P) and
    12 diagnoses (box 21), so a larger group continues on a further claim.
    """
    on = on or date.today()
    result = CreateResult()
    if not encounters:
        raise ClinicbillError("claim: no signed, insured sessions to bill", "see 'session list'")
    ids = [e.id for e in encounters]
    lines_by_encounter = _unbilled_lines(session, ids)
    dx_by_encounter = _diagnoses_by_encounter(session, ids)
    groups: dict[tuple, list[Encounter]] = defaultdict(list)
    for encounter in sorted(encounters, key=lambda e: (e.service_date, e.id)):
        if not lines_by_encounter.get(encounter.id):
            result.skipped.append(f"session {encounter.id} is already billed")
            continue
        key = (
            encounter.patient_id,
            encounter.policy_id,
            encounter.provider_id,
            encounter.authorization_id,
            encounter.referral_id,
            encounter.case_id,  # one injury case per claim (boxes 10, 11b, 14)
        )
        groups[key].append(encounter)
    policies = _payer_and_priority(session, {key[1] for key in groups})
    for key, group in groups.items():
        patient_id, policy_id, provider_id, auth_id, referral_id, _case_id = key
        payer_id, priority = policies[policy_id]
        for batch in _claim_batches(group, lines_by_encounter, dx_by_encounter):
            claim = new_draft_claim(
                session,
                [line for _, line in batch],
                on,
                "created from signed sessions",
                patient_id=patient_id,
                policy_id=policy_id,
                payer_id=payer_id,
                provider_id=provider_id,
                priority=priority or "primary",
                from_date=min(e.service_date for e, _ in batch),
                to_date=max(e.service_date for e, _ in batch),
                total_cents=sum(line.charge_cents for _, line in batch),
                authorization_id=auth_id,
                referral_id=referral_id,
            )
            result.claims.append(claim)
    if not result.claims:
        raise ClinicbillError(
            "claim: every selected session is already billed",
            "see 'clinicbill claim list' for the claims that bill them",
        )
    return result


def _unbilled_lines(session, encounter_ids) -> dict[int, list[ServiceLine]]:
    """The encounters' service lines not yet on an active claim, in line order."""
    lines = session.execute(
        select(ServiceLine)
        .where(ServiceLine.encounter_id.in_(encounter_ids), ~billed_clause())
        .order_by(ServiceLine.encounter_id, ServiceLine.line_number)
    ).scalars()
    by_encounter: dict[int, list[ServiceLine]] = defaultdict(list)
    for line in lines:
        by_encounter[line.encounter_id].append(line)
    return by_encounter


def _diagnoses_by_encounter(session, encounter_ids) -> dict[int, set[str]]:
    rows = session.execute(
        select(Diagnosis.encounter_id, Diagnosis.code).where(
            Diagnosis.encounter_id.in_(encounter_ids)
        )
    ).all()
    by_encounter: dict[int, set[str]] = defaultdict(set)
    for encounter_id, code in rows:
        by_encounter[encounter_id].add(code)
    return by_encounter


def _payer_and_priority(session, policy_ids) -> dict[int, tuple[int, str | None]]:
    """Each policy's payer and priority (primary, secondary...), in one query."""
    rows = session.execute(
        select(Policy.id, Policy.payer_id, Policy.priority).where(
            Policy.id.in_(set(policy_ids) or {-1})
        )
    ).all()
    return {policy_id: (payer_id, priority) for policy_id, payer_id, priority in rows}


def _claim_batches(group, lines_by_encounter, dx_by_encounter):
    """A group's (encounter, line) pairs cut into claims of at most MAX_LINES_837P lines and
    MAX_DIAGNOSES diagnoses; an encounter's diagnoses start a new claim only between visits."""
    batches: list[list[tuple[Encounter, ServiceLine]]] = [[]]
    batch_dx: set[str] = set()
    for encounter in group:
        dx = dx_by_encounter.get(encounter.id, set())
        if batches[-1] and len(batch_dx | dx) > MAX_DIAGNOSES:
            batches.append([])
            batch_dx = set()
        batch_dx |= dx
        for line in lines_by_encounter[encounter.id]:
            if len(batches[-1]) >= MAX_LINES_837P:
                batches.append([])
                batch_dx = set(dx)
            batches[-1].append((encounter, line))
    return [batch for batch in batches if batch]


def new_draft_claim(session, lines, on: date, note: str, **fields) -> Claim:
    """A new draft claim of `fields` with a fresh patient control number, billing the service
    `lines` in order, its history starting with `note`."""
    claim = Claim(
        patient_control_number=new_patient_control_number(session), status="draft", **fields
    )
    added(session, claim)
    add_lines(session, claim, lines)
    record_status(session, claim, "draft", on, note)
    return claim


def add_lines(session, claim: Claim, lines) -> None:
    """Claim lines 1..n for service lines (the charge is copied: box 24F at billing time)."""
    for number, line in enumerate(lines, start=1):
        session.add(
            ClaimLine(
                claim_id=claim.id,
                service_line_id=line.id,
                line_number=number,
                charge_cents=line.charge_cents,
            )
        )
    session.flush()


def claim_service_lines(session, claim_id: int) -> list[ServiceLine]:
    """The service lines a claim bills, in its line order (what add_lines copies)."""
    return list(
        session.execute(
            select(ServiceLine)
            .join(ClaimLine, ClaimLine.service_line_id == ServiceLine.id)
            .where(ClaimLine.claim_id == claim_id)
            .order_by(ClaimLine.line_number)
        ).scalars()
    )


def get_claim(session, ident) -> Claim:
    """A claim by id or patient control number."""
    text = str(ident).strip()
    claim = session.get(Claim, int(text)) if text.isdigit() else None
    if claim is None:
        claim = session.execute(
            select(Claim).where(Claim.patient_control_number == text.upper())
        ).scalar()
    if claim is None:
        raise ClinicbillError(
            f"claim: no claim '{text[:30]}'", "give a claim id or patient control number"
        )
    return claim


def claim_history(session, claim_id: int) -> list[ClaimStatusEvent]:
    return list(
        session.execute(
            select(ClaimStatusEvent)
            .where(ClaimStatusEvent.claim_id == claim_id)
            .order_by(ClaimStatusEvent.id)
        ).scalars()
    )


def pages_for(line_count: int) -> int:
    """CMS-1500 pages: 6 lines a page (box 24); further lines continue on more pages."""
    return max(1, -(-line_count // LINES_PER_PAGE))
