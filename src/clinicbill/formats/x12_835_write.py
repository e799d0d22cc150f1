"""Write X12 835 (005010X221A1) remittances: for tests, the demo and the benchmarks.

`write_835` serialises RemittanceAdvice records (domain/remittance/remit.py) into a file that pyx12
accepts. `claim_payment` plays the payer: it turns one of our claims plus an `Outcome`
(paid with a contractual write-off and patient share, denied, ...) into the CLP the payer would
send, balanced the way DOMAIN.md §5 says; `reversal_of` negates a payment (CLP02 22).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from decimal import Decimal

from clinicbill.domain.money import x12_amount
from clinicbill.domain.remittance.match import BilledClaim
from clinicbill.domain.remittance.remit import (
    Adjustment,
    ClaimPayment,
    RemittanceAdvice,
    ServicePayment,
)
from clinicbill.formats.x12_segments import cas_segments


@dataclass(frozen=True)
class Outcome:
    """What the payer decides for one claim.

    kind: paid | denied. For paid claims each line is allowed `allowed_percent` of its charge
    (the rest is CO-45); the patient owes `deductible_cents` (PR-1, from the first lines),
    `copay_cents` (PR-3, first line) and `coinsurance_percent` of what remains allowed (PR-2).
    `deny_lines` (line numbers) are denied inside a paid claim (partially paid). A denied claim
    writes every line off with `denial_group`-`denial_reason` and the `remarks` RARCs.
    """

    kind: str = "paid"
    allowed_percent: int = 80
    coinsurance_percent: int = 0
    copay_cents: int = 0
    deductible_cents: int = 0
    deny_lines: tuple[int, ...] = ()
    denial_group: str = "CO"
    denial_reason: str = "50"
    remarks: tuple[str, ...] = ()
    echo_line_control_numbers: bool = True
    payer_claim_control_number: str | None = None


def _percent(cents: int, percent: int) -> int:
    return (cents * percent + 50) // 100  # half up, integers only


def claim_payment(claim: BilledClaim, outcome: Outcome, status_code: str = "1") -> ClaimPayment:
    """The CLP a payer would send for `claim` under `outcome` (balanced to the cent)."""
    services = []
    owed = {"1": outcome.deductible_cents, "3": outcome.copay_cents}  # what is left to take
    for line in claim.lines:
        remarks: tuple[str, ...] = ()
        denied = outcome.kind == "denied" or line.line_number in outcome.deny_lines
        if denied:
            adjustments = [
                Adjustment(outcome.denial_group, outcome.denial_reason, line.charge_cents)
            ]
            remarks = outcome.remarks
            paid = 0
            allowed = 0
        else:
            allowed = _percent(line.charge_cents, outcome.allowed_percent)
            adjustments, paid = _allowed_line(line.charge_cents, allowed, owed, outcome)
        services.append(
            ServicePayment(
                code=line.code,
                modifiers=line.modifiers,
                charge_cents=line.charge_cents,
                paid_cents=paid,
                units=None if line.units == 1 else Decimal(line.units),
                service_date=line.service_date,
                line_control_number=(
                    str(line.claim_line_id) if outcome.echo_line_control_numbers else None
                ),
                allowed_cents=None if denied else allowed,
                adjustments=tuple(adjustments),
                remarks=remarks,
            )
        )
    paid_total = sum(s.paid_cents for s in services)
    patient = sum(a.amount_cents for s in services for a in s.adjustments if a.group == "PR")
    return ClaimPayment(
        patient_control_number=claim.patient_control_number,
        status_code="4" if outcome.kind == "denied" else status_code,
        charge_cents=sum(s.charge_cents for s in services),
        paid_cents=paid_total,
        patient_resp_cents=patient,
        filing_indicator="12",
        payer_claim_control_number=outcome.payer_claim_control_number or f"PCC{claim.id:010d}",
        frequency="1",
        services=tuple(services),
    )


def _allowed_line(charge: int, allowed: int, owed: dict, outcome: Outcome):
    """(adjustments, paid) of a line the payer allows: the contractual write-off, then the
    deductible and copay still `owed` (taken from it), then coinsurance of the rest."""
    adjustments = [Adjustment("CO", "45", charge - allowed)] if charge - allowed else []
    left = allowed
    for reason in ("1", "3"):  # deductible, then copay
        take = min(owed[reason], left)
        if take:
            adjustments.append(Adjustment("PR", reason, take))
            left -= take
            owed[reason] -= take
    coinsurance = _percent(left, outcome.coinsurance_percent)
    if coinsurance:
        adjustments.append(Adjustment("PR", "2", coinsurance))
        left -= coinsurance
    return adjustments, left


def reversal_of(payment: ClaimPayment) -> ClaimPayment:
    """CLP02 22: the payer takes back an earlier payment (every amount negated)."""

    def neg(adjs: Iterable[Adjustment]) -> tuple[Adjustment, ...]:
        return tuple(replace(a, amount_cents=-a.amount_cents) for a in adjs)

    return replace(
        payment,
        status_code="22",
        charge_cents=-payment.charge_cents,
        paid_cents=-payment.paid_cents,
        patient_resp_cents=-payment.patient_resp_cents,
        frequency="8",
        adjustments=neg(payment.adjustments),
        services=tuple(
            replace(
                s,
                charge_cents=-s.charge_cents,
                paid_cents=-s.paid_cents,
                adjustments=neg(s.adjustments),
                allowed_cents=None,
            )
            for s in payment.services
        ),
    )


def advice_for(
    claims: Sequence[ClaimPayment],
    *,
    trace_number: str,
    payment_date: date,
    payer_name: str = "CASCADE HEALTH PLAN",
    payer_identifier: str = "1930000001",
    payee_name: str = "CLINIC",
    payee_npi: str = "1928374655",
    payer_reference_id: str | None = None,
) -> RemittanceAdvice:
    """A remittance carrying these CLPs; BPR02 = sum of CLP04 (a check when positive)."""
    paid = sum(c.paid_cents for c in claims)
    return RemittanceAdvice(
        trace_number=trace_number,
        payer_identifier=payer_identifier,
        paid_cents=paid,
        handling_code="I" if paid > 0 else "H",
        credit_debit="C",
        method="CHK" if paid > 0 else "NON",
        payment_date=payment_date,
        production_date=payment_date,
        payer_name=payer_name,
        payee_name=payee_name,
        payee_identifier=payee_npi,
        payee_id_qualifier="XX",
        payer_reference_id=payer_reference_id,
        claims=tuple(claims),
    )


def write_835(
    advices: Sequence[RemittanceAdvice],
    *,
    sender_id: str = "PAYERSENDER",
    receiver_id: str = "CLINICBILL",
    control_number: int = 1,
    usage: str = "T",
    patients: dict[str, tuple[str, str, str]] | None = None,
    now: datetime | None = None,
) -> str:
    """The 835 text: one ST..SE per advice in one GS/ISA. `patients` maps a patient control
    number to (last name, first name, member id) for NM1*QC (placeholders otherwise)."""
    now = now or datetime.now(UTC)
    patients = patients or {}
    out: list[str] = []
    seg = out.append
    seg(
        "ISA*00*" + " " * 10 + "*00*" + " " * 10 + f"*ZZ*{sender_id[:15]:<15}*ZZ*"
        f"{receiver_id[:15]:<15}*{now:%y%m%d}*{now:%H%M}*^*00501*{control_number:09d}*0*"
        f"{usage}*:"
    )
    seg(f"GS*HP*{sender_id}*{receiver_id}*{now:%Y%m%d}*{now:%H%M}*{control_number}*X*005010X221A1")
    for number, advice in enumerate(advices, start=1):
        body = _transaction(advice, patients)
        st = f"{number:04d}"
        seg(f"ST*835*{st}")
        out.extend(body)
        seg(f"SE*{len(body) + 2}*{st}")
    seg(f"GE*{len(advices)}*{control_number}")
    seg(f"IEA*1*{control_number:09d}")
    return "~\n".join(out) + "~\n"


def _d(value: date) -> str:
    return f"{value:%Y%m%d}"


def _transaction(advice: RemittanceAdvice, patients) -> list[str]:
    paid = x12_amount(advice.paid_cents)
    when = advice.payment_date or advice.production_date or date.today()
    body = [
        f"BPR*{advice.handling_code or 'I'}*{paid}*{advice.credit_debit or 'C'}*"
        f"{advice.method or 'CHK'}" + "*" * 12 + _d(when),
        f"TRN*1*{advice.trace_number}*{advice.payer_identifier}",
        f"DTM*405*{_d(advice.production_date or when)}",
        f"N1*PR*{advice.payer_name or 'PAYER'}",
        "N3*PO BOX 1000",
        "N4*PORTLAND*OR*97201",
        *([f"REF*2U*{advice.payer_reference_id}"] if advice.payer_reference_id else []),
        "PER*BL*EDI SUPPORT*TE*5035550100",
        f"N1*PE*{advice.payee_name or 'PAYEE'}*XX*{advice.payee_identifier or '1928374655'}",
    ]
    for number, claim in enumerate(advice.claims, start=1):
        if number == 1:
            body.append("LX*1")
        body.extend(_claim(claim, patients))
    for plb in advice.provider_adjustments:
        period = _d(plb.fiscal_period or date(when.year, 12, 31))
        reason = plb.reason + (f":{plb.reference}" if plb.reference else "")
        body.append(
            f"PLB*{plb.provider_identifier}*{period}*{reason}*{x12_amount(plb.amount_cents)}"
        )
    return body


def _claim(claim: ClaimPayment, patients) -> list[str]:
    last, first, member = patients.get(claim.patient_control_number, ("PATIENT", "", "UNKNOWN"))
    segs = [
        f"CLP*{claim.patient_control_number}*{claim.status_code}*"
        f"{x12_amount(claim.charge_cents)}*{x12_amount(claim.paid_cents)}*"
        f"{x12_amount(claim.patient_resp_cents) if claim.patient_resp_cents else ''}*"
        f"{claim.filing_indicator or '12'}*{claim.payer_claim_control_number or ''}*11*"
        f"{claim.frequency or '1'}",
    ]
    segs.extend(cas_segments(claim.adjustments, reason=str))
    name = f"NM1*QC*1*{last}*{first}" if first else f"NM1*QC*1*{last}"
    segs.append(f"{name}****MI*{member}" if first else f"{name}*****MI*{member}")
    if claim.remarks:
        segs.append("MOA***" + "*".join(claim.remarks[:5]))
    for svc in claim.services:
        composite = ":".join(("HC", svc.code, *svc.modifiers))
        units = f"**{svc.units.normalize():f}" if svc.units is not None else ""
        segs.append(
            f"SVC*{composite}*{x12_amount(svc.charge_cents)}*{x12_amount(svc.paid_cents)}{units}"
        )
        if svc.service_date:
            segs.append(f"DTM*472*{_d(svc.service_date)}")
        segs.extend(cas_segments(svc.adjustments, reason=str))
        if svc.line_control_number:
            segs.append(f"REF*6R*{svc.line_control_number}")
        if svc.allowed_cents is not None:
            segs.append(f"AMT*B6*{x12_amount(svc.allowed_cents)}")
        for remark in svc.remarks:
            segs.append(f"LQ*HE*{remark}")
    return segs


def remittance_835_for_claims(
    session,
    outcomes: dict[int, Outcome],
    *,
    trace_number: str,
    payment_date: date,
    control_number: int = 1,
) -> tuple[str, RemittanceAdvice]:
    """Play the payer for these claims (id -> Outcome): the 835 text and its advice."""
    from clinicbill.domain.remittance.match import load_billed_claims

    claims = load_billed_claims(session, ids=list(outcomes))
    payments = [claim_payment(claims[cid], outcome) for cid, outcome in outcomes.items()]
    advice = advice_for(payments, trace_number=trace_number, payment_date=payment_date)
    text = write_835([advice], control_number=control_number, patients=patients_of(claims))
    return text, advice


def patients_of(claims: dict) -> dict[str, tuple[str, str, str]]:
    """`write_835`'s NM1*QC names for these billed claims (control number -> name, member)."""
    return {
        c.patient_control_number: (
            c.patient_last_name.upper(),
            c.patient_first_name.upper(),
            c.member_id,
        )
        for c in claims.values()
    }
