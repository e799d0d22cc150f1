"""pyx12 maps for the 5010 270 (005010X279A1) and 276 (005010X212) we write.

pyx12 4.0.0 ships no 5010 map for either (its maps.xml lists them commented out; checked: only
270.4010.X092.A1.xml and 276.4010.X093.A1.xml exist). The tests therefore validate against
those 4010 addenda maps with the three differences our 5010 files rely on patched in, in a copy
of pyx12's map directory built once per test session:
- ST03 (implementation convention reference), which 5010 requires and 4010 lacks;
- DTP01 = 291 (plan date, the date of service asked about) in 2100C/2100D of the 270;
- GS08 = 005010X279A1 / 005010X212 (in the copied maps' GS and the 5010 control map);
- in the 276: BHT03 and BHT05 (used in 5010), REF*EJ (patient control number) after REF*LU and
  DTP*472 (claim service date) beside 4010's DTP*232 in 2200D/2200E.
Everything else (loops, segment order, usage, element lengths, code lists) is pyx12's own.
"""

from __future__ import annotations

import re
import shutil
import tempfile
from functools import cache
from pathlib import Path

_ST03 = """          <element xid="ST03">
            <data_ele>1705</data_ele>
            <name>Implementation Convention Reference</name>
            <usage>R</usage>
            <seq>03</seq>
          </element>
"""


def _with_st03(text: str) -> str:
    st02_end = text.index("</element>", text.index('<element xid="ST02">')) + len("</element>\n")
    return text[:st02_end] + _ST03 + text[st02_end:]


def _patch_276(text: str) -> str:
    for element in ("BHT03", "BHT05"):
        start = text.index(f'<element xid="{element}">')
        usage = text.index("<usage>N</usage>", start)
        text = text[:usage] + "<usage>R</usage>" + text[usage + len("<usage>N</usage>") :]
    lu = re.search(
        r'<segment xid="REF">(?:(?!</segment>).)*<code>LU</code>.*?</segment>\n', text, re.S
    )
    ej = lu.group(0).replace("<code>LU</code>", "<code>EJ</code>")
    ej = ej.replace("Group Number", "Patient Control Number")
    text = re.sub(
        r'<segment xid="AMT">\s*<name>Claim Submitted Charges</name>',
        lambda m: ej + m.group(0),
        text,
    )
    # DTP*472 with a single date (D8) as 5010 allows, beside 4010's statement period (232, RD8)
    text = text.replace("<code>RD8</code>", "<code>RD8</code>\n<code>D8</code>")
    return text.replace("<code>232</code>", "<code>232</code>\n<code>472</code>")


@cache
def map_path() -> str:
    import pyx12

    source = Path(pyx12.__file__).parent / "map"
    target = Path(tempfile.mkdtemp(prefix="clinicbill-pyx12-")) / "map"
    shutil.copytree(source, target)
    eligibility = _with_st03((source / "270.4010.X092.A1.xml").read_text())
    # 2100C/2100D DTP01: the plan date (291) our 270 sends for the date of service
    eligibility = re.sub(
        r"(<name>(?:Subscriber|Dependent) Date</name>.*?<valid_codes>)",
        r"\1\n                        <code>291</code>",
        eligibility,
        flags=re.S,
    )
    eligibility = eligibility.replace("<code>004010X092A1</code>", "<code>005010X279A1</code>")
    (target / "270.5010.X279.A1.derived.xml").write_text(eligibility)
    status = _with_st03((source / "276.4010.X093.A1.xml").read_text())
    status = status.replace("<code>004010X093A1</code>", "<code>005010X212</code>")
    status = _patch_276(status)
    (target / "276.5010.X212.derived.xml").write_text(status)
    maps = (target / "maps.xml").read_text()
    anchor = '<map vriic="005010X214" fic="HN" abbr="277">277.5010.X214.xml</map>'
    extra = (
        '<map vriic="005010X279A1" fic="HS" abbr="270">270.5010.X279.A1.derived.xml</map>\n'
        '    <map vriic="005010X212" fic="HR" abbr="276">276.5010.X212.derived.xml</map>\n    '
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
