"""The appeal packet PDF: the letter (templates/documents/appeal_base.j2 with the denial
family's argument from appeal_<family>.j2), then every enclosure on its own page.
The data is domain/remittance/appeal_packet.py's AppealPacket; byte-identical for the same
packet under SOURCE_DATE_EPOCH (formats/pdf.py)."""

from __future__ import annotations

from pathlib import Path
from xml.sax.saxutils import escape

from reportlab.platypus import PageBreak, Paragraph, Spacer

from clinicbill.formats import document_parts as parts
from clinicbill.formats import pdf


def letter_blocks(packet) -> dict[str, str]:
    """The letter's blocks (markup), the family's argument in place."""
    context = {"packet": packet}
    blocks = parts.wording("appeal_base", context)
    argument = parts.wording(f"appeal_{packet.family}", context).get("argument", "")
    blocks["argument"] = argument or blocks.get("argument", "")
    return blocks


def _mono(line: str) -> Paragraph:
    from clinicbill.formats.note_pdf import _line

    return _line(line)


def render_appeal_packet(packet, path: str | Path) -> Path:
    """Draw the packet to `path` (a fresh file the caller chose)."""
    blocks = letter_blocks(packet)
    styles = parts.styles()
    story = [
        parts.rich(blocks["title"], "title"),
        parts.text(packet.practice["name"], "line"),
        parts.text(packet.practice["address"], "line"),
        parts.text(packet.practice["phone"], "line"),
        Spacer(1, 8),
        parts.text(parts.us_date(packet.on), "line"),
        Spacer(1, 6),
        parts.text(packet.payer["name"], "line"),
        parts.text(packet.payer["address"], "line"),
        Spacer(1, 8),
        parts.rich(blocks["subject"], "h2"),
    ]
    for name in ("opening", "argument", "request", "closing"):
        if blocks.get(name):
            story.append(Paragraph(blocks[name], styles["body"]))
            story.append(Spacer(1, 6))
    for number, enclosure in enumerate(packet.enclosures, start=1):
        story.append(PageBreak())
        story.append(Paragraph(escape(f"Enclosure {number}: {enclosure.title}"), styles["h2"]))
        story.append(Spacer(1, 4))
        story.extend(_mono(line) for line in enclosure.lines)
    footer = parts.plain(blocks.get("footer", ""))
    regular, _bold = pdf.embedded_fonts()
    return pdf.build(
        path,
        story,
        title=f"Appeal of claim {packet.claim['pcn']}",
        footer=footer,
        font=regular,
        subject="appeal packet",
    )
