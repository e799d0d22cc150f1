"""The loops of one 835 transaction (ST..SE): header (BPR, TRN, DTM*405), payer and payee
(1000A/B), claims (2100 CLP with CAS, MOA/MIA) and their service lines (2110 SVC with DTM, CAS,
REF*6R, AMT*B6, LQ*HE), and provider-level adjustments (PLB). formats/x12_835.py splits the
file and checks the envelope; this module reads one transaction into
domain/remittance/remit.py records.
"""

from __future__ import annotations

from dataclasses import replace

from clinicbill.domain.remittance.remit import (
    ADJUSTMENT_GROUPS,
    Adjustment,
    BalanceCheck,
    ClaimPayment,
    ProviderLevelAdjustment,
    RemittanceAdvice,
    ServicePayment,
    record_builder,
)

_CLAIM = record_builder(ClaimPayment)
_SERVICE = record_builder(ServicePayment)
_ADJUSTMENT = record_builder(Adjustment)
# a header without TRN (refused at SE) is still handed to the sink before its first claim
_NO_TRACE = {"trace_number": "", "payer_identifier": "", "paid_cents": 0}


def get(els: list[str], index: int) -> str:
    return els[index].strip() if index < len(els) else ""


TYPE_CHECKING = False  # not typing's: the reader does not import typing (startup time)
if TYPE_CHECKING:
    from clinicbill.formats.x12_835_elements import Elements
    from clinicbill.formats.x12_835_types import Segment, Sink


