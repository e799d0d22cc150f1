"""The session note as a PDF: the note text exactly as signed, then its addenda.

The text comes from domain.sessions.render_note (the template-rendered note frozen at signing),
so the PDF never says anything the signed record does not.
"""

from __future__ import annotations

import re
from pathlib import Path
from xml.sax.saxutils import escape

from reportlab.lib.styles import ParagraphStyle
from reportlab.platypus import Paragraph, Spacer

from clinicbill.formats.pdf import STYLES, build

NOTE_STYLE = ParagraphStyle(
    "cb-note",
    parent=STYLES["body"],
    fontName="Courier",
    fontSize=8.5,
    leading=10.5,
    spaceBefore=0,
    spaceAfter=0,
)
HEADING_STYLE = ParagraphStyle("cb-note-heading", parent=NOTE_STYLE, fontName="Courier-Bold")


def _line(text: str) -> Paragraph:
    """One note line, keeping its indentation; long lines wrap under themselves."""
    stripped = text.lstrip(" ")
    indent = len(text) - len(stripped)
    style = NOTE_STYLE
    if indent:
        style = ParagraphStyle(
            f"cb-note-{indent}",
            parent=NOTE_STYLE,
            leftIndent=indent * 5.1,  # Courier 8.5 pt: 5.1 pt per character
        )
    elif stripped and len(stripped) <= 40 and stripped[:1].isupper() and ":" not in stripped:
        style = HEADING_STYLE
    # keep the note's column alignment: runs of spaces would collapse in a paragraph
    text = re.sub(r" {2,}", lambda m: "&nbsp;" * len(m.group()), escape(stripped))
    return Paragraph(text or "&nbsp;", style)


def write_note_pdf(path, *, title: str, note_text: str, status: str) -> Path | None:
    """Write the note; `status` (draft | signed | void) is printed under the title."""
    label = {
        "draft": "UNSIGNED DRAFT - not yet signed by the provider",
        "void": "VOID - kept for the record, not billed",
    }.get(status, "Signed note")
    story = [Paragraph(escape(title), STYLES["title"]), Paragraph(escape(label), STYLES["h2"])]
    story.append(Spacer(1, 6))
    story.extend(_line(line) for line in note_text.rstrip("\n").split("\n"))
    return build(path, story, title=title, footer=f"{title} - {label}", subject="session note")
