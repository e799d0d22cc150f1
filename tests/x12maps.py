"""pyx12 maps for the 5010 270 (005010X279A1) and 276 (005010X212) we write.

Checked for this project (December 2026): the newest pyx12 on the package index is 4.0.0, and
it ships no 5010 map for either (its maps.xml lists them commented out; only
270.4010.X092.A1.xml and 276.4010.X093.A1.xml exist). Another validator does model both 5010
guides: x12sdk (the maintained continuation of LinuxForHealth x12; tests/x12check.py
`validate_sdk`), so every 270 and 276 test is checked by both:
- x12sdk against its 5010 models (loops, HL parents, required segments and elements, code
  lists, dates, SE count): the 5010 authority for ST..SE; it reads nothing of the envelope
  (GE/IEA counts and control numbers, ST03 against GS08);
- pyx12 against its 4010 addenda maps with the 5010 differences our files rely on patched in
  (the envelope, segment order, usage, element lengths and every other code list: pyx12's own).

ADAPTATIONS lists each patch: what it changes and why, from the 5010 guides (005010X279A1,
005010X212). tests/cli/test_x12_5010_checks.py shows each is needed (our file fails pyx12
without it), what x12sdk rejects, and what only pyx12 checks.
"""

from __future__ import annotations

import re
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from pathlib import Path

MAP_270 = "270.5010.X279.A1.derived.xml"
MAP_276 = "276.5010.X212.derived.xml"

_ST03 = """          <element xid="ST03">
            <data_ele>1705</data_ele>
            <name>Implementation Convention Reference</name>
            <usage>R</usage>
            <seq>03</seq>
            <valid_codes>
              <code>{code}</code>
            </valid_codes>
          </element>
"""


@dataclass(frozen=True)
class Adaptation:
    name: str
    map: str  # MAP_270 or MAP_276 (the control map for "version")
    what: str
    why: str  # from the 5010 implementation guide
    patch: Callable[[str], str]


def _st03(code: str) -> Callable[[str], str]:
    def patch(text: str) -> str:
        st02 = text.index('<element xid="ST02">')
        st02_end = text.index("</element>", st02) + len("</element>\n")
        return text[:st02_end] + _ST03.format(code=code) + text[st02_end:]

    return patch


def _dtp_291(text: str) -> str:
    return re.sub(
        r"(<name>(?:Subscriber|Dependent) Date</name>.*?<valid_codes>)",
        r"\1\n                        <code>291</code>",
        text,
        flags=re.S,
    )


def _bht03_bht05(text: str) -> str:
    for element in ("BHT03", "BHT05"):
        start = text.index(f'<element xid="{element}">')
        usage = text.index("<usage>N</usage>", start)
        text = text[:usage] + "<usage>R</usage>" + text[usage + len("<usage>N</usage>") :]
    return text


def _ref_ej(text: str) -> str:
    lu = re.search(
        r'<segment xid="REF">(?:(?!</segment>).)*<code>LU</code>.*?</segment>\n', text, re.S
    )
    ej = lu.group(0).replace("<code>LU</code>", "<code>EJ</code>")
    ej = ej.replace("Group Number", "Patient Control Number")
    return re.sub(
        r'<segment xid="AMT">\s*<name>Claim Submitted Charges</name>',
        lambda m: ej + m.group(0),
        text,
    )


def _dtp_472(text: str) -> str:
    text = text.replace("<code>RD8</code>", "<code>RD8</code>\n<code>D8</code>")
    return text.replace("<code>232</code>", "<code>232</code>\n<code>472</code>")


def _version(old: str, new: str) -> Callable[[str], str]:
    return lambda text: text.replace(f"<code>{old}</code>", f"<code>{new}</code>")


