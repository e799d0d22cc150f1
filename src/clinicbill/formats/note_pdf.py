"""The session note as a PDF, in the layout of the other documents (formats/document_parts.py:
embedded font, title, labelled boxes, section headings): the note text exactly as signed,
then its addenda.

The text comes from domain.sessions.render_note (the template-rendered note frozen at signing),
so the PDF never says anything the signed record does not: the boxes and headings are the
note's own lines, only laid out. A practice's own template that does not follow the shared
layout (no "... NOTE" title line) is printed line by line under the title.
"""

from __future__ import annotations

import re
from pathlib import Path
from xml.sax.saxutils import escape

from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import inch
from reportlab.platypus import Paragraph, Spacer

from clinicbill.formats import document_parts as parts

SIGNED = ("Electronically signed by", "UNSIGNED DRAFT")


def _line(text: str) -> Paragraph:
    """One note line, keeping its indentation and column alignment; long lines wrap under
    themselves. A short unindented line without a colon is a section heading."""
    stripped = text.lstrip(" ")
    indent = len(text) - len(stripped)
    if not indent and stripped and len(stripped) <= 40 and stripped[:1].isupper():
        if ":" not in stripped:
            return parts.text(stripped, "h2")
    style = parts.styles()["line"]
    if indent:
        style = ParagraphStyle(f"cb-note-{indent}", parent=style, leftIndent=indent * 4)
    # keep the note's column alignment: runs of spaces would collapse in a paragraph
    body = re.sub(r" {2,}", lambda m: "&nbsp;" * len(m.group()), escape(stripped))
    return Paragraph(body or "&nbsp;", style)


def _header(lines: list[str]) -> tuple[list, list[str]]:
    """The practice lines and the visit lines (Patient:, Date: ...) as boxes; the rest."""
    title_at = next((i for i, x in enumerate(lines) if x.strip().endswith(" NOTE")), None)
    if title_at is None:
        return [], lines
    end = next((i for i in range(title_at + 1, len(lines)) if not lines[i].strip()), len(lines))
    practice = [x.strip() for x in lines[:title_at] if x.strip()]
    visit = [re.sub(r":\s+", ": ", x.strip(), count=1) for x in lines[title_at + 1 : end]]
    story = [
        parts.text(lines[title_at].strip().title(), "h2"),
        parts.boxes([("Practice", practice), ("Visit", visit)]),
        Spacer(1, 0.08 * inch),
    ]
    return story, lines[end:]


def write_note_pdf(path, *, title: str, note_text: str, status: str) -> Path | None:
    """Write the note; `status` (draft | signed | void) is printed under the title."""
    label = {
        "draft": "UNSIGNED DRAFT - not yet signed by the provider",
        "void": "VOID - kept for the record, not billed",
    }.get(status, "Signed note")
    story = [parts.text(title, "title"), parts.text(label, "small"), Spacer(1, 0.05 * inch)]
    header, body = _header(note_text.rstrip("\n").split("\n"))
    story += header
    for line in body:
        if line.startswith(SIGNED):
            story += [Spacer(1, 0.1 * inch), parts.text(line, "body")]
        else:
            story.append(_line(line))
    return parts.build(path, story, title=title, footer_markup=f"{title} - {label}")
