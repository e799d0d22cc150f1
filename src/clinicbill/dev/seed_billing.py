"""Claims, remittances, the ledger and payments for the synthetic practice (dev/seed.py).

Every amount is integer cents and every line keeps the ledger invariant: charge = insurance
paid + patient paid + adjustments + balance, with the balance never negative.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import func, select, update

from clinicbill.dev.seed_claims import at
from clinicbill.store.models import (
    Claim,
    ClaimLine,
    ClaimStatusEvent,
    Diagnosis,
    Encounter,
    LedgerEntry,
    Payment,
    Remittance,
    RemittanceClaim,
    ServiceLine,
)

BATCH = 10_000  # rows per executemany call


@dataclass(frozen=True)
class PayerPlan:
    """How a payer behaves in the synthetic practice (its share of patients and its EOBs)."""

    share: float  # share of new patients with this coverage
    allowed_pct: int  # allowed amount as % of charge where no contracted amount is set
    copay_cents: int  # per visit (PR-3), collected at the visit most of the time
    coinsurance_pct: int  # of the allowed amount (PR-2)
    deductible_visits: int  # first visits of each calendar year go to the deductible (PR-1)
    lag: tuple[int, int]  # days from billing to the remittance
    weekday: int  # the payer's weekly payment cycle (0 = Monday)
    denial_pct: float
    method: str  # BPR04: ACH or CHK


PAYER_PLANS = {
    "SELF": PayerPlan(0.30, 100, 0, 0, 0, (0, 0), 0, 0.0, ""),
    "CHP01": PayerPlan(0.21, 85, 2500, 0, 0, (14, 30), 1, 0.05, "ACH"),
    "EVM22": PayerPlan(0.14, 80, 0, 20, 3, (18, 35), 3, 0.06, "ACH"),
    "CRH10": PayerPlan(0.10, 78, 3000, 0, 0, (20, 40), 2, 0.07, "CHK"),
    "NWC77": PayerPlan(0.06, 95, 0, 0, 0, (30, 60), 4, 0.04, "CHK"),
    "RAI55": PayerPlan(0.09, 100, 0, 0, 0, (35, 75), 0, 0.05, "CHK"),
    "02202": PayerPlan(0.10, 62, 0, 20, 2, (14, 21), 2, 0.08, "ACH"),
}
SOAP = (
    ("Neck and upper back tight after long workdays.", "Hypertonic upper trapezius."),
    ("Low back ache, worse in the morning.", "Tender lumbar paraspinals, limited flexion."),
    ("Headaches twice a week.", "Suboccipital tension, trigger points in levator scapulae."),
    ("Shoulder pain reaching overhead.", "Restricted glenohumeral range, tender infraspinatus."),
)
PATIENT_METHODS = ("card", "card", "card", "card", "cash", "check", "hsa", "fsa")
NOTES = (
    "Tolerated treatment well; reports less pain after the session.",
    "Improving range of motion; home stretches reviewed.",
    "Symptoms stable; continue plan of care.",
)


def insert_rows(conn, model, rows: list[dict]) -> int:
    """Executemany through SQLAlchemy Core on the model's table, in batches."""
    table = model.__table__
    for first in range(0, len(rows), BATCH):
        conn.execute(table.insert(), rows[first : first + BATCH])
    return len(rows)


def _workday(day: date) -> date:
    return day + timedelta(days=1) if day.weekday() == 6 else day


