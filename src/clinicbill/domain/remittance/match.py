"""Find our claims and service lines for what a remittance says.

Claims match by patient control number (CLP01 echoes our CLM01). Lines match by the line
control number the 837P sends in REF*6R (our ClaimLine.id), else by code + date + units,
tolerating a payer that drops or reorders modifiers; SVC06 carries the code as billed when the
payer changed it (SPEC §4.6, DOMAIN.md §5). Loading is set-based: two queries per 500 claims.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select

from clinicbill.domain.remittance.remit import ServicePayment, record_builder
from clinicbill.store.models import (
    Claim,
    ClaimLine,
    Encounter,
    Patient,
    Policy,
    ServiceLine,
)
from clinicbill.store.query import through_visit

CHUNK = 500


@dataclass(frozen=True)
class BilledLine:
    claim_line_id: int
    claim_id: int
    line_number: int
    service_line_id: int
    code: str
    modifiers: tuple[str, ...]
    units: int
    service_date: date
    charge_cents: int


@dataclass(frozen=True)
class BilledClaim:
    id: int
    patient_control_number: str
    patient_id: int
    payer_id: int
    status: str
    charge_cents: int
    from_date: date
    lines: tuple[BilledLine, ...]
    # For building a synthetic 835 (formats/x12_835_write.py); never logged.
    patient_last_name: str = ""
    patient_first_name: str = ""
    member_id: str = ""


# the frozen records built from a dict of every field (remit.record_builder: a frozen
# dataclass's own __init__ sets each field through object.__setattr__; a batch loads
# thousands of lines)
_LINE = record_builder(BilledLine)
_CLAIM = record_builder(BilledClaim)


def _chunks(values: list, size: int = CHUNK) -> Iterable[list]:
    for start in range(0, len(values), size):
        yield values[start : start + size]


def load_billed_claims(
    session, *, control_numbers: Iterable[str] = (), ids: Iterable[int] = ()
) -> dict:
    """Claims with their lines, keyed by patient control number (when given control numbers)
    or by id (when given ids)."""
    by_pcn = list(dict.fromkeys(c for c in control_numbers if c))
    heads = _claim_heads(session, by_pcn, list(dict.fromkeys(ids)))
    lines = _billed_lines(session, [row.id for row in heads])
    result = {}
    for row in heads:
        claim = _CLAIM(
            {
                "id": row.id,
                "patient_control_number": row.patient_control_number,
                "patient_id": row.patient_id,
                "payer_id": row.payer_id,
                "status": row.status,
                "charge_cents": row.total_cents,
                "from_date": row.from_date,
                "lines": tuple(lines[row.id]),
                "patient_last_name": row.last_name,
                "patient_first_name": row.first_name,
                "member_id": row.member_id,
            }
        )
        result[row.patient_control_number if by_pcn else row.id] = claim
    return result


def _claim_heads(session, by_pcn: list[str], by_id: list[int]) -> list:
    """The claims' own columns with their patient's name and member id, by control number
    and by id, a chunk of values a query."""
    base = (
        select(
            Claim.id,
            Claim.patient_control_number,
            Claim.patient_id,
            Claim.payer_id,
            Claim.status,
            Claim.total_cents,
            Claim.from_date,
            Patient.last_name,
            Patient.first_name,
            Policy.member_id,
        )
        .join(Patient, Patient.id == Claim.patient_id)
        .join(Policy, Policy.id == Claim.policy_id)
    )
    heads = []
    for chunk in _chunks(by_pcn):
        heads.extend(session.execute(base.where(Claim.patient_control_number.in_(chunk))).all())
    for chunk in _chunks(by_id):
        heads.extend(session.execute(base.where(Claim.id.in_(chunk))).all())
    return heads


def _billed_lines(session, claim_ids: list[int]) -> dict[int, list[BilledLine]]:
    """Each claim's lines in line order, as billed (code, modifiers, units, date, charge)."""
    lines: dict[int, list[BilledLine]] = {claim_id: [] for claim_id in claim_ids}
    for chunk in _chunks(list(lines)):
        rows = session.execute(
            through_visit(
                select(
                    ClaimLine.id,
                    ClaimLine.claim_id,
                    ClaimLine.line_number,
                    ClaimLine.charge_cents,
                    ServiceLine.id.label("service_line_id"),
                    ServiceLine.code,
                    ServiceLine.modifiers,
                    ServiceLine.units,
                    Encounter.service_date,
                )
            )
            .where(ClaimLine.claim_id.in_(chunk))
            .order_by(ClaimLine.claim_id, ClaimLine.line_number)
        ).all()
        for r in rows:
            lines[r.claim_id].append(
                _LINE(
                    {
                        "claim_line_id": r.id,
                        "claim_id": r.claim_id,
                        "line_number": r.line_number,
                        "service_line_id": r.service_line_id,
                        "code": r.code.upper(),
                        "modifiers": tuple(m for m in (r.modifiers or "").upper().split(",") if m),
                        "units": r.units,
                        "service_date": r.service_date,
                        "charge_cents": r.charge_cents,
                    }
                )
            )
    return lines


def _date_fits(svc: ServicePayment, line: BilledLine) -> bool:
    if svc.service_date is None:
        return True
    if svc.service_date_end is not None and svc.service_date_end >= svc.service_date:
        return svc.service_date <= line.service_date <= svc.service_date_end
    return svc.service_date == line.service_date


def match_services(
    services: Iterable[ServicePayment], lines: Iterable[BilledLine]
) -> tuple[list[tuple[ServicePayment, BilledLine]], list[ServicePayment]]:
    """Pair each SVC with one of our claim's lines; return the pairs and the unmatched SVCs."""
    free = list(lines)
    by_control = {str(line.claim_line_id): line for line in free}
    pairs: list[tuple[ServicePayment, BilledLine]] = []
    pending: list[ServicePayment] = []
    for svc in services:
        line = by_control.get((svc.line_control_number or "").strip())
        if line is not None and line in free:
            free.remove(line)
            pairs.append((svc, line))
        else:
            pending.append(svc)
    unmatched = []
    for svc in pending:
        line = _best_line(svc, free)
        if line is None:
            unmatched.append(svc)
        else:
            free.remove(line)
            pairs.append((svc, line))
    return pairs, unmatched


def _best_line(svc: ServicePayment, free: list[BilledLine]) -> BilledLine | None:
    code = svc.matching_code
    candidates = [x for x in free if x.code == code and _date_fits(svc, x)]
    if not candidates:
        return None
    units = svc.matching_units
    same_units = [x for x in candidates if units == x.units]
    modifiers = set(svc.billed_modifiers if svc.billed_code else svc.modifiers)
    exact = [x for x in same_units if set(x.modifiers) == modifiers]
    if exact:
        return exact[0]
    if same_units:  # modifiers dropped or reordered by the payer
        return same_units[0]
    return candidates[0] if len(candidates) == 1 else None
