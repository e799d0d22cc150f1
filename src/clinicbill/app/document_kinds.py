"""The document registry: every PDF clinicbill hands to a patient or a payer, with what goes on
it (a domain function that reads the database into a frozen value), what draws it (a formats/
function, reportlab) and the command that writes it.

To add a document: a domain function for its content and a formats/ module that draws it (one
file each, sharing formats/pdf.py and formats/document_parts.py), its entry here, and a
command. The registry's one test (tests/registries/test_documents.py) runs every entry's
`example` on a practice with a year of history and reads the PDF back; it also fails on a
formats/ module that draws a PDF and is in no entry.

`example` is the commands that write one, run in order; the last writes the PDF to {out}. The
placeholders are filled from the test practice: {patient} an insured patient, {medicare} a
Medicare patient, {selfpay} a self-pay patient, {session} a signed session, {claim} a claim,
{denied} a denied claim, {payment} a patient payment, {dir} a new folder.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from clinicbill.app.registry import resolve


@dataclass(frozen=True)
class DocumentKind:
    name: str
    command: tuple[str, ...]  # the CLI words that write it
    content: str  # "module:function" that reads what goes on it
    drawing: str  # "module:function" in formats/ that draws it
    example: tuple[tuple[str, ...], ...]

    def content_function(self) -> Callable:
        return resolve(self.content)

    def drawing_function(self) -> Callable:
        return resolve(self.drawing)


DOCUMENTS: tuple[DocumentKind, ...] = (
    DocumentKind(
        "superbill",
        ("superbill",),
        "clinicbill.domain.documents.superbill_data:superbill",
        "clinicbill.formats.superbill:render_superbill",
        (("superbill", "{patient}", "-o", "{out}"),),
    ),
    DocumentKind(
        "statement",
        ("statement",),
        "clinicbill.domain.documents.account:statement",
        "clinicbill.formats.statement:render_statement",
        (("statement", "{patient}", "-o", "{out}"),),
    ),
    DocumentKind(
        "year summary (HSA/FSA)",
        ("statement", "year"),
        "clinicbill.domain.selfpay.year_summary:year_summary",
        "clinicbill.formats.year_summary:render_year_summary",
        (("statement", "year", "{patient}", "--year", "2026", "-o", "{out}"),),
    ),
    DocumentKind(
        "receipt",
        ("receipt",),
        "clinicbill.domain.documents.account:receipt",
        "clinicbill.formats.receipt:render_receipt",
        (("receipt", "{payment}", "-o", "{out}"),),
    ),
    DocumentKind(
        "good faith estimate",
        ("estimate", "create"),
        "clinicbill.domain.documents.estimates:estimate_document",
        "clinicbill.formats.estimate:render_estimate",
        (("estimate", "{selfpay}", "--code", "97124:units=4", "--visits", "6", "-o", "{out}"),),
    ),
    DocumentKind(
        "insured estimate",
        ("estimate", "insured"),
        "clinicbill.domain.selfpay.insured_estimate:estimate_insured",
        "clinicbill.formats.insured_estimate:render_insured_estimate",
        (
            ("verify", "add", "1", "--method", "phone", "--in-network", "yes"),
            ("estimate", "insured", "P00001", "--code", "97140:units=2", "-o", "{out}"),
        ),
    ),
    DocumentKind(
        "session note",
        ("session", "note"),
        "clinicbill.domain.sessions.note_view:render_note_text",
        "clinicbill.formats.note_pdf:write_note_pdf",
        (("session", "note", "{session}", "-o", "{out}"),),
    ),
    DocumentKind(
        "CMS-1500",
        ("claim", "export"),
        "clinicbill.domain.claims.snapshot_load:load_snapshots",
        "clinicbill.formats.cms1500:write_cms1500",
        (("claim", "export", "{claim}", "--format", "cms1500", "-o", "{out}"),),
    ),
    DocumentKind(
        "ABN (CMS-R-131)",
        ("abn",),
        "clinicbill.domain.cases.abn:issue_abn",
        "clinicbill.formats.abn_pdf:render_abn",
        (("abn", "{medicare}", "--code", "97810", "--reason", "not covered", "-o", "{out}"),),
    ),
    DocumentKind(
        "appeal packet",
        ("claim", "appeal"),
        "clinicbill.domain.remittance.appeal_packet:build_packet",
        "clinicbill.formats.appeal_pdf:render_appeal_packet",
        (("claim", "appeal", "{denied}", "--letter", "--force", "-o", "{out}"),),
    ),
    DocumentKind(
        "membership charge",
        ("billing", "run"),
        "clinicbill.domain.selfpay.charge_notice:charge_notice",
        "clinicbill.formats.selfpay_charge:render_charge_notice",
        (
            ("membership", "plan", "add", "Monthly massage", "--price", "99"),
            ("membership", "enroll", "{selfpay}", "Monthly massage", "--start", "2026-11-01"),
            ("billing", "run", "--as-of", "2026-11-01", "--receipts", "{dir}"),
        ),
    ),
)
