"""Write a 276 claim status request (005010X212): per payer (2000A), the practice as
information receiver (2000B, its submitter id) and service provider (2000C, NPI), then per
claim the subscriber (2000D) and, for a dependent patient, 2000E, with the claim's trace
(TRN*1 = our patient control number, so the 277 answers with it), REF*1K, REF*EJ, AMT*T3 and
DTP*472."""

from __future__ import annotations

from collections.abc import Sequence

from clinicbill.domain.clearinghouse.eligibility import InformationReceiver
from clinicbill.domain.clearinghouse.status import StatusInquiry
from clinicbill.domain.money import x12_amount
from clinicbill.formats.x12_270 import person_dmg, person_name
from clinicbill.formats.x12_envelope import Envelope, close_transaction, write_interchange
from clinicbill.formats.x12_segments import clean, local_time, segment

VERSION = "005010X212"


def _claim(q: StatusInquiry) -> list[str]:
    out = [segment("TRN", 1, clean(q.patient_control_number, 50))]
    if q.payer_claim_number:
        out.append(segment("REF", "1K", clean(q.payer_claim_number, 50)))
    out.append(segment("REF", "EJ", clean(q.patient_control_number, 50)))
    out.append(segment("AMT", "T3", x12_amount(q.total_cents)))
    if q.from_date == q.to_date:
        out.append(segment("DTP", 472, "D8", q.from_date.strftime("%Y%m%d")))
    else:
        span = f"{q.from_date.strftime('%Y%m%d')}-{q.to_date.strftime('%Y%m%d')}"
        out.append(segment("DTP", 472, "RD8", span))
    return out


def _body(inquiries, receiver: InformationReceiver, submitter_id: str, st: str, env) -> list[str]:
    body = [
        segment("ST", 276, st, VERSION),
        segment(
            "BHT",
            "0010",
            13,
            str(env.control_number),
            local_time(env.created).strftime("%Y%m%d"),
            local_time(env.created).strftime("%H%M"),
        ),
    ]
    by_payer: dict[tuple[str, str], list[StatusInquiry]] = {}
    for q in inquiries:
        by_payer.setdefault((q.payer_identifier, q.payer_name), []).append(q)
    hl = 0
    for (payer_id, payer_name), items in by_payer.items():
        payer_hl, receiver_hl, provider_hl = hl + 1, hl + 2, hl + 3
        hl += 3
        name = clean(receiver.name, 60)
        body += [
            segment("HL", payer_hl, "", 20, 1),
            segment(
                "NM1", "PR", 2, clean(payer_name, 60), "", "", "", "", "PI", clean(payer_id, 80)
            ),
            segment("HL", receiver_hl, payer_hl, 21, 1),
            segment("NM1", 41, 2, name, "", "", "", "", 46, clean(submitter_id, 80)),
            segment("HL", provider_hl, receiver_hl, 19, 1),
            segment("NM1", "1P", 2, name, "", "", "", "", "XX", receiver.npi),
        ]
        for q in items:
            hl += 1
            if q.dependent is None:
                body.append(segment("HL", hl, provider_hl, 22, 0))
                body += person_dmg(q.subscriber)
                body.append(person_name("IL", q.subscriber, q.member_id))
            else:
                body.append(segment("HL", hl, provider_hl, 22, 1))
                body.append(person_name("IL", q.subscriber, q.member_id))
                hl += 1
                body.append(segment("HL", hl, hl - 1, 23))  # HL04 not used at 2000E
                body += person_dmg(q.dependent)
                body.append(person_name("QC", q.dependent, None))
            body += _claim(q)
    return close_transaction(body, st)


def write_276(
    inquiries: Sequence[StatusInquiry],
    receiver: InformationReceiver,
    submitter_id: str,
    envelope: Envelope,
) -> str:
    return write_interchange(
        envelope,
        "HR",
        VERSION,
        [lambda st: _body(inquiries, receiver, submitter_id, st, envelope)],
    )
