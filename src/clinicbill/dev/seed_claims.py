"""One claim per insured visit of the synthetic practice, its history and its remittance."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from clinicbill.store.models import Claim, ClaimLine, ClaimStatusEvent, RemittanceClaim

# Claim denials: (group code, CARC, RARC or None, weight). PR-204 moves the charge to the patient.
DENIALS = (
    ("CO", "50", None, 3),
    ("CO", "197", None, 2),
    ("CO", "96", "N130", 2),
    ("PR", "204", None, 3),
    ("CO", "29", None, 1),
    ("OA", "18", None, 1),
)


def at(day: date, hour: int = 17) -> datetime:
    """A deterministic timestamp on a day (UTC)."""
    return datetime(day.year, day.month, day.day, hour, tzinfo=UTC)


def _next_weekday(day: date, weekday: int) -> date:
    return day + timedelta(days=(weekday - day.weekday()) % 7)


def allowed_amount(fees, payer_id, code, units, charge, payer_plan) -> int:
    """The payer's allowed amount: contracted per unit, else a share of the charge."""
    contracted = fees.get((code, payer_id))
    allowed = contracted * units if contracted else charge * payer_plan.allowed_pct // 100
    return min(allowed, charge)


def _event(biller, claim_id: int, status: str, on: date) -> None:
    biller.rows[ClaimStatusEvent].append(
        dict(
            id=biller.take(ClaimStatusEvent),
            claim_id=claim_id,
            status=status,
            on_date=on,
            at=at(on, 15),
            user="seed",
            note=None,
        )
    )


def bill_claim(biller, plan, visit, lines, owed, payer_plan, visit_in_year: int) -> None:
    """Create the claim; adjudicate it when its remittance date has passed."""
    rng, end = biller.rng, biller.end
    day = visit.service_date
    claim_id = biller.take(Claim)
    created = min(day + timedelta(days=1), end)
    billed = day + timedelta(days=rng.randint(1, 4))
    if billed.weekday() >= 5:
        billed = _next_weekday(billed, 0)
    unbilled = id(visit) in biller.ready or billed > end
    lost = rng.random() < 0.012  # never answered: follow-up and timely filing material
    rejected = rng.random() < 0.004
    pay_on = _next_weekday(
        billed + timedelta(days=rng.randint(*payer_plan.lag)), payer_plan.weekday
    )
    pending = pay_on > end or (biller.unpaid_from is not None and billed >= biller.unpaid_from)
    status = "ready" if unbilled else "rejected" if rejected else "submitted"
    claim = dict(
        id=claim_id,
        patient_control_number=f"SD{claim_id:09d}",
        patient_id=plan["id"],
        policy_id=plan["policy_id"],
        payer_id=biller.payers[plan["payer"]],
        provider_id=visit.provider_id,
        priority="primary",
        frequency="1",
        original_claim_id=None,
        primary_claim_id=None,
        payer_claim_control_number=None,
        status=status,
        from_date=day,
        to_date=day,
        total_cents=sum(charge for *_, charge in lines),
        authorization_id=None,
        referral_id=None,
        first_billed_on=None if unbilled else billed,
        created_at=at(created, 9),
    )
    biller.rows[Claim].append(claim)
    _add_claim_lines(biller, claim_id, lines)
    _event(biller, claim_id, "ready", created)
    if unbilled:
        return
    _event(biller, claim_id, "submitted", billed)
    if rejected:
        _event(biller, claim_id, "rejected", min(billed + timedelta(days=1), end))
        return
    if lost or pending:
        _unanswered(biller, claim, owed, billed, lost)
        return
    _adjudicate(biller, plan, claim, lines, owed, payer_plan, visit_in_year, pay_on)


def _add_claim_lines(biller, claim_id: int, lines) -> None:
    for number, (line_id, _code, _units, charge) in enumerate(lines, start=1):
        biller.rows[ClaimLine].append(
            dict(
                id=biller.take(ClaimLine),
                claim_id=claim_id,
                service_line_id=line_id,
                line_number=number,
                charge_cents=charge,
            )
        )


def _unanswered(biller, claim, owed, billed, lost: bool) -> None:
    """A claim the payer has not answered: maybe accepted; a lost one written off at the
    timely filing limit."""
    claim_id, end = claim["id"], biller.end
    if billed + timedelta(days=2) <= end and biller.rng.random() < 0.5:
        claim["status"] = "accepted"
        _event(biller, claim_id, "accepted", billed + timedelta(days=1))
    closed_on = billed + timedelta(days=400)
    if lost and biller.write_off(owed, closed_on, "timely filing limit passed", odds=0.9):
        claim["status"] = "closed"
        _event(biller, claim_id, "closed", closed_on)


