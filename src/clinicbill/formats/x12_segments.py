"""X12 segment primitives shared by the 837P writer's modules: text cleaning to the basic
character set, segments without trailing empty elements, names, addresses, demographics."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from datetime import datetime

from clinicbill.domain.claims.snapshot import Address, Person
from clinicbill.domain.money import x12_amount

_NOT_BASIC = re.compile(r"[^A-Z0-9 !\"&'()+,\-./;?=%@#]")
RELATIONSHIP_CODES = {"self": "18", "spouse": "01", "child": "19", "other": "G8"}
PRIORITY_CODES = {"primary": "P", "secondary": "S", "tertiary": "T"}


def local_time(moment: datetime) -> datetime:
    """The sender's wall-clock time for ISA09/10, GS04/05 and BHT04/05: the guides give these
    no zone and they are read as the submitter's local time. A timezone-aware moment (callers
    take `datetime.now(UTC)`) is converted to this machine's zone, the practice's; a naive one
    (a fixed time given by a test) is taken as local already."""
    return moment.astimezone() if moment.tzinfo is not None else moment


def clean(value, max_len: int | None = None) -> str:
    """Upper case, ASCII, basic character set only; delimiters (* ~ : ^) become spaces."""
    text = unicodedata.normalize("NFKD", str(value or "")).encode("ascii", "ignore").decode()
    text = _NOT_BASIC.sub(" ", text.upper())
    text = " ".join(text.split())
    return text[:max_len].rstrip() if max_len else text


def segment(*elements) -> str:
    """Elements joined by `*`, trailing empty elements dropped (pyx12 rejects `*~`)."""
    values = ["" if e is None else str(e) for e in elements]
    while values and values[-1] == "":
        values.pop()
    return "*".join(values)


def cas_segments(adjustments, reason: Callable[[str], str] | None = None) -> list[str]:
    """CAS segments (835 claim and service adjustments, 837P 2430): one per group code, up to
    six reason/amount/quantity triplets each. `reason` shapes each reason code: cleaned to its
    five characters unless told (the test 835 writer writes codes as given)."""
    shape = reason or (lambda code: clean(code, 5))
    by_group: dict[str, list] = {}
    for adj in adjustments:
        by_group.setdefault(adj.group, []).append(adj)
    out = []
    for group, items in by_group.items():
        for start in range(0, len(items), 6):
            elements = ["CAS", group]
            for adj in items[start : start + 6]:
                elements += [shape(adj.reason), x12_amount(adj.amount_cents), ""]
            out.append(segment(*elements))
    return out


def name_elements(person: Person) -> tuple[str, str, str]:
    return (
        clean(person.last_name, 60),
        clean(person.first_name, 35),
        clean(person.middle_name, 25),
    )


def payer_name_segment(coverage) -> str:
    """NM1*PR: the payer by name and its electronic payer id (2010BB, 2330B)."""
    return segment(
        "NM1",
        "PR",
        2,
        clean(coverage.payer_name, 60),
        "",
        "",
        "",
        "",
        "PI",
        clean(coverage.payer_identifier, 80),
    )


def person_nm1(entity: str | int, person, qualifier: str = "", identifier: str = "") -> str:
    """NM1 of a person (last and first name), with an id qualifier and id when given."""
    return segment(
        "NM1",
        entity,
        1,
        clean(person.last_name, 60),
        clean(person.first_name, 35),
        "",
        "",
        "",
        qualifier,
        identifier,
    )


def provider_name_segment(entity: str | int, person) -> str:
    """NM1 of a person identified by NPI: the referring (DN) or rendering (82) provider."""
    return person_nm1(entity, person, "XX", person.npi)


def address_segments(address: Address) -> list[str]:
    if not address or not address.line1:
        return []
    out = [segment("N3", clean(address.line1, 55), clean(address.line2, 55))]
    out.append(
        segment("N4", clean(address.city, 30), clean(address.state, 2), clean(address.zip, 15))
    )
    return out


def dmg_segments(person: Person) -> list[str]:
    if person.dob is None or person.sex not in ("F", "M", "U"):
        return []
    return [segment("DMG", "D8", person.dob.strftime("%Y%m%d"), person.sex)]


def procedure(line) -> str:
    return ":".join(["HC", line.code, *line.modifiers[:4]])
