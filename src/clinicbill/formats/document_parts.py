"""Pieces shared by the patient documents (superbill, statement, receipt, estimate).

Wording comes from jinja2 templates (templates/documents/<name>.j2, a practice's copy in the
config directory first): each template holds named blocks (`title`, `statement`, `footer` ...)
that are rendered one by one into reportlab paragraph markup. Values are autoescaped, so a name
with `&` or `<` prints as typed; the template's own <b>, <i> and <br/> markup is kept. Every
document uses the embedded font family (formats/pdf.py embedded_fonts) on US Letter.
"""

from __future__ import annotations

import html
from datetime import date
from functools import cache
from pathlib import Path

from reportlab.lib import colors
from reportlab.lib.units import inch
from reportlab.platypus import Paragraph, Spacer, Table, TableStyle

from clinicbill.domain.errors import ClinicbillError
from clinicbill.domain.money import fmt
from clinicbill.formats import pdf

WIDTH = pdf.LETTER[0] - 2 * pdf.MARGIN  # usable width on US Letter


def us_date(value: date | None) -> str:
    return value.strftime("%m/%d/%Y") if value else ""


def money(cents: int | None) -> str:
    return fmt(cents or 0)


def _bytecode_cache():
    """Compiled templates kept in the user cache directory (a superbill is printed with the
    patient waiting); keyed by the template's source, so an edited copy recompiles."""
    import jinja2
    import platformdirs

    folder = Path(platformdirs.user_cache_dir("clinicbill")) / "templates"
    try:
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    except OSError:
        return None
    return jinja2.FileSystemBytecodeCache(str(folder))


@cache
def _environment():
    import jinja2

    from clinicbill.resources import template_dirs

    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader([str(d) for d in template_dirs()]),
        bytecode_cache=_bytecode_cache(),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["money"] = money
    env.filters["us_date"] = us_date
    return env


def wording(name: str, context: dict) -> dict[str, str]:
    """Every block of templates/documents/<name>.j2 rendered with `context` (markup text)."""
    import jinja2

    where = f"documents/{name}.j2"
    try:
        template = _environment().get_template(where)
        ctx = template.new_context(context)
        return {block: "".join(render(ctx)).strip() for block, render in template.blocks.items()}
    except jinja2.TemplateNotFound:
        raise ClinicbillError(
            f"template: {where} not found", "reinstall clinicbill or restore the template"
        ) from None
    except jinja2.TemplateError as exc:
        line = getattr(exc, "lineno", None)
        at = f" line {line}" if line else ""
        raise ClinicbillError(
            f"template: {where}{at}: {exc.message}",
            "fix your copy in the config directory's templates/, or delete it to use the "
            "shipped wording",
        ) from None


def plain(markup: str) -> str:
    """Block text for the canvas (the footer): tags dropped, entities decoded, one line."""
    import re

    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", markup)).split())


@cache
def styles():
    """The embedded-font styles, plus `line`: body text without paragraph spacing."""
    from reportlab.lib.styles import ParagraphStyle

    out = pdf.embedded_styles()
    out["line"] = ParagraphStyle("cb-line", parent=out["body"], spaceBefore=0, spaceAfter=0)
    return out


def text(value, style: str = "body") -> Paragraph:
    """Plain text (escaped); newlines become line breaks."""
    from xml.sax.saxutils import escape

    return Paragraph(escape(str(value or "")).replace("\n", "<br/>"), styles()[style])


def rich(markup: str, style: str = "body") -> Paragraph:
    """Template output (already escaped by jinja2; may hold <b>, <i>, <br/>)."""
    return Paragraph(markup, styles()[style])


def fonts() -> tuple[str, str]:
    return pdf.embedded_fonts()


def table(rows, widths, right_cols=(), total_row=False) -> Table:
    regular, bold = fonts()
    return pdf.grid_table(
        rows, widths, right_cols=right_cols, total_row=total_row, font=regular, bold_font=bold
    )


