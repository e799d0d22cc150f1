"""The document registry's one test (app/document_kinds.py): every document's example writes a
PDF through its command on a practice with a year of history, 0600, and pypdf reads its text
back; every entry's content and drawing functions exist; and every formats/ module that draws
a PDF is some entry's drawing (or a shared part or a report's PDF, listed below)."""

from __future__ import annotations

import stat
from pathlib import Path

from pypdf import PdfReader
from sqlalchemy import select

import clinicbill.formats as formats_package
from clinicbill.app.document_kinds import DOCUMENTS
from clinicbill.store.engine import transaction
from clinicbill.store.models import Claim, Encounter, Patient, Payment
from tests.conftest import Runner

# formats/ modules that draw with reportlab but are not a document of their own
SHARED_PARTS = {"pdf", "document_parts", "cms1500_layout"}
REPORT_PDFS = {"aging_pdf"}  # the aging report's PDF (app/report_kinds.py)


def placeholders(url: str) -> dict[str, str]:
    """The ids and accounts an example's placeholders stand for, read from the practice."""
    with transaction(url, "tester") as session:

        def one(query):
            value = session.execute(query.limit(1)).scalar()
            assert value is not None, str(query)
            return str(value)

        paid = (
            select(Payment.id)
            .where(Payment.source == "patient", Payment.kind == "payment")
            .where(Payment.patient_id.is_not(None))
            .order_by(Payment.id.desc())
        )
        payment = one(paid)
        payer_of = select(Payment.patient_id).where(Payment.id == int(payment))
        signed = Encounter.status == "signed"
        return {
            "payment": payment,
            "patient": one(
                select(Patient.account_number).where(Patient.id == payer_of.scalar_subquery())
            ),
            "medicare": "P00002",  # the sample practice's Medicare patient
            "selfpay": "P00006",  # and its self-pay patient
            "session": one(select(Encounter.id).where(signed).order_by(Encounter.id.desc())),
            "claim": one(select(Claim.id).where(Claim.status != "void").order_by(Claim.id.desc())),
            "denied": one(
                select(Claim.id).where(Claim.status == "denied").order_by(Claim.id.desc())
            ),
        }


def test_every_document_is_written_by_its_command_and_reads_back(history, tmp_path):
    names = [kind.name for kind in DOCUMENTS]
    assert len(names) == len(set(names))
    drawn = {kind.drawing.split(":")[0].rsplit(".", 1)[1] for kind in DOCUMENTS}
    folder = Path(formats_package.__file__).parent
    drawing_modules = {
        p.stem
        for p in folder.glob("*.py")
        if "reportlab" in p.read_text() or "formats.pdf" in p.read_text()
    }
    unregistered = drawing_modules - drawn - SHARED_PARTS - REPORT_PDFS
    assert not unregistered, f"formats/ modules drawing a PDF in no DOCUMENTS entry: {unregistered}"
    values = placeholders(history)
    run = Runner(history)
    for number, kind in enumerate(DOCUMENTS):
        assert callable(kind.content_function()) and callable(kind.drawing_function()), kind.name
        assert kind.content.startswith("clinicbill.domain."), kind.name
        assert kind.drawing.startswith("clinicbill.formats."), kind.name
        assert kind.example[-1][0] == kind.command[0], kind.name  # the last step writes it
        out, directory = tmp_path / f"document-{number}.pdf", tmp_path / f"folder-{number}"
        directory.mkdir(mode=0o700)
        for step in kind.example:
            args = [a.format(out=out, dir=directory, **values) for a in step]
            result = run(*args)
            assert result.exit_code == 0, (kind.name, args, result.output)
        pdf = out if out.exists() else next(directory.glob("*.pdf"))
        assert stat.S_IMODE(pdf.stat().st_mode) == 0o600, kind.name
        text = "".join(page.extract_text() for page in PdfReader(pdf).pages)
        assert len(text.split()) > 20, (kind.name, text)
