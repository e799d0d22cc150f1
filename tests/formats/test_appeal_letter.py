"""The appeal letter: one template per denial family, chosen from the CARCs (issue 17)."""

from __future__ import annotations

from datetime import date

import pytest

from clinicbill.domain.remittance.appeal_packet import (
    FAMILIES,
    AppealPacket,
    Enclosure,
    family_of,
)
from clinicbill.formats.appeal_pdf import letter_blocks


@pytest.mark.parametrize(
    ("codes", "family"),
    [
        (["50"], "medical_necessity"),
        (["197"], "authorization"),
        (["97"], "coding"),
        (["29"], "timely_filing"),
        (["16"], "documentation"),
        (["45", "204"], "documentation"),  # nothing known: argue on the records
        (["252", "50"], "documentation"),  # the first code with a family decides
    ],
)
def test_family_of_the_carcs(codes, family):
    assert family_of(codes) == family


def packet(family: str, enclosures=()) -> AppealPacket:
    return AppealPacket(
        family=family,
        on=date(2026, 3, 10),
        claim={
            "pcn": "CB00000005",
            "payer_claim_number": "PCC77",
            "from_date": date(2026, 2, 2),
            "to_date": date(2026, 2, 2),
            "total": "$65.00",
            "denied": "$65.00",
        },
        practice={
            "name": "Willow",
            "npi": "1928374655",
            "tax_id": "931234567",
            "address": "Portland",
            "phone": "503",
        },  # fmt: skip
        patient={
            "name": "Maya Chen",
            "account": "P00001",
            "birth_date": date(1985, 3, 2),
            "member_id": "CHP1",
            "group_number": "G7",
        },  # fmt: skip
        payer={"name": "Cascade Health Plan", "address": ""},
        reasons=(
            {
                "code": "CO-50",
                "group": "CO",
                "reason": "50",
                "text": "not necessary",
                "amount": "$65.00",
            },
        ),  # fmt: skip
        remarks=({"code": "N130", "text": "consult plan benefit documents"},),
        enclosures=tuple(enclosures),
    )


def test_every_family_has_its_own_argument_and_the_same_facts():
    arguments = set()
    for family in FAMILIES:
        blocks = letter_blocks(packet(family, [Enclosure("Signed session note, 2026-02-02", ())]))
        assert blocks["argument"], family
        arguments.add(blocks["argument"])
        opening = blocks["opening"]
        assert "NPI 1928374655" in opening and "member ID CHP1" in opening
        assert "CO-50: not necessary" in opening and "remark N130" in opening
        assert "1. Signed session note, 2026-02-02" in blocks["closing"]
    assert len(arguments) == len(FAMILIES)


def test_the_referral_is_argued_only_when_enclosed():
    without = letter_blocks(packet("medical_necessity"))["argument"]
    with_referral = letter_blocks(
        packet("medical_necessity", [Enclosure("Referral / prescription", ())])
    )["argument"]
    assert "referral" not in without and "referral or prescription ordered" in with_referral
