"""A small billing history on the sample practice for the patient-document tests.

Maya Chen (P00001, Cascade primary, policy 1): 2026-01-06 massage, answered by the payer
(insurance paid, CO adjustment, PR moved to her); 2026-02-10 massage still with the payer.
Sofia Haddad (P00006, self-pay): 2026-02-03 acupuncture by Wei Lin paid with her HSA card
(payment `hsa_payment`), 2026-03-03 massage unpaid. Every row goes through the models.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

from sqlalchemy import select

from clinicbill.store.models import LedgerEntry, Payment, ServiceLine
from tests.factories import make_encounter

CHEN, HADDAD = 1, 6
REYES, LIN = 1, 2


def lines_of(session, encounter) -> list[ServiceLine]:
    return list(
        session.execute(
            select(ServiceLine)
            .where(ServiceLine.encounter_id == encounter.id)
            .order_by(ServiceLine.line_number)
        ).scalars()
    )


def post(session, line, kind, cents, on, payment=None, **extra) -> None:
    session.add(
        LedgerEntry(
            service_line_id=line.id,
            kind=kind,
            amount_cents=cents,
            effective_date=on,
            payment_id=payment.id if payment else None,
            **extra,
        )
    )
    session.flush()


def patient_payment(session, patient_id, cents, on, method="card", reference=None) -> Payment:
    payment = Payment(
        source="patient",
        patient_id=patient_id,
        method=method,
        amount_cents=cents,
        received_on=on,
        reference=reference,
    )
    session.add(payment)
    session.flush()
    return payment


def build_history(session) -> dict:
    """The history above; returns the ids the tests refer to."""
    chen_1 = make_encounter(
        session,
        CHEN,
        REYES,
        date(2026, 1, 6),
        [
            {"code": "97124", "charge_cents": 6500, "units": 2, "minutes": 30},
            {"code": "97140", "charge_cents": 3800, "modifiers": "59", "pointers": "1,2"},
        ],
        policy_id=1,
        diagnoses=("M54.50", "M62.830"),
    )
    massage, manual = lines_of(session, chen_1)
    answered = date(2026, 2, 1)
    post(session, massage, "insurance_payment", 4000, answered)
    post(session, massage, "adjustment", 1000, answered, group_code="CO", reason_code="45")
    post(session, massage, "patient_responsibility", 1500, answered, group_code="PR")
    post(session, manual, "insurance_payment", 3000, answered)
    post(session, manual, "adjustment", 800, answered, group_code="CO", reason_code="45")
    chen_2 = make_encounter(
        session,
        CHEN,
        REYES,
        date(2026, 2, 10),
        [{"code": "97124", "charge_cents": 9750, "units": 3, "minutes": 45}],
        policy_id=1,
        diagnoses=("M62.830",),
    )
    haddad_1 = make_encounter(
        session,
        HADDAD,
        LIN,
        date(2026, 2, 3),
        [{"code": "97810", "charge_cents": 7500}, {"code": "97811", "charge_cents": 4500}],
        diagnoses=("M54.50",),
    )
    needles, more_needles = lines_of(session, haddad_1)
    hsa = patient_payment(session, HADDAD, 10000, date(2026, 2, 3), "hsa", "HSA 4411")
    post(session, needles, "patient_payment", 7500, date(2026, 2, 3), hsa)
    post(session, more_needles, "patient_payment", 2500, date(2026, 2, 3), hsa)
    haddad_2 = make_encounter(
        session,
        HADDAD,
        REYES,
        date(2026, 3, 3),
        [{"code": "97124", "charge_cents": 13000, "units": 4, "minutes": 60}],
        diagnoses=("M62.830",),
    )
    return {
        "chen_1": chen_1.id,
        "chen_2": chen_2.id,
        "haddad_1": haddad_1.id,
        "haddad_2": haddad_2.id,
        "hsa_payment": hsa.id,
    }


# --- reading the PDFs back ------------------------------------------------------------------

GOLDEN = Path(__file__).parent / "golden" / "documents"


def pdf_pages(path) -> list[str]:
    """Each page's text in layout mode (columns kept apart), trailing blanks trimmed."""
    from pypdf import PdfReader

    pages = []
    for page in PdfReader(str(path)).pages:
        lines = [line.rstrip() for line in page.extract_text(extraction_mode="layout").splitlines()]
        pages.append("\n".join(lines))
    return pages


def pdf_words(path) -> str:
    """All the text with whitespace collapsed: for `in` checks that ignore layout."""
    return " ".join(" ".join(pdf_pages(path)).split())


def layout_text(path) -> str:
    """A reviewable text layout of the whole document: runs of blank lines collapsed."""
    out = []
    for number, page in enumerate(pdf_pages(path), start=1):
        out.append(f"=== page {number}")
        blank = False
        for line in page.splitlines():
            if not line.strip():
                if not blank:
                    out.append("")
                blank = True
                continue
            blank = False
            out.append(line)
    return "\n".join(out).rstrip() + "\n"


def check_golden(name: str, text: str, update: bool) -> None:
    """Compare with tests/golden/documents/<name>; --update-golden rewrites it (review it!)."""
    path = GOLDEN / name
    if update:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    assert path.exists(), f"no golden {name}: run with --update-golden and review it"
    assert text == path.read_text(), f"{name} changed: review, then run with --update-golden"


def render_png(pdf_path, tmp_path):
    """First page as PNG with pdftoppm; None when poppler is not installed."""
    import shutil
    import subprocess

    exe = shutil.which("pdftoppm")
    if exe is None:
        return None
    prefix = tmp_path / "page"
    subprocess.run(
        [exe, "-r", "40", "-png", "-f", "1", "-l", "1", str(pdf_path), str(prefix)],
        check=True,
        capture_output=True,
        timeout=60,
    )
    return sorted(tmp_path.glob("page*.png"))[0]


def assert_first_page_prints(pdf_path, tmp_path) -> None:
    """The first page renders to a PNG that is not blank (skips without poppler's pdftoppm)."""
    import pytest

    png = render_png(pdf_path, tmp_path)
    if png is None:
        pytest.skip("pdftoppm (poppler-utils) is not installed")
    assert_not_blank(png)


def assert_not_blank(png_path) -> None:
    from PIL import Image

    with Image.open(png_path) as image:
        grey = image.convert("L")
        low, high = grey.getextrema()
        dark = sum(grey.histogram()[:128])
    assert high - low > 100, "the page is one flat colour"
    assert dark > 500, "almost nothing is printed on the page"


def embedded_font_problems(path) -> list[str]:
    """Fonts used by any page that are not embedded (PDF/A wants every font embedded)."""
    from pypdf import PdfReader

    problems = []
    for page in PdfReader(str(path)).pages:
        fonts = page.get("/Resources", {}).get("/Font", {})
        for name, ref in fonts.items():
            font = ref.get_object()
            descriptor = font.get("/FontDescriptor")
            embedded = descriptor is not None and any(
                key in descriptor.get_object() for key in ("/FontFile", "/FontFile2", "/FontFile3")
            )
            if not embedded:
                problems.append(f"{name} {font.get('/BaseFont')}")
    return problems
