"""Manual insurance posting from a paper EOB, with the same line-level detail as an 835.

A typed EOB line becomes the same ServicePayment an 835 SVC loop becomes (with our line
control number, so it matches exactly) and is posted by domain/remittance/posting.py
post_remittance:
one posting function for both paths.

Line syntax (one per claim line): `LINE paid=AMOUNT [GROUP-CARC=AMOUNT ...] [remark=RARC]`,
e.g. `1 paid=62.40 CO-45=20 PR-2=15.60` or `2 paid=0 CO-50=80 remark=N130`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from clinicbill.domain.errors import ClinicbillError
from clinicbill.domain.money import parse_amount
from clinicbill.domain.remittance.remit import (
    ADJUSTMENT_GROUPS,
    Adjustment,
    ClaimPayment,
    RemittanceAdvice,
    ServicePayment,
)

_ADJ = re.compile(r"(?P<group>[A-Z]{2})-(?P<reason>[A-Z0-9]{1,5})\Z")
_REMARK = re.compile(r"[A-Z0-9]{2,7}\Z")
LINE_HINT = "e.g. --line '1 paid=62.40 CO-45=20 PR-2=15.60' or --line '2 paid=0 CO-50=80'"


@dataclass(frozen=True)
class EobLine:
    line_number: int
    paid_cents: int
    adjustments: tuple[Adjustment, ...] = ()
    remarks: tuple[str, ...] = ()


def parse_eob_line(text: str) -> EobLine:
    """`1 paid=62.40 CO-45=20 PR-2=15.60 remark=N130` -> EobLine (refuses anything else)."""
    tokens = (text or "").split()
    if not tokens or not tokens[0].isdigit() or len(tokens) > 20:
        raise ClinicbillError(
            f"line: '{(text or '')[:40]}' does not start with a line number", LINE_HINT
        )
    number = int(tokens[0])
    paid = None
    adjustments = []
    remarks = []
    for token in tokens[1:]:
        key, sep, value = token.partition("=")
        key = key.upper()
        if not sep or not value:
            raise ClinicbillError(f"line {number}: '{token[:30]}' is not NAME=VALUE", LINE_HINT)
        if key == "PAID":
            paid = parse_amount(value, f"line {number} paid")
        elif key == "REMARK":
            for code in value.upper().split(","):
                if not _REMARK.match(code):
                    raise ClinicbillError(
                        f"line {number}: remark '{code[:10]}' is not a RARC", "e.g. N130"
                    )
                remarks.append(code)
        else:
            match = _ADJ.match(key)
            if not match or match["group"] not in ADJUSTMENT_GROUPS:
                raise ClinicbillError(
                    f"line {number}: '{key[:20]}' is not an adjustment",
                    "GROUP-CARC with group CO, PR, OA or PI, e.g. CO-45=20",
                )
            amount = parse_amount(value, f"line {number} {key}", allow_zero=False)
            adjustments.append(Adjustment(match["group"], match["reason"], amount))
    if paid is None:
        raise ClinicbillError(f"line {number}: paid= is missing", LINE_HINT)
    return EobLine(number, paid, tuple(adjustments), tuple(remarks))


def eob_advice(
    session,
    claim,
    lines: list[EobLine],
    *,
    paid_on: date,
    reference: str | None = None,
    method: str = "CHK",
    denied: bool = False,
    payer_claim_control_number: str | None = None,
) -> RemittanceAdvice:
    """The remittance a paper EOB for one claim amounts to."""
    from clinicbill.domain.remittance.match import load_billed_claims

    if not lines:
        raise ClinicbillError("line: give at least one --line", LINE_HINT)
    billed = load_billed_claims(session, ids=[claim.id])[claim.id]
    services = _service_payments(claim, billed, lines)
    ref = (reference or f"EOB {paid_on.isoformat()}").strip()[:50]
    status = "4" if denied else ("2" if claim.priority == "secondary" else "1")
    payment = ClaimPayment(
        patient_control_number=claim.patient_control_number,
        status_code=status,
        charge_cents=sum(s.charge_cents for s in services),
        paid_cents=sum(s.paid_cents for s in services),
        patient_resp_cents=sum(
            a.amount_cents for s in services for a in s.adjustments if a.group == "PR"
        ),
        payer_claim_control_number=payer_claim_control_number,
        services=tuple(services),
    )
    return RemittanceAdvice(
        trace_number=f"{ref}/{claim.patient_control_number}",
        payer_identifier=f"EOB-{claim.payer_id}",
        paid_cents=payment.paid_cents,
        handling_code="I" if payment.paid_cents else "H",
        credit_debit="C",
        method=method,
        payment_date=paid_on,
        claims=(payment,),
    )


def _service_payments(claim, billed, lines: list[EobLine]) -> list[ServicePayment]:
    """Each EOB line against the billed line it names; refuses unknown or repeated lines."""
    by_number = {x.line_number: x for x in billed.lines}
    services = []
    seen = set()
    for eob in lines:
        line = by_number.get(eob.line_number)
        if line is None:
            raise ClinicbillError(
                f"line: claim {claim.patient_control_number} has no line {eob.line_number}",
                "lines are " + ", ".join(str(n) for n in sorted(by_number)),
            )
        if eob.line_number in seen:
            raise ClinicbillError(f"line: {eob.line_number} is given twice", "one --line per line")
        seen.add(eob.line_number)
        services.append(
            ServicePayment(
                code=line.code,
                modifiers=line.modifiers,
                charge_cents=line.charge_cents,
                paid_cents=eob.paid_cents,
                units=Decimal(line.units),
                service_date=line.service_date,
                line_control_number=str(line.claim_line_id),
                adjustments=eob.adjustments,
                remarks=eob.remarks,
            )
        )
    return services


def post_eob(session, claim, lines: list[EobLine], payer: str | None = None, **options):
    """Post a paper EOB for one claim through the one posting function. Refuses (nothing
    written) when it was posted before, would break a line's balance, or comes from another
    payer than the claim's (`payer`: who sent it; default the claim's payer) that the claim
    was not forwarded to."""
    from clinicbill.domain.remittance.posting import post_remittance

    sender = claim.payer_id
    if payer:
        from clinicbill.domain.practice.lookup import find_payer

        sender = find_payer(session, payer).id
    advice = eob_advice(session, claim, lines, **options)
    if sender != claim.payer_id:
        from dataclasses import replace

        advice = replace(advice, payer_identifier=f"EOB-{sender}")
    outcome = post_remittance(session, advice, source="manual", payer_id=sender)
    if outcome.duplicate:
        raise ClinicbillError(
            f"eob: {advice.trace_number} was posted before (remittance {outcome.remittance_id})",
            "give the EOB's own --ref (check or EOB number) to post another one",
        )
    result = outcome.claims[0]
    if not result.posted:
        raise ClinicbillError(
            f"eob: claim {claim.patient_control_number} {result.problem}",
            "check the amounts against the claim ('clinicbill claim show')",
        )
    return outcome
