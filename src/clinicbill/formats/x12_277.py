"""Read 277CA claim acknowledgements (005010X214) and 277 claim status responses (005010X212)
into domain/clearinghouse/records.py ClaimStatus records: per claim (2200D/E, begun by TRN),
its STC codes, the payer's claim number (REF*1K), and each service line's STC (2220D/E)."""

from __future__ import annotations

from clinicbill.domain.clearinghouse.records import (
    BatchStatus,
    ClaimStatus,
    LineStatus,
    StatusCode,
)
from clinicbill.formats.x12_835 import Segment
from clinicbill.formats.x12_envelope import Reader, TransactionSet

CLAIM_LEVELS = ("PT", "22", "23")  # X214 2000D patient; X212 2000D subscriber, 2000E dependent
UPPER_LEVELS = {"21": "receiver", "19": "provider"}  # X214 2000B, 2000C


def is_277ca(tx: TransactionSet) -> bool:
    return tx.version.upper().startswith("005010X214")


def read_277(
    tx: TransactionSet, r: Reader
) -> tuple[list[ClaimStatus], list[str], list[BatchStatus]]:
    """(each claim's status, the batch references of 2200B TRN02: our 837's BHT03, the
    statuses of 2200B/2200C: the batch or billing provider as a whole)."""
    segs = list(tx.segments[1:-1])
    if not segs or segs[0].id != "BHT":
        raise r.refuse(segs[0] if segs else tx.segments[-1], "expected BHT right after ST")
    claims: list[ClaimStatus] = []
    batches: list[str] = []
    uppers: list[BatchStatus] = []
    level = ""
    current: dict | None = None
    upper: dict | None = None
    for seg in segs[1:]:
        if seg.id == "HL":
            current = _finish(current, claims)
            upper = _finish_upper(upper, uppers)
            level = r.required(seg, 3)
            if level in UPPER_LEVELS:
                reference = batches[-1] if batches and level == "19" else ""
                upper = {"level": UPPER_LEVELS[level], "reference": reference, "codes": []}
        elif seg.id == "TRN":
            if level in CLAIM_LEVELS:
                current = _finish(current, claims)
                current = {"reference": r.required(seg, 2), "codes": [], "lines": []}
            elif level == "21" and seg.get(2):
                batches.append(seg.get(2))
                upper["reference"] = seg.get(2)
        elif current is not None:
            _claim_segment(current, seg, r)
        elif upper is not None:
            _upper_segment(upper, seg, r)
    _finish(current, claims)
    _finish_upper(upper, uppers)
    return claims, batches, uppers


def _upper_segment(upper: dict, seg: Segment, r: Reader) -> None:
    if seg.id == "STC":
        codes, on, message = status_codes(seg, r)
        upper["codes"] += codes
        upper.setdefault("on", on)
        if message:
            upper.setdefault("messages", []).append(message)
    elif seg.id == "NM1" and upper["level"] == "provider":
        upper["provider"] = seg.get(9)


def _finish_upper(upper: dict | None, uppers: list[BatchStatus]) -> None:
    if upper is not None and upper["codes"]:
        uppers.append(
            BatchStatus(
                upper["level"],
                upper["reference"],
                tuple(upper["codes"]),
                upper.get("on"),
                upper.get("provider", ""),
                tuple(upper.get("messages", ())),
            )
        )
    return None


def _claim_segment(current: dict, seg: Segment, r: Reader) -> None:
    lines = current["lines"]
    if seg.id == "SVC":
        lines.append({"procedure": seg.get(1), "codes": [], "reference": ""})
    elif seg.id == "STC":
        codes, on, message = status_codes(seg, r)
        if lines:
            lines[-1]["codes"] += codes
            return
        current["codes"] += codes
        current.setdefault("on", on)
        current.setdefault("action", seg.get(3))
        current.setdefault("charge", r.cents(seg, 4))
        if message:
            current.setdefault("messages", []).append(message)
    elif seg.id == "REF":
        if lines and seg.get(1) == "FJ":
            lines[-1]["reference"] = seg.get(2)
        elif seg.get(1) == "1K":
            current["payer_claim_number"] = seg.get(2)
        elif seg.get(1) == "EJ":
            current["patient_account"] = seg.get(2)


def status_codes(seg: Segment, r: Reader) -> tuple[list[StatusCode], object, str]:
    """STC01, STC10, STC11 composites; STC02 date; STC12 message."""
    codes = []
    for index in (1, 10, 11):
        if not seg.get(index):
            continue
        parts = r.parts(seg, index) + ["", ""]
        if not parts[0]:
            raise r.refuse(seg, f"STC{index:02d} has no claim status category code")
        codes.append(StatusCode(parts[0].upper(), parts[1], parts[2].upper()))
    if not codes:
        raise r.refuse(seg, "STC01 (claim status) is required but empty")
    return codes, r.date(seg, 2), seg.get(12)


def _finish(current: dict | None, claims: list[ClaimStatus]) -> None:
    if current is None:
        return None
    claims.append(
        ClaimStatus(
            reference=current["reference"],
            codes=tuple(current["codes"]),
            on=current.get("on"),
            action=current.get("action", ""),
            charge_cents=current.get("charge"),
            payer_claim_number=current.get("payer_claim_number", ""),
            patient_account=current.get("patient_account", ""),
            lines=tuple(
                LineStatus(line["procedure"], tuple(line["codes"]), line["reference"])
                for line in current["lines"]
            ),
            messages=tuple(current.get("messages", ())),
        )
    )
    return None