ADAPTATIONS: tuple[Adaptation, ...] = (
    Adaptation(
        "270 ST03",
        MAP_270,
        "ST03 (data element 1705) added, required, only 005010X279A1",
        "X279A1 ST: ST03 Implementation Convention Reference is required and must equal GS08 "
        "(005010X279A1); 4010 had no ST03",
        _st03("005010X279A1"),
    ),
    Adaptation(
        "270 DTP01 291",
        MAP_270,
        "2100C/2100D DTP01 may be 291",
        "X279A1 2100C/2100D DTP Subscriber/Dependent Date: DTP01 291 (Plan) carries the date of "
        "service asked about; 4010 X092 used 307 (Eligibility) or 472 (Service) for it",
        _dtp_291,
    ),
    Adaptation(
        "270 version",
        MAP_270,
        "GS08/ST03 code 004010X092A1 replaced by 005010X279A1",
        "X279A1 GS08 and ST03: 005010X279A1",
        _version("004010X092A1", "005010X279A1"),
    ),
    Adaptation(
        "276 ST03",
        MAP_276,
        "ST03 (data element 1705) added, required, only 005010X212",
        "X212 ST: ST03 Implementation Convention Reference is required and must equal GS08 "
        "(005010X212); 4010 had no ST03",
        _st03("005010X212"),
    ),
    Adaptation(
        "276 BHT03 BHT05",
        MAP_276,
        "BHT03 and BHT05 used (4010: not used)",
        "X212 BHT: BHT03 Originator Application Transaction Identifier and BHT05 Transaction "
        "Set Creation Time are required",
        _bht03_bht05,
    ),
    Adaptation(
        "276 REF EJ",
        MAP_276,
        "2200D/2200E REF*EJ added before AMT",
        "X212 2200D/2200E REF*EJ Patient Control Number (CLM01 of the claim asked about) is "
        "situational and used; 4010 X093 had no REF*EJ there (only 1K, BLT, EA, LU)",
        _ref_ej,
    ),
    Adaptation(
        "276 DTP 472",
        MAP_276,
        "2200D/2200E DTP01 may be 472 and DTP02 D8",
        "X212 2200D/2200E DTP Claim Service Date: DTP01 472, DTP02 D8 or RD8; 4010 X093 used 232 "
        "(claim statement period) with RD8 only",
        _dtp_472,
    ),
    Adaptation(
        "276 version",
        MAP_276,
        "GS08/ST03 code 004010X093A1 replaced by 005010X212",
        "X212 GS08 and ST03: 005010X212",
        _version("004010X093A1", "005010X212"),
    ),
)


@cache
def map_path(without: frozenset[str] = frozenset()) -> str:
    """A copy of pyx12's map directory with the derived 270 and 276 maps registered, every
    adaptation applied but those named in `without` (to show each one is needed)."""
    import pyx12

    source = Path(pyx12.__file__).parent / "map"
    target = Path(tempfile.mkdtemp(prefix="clinicbill-pyx12-")) / "map"
    shutil.copytree(source, target)
    texts = {
        MAP_270: (source / "270.4010.X092.A1.xml").read_text(),
        MAP_276: (source / "276.4010.X093.A1.xml").read_text(),
    }
    for adaptation in ADAPTATIONS:
        if adaptation.name not in without:
            texts[adaptation.map] = adaptation.patch(texts[adaptation.map])
    for name, text in texts.items():
        (target / name).write_text(text)
    maps = (target / "maps.xml").read_text()
    anchor = '<map vriic="005010X214" fic="HN" abbr="277">277.5010.X214.xml</map>'
    extra = (
        f'<map vriic="005010X279A1" fic="HS" abbr="270">{MAP_270}</map>\n'
        f'    <map vriic="005010X212" fic="HR" abbr="276">{MAP_276}</map>\n    '
    )
    (target / "maps.xml").write_text(maps.replace(anchor, extra + anchor))
    control = (target / "x12.control.00501.xml").read_text()
    control = control.replace(
        "<code>005010X279</code>",
        "<code>005010X279</code>\n            <code>005010X279A1</code>\n"
        "            <code>005010X212</code>",
    )
    (target / "x12.control.00501.xml").write_text(control)
    return str(target)
