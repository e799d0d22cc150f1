"""What an insured patient will owe: per visit and for a plan of care, from the latest benefit
verification note and the fee (the payer's contracted amount when the practice has one, else
the standard fee).

Rules, visit by visit in order (pure: `share_of_visits`):
- a service whose benefit the note says is NOT covered, or a visit beyond the plan-year visits
  remaining, is the patient's in full (the standard fee);
- out of network, the allowed amount is the standard fee (no contracted rate applies);
- the deductible still to meet is paid first, from the allowed amount;
- of the rest, the copay when the note has one, else the coinsurance percent (rounded half
  up to the cent); never more than the allowed amount;
- once the out-of-pocket maximum is met, covered services cost the patient nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import select

from clinicbill.domain.errors import ClinicbillError
from clinicbill.store.models import FeeSchedule
from clinicbill.store.query import added


@dataclass(frozen=True)
class Benefits:
    in_network: bool | None
    deductible_left: int  # cents still to meet
    oop_left: int | None  # cents until the out-of-pocket maximum (None: unknown)
    copay: int | None
    coinsurance_pct: int | None
    visits_left: int | None  # plan-year visits remaining (None: no limit known)


@dataclass(frozen=True)
class ServiceFee:
    code: str
    units: int
    standard: int  # cents for the units
    contracted: int | None  # cents for the units
    covered: bool  # False: the note says this benefit is not covered


@dataclass(frozen=True)
class VisitShare:
    number: int
    allowed: int
    deductible: int
    cost_share: int  # copay or coinsurance
    not_covered: int
    patient: int  # what the patient owes for the visit
    note: str


def _percent(cents: int, pct: int) -> int:
    return int((Decimal(cents) * pct / 100).quantize(Decimal(1), ROUND_HALF_UP))


def share_of_visits(
    services: list[ServiceFee], benefits: Benefits, visits: int
) -> list[VisitShare]:
    """The patient's expected share of each of `visits` identical visits."""
    deductible_left = benefits.deductible_left
    oop_left = benefits.oop_left
    out = []
    for number in range(1, visits + 1):
        over_limit = benefits.visits_left is not None and number > benefits.visits_left
        not_covered = sum(s.standard for s in services if over_limit or not s.covered)
        allowed = sum(
            s.standard if benefits.in_network is False or s.contracted is None else s.contracted
            for s in services
            if s.covered and not over_limit
        )
        deductible = min(deductible_left, allowed)
        rest = allowed - deductible
        if benefits.copay is not None:
            cost_share = min(benefits.copay, rest) if allowed else 0
        else:
            cost_share = _percent(rest, benefits.coinsurance_pct or 0)
        covered_share = deductible + cost_share
        if oop_left is not None:
            covered_share = min(covered_share, oop_left)
            oop_left -= covered_share
        deductible_left -= deductible
        note = "beyond the visits remaining" if over_limit else ""
        if benefits.in_network is False and allowed:
            note = (note + "; " if note else "") + "out of network: standard fee allowed"
        out.append(
            VisitShare(
                number,
                allowed,
                deductible,
                cost_share,
                not_covered,
                covered_share + not_covered,
                note,
            )
        )
    return out


def benefits_from(note, visits_left: int | None) -> Benefits:
    """A verification note's answers as Benefits (unknown amounts count as 0)."""
    if note is None:
        raise ClinicbillError(
            "verification: the patient's policy has no benefit verification on file",
            "record one first: clinicbill verify add POLICY ...",
        )
    deductible_left = max((note.deductible_cents or 0) - (note.deductible_met_cents or 0), 0)
    oop_left = None
    if note.oop_max_cents is not None:
        oop_left = max(note.oop_max_cents - (note.oop_met_cents or 0), 0)
    return Benefits(
        in_network=note.in_network,
        deductible_left=deductible_left,
        oop_left=oop_left,
        copay=note.copay_cents,
        coinsurance_pct=note.coinsurance_pct,
        visits_left=visits_left,
    )


def covered(note, code: str) -> bool:
    """Whether the note leaves the code's benefit (massage, acupuncture) covered: only an
    explicit 'not covered' answer says no."""
    from clinicbill.domain.coverage.check import benefit_of

    benefit = benefit_of(code)
    return (getattr(note, f"{benefit}_covered", None) if benefit else None) is not False