class Biller:
    """Writes sessions and everything billed from them, chunk by chunk in date order."""

    TABLES = (Encounter, Diagnosis, ServiceLine, Claim, ClaimLine, ClaimStatusEvent)
    TABLES += (Remittance, Payment, RemittanceClaim, LedgerEntry)

    def __init__(self, conn, rng, fees, payers, end, ready_claims, unpaid_days, visits, patients):
        self.conn, self.rng, self.fees, self.payers, self.end = conn, rng, fees, payers, end
        self.unpaid_from = end - timedelta(days=unpaid_days) if unpaid_days else None
        self.next_id = {
            model: (conn.execute(select(func.max(model.id))).scalar() or 0) + 1
            for model in self.TABLES
        }
        self.counts = {model.__tablename__: 0 for model in self.TABLES}
        self.remittances: dict[tuple[str, date], tuple[int, int]] = {}
        self.visits_in_year: dict[tuple[int, int], int] = {}
        self.ready = set()
        for visit in reversed(visits):
            if len(self.ready) >= ready_claims:
                break
            if visit.status == "signed" and patients[visit.patient]["policy_id"] is not None:
                self.ready.add(id(visit))

    def take(self, model) -> int:
        value = self.next_id[model]
        self.next_id[model] = value + 1
        return value

    # -- sessions --------------------------------------------------------------------------

    def write(self, visits, patients) -> None:
        self.rows = {model: [] for model in self.TABLES}
        for visit in visits:
            plan = patients[visit.patient]
            lines = self._session(visit, plan)
            if visit.status != "signed":
                continue
            if plan["policy_id"] is None:
                self._self_pay(plan, visit, lines)
            else:
                self._insured(plan, visit, lines)
        for model in self.TABLES:
            self.counts[model.__tablename__] += insert_rows(self.conn, model, self.rows[model])

    def _session(self, visit, plan) -> list[tuple[int, str, int]]:
        rng = self.rng
        eid = self.take(Encounter)
        minutes = sum(units * 15 for _, units, _ in visit.lines)
        subjective, objective = rng.choice(SOAP)
        assessment = rng.choice(NOTES)
        pain = rng.randint(3, 8)
        signed = visit.status != "draft"
        self.rows[Encounter].append(
            dict(
                id=eid,
                patient_id=plan["id"],
                provider_id=visit.provider_id,
                service_date=visit.service_date,
                place_of_service="11",
                policy_id=plan["policy_id"],
                total_minutes=minutes,
                template=plan["kind"],
                subjective=subjective,
                objective=objective,
                assessment=assessment,
                plan="Continue weekly; home care reviewed.",
                pain_before=pain,
                pain_after=max(0, pain - rng.randint(1, 3)),
                modality_json=None,
                note_text=(
                    f"S: {subjective}\nO: {objective}\nA: {assessment}\n"
                    f"P: Continue weekly; home care reviewed. {minutes} minutes."
                )
                if signed
                else None,
                authorization_id=None,
                referral_id=None,
                package_id=None,
                status=visit.status,
                signed_by="seed" if signed else None,
                signed_at=at(visit.service_date, 19) if signed else None,
                void_reason="entered for the wrong patient" if visit.status == "void" else None,
                voided_at=at(visit.service_date, 20) if visit.status == "void" else None,
                created_at=at(visit.service_date),
            )
        )
        pointers = self._diagnoses(eid, visit, plan)
        out = self._service_lines(eid, visit, plan, pointers)
        visit.encounter_id = eid
        return out

    def _diagnoses(self, eid: int, visit, plan) -> str:
        """The visit's diagnosis rows; returns the pointers every line gets ("1,2")."""
        codes = [lbp_code(visit.service_date) if c == "LBP" else c for c in plan["dx"]]
        for position, code in enumerate(codes, start=1):
            self.rows[Diagnosis].append(
                dict(id=self.take(Diagnosis), encounter_id=eid, position=position, code=code)
            )
        return ",".join(str(n) for n in range(1, len(codes) + 1))

    def _service_lines(
        self, eid: int, visit, plan, pointers: str
    ) -> list[tuple[int, str, int, int]]:
        """The visit's service lines at the practice's fees; (line id, code, units, charge)."""
        out = []
        for number, (code, units, modifiers) in enumerate(visit.lines, start=1):
            if plan["payer"] == "02202" and code == "97140":
                modifiers = ",".join(m for m in (modifiers, "GP") if m)
            charge = self.fees.get((code, None), 3500) * units
            line_id = self.take(ServiceLine)
            self.rows[ServiceLine].append(
                dict(
                    id=line_id,
                    encounter_id=eid,
                    line_number=number,
                    code=code,
                    modifiers=modifiers,
                    minutes=units * 15,
                    units=units,
                    charge_cents=charge,
                    pointers=pointers,
                    description=None,
                )
            )
            out.append((line_id, code, units, charge))
        return out

    # -- money ----------------------------------------------------------------------------

    def _payment(self, plan, amount, on, note=None, **extra) -> int:
        pid = self.take(Payment)
        row = dict(
            id=pid,
            kind="payment",
            source="patient",
            patient_id=plan["id"] if plan else None,
            payer_id=None,
            remittance_id=None,
            method=self.rng.choice(PATIENT_METHODS),
            amount_cents=amount,
            received_on=on,
            reference=None,
            note=note,
            created_at=at(on, 18),
        )
        row.update(extra)
        self.rows[Payment].append(row)
        return pid

    def _entry(self, line_id, kind, amount, on, **extra) -> None:
        row = dict(
            id=self.take(LedgerEntry),
            service_line_id=line_id,
            kind=kind,
            amount_cents=amount,
            effective_date=on,
            claim_id=None,
            remittance_claim_id=None,
            payment_id=None,
            group_code=None,
            reason_code=None,
            remark_codes=None,
            note=None,
            posted_at=at(on, 16),
        )
        row.update(extra)
        self.rows[LedgerEntry].append(row)

    def _patient_pays(self, plan, owed: dict[int, int], on: date, share: int = 100) -> None:
        """One patient payment applied to the lines' open balances (share % of each)."""
        if on > self.end:
            return
        amounts = {line: owed[line] * share // 100 for line in owed if owed[line] > 0}
        amounts = {line: cents for line, cents in amounts.items() if cents > 0}
        if not amounts:
            return
        pid = self._payment(plan, sum(amounts.values()), on)
        for line_id, cents in amounts.items():
            self._entry(line_id, "patient_payment", cents, on, payment_id=pid)
            owed[line_id] -= cents

    def write_off(self, owed: dict[int, int], on: date, note: str, odds: float = 0.7) -> bool:
        """Most balances still open long after they were due are written off."""
        if on > self.end or not any(owed.values()) or self.rng.random() >= odds:
            return False
        for line_id, cents in owed.items():
            if cents > 0:
                self._entry(line_id, "adjustment", cents, on, note=note)
                owed[line_id] = 0
        return True

    def _self_pay(self, plan, visit, lines) -> None:
        rng, day = self.rng, visit.service_date
        owed = {line_id: charge for line_id, _, _, charge in lines}
        r = rng.random()
        if r < 0.88:
            self._patient_pays(plan, owed, day)
        elif r < 0.94:
            self._patient_pays(plan, owed, _workday(day + timedelta(days=rng.randint(7, 60))))
        elif r < 0.97:
            self._patient_pays(plan, owed, day, share=50)
        self.write_off(owed, day + timedelta(days=180), "bad debt: sent to collections")
        if rng.random() < 0.01:  # a prepayment not yet used: a credit
            self._payment(plan, rng.choice((10000, 15000, 30000)), day, note="prepayment")

    def _insured(self, plan, visit, lines) -> None:
        from clinicbill.dev.seed_claims import bill_claim

        payer_plan = PAYER_PLANS[plan["payer"]]
        rng, day = self.rng, visit.service_date
        owed = {line_id: charge for line_id, _, _, charge in lines}
        if payer_plan.copay_cents and rng.random() < 0.85:  # copay collected at the visit
            from clinicbill.dev.seed_claims import allowed_amount

            first, code, units, charge = lines[0]
            expected = allowed_amount(
                self.fees, self.payers[plan["payer"]], code, units, charge, payer_plan
            )
            copay = min(payer_plan.copay_cents, expected)
            pid = self._payment(plan, copay, day, note="copay")
            self._entry(first, "patient_payment", copay, day, payment_id=pid)
            owed[first] -= copay
        key = (plan["id"], day.year)
        self.visits_in_year[key] = self.visits_in_year.get(key, 0) + 1
        bill_claim(self, plan, visit, lines, owed, payer_plan, self.visits_in_year[key])

    def remittance_for(self, payer_key: str, on: date) -> tuple[int, int]:
        """The weekly remittance (and its insurance payment) of a payer on a date."""
        key = (payer_key, on)
        if key not in self.remittances:
            plan = PAYER_PLANS[payer_key]
            rid = self.take(Remittance)
            payer_id = self.payers[payer_key]
            trace = f"{'EFT' if plan.method == 'ACH' else 'CHK'}{on:%Y%m%d}{payer_id:03d}"
            self.rows[Remittance].append(
                dict(
                    id=rid,
                    trace_number=trace,
                    payer_identifier=f"1{910000000 + payer_id}",
                    payer_name=None,
                    payer_id=payer_id,
                    handling_code="C",  # BPR01: payment accompanies the remittance
                    method=plan.method,
                    paid_cents=0,  # summed from its claims in finish()
                    payment_date=on,
                    file_sha256=None,
                    source="835",
                    imported_at=at(on, 14),
                )
            )
            pid = self._payment(
                None,
                0,
                on,
                source="insurance",
                payer_id=payer_id,
                remittance_id=rid,
                method="eft" if plan.method == "ACH" else "check",
                reference=trace,
            )
            self.remittances[key] = (rid, pid)
        return self.remittances[key]

    def finish(self) -> dict:
        """Remittance and insurance-payment totals from their claims, set-based."""
        paid = (
            select(func.coalesce(func.sum(RemittanceClaim.paid_cents), 0))
            .where(RemittanceClaim.remittance_id == Remittance.id)
            .scalar_subquery()
        )
        self.conn.execute(update(Remittance).values(paid_cents=paid))
        total = (
            select(Remittance.paid_cents)
            .where(Remittance.id == Payment.remittance_id)
            .scalar_subquery()
        )
        self.conn.execute(
            update(Payment).where(Payment.remittance_id.is_not(None)).values(amount_cents=total)
        )
        return dict(self.counts)


def lbp_code(on: date) -> str:
    """Low back pain: M54.5 until FY2022 split it (2021-10-01), then M54.50 (DOMAIN.md §10)."""
    return "M54.5" if on < date(2021, 10, 1) else "M54.50"
