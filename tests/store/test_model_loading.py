"""Tables are defined on first use (store/models/__init__.py): a command pays only for the
tables it names, and a flush defines every table first so its foreign keys resolve.

Each check runs in a fresh interpreter: the test process itself has long since loaded every
model."""

from __future__ import annotations

import subprocess
import sys

from tests.documents_data import build_history

LOADED = (
    "import sys\n"
    "print('MODELS:' + ','.join(sorted(m.rsplit('.', 1)[1] for m in sys.modules\n"
    "      if m.startswith('clinicbill.store.models.'))))\n"
)


def _python(code: str) -> list[str]:
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    markers = [line for line in out.stdout.splitlines() if line.startswith("MODELS:")]
    return [line.removeprefix("MODELS:").split(",") for line in markers]


def test_a_one_visit_superbill_defines_no_billing_or_coverage_table(sample_db, tmp_path):
    from clinicbill.store.engine import transaction

    with transaction(sample_db, "tester") as session:
        build_history(session)
    pdf = str(tmp_path / "s.pdf")
    code = (
        "from clinicbill.cli import app\n"
        f"args = ['--db', {sample_db!r}, 'superbill', 'P00001', '-o', {pdf!r}]\n"
        "try:\n"
        "    app(args)\n"
        "except SystemExit as exit:\n"
        "    assert not exit.code, exit.code\n" + LOADED
    )
    [loaded] = _python(code)
    assert (tmp_path / "s.pdf").stat().st_size > 1000
    assert "billing" not in loaded and "coverage" not in loaded, loaded
    assert {"clinical", "ledger", "patient"} <= set(loaded)


def test_a_flush_defines_every_table_before_it_writes(db_url):
    from clinicbill.store.engine import transaction

    with transaction(db_url, "tester"):
        pass  # the schema is migrated here, not in the child
    code = (
        "from datetime import date\n"
        "from clinicbill.store.engine import transaction\n"
        "from clinicbill.store.models import Patient\n"
        f"with transaction({db_url!r}, 'tester') as session:\n"
        + "    "
        + LOADED.replace("\n", "\n    ").rstrip()
        + "\n"
        "    session.add(Patient(account_number='P09999', first_name='Ada', last_name='Test',\n"
        "                        dob=date(1980, 1, 2), sex='F'))\n"
        "    session.flush()\n" + LOADED
    )
    before, after = _python(code)
    assert before == ["audit_log", "patient"], before
    assert {"billing", "clinical", "coverage", "core", "ledger"} <= set(after), after