def boxes(columns: list[tuple[str, list[str]]], widths=None) -> Table:
    """Side-by-side labelled blocks (Billing provider | Patient), each a heading and lines."""
    regular, bold = fonts()
    cells = [
        [text(title, "h2")] + [text(line, "line") for line in lines if line]
        for title, lines in columns
    ]
    widths = widths or [WIDTH / len(columns)] * len(columns)
    t = Table([cells], colWidths=widths)
    t.setStyle(
        TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("BOX", (0, 0), (-1, -1), 0.4, colors.HexColor("#9aa8b5")),
                ("INNERGRID", (0, 0), (-1, -1), 0.4, colors.HexColor("#9aa8b5")),
                ("FONT", (0, 0), (-1, -1), regular, 8),
            ]
        )
    )
    return t


def totals(rows: list[tuple[str, int]], bold_last: bool = True) -> Table:
    """A right-aligned label/amount block."""
    regular, bold = fonts()
    t = Table([[label, money(cents)] for label, cents in rows], colWidths=[1.9 * inch, 1.1 * inch])
    style = [
        ("FONT", (0, 0), (-1, -1), regular, 9),
        ("ALIGN", (1, 0), (1, -1), "RIGHT"),
        ("TOPPADDING", (0, 0), (-1, -1), 1),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 1),
    ]
    if bold_last:
        style += [
            ("FONT", (0, -1), (-1, -1), bold, 9),
            ("LINEABOVE", (0, -1), (-1, -1), 0.6, colors.black),
        ]
    t.setStyle(TableStyle(style))
    t.hAlign = "RIGHT"
    return t


def practice_lines(practice) -> list[str]:
    return [
        practice.name,
        *practice.address_lines,
        f"Phone {practice.phone}" + (f" · {practice.email}" if practice.email else ""),
        f"Tax ID ({practice.tax_id_type}): {practice.tax_id}",
        f"Billing NPI: {practice.npi}",
    ]


def patient_lines(patient, with_insurance: bool = True) -> list[str]:
    lines = [
        patient.name,
        f"Date of birth: {us_date(patient.dob)}",
        *patient.address_lines,
        f"Account: {patient.account_number}",
    ]
    if with_insurance and patient.member_id:
        lines.append(f"Insurance: {patient.payer_name}")
        group = f" · Group {patient.group_number}" if patient.group_number else ""
        lines.append(f"Member ID: {patient.member_id}{group}")
    return lines


def signature(image: str | None, label: str, signer: str | None = None) -> list:
    """A signature line, with a signature image (PNG/JPEG path) above it when one is given."""
    from reportlab.platypus import Image

    story: list = [Spacer(1, 0.15 * inch)]
    if image and Path(image).expanduser().is_file():
        from reportlab.lib.utils import ImageReader

        try:
            # read it now: Platypus would only open it halfway through the build
            width, height = ImageReader(str(Path(image).expanduser())).getSize()
        except Exception as exc:  # an unreadable image file is the practice's to fix
            raise ClinicbillError(
                f"signature-image: {image} cannot be read ({type(exc).__name__})",
                "set a PNG or JPEG with 'clinicbill practice edit --signature-image PATH'",
            ) from None
        scale = min(1.8 * inch / width, 0.6 * inch / height)
        img = Image(str(Path(image).expanduser()), width=width * scale, height=height * scale)
        img.hAlign = "LEFT"
        story.append(img)
    else:
        story.append(Spacer(1, 0.3 * inch))
    who = f" ({signer})" if signer else ""
    story.append(text(f"{label}{who}: ______________________________    Date: ______________"))
    return story


def build(target, story, title: str, footer_markup: str, subject: str = "") -> Path | None:
    """Write the document with the embedded font on every page to `target` (a
    store.files.Output or a new file path); the path written, None for standard output."""
    regular, _ = fonts()
    return pdf.build(target, story, title, plain(footer_markup), font=regular, subject=subject)
