"""Write a 270 eligibility inquiry (005010X279A1): one transaction set, the payer (2100A), the
practice as information receiver (2100B), and per policy a subscriber (2000C) with, for a
dependent patient, a 2000D; each inquiry carries its trace (TRN*1, echoed in the 271's TRN*2),
the date of service (DTP*291) and one EQ per service type asked."""

from __future__ import annotations

from collections.abc import Sequence

from clinicbill.domain.clearinghouse.eligibility import InformationReceiver, Inquiry, Person
from clinicbill.formats.x12_envelope import Envelope, close_transaction, write_interchange
from clinicbill.formats.x12_segments import clean, local_time, person_nm1, segment

VERSION = "005010X279A1"


def person_name(entity: str, person: Person, member_id: str | None) -> str:
    """NM1 of a subscriber (with the member id) or a patient (without)."""
    if not member_id:
        return person_nm1(entity, person)
    return person_nm1(entity, person, "MI", clean(member_id, 80))


def person_dmg(person: Person) -> list[str]:
    if person.dob is None:
        return []
    sex = person.sex if person.sex in ("F", "M") else ""
    return [segment("DMG", "D8", person.dob.strftime("%Y%m%d"), sex)]


def _person(entity: str, person: Person, member_id: str | None) -> list[str]:
    return [person_name(entity, person, member_id), *person_dmg(person)]


def _body(
    inquiries: Sequence[Inquiry],
    traces: Sequence[str],
    receiver: InformationReceiver,
    st: str,
    reference: str,
    created,
) -> list[str]:
    originator = "1" + "".join(ch for ch in receiver.tax_id if ch.isdigit())[:9].rjust(9, "0")
    body = [
        segment("ST", 270, st, VERSION),
        segment(
            "BHT",
            "0022",
            13,
            clean(reference, 50),
            local_time(created).strftime("%Y%m%d"),
            local_time(created).strftime("%H%M"),
        ),
    ]
    hl = 0
    by_payer: dict[tuple[str, str], list[tuple[Inquiry, str]]] = {}
    for q, trace in zip(inquiries, traces, strict=True):
        by_payer.setdefault((q.payer_identifier, q.payer_name), []).append((q, trace))
    for (payer_id, payer_name), items in by_payer.items():
        hl += 1
        payer_hl = hl
        body += [
            segment("HL", payer_hl, "", 20, 1),
            segment(
                "NM1", "PR", 2, clean(payer_name, 60), "", "", "", "", "PI", clean(payer_id, 80)
            ),
        ]
        hl += 1
        receiver_hl = hl
        body += [
            segment("HL", receiver_hl, payer_hl, 21, 1),
            segment("NM1", "1P", 2, clean(receiver.name, 60), "", "", "", "", "XX", receiver.npi),
        ]
        for q, trace in items:
            hl += 1
            dependent = q.dependent is not None
            body.append(segment("HL", hl, receiver_hl, 22, 1 if dependent else 0))
            asks = [segment("DTP", 291, "D8", q.service_date.strftime("%Y%m%d"))]
            asks += [segment("EQ", code) for code in q.service_types]
            if not dependent:
                body.append(segment("TRN", 1, clean(trace, 50), originator))
                body += _person("IL", q.subscriber, q.member_id)
                body += asks
            else:
                body += _person("IL", q.subscriber, q.member_id)
                hl += 1
                body.append(segment("HL", hl, hl - 1, 23, 0))
                body.append(segment("TRN", 1, clean(trace, 50), originator))
                body += _person("03", q.dependent, None)
                body += asks
    return close_transaction(body, st)


def write_270(
    inquiries: Sequence[Inquiry],
    traces: Sequence[str],
    receiver: InformationReceiver,
    envelope: Envelope,
) -> str:
    """The interchange as text; `traces[i]` is inquiry i's trace number."""
    return write_interchange(
        envelope,
        "HS",
        VERSION,
        [
            lambda st: _body(
                inquiries, traces, receiver, st, str(envelope.control_number), envelope.created
            )
        ],
    )