def _adjudicate(biller, plan, claim, lines, owed, payer_plan, visit_in_year, pay_on) -> None:
    """Post the payer's answer per line (CO/PR/OA), then the patient's share as it is paid."""
    rng = biller.rng
    rid, ins_payment = biller.remittance_for(plan["payer"], pay_on)
    rc_id = biller.take(RemittanceClaim)
    roll = rng.random()
    denial = None
    if roll < payer_plan.denial_pct:
        denial = rng.choices(DENIALS, weights=[d[3] for d in DENIALS])[0]
    bundled = roll > 0.97 and any(code == "97140" for _, code, _, _ in lines[1:])
    common = dict(claim_id=claim["id"], remittance_claim_id=rc_id)
    paid_total = resp_total = 0
    for index, (line_id, code, _units, charge) in enumerate(lines):
        if denial is not None:
            resp_total += _deny_line(biller, denial, line_id, charge, owed, pay_on, common)
            continue
        if bundled and code == "97140":
            biller._entry(
                line_id,
                "adjustment",
                owed[line_id],
                pay_on,
                group_code="CO",
                reason_code="97",
                **common,
            )
            owed[line_id] = 0
            continue
        shares = _patient_shares(biller, claim, payer_plan, lines[index], index, visit_in_year)
        paid, patient_share = _pay_line(
            biller, plan, lines[index], shares, owed, pay_on, common, ins_payment
        )
        paid_total += paid
        resp_total += patient_share
    claim["payer_claim_control_number"] = f"{rng.randrange(10**12, 10**13)}"
    biller.rows[RemittanceClaim].append(
        dict(
            id=rc_id,
            remittance_id=rid,
            claim_id=claim["id"],
            patient_control_number=claim["patient_control_number"],
            status_code="4" if denial is not None else "1",
            charge_cents=claim["total_cents"],
            paid_cents=paid_total,
            patient_resp_cents=resp_total,
            payer_claim_control_number=claim["payer_claim_control_number"],
            remark_codes=denial[2] if denial else None,
            unmatched_reason=None,
        )
    )
    status = "denied" if denial else "partially-paid" if bundled else "paid"
    claim["status"] = status
    _event(biller, claim["id"], status, pay_on)
    _after_remittance(biller, plan, claim, denial, owed, pay_on)


def _deny_line(biller, denial, line_id, charge, owed, pay_on, common) -> int:
    """A denied line: written off (CO/OA) or the patient's (PR); returns the patient's part."""
    group, reason, remark, _ = denial
    kind = "patient_responsibility" if group == "PR" else "adjustment"
    amount = charge if group == "PR" else owed[line_id]
    biller._entry(
        line_id,
        kind,
        amount,
        pay_on,
        group_code=group,
        reason_code=reason,
        remark_codes=remark,
        **common,
    )
    if group != "PR":
        owed[line_id] = 0
        return 0
    return charge


def _patient_shares(biller, claim, payer_plan, line, index, visit_in_year):
    """(allowed, [(PR reason, cents)]): deductible early in the year, else a copay on the
    first line, else coinsurance."""
    _line_id, code, units, charge = line
    allowed = allowed_amount(biller.fees, claim["payer_id"], code, units, charge, payer_plan)
    if visit_in_year <= payer_plan.deductible_visits:
        return allowed, [("1", allowed)]
    if payer_plan.copay_cents:
        return allowed, [("3", min(payer_plan.copay_cents, allowed))] if index == 0 else []
    return allowed, [("2", allowed * payer_plan.coinsurance_pct // 100)]


def _pay_line(biller, plan, line, shares, owed, pay_on, common, ins_payment):
    """A paid line: the allowed amount less the patient's share and Medicare's 2%
    sequestration; returns (paid, patient share)."""
    line_id, _code, _units, charge = line
    allowed, shares = shares
    patient_share = sum(cents for _, cents in shares)
    paid = allowed - patient_share
    sequestration = paid * 2 // 100 if plan["payer"] == "02202" else 0
    paid -= sequestration
    if paid:
        biller._entry(line_id, "insurance_payment", paid, pay_on, payment_id=ins_payment, **common)
    for group, reason, cents in (("CO", "45", charge - allowed), ("CO", "253", sequestration)):
        if cents:
            biller._entry(
                line_id,
                "adjustment",
                cents,
                pay_on,
                group_code=group,
                reason_code=reason,
                **common,
            )
    for reason, cents in shares:
        if cents:
            biller._entry(
                line_id,
                "patient_responsibility",
                cents,
                pay_on,
                group_code="PR",
                reason_code=reason,
                **common,
            )
    # the balance left is the patient's share less what was collected at the visit
    owed[line_id] -= paid + (charge - allowed) + sequestration
    return paid, patient_share


def _after_remittance(biller, plan, claim, denial, owed, pay_on) -> None:
    """Some denials appealed; the patient pays what is left (all, half, or collections)."""
    rng = biller.rng
    if denial and denial[0] != "PR" and rng.random() < 0.25:
        appeal_on = pay_on + timedelta(days=rng.randint(10, 40))
        if appeal_on <= biller.end:
            claim["status"] = "appealed"
            _event(biller, claim["id"], "appealed", appeal_on)
    if any(cents > 0 for cents in owed.values()):
        roll = rng.random()
        later = pay_on + timedelta(days=rng.randint(5, 45))
        if roll < 0.78:
            biller._patient_pays(plan, owed, later)
        elif roll < 0.86:
            biller._patient_pays(plan, owed, later, share=50)
        biller.write_off(owed, pay_on + timedelta(days=180), "bad debt: sent to collections")