def service_fees(session, specs, payer_id: int, note) -> list[ServiceFee]:
    """Fees for `--code` specs (CODE, CODE:units=N, CODE:charge=DOLLARS per unit)."""
    from clinicbill.domain.documents.estimates import parse_item
    from clinicbill.domain.practice.records import standard_fee

    if not specs:
        raise ClinicbillError("code: at least one service is required", "give --code 97124:units=4")
    fees = []
    for spec in specs:
        code, units, charge = parse_item(spec)
        units = units or 1
        unit = charge if charge is not None else standard_fee(session, code)
        if unit is None:
            raise ClinicbillError(
                f"code: {code} has no standard charge",
                f"set one with 'clinicbill fee set {code} AMOUNT' or give {code}:charge=DOLLARS",
            )
        contracted = session.execute(
            select(FeeSchedule.amount_cents).where(
                FeeSchedule.code == code, FeeSchedule.payer_id == payer_id
            )
        ).scalar()
        fees.append(
            ServiceFee(
                code,
                units,
                unit * units,
                None if contracted is None else contracted * units,
                covered(note, code),
            )
        )
    return fees


@dataclass(frozen=True)
class InsuredEstimate:
    patient_id: int
    account_number: str
    policy_id: int
    payer: str
    on: date
    verification_id: int
    benefits: Benefits
    services: tuple[ServiceFee, ...]
    visits: tuple[VisitShare, ...]

    @property
    def total(self) -> int:
        return sum(v.patient for v in self.visits)

    @property
    def first_visit(self) -> int:
        return self.visits[0].patient if self.visits else 0


def estimate_insured(session, patient, specs, visits: int = 1, on: date | None = None):
    """The patient's expected share per visit and for `visits` visits under the primary policy
    in effect on `on`."""
    from clinicbill.domain.coverage.check import visit_coverage
    from clinicbill.domain.coverage.verification import current_note
    from clinicbill.domain.documents.estimates import parse_item
    from clinicbill.domain.practice.patients import active_policy
    from clinicbill.store.models import Payer

    if not 1 <= visits <= 52:
        raise ClinicbillError(f"visits: {visits} is not between 1 and 52", "e.g. --visits 8")
    on = on or date.today()
    policy = active_policy(session, patient, on)
    if policy is None:
        raise ClinicbillError(
            f"policy: patient {patient.account_number} has no policy in effect on {on}",
            "for a self-pay patient use 'clinicbill estimate PATIENT --code ...'",
        )
    note = current_note(session, policy.id, on)
    codes = [parse_item(s)[0] for s in specs or []]
    coverage = visit_coverage(
        session,
        patient_id=patient.id,
        policy_id=policy.id,
        service_date=on,
        codes=codes,
        authorization_id=None,
        referral_id=None,
    )
    benefits = benefits_from(note, coverage.visits_remaining)
    fees = service_fees(session, specs, policy.payer_id, note)
    payer = session.get(Payer, policy.payer_id)
    return InsuredEstimate(
        patient.id,
        patient.account_number,
        policy.id,
        payer.name,
        on,
        note.id,
        benefits,
        tuple(fees),
        tuple(share_of_visits(fees, benefits, visits)),
    )


def estimate_session(session, encounter) -> tuple[int, VisitShare] | None:
    """At check-in: the patient's expected share of an insured session ("collect $X today"),
    recorded for the estimate-vs-actual comparison. None for a self-pay session or without a
    verification note."""
    from clinicbill.domain.coverage.check import visit_coverage
    from clinicbill.domain.coverage.verification import current_note
    from clinicbill.store.models import Policy, ServiceLine, VisitEstimate

    if encounter.policy_id is None or encounter.status == "void":
        return None
    note = current_note(session, encounter.policy_id, encounter.service_date)
    if note is None:
        return None
    policy = session.get(Policy, encounter.policy_id)
    lines = (
        session.execute(select(ServiceLine).where(ServiceLine.encounter_id == encounter.id))
        .scalars()
        .all()
    )
    contracted = dict(
        session.execute(
            select(FeeSchedule.code, FeeSchedule.amount_cents).where(
                FeeSchedule.payer_id == policy.payer_id,
                FeeSchedule.code.in_([x.code for x in lines] or [""]),
            )
        ).all()
    )
    fees = []
    for line in lines:
        agreed = contracted.get(line.code)
        fees.append(
            ServiceFee(
                line.code,
                line.units,
                line.charge_cents,
                None if agreed is None else agreed * line.units,
                covered(note, line.code),
            )
        )
    coverage = visit_coverage(
        session,
        patient_id=encounter.patient_id,
        policy_id=encounter.policy_id,
        service_date=encounter.service_date,
        codes=[x.code for x in lines],
        authorization_id=None,
        referral_id=None,
        exclude_encounter_id=encounter.id,
    )
    [share] = share_of_visits(fees, benefits_from(note, coverage.visits_remaining), 1)
    added(
        session,
        VisitEstimate(
            encounter_id=encounter.id,
            payer_id=policy.payer_id,
            verification_id=note.id,
            estimate_cents=share.patient,
        ),
    )
    return note.id, share