class Transaction:
    """One ST..SE, fed segment by segment: header, payer/payee, claims with their service
    lines, PLB. Each claim goes to the sink when the next one (or LX, PLB, SE) starts."""

    def __init__(self, elements: Elements, st: Segment, sink: Sink):
        self.p = elements
        self.st = st
        self.sink = sink
        self.header: dict = {}
        self.plb: list[ProviderLevelAdjustment] = []
        self.claim: dict | None = None
        self.service: dict | None = None
        self.party: str | None = None
        self.started = False
        self.count = 0
        self.balance = BalanceCheck()

    def first(self, els: list[str], number: int) -> None:
        """The segment after ST: it must be BPR. The others go to HANDLERS by segment id."""
        self.p.number = number
        if els[0] != "BPR":
            raise self.p.refuse(els, "expected BPR right after ST")
        self.started = True
        bpr = els
        p = self.p
        h = self.header
        h["handling_code"] = p.text(bpr, 1, required=True)
        h["paid_cents"] = p.amount(bpr, 2)
        h["credit_debit"] = p.text(bpr, 3)
        h["method"] = p.text(bpr, 4)
        h["payment_date"] = p.date(bpr, 16)

    def finish(self) -> RemittanceAdvice:
        """The advice when SE is read: no claims (they went to the sink), warnings complete."""
        self.close_claim()
        if "trace_number" not in self.header:
            raise self.p.err.at(self.st, "the transaction has no TRN (trace number) segment")
        advice = RemittanceAdvice(
            provider_adjustments=tuple(self.plb),
            control_number=self.st.get(2),
            position=self.st.number,
            **self.header,
        )
        problems = self.balance.problems(advice)
        if problems:
            advice = replace(advice, warnings=tuple(problems))
        return advice

    # header ------------------------------------------------------------------------------

    def seg_TRN(self, seg: list[str]) -> None:
        if self.claim is not None or "trace_number" in self.header:
            raise self.p.refuse(seg, "a second TRN in one transaction")
        self.header["trace_number"] = self.p.text(seg, 2, required=True)
        self.header["payer_identifier"] = self.p.text(seg, 3, required=True)

    def seg_N1(self, seg: list[str]) -> None:
        if self.claim is not None:
            return
        self.party = get(seg, 1)
        if self.party == "PR":
            self.header["payer_name"] = self.p.text(seg, 2)
            self.header["payer_code"] = self.p.text(seg, 4)
        elif self.party == "PE":
            self.header["payee_name"] = self.p.text(seg, 2)
            self.header["payee_identifier"] = self.p.text(seg, 4)
            self.header["payee_id_qualifier"] = self.p.text(seg, 3)  # issue 17 payee check

    def seg_DTM(self, seg: list[str]) -> None:
        n = len(seg)
        qualifier = seg[1].strip() if n > 1 else ""
        service = self.service
        if service is not None:
            if qualifier == "472" or qualifier == "150":
                day = self.p.dates.get(seg[2]) if n > 2 else None  # the usual: read before
                service["service_date"] = day or self.p.date(seg, 2, required=True)
            elif qualifier == "151":
                service["service_date_end"] = self.p.date(seg, 2, required=True)
        elif self.claim is not None:
            if qualifier == "232":
                self.claim["service_date"] = self.p.date(seg, 2, required=True)
            elif qualifier == "233":
                self.claim["service_date_end"] = self.p.date(seg, 2, required=True)
        elif qualifier == "405":
            self.header["production_date"] = self.p.date(seg, 2, required=True)

    def seg_REF(self, seg: list[str]) -> None:
        if self.service is not None and len(seg) > 1 and seg[1].strip() == "6R":
            value = seg[2].strip() if len(seg) > 2 else ""  # Elements.text, inline
            self.service["line_control_number"] = value or self.p.text(seg, 2, required=True)
        elif self.claim is None and self.party == "PR" and get(seg, 1) == "2U":
            self.header.setdefault("payer_code", self.p.text(seg, 2))
            self.header["payer_reference_id"] = self.p.text(seg, 2)  # issue 17 payer check
        elif self.claim is None and self.party == "PE" and get(seg, 1) == "TJ":
            self.header["payee_tax_id"] = self.p.text(seg, 2)  # issue 17 payee check

    # claims --------------------------------------------------------------------------------

    def seg_CLP(self, seg: list[str]) -> None:
        p = self.p
        if self.claim is not None:
            self.close_claim()
        elif self.count == 0:  # the first claim: the header is complete
            self.sink.header(RemittanceAdvice(**{**_NO_TRACE, **self.header}))
        n = len(seg)  # the texts read inline (10,000s of claims), as Elements.text reads them
        status = seg[2].strip() if n > 2 else ""
        if not status:
            p.text(seg, 2, required=True)  # refuses
        control = seg[1].strip()
        if not control:
            p.text(seg, 1, required=True)
        amounts = p.amounts  # amounts read before (the usual case), else Elements.amount
        charge = amounts.get(seg[3]) if n > 3 else None
        paid = amounts.get(seg[4]) if n > 4 else None
        patient = amounts.get(seg[5]) if n > 5 else None
        self.claim = {
            "patient_control_number": control,
            "status_code": status,
            "charge_cents": p.amount(seg, 3) if charge is None else charge,
            "paid_cents": p.amount(seg, 4) if paid is None else paid,
            "patient_resp_cents": (p.amount(seg, 5, required=False) or 0)
            if patient is None
            else patient,
            "filing_indicator": (seg[6].strip() or None) if n > 6 else None,
            "payer_claim_control_number": (seg[7].strip() or None) if n > 7 else None,
            "frequency": (seg[9].strip() or None) if n > 9 else None,
            "adjustments": [],
            "remarks": [],
            "services": [],
            "service_date": None,  # every field of ClaimPayment: DTM*232/233 may set these
            "service_date_end": None,
            "position": p.number,
        }

    def seg_CAS(self, seg: list[str]) -> None:
        target = self.service if self.service is not None else self.claim
        if target is None:
            raise self.p.refuse(seg, "CAS outside a claim (CLP)")
        key = tuple(seg)  # the same CAS recurs on many claims: read each once
        found = self.p.cas.get(key)
        if found is None:
            found = tuple(self.adjustments(seg))
            if len(self.p.cas) < 4096:
                self.p.cas[key] = found
        target["adjustments"].extend(found)

    def adjustments(self, seg: list[str]) -> list[Adjustment]:
        p = self.p
        group = get(seg, 1)
        if group not in ADJUSTMENT_GROUPS:
            raise p.refuse(seg, f"CAS01 '{group[:5]}' is not a 5010 group code (CO, PR, OA or PI)")
        found = []
        # reason codes at 2, 5, ... 17; nothing to read past the last element written
        for index in range(2, min(20, len(seg)), 3):
            reason = get(seg, index)
            amount = p.amount(seg, index + 1, required=bool(reason))
            if not reason:
                if amount is not None:
                    raise p.refuse(seg, f"CAS{index:02d} (reason code) is missing")
                continue
            if len(reason) > 5 or not reason.isalnum():
                raise p.refuse(seg, f"CAS{index:02d} '{reason[:10]}' is not a reason code")
            quantity = p.quantity(seg, index + 2)
            found.append(
                _ADJUSTMENT(
                    {
                        "group": group,
                        "reason": reason.upper(),
                        "amount_cents": amount,
                        "quantity": quantity,
                    }
                )
            )
        if not found:
            raise p.refuse(seg, "CAS has no reason code and amount")
        return found

    def seg_MOA(self, seg: list[str]) -> None:
        if self.claim is not None:
            self.claim["remarks"].extend(v for v in (get(seg, i) for i in range(3, 8)) if v)

    def seg_MIA(self, seg: list[str]) -> None:
        if self.claim is not None:
            self.claim["remarks"].extend(v for v in (get(seg, i) for i in (5, 20, 21, 22, 23)) if v)

    def seg_SVC(self, seg: list[str]) -> None:
        p = self.p
        if self.claim is None:
            raise p.refuse(seg, "SVC outside a claim (CLP)")
        if self.service is not None:
            self.close_service()
        key = tuple(seg)  # the same SVC (code, fee, payment) recurs: read each once
        read = p.services.get(key)
        if read is None:
            read = self.service_read(seg)
            if len(p.services) < 4096:
                p.services[key] = read
        service = read.copy()
        service["adjustments"] = []
        service["remarks"] = []
        service["position"] = p.number
        self.service = service

    def service_read(self, seg: list[str]) -> dict:
        """What an SVC itself says: every field of ServicePayment (DTM, REF*6R, AMT*B6, CAS
        and LQ may set some; seg_SVC gives each service its own lists and position)."""
        p = self.p
        code, modifiers = p.procedure(seg)
        original = p.composite(seg, 6) if len(seg) > 6 and seg[6].strip() else None
        return {
            "code": code,
            "modifiers": modifiers,
            "charge_cents": p.amount(seg, 2),
            "paid_cents": p.amount(seg, 3),
            "units": p.quantity(seg, 5) if len(seg) > 5 else None,
            "billed_code": original[1].upper()
            if original and len(original) > 1 and original[1]
            else None,
            "billed_modifiers": tuple(m.upper() for m in original[2:6] if m) if original else (),
            "billed_units": p.quantity(seg, 7) if len(seg) > 7 else None,
            "service_date": None,
            "service_date_end": None,
            "line_control_number": None,
            "allowed_cents": None,
            "adjustments": None,
            "remarks": None,
            "position": None,
        }

    def seg_AMT(self, seg: list[str]) -> None:
        if self.service is not None and len(seg) > 1 and seg[1].strip() == "B6":
            cents = self.p.amounts.get(seg[2]) if len(seg) > 2 else None  # read before
            self.service["allowed_cents"] = self.p.amount(seg, 2) if cents is None else cents

    def seg_LQ(self, seg: list[str]) -> None:
        if self.service is not None and get(seg, 1) == "HE":
            code = self.p.text(seg, 2, required=True)
            self.service["remarks"].append(code.upper())

    def seg_PLB(self, seg: list[str]) -> None:
        p = self.p
        self.close_claim()
        provider = p.text(seg, 1, required=True)
        period = p.date(seg, 2)
        for index in range(3, 15, 2):
            if not get(seg, index):
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

    def seg_LX(self, seg: list[str]) -> None:
        self.close_claim()

    def close_service(self) -> None:
        if self.service is None:
            return
        s = self.service
        s["adjustments"] = tuple(s["adjustments"])
        s["remarks"] = tuple(s["remarks"])
        self.claim["services"].append(_SERVICE(s))
        self.service = None

    def close_claim(self) -> None:
        self.close_service()
        if self.claim is None:
            return
        c = self.claim
        c["adjustments"] = tuple(c["adjustments"])
        remarks = c["remarks"]
        c["remarks"] = tuple(dict.fromkeys(r.upper() for r in remarks)) if remarks else ()
        c["services"] = tuple(c["services"])
        claim = _CLAIM(c)
        self.claim = None
        self.count += 1
        self.balance.add(claim)
        self.sink.claim(claim)


# segment id -> Transaction.seg_<id>, called as handler(transaction, elements). A class-level
# table, not bound methods kept on each Transaction: those would make every transaction a
# reference cycle, keeping the whole file's claims alive until a garbage collection (the
# clinicbill process runs with the collector off, and its exit then spent ~50 ms on them).
HANDLERS = {name[4:]: f for name, f in vars(Transaction).items() if name.startswith("seg_")}


def END(txn: Transaction, els: list[str]) -> None:  # pragma: no cover - a marker, never called
    """DISPATCH's marker for the segments that end a transaction (the reader handles them)."""


DISPATCH = {**HANDLERS, "SE": END, "GE": END, "IEA": END}
