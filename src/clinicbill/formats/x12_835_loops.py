"""The loops of one 835 transaction (ST..SE): header (BPR, TRN, DTM*405), payer and payee
(1000A/B), claims (2100 CLP with CAS, MOA/MIA) and their service lines (2110 SVC with DTM, CAS,
REF*6R, AMT*B6, LQ*HE), and provider-level adjustments (PLB). formats/x12_835.py splits the
file and checks the envelope; this module reads one transaction into domain/remit.py records.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from clinicbill.domain.remittance.remit import (
    ADJUSTMENT_GROUPS,
    Adjustment,
    ClaimPayment,
    ProviderLevelAdjustment,
    RemittanceAdvice,
    ServicePayment,
    advice_balance_problems,
)

if TYPE_CHECKING:  # x12_835 imports this module; the types are only for reading
    from clinicbill.formats.x12_835 import Segment, _Parser


class Transaction:
    """One ST..SE: header, payer/payee, claims with their service lines, PLB."""

    def __init__(self, parser: _Parser, segs: list[Segment]):
        self.p = parser
        self.segs = segs
        self.header: dict = {}
        self.claims: list[ClaimPayment] = []
        self.plb: list[ProviderLevelAdjustment] = []
        self.claim: dict | None = None
        self.service: dict | None = None
        self.party: str | None = None

    def read(self) -> RemittanceAdvice:
        p = self.p
        bpr = self.segs[1]
        h = self.header
        h["handling_code"] = p.text(bpr, 1, required=True)
        h["paid_cents"] = p.amount(bpr, 2)
        h["credit_debit"] = p.text(bpr, 3)
        h["method"] = p.text(bpr, 4)
        h["payment_date"] = p.date(bpr, 16)
        for seg in self.segs[2:-1]:
            handler = getattr(self, "seg_" + seg.id, None)
            if handler is not None:
                handler(seg)
        self.close_claim()
        if "trace_number" not in h:
            raise p.err.at(self.segs[0], "the transaction has no TRN (trace number) segment")
        advice = RemittanceAdvice(
            claims=tuple(self.claims),
            provider_adjustments=tuple(self.plb),
            control_number=self.segs[0].get(2),
            position=self.segs[0].number,
            **h,
        )
        problems = advice_balance_problems(advice)
        if problems:
            advice = replace(advice, warnings=tuple(problems))
        return advice

    # header ------------------------------------------------------------------------------

    def seg_TRN(self, seg: Segment) -> None:
        if self.claim is not None or "trace_number" in self.header:
            raise self.p.err.at(seg, "a second TRN in one transaction")
        self.header["trace_number"] = self.p.text(seg, 2, required=True)
        self.header["payer_identifier"] = self.p.text(seg, 3, required=True)

    def seg_N1(self, seg: Segment) -> None:
        if self.claim is not None:
            return
        self.party = seg.get(1)
        if self.party == "PR":
            self.header["payer_name"] = self.p.text(seg, 2)
            self.header["payer_code"] = self.p.text(seg, 4)
        elif self.party == "PE":
            self.header["payee_name"] = self.p.text(seg, 2)
            self.header["payee_identifier"] = self.p.text(seg, 4)
            self.header["payee_id_qualifier"] = self.p.text(seg, 3)  # issue 17 payee check

    def seg_DTM(self, seg: Segment) -> None:
        qualifier = seg.get(1)
        if self.service is not None:
            if qualifier in ("472", "150"):
                self.service["service_date"] = self.p.date(seg, 2, required=True)
            elif qualifier == "151":
                self.service["service_date_end"] = self.p.date(seg, 2, required=True)
        elif self.claim is not None:
            if qualifier == "232":
                self.claim["service_date"] = self.p.date(seg, 2, required=True)
            elif qualifier == "233":
                self.claim["service_date_end"] = self.p.date(seg, 2, required=True)
        elif qualifier == "405":
            self.header["production_date"] = self.p.date(seg, 2, required=True)

    def seg_REF(self, seg: Segment) -> None:
        if self.service is not None and seg.get(1) == "6R":
            self.service["line_control_number"] = self.p.text(seg, 2, required=True)
        elif self.claim is None and self.party == "PR" and seg.get(1) == "2U":
            self.header.setdefault("payer_code", self.p.text(seg, 2))
            self.header["payer_reference_id"] = self.p.text(seg, 2)  # issue 17 payer check
        elif self.claim is None and self.party == "PE" and seg.get(1) == "TJ":
            self.header["payee_tax_id"] = self.p.text(seg, 2)  # issue 17 payee check

    # claims --------------------------------------------------------------------------------

    def seg_CLP(self, seg: Segment) -> None:
        p = self.p
        self.close_claim()
        status = p.text(seg, 2, required=True)
        self.claim = {
            "patient_control_number": p.text(seg, 1, required=True),
            "status_code": status,
            "charge_cents": p.amount(seg, 3),
            "paid_cents": p.amount(seg, 4),
            "patient_resp_cents": p.amount(seg, 5, required=False) or 0,
            "filing_indicator": p.text(seg, 6),
            "payer_claim_control_number": p.text(seg, 7),
            "frequency": p.text(seg, 9),
            "adjustments": [],
            "remarks": [],
            "services": [],
            "position": seg.number,
        }

    def seg_CAS(self, seg: Segment) -> None:
        target = self.service if self.service is not None else self.claim
        if target is None:
            raise self.p.err.at(seg, "CAS outside a claim (CLP)")
        target["adjustments"].extend(self.adjustments(seg))

    def adjustments(self, seg: Segment) -> list[Adjustment]:
        p = self.p
        group = seg.get(1)
        if group not in ADJUSTMENT_GROUPS:
            raise p.err.at(seg, f"CAS01 '{group[:5]}' is not a 5010 group code (CO, PR, OA or PI)")
        found = []
        for index in range(2, 20, 3):
            reason = seg.get(index)
            amount = p.amount(seg, index + 1, required=bool(reason))
            if not reason:
                if amount is not None:
                    raise p.err.at(seg, f"CAS{index:02d} (reason code) is missing")
                continue
            if len(reason) > 5 or not reason.isalnum():
                raise p.err.at(seg, f"CAS{index:02d} '{reason[:10]}' is not a reason code")
            found.append(Adjustment(group, reason.upper(), amount, p.quantity(seg, index + 2)))
        if not found:
            raise p.err.at(seg, "CAS has no reason code and amount")
        return found

    def seg_MOA(self, seg: Segment) -> None:
        if self.claim is not None:
            self.claim["remarks"].extend(v for v in (seg.get(i) for i in range(3, 8)) if v)

    def seg_MIA(self, seg: Segment) -> None:
        if self.claim is not None:
            self.claim["remarks"].extend(v for v in (seg.get(i) for i in (5, 20, 21, 22, 23)) if v)

    def seg_SVC(self, seg: Segment) -> None:
        p = self.p
        if self.claim is None:
            raise p.err.at(seg, "SVC outside a claim (CLP)")
        self.close_service()
        procedure = p.composite(seg, 1)
        if len(procedure) < 2 or not procedure[1]:
            raise p.err.at(seg, f"SVC01 '{seg.get(1)[:20]}' has no procedure code")
        original = p.composite(seg, 6) if seg.get(6) else []
        self.service = {
            "code": procedure[1].upper(),
            "modifiers": tuple(m.upper() for m in procedure[2:6] if m),
            "charge_cents": p.amount(seg, 2),
            "paid_cents": p.amount(seg, 3),
            "units": p.quantity(seg, 5),
            "billed_code": original[1].upper() if len(original) > 1 and original[1] else None,
            "billed_modifiers": tuple(m.upper() for m in original[2:6] if m),
            "billed_units": p.quantity(seg, 7),
            "adjustments": [],
            "remarks": [],
            "position": seg.number,
        }

    def seg_AMT(self, seg: Segment) -> None:
        if self.service is not None and seg.get(1) == "B6":
            self.service["allowed_cents"] = self.p.amount(seg, 2)

    def seg_LQ(self, seg: Segment) -> None:
        if self.service is not None and seg.get(1) == "HE":
            code = self.p.text(seg, 2, required=True)
            self.service["remarks"].append(code.upper())

    def seg_PLB(self, seg: Segment) -> None:
        p = self.p
        self.close_claim()
        provider = p.text(seg, 1, required=True)
        period = p.date(seg, 2)
        for index in range(3, 15, 2):
            if not seg.get(index):
                continue
            parts = p.composite(seg, index)
            amount = p.amount(seg, index + 1)
            self.plb.append(
                ProviderLevelAdjustment(
                    provider_identifier=provider,
                    fiscal_period=period,
                    reason=parts[0].upper(),
                    reference=parts[1] if len(parts) > 1 and parts[1] else None,
                    amount_cents=amount,
                )
            )

    def seg_LX(self, seg: Segment) -> None:
        self.close_claim()

    def close_service(self) -> None:
        if self.service is None:
            return
        s = self.service
        s["adjustments"] = tuple(s["adjustments"])
        s["remarks"] = tuple(s["remarks"])
        self.claim["services"].append(ServicePayment(**s))
        self.service = None

    def close_claim(self) -> None:
        self.close_service()
        if self.claim is None:
            return
        c = self.claim
        c["adjustments"] = tuple(c["adjustments"])
        c["remarks"] = tuple(dict.fromkeys(r.upper() for r in c["remarks"]))
        c["services"] = tuple(c["services"])
        self.claims.append(ClaimPayment(**c))
        self.claim = None
