"""Read a clearinghouse response file (TA1, 999, 277CA, 277) into one ResponseFile record, and
say what any X12 file is (for the inbox: 835 to era import, 271 to eligibility import)."""

from __future__ import annotations

from clinicbill.domain.clearinghouse.records import ResponseFile
from clinicbill.domain.errors import ClinicbillError
from clinicbill.formats.x12_277 import is_277ca, read_277
from clinicbill.formats.x12_999 import group_ack, interchange_acks
from clinicbill.formats.x12_envelope import Reader, X12File, parse_envelopes

KINDS = {"FA": "999", "HN": "277", "HP": "835", "HB": "271"}
ROUTE_HINTS = {
    "835": "an 835 remittance: clinicbill era import FILE",
    "271": "an eligibility response: clinicbill eligibility import FILE",
}


def kinds_of(parsed: X12File) -> list[str]:
    """The kinds of content in a file: TA1, 999, 277CA, 277, 835, 271 (or the GS01 code)."""
    found: list[str] = []
    for interchange in parsed.interchanges:
        if interchange.ta1:
            found.append("TA1")
        for group in interchange.groups:
            kind = KINDS.get(group.functional_id, group.functional_id or "?")
            if kind == "277" and any(is_277ca(tx) for tx in group.transactions):
                kind = "277CA"
            found.append(kind)
    return list(dict.fromkeys(found))


def read_response(data: bytes | str, name: str) -> ResponseFile:
    """Parse a TA1/999/277CA/277 file whole; refuse anything else, naming what it is."""
    parsed = parse_envelopes(data, name)
    kinds = kinds_of(parsed)
    other = [k for k in kinds if k not in ("TA1", "999", "277CA", "277")]
    if other:
        hint = ROUTE_HINTS.get(other[0], "give a TA1, 999, 277CA or 277 file")
        raise ClinicbillError(f"{name}: holds {other[0]}, not an acknowledgement", hint)
    if not kinds:
        raise ClinicbillError(f"{name}: holds no acknowledgement", "give a TA1, 999 or 277 file")
    ta1, groups, statuses, batches, batch_statuses = [], [], [], [], []
    first = parsed.interchanges[0]
    sent_on = next((g.created for i in parsed.interchanges for g in i.groups if g.created), None)
    for interchange in parsed.interchanges:
        r = Reader(name, interchange.delimiters)
        ta1 += interchange_acks(interchange.ta1, r)
        for group in interchange.groups:
            for tx in group.transactions:
                if group.functional_id == "FA":
                    if tx.code != "999":
                        raise r.refuse(tx.segments[0], f"ST01 '{tx.code[:6]}' is not 999")
                    groups.append(group_ack(tx, r))
                else:
                    if tx.code != "277":
                        raise r.refuse(tx.segments[0], f"ST01 '{tx.code[:6]}' is not 277")
                    claims, refs, uppers = read_277(tx, r)
                    source = "277CA" if is_277ca(tx) else "277"
                    statuses += [(source, claim) for claim in claims]
                    batches += refs
                    batch_statuses += uppers
    return ResponseFile(
        name=name,
        sha256=parsed.sha256,
        sender=first.sender,
        control_number=first.control_number,
        sent_on=sent_on,
        interchange_acks=tuple(ta1),
        group_acks=tuple(groups),
        claim_statuses=tuple(statuses),
        batch_references=tuple(batches),
        batch_statuses=tuple(batch_statuses),
        kinds=tuple(kinds),
    )
