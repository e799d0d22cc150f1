"""The PostgreSQL pass runs only the tests that reach a database (tests/pg.py reaches_database):
these tests check that choice on real collections of the suite's own files."""

from __future__ import annotations

import ast
import os
import subprocess
import sys

import pytest

from tests.conftest import ROOT
from tests.pg import BACKEND_NAMES, mentions_backend, reaches_database

# (test id, whether the PostgreSQL pass must run it)
KNOWN = {
    # db_url / run / sample_run / db fixtures
    "tests/cli/test_foundation.py::test_patient_add_show_edit": True,
    "tests/test_hostile.py::test_hostile_arguments[verify show]": True,  # module-scoped hostile_db
    "tests/registries/test_reports.py::test_every_report_builds_and_prints_through_its_command": (
        True  # the conftest's module-scoped history fixture
    ),
    # no fixture, but the test's own code asks for a PostgreSQL database when there is one
    "tests/test_readme_python.py::test_the_python_example_runs_and_prints_what_it_says": True,
    # skipped on PostgreSQL by a condition on CLINICBILL_TEST_PG: kept (the skip says why)
    "tests/test_readme.py::test_every_readme_example_runs_in_order": True,
    # pure: parsers, --help, readme text
    "tests/test_readme.py::test_readme_examples_are_found": False,
    "tests/cli/test_startup.py::test_help_imports_nothing_heavy": False,
    # `clinicbill --db tmp_path/c.db init` in a subprocess: always a SQLite file
    "tests/cli/test_foundation.py::test_subprocess_init_and_json": False,
    "tests/cli/test_sessions_terminal.py::test_free_text_finishes_with_enter_on_an_empty_line": (
        False
    ),
}


def _collect(*args: str) -> tuple[set[str], str]:
    """The test ids a pytest collection of KNOWN's files selects, and its output (with no
    server: --pg-pass selects as the PostgreSQL pass does without needing one)."""
    files = sorted({test_id.split("::")[0] for test_id in KNOWN})
    env = {k: v for k, v in os.environ.items() if k != "CLINICBILL_TEST_PG"}
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "--collect-only", *args, *files],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
        timeout=120,
    )
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    return {line.strip() for line in done.stdout.splitlines() if "::" in line}, done.stdout


def test_the_pg_pass_keeps_every_test_that_reaches_a_database_and_drops_the_others():
    everything, _ = _collect()
    selected, output = _collect("--pg-pass")
    missing = [test_id for test_id in KNOWN if test_id not in everything]
    assert not missing, f"renamed? update KNOWN: {missing}"
    wrong = {t: want for t, want in KNOWN.items() if (t in selected) != want}
    assert not wrong, f"the PostgreSQL pass selection is wrong for {wrong}"
    dropped = len(everything) - len(selected)
    assert 0 < len(selected) < len(everything)
    assert (
        f"PostgreSQL pass: {len(selected)} tests that reach a database; {dropped} "
        "backend-independent tests ran in the SQLite pass"
    ) in output


def test_every_collected_test_with_a_database_fixture_is_kept(request):
    """Over this session's collection (the whole suite in `make test`): a test built on
    database_templates (db_url, db, run, sample_db, sample_run, ...) always reaches one."""
    items = request.session.items
    with_db = [item for item in items if "database_templates" in item.fixturenames]
    if not with_db:
        pytest.skip("no test with a database fixture in this (targeted) run")
    assert all(reaches_database(item) for item in with_db)


def test_no_shared_test_helper_reaches_the_backend_unseen():
    """A helper module (tests/*kit.py, factories...) that made a database on the test server
    would be invisible to reaches_database, which reads the test's module and fixtures:
    only tests/pg.py and conftest files (whose fixtures it reads) may name the backend."""
    allowed = {"pg.py", "conftest.py", "test_pg_pass.py"}
    offenders = []
    for path in sorted((ROOT / "tests").rglob("*.py")):
        if path.name in allowed or path.name.startswith("test_"):
            continue
        if mentions_backend(path.read_text()):
            offenders.append(str(path.relative_to(ROOT)))
    assert not offenders, f"move the backend choice into a fixture or tests/pg.py: {offenders}"


def test_every_tests_pg_function_that_reaches_the_server_is_a_backend_name():
    """A function added to tests/pg.py that talks to the test server (or chooses by backend)
    must be in BACKEND_NAMES, or a test calling it directly would be dropped from the pass."""
    tree = ast.parse((ROOT / "tests" / "pg.py").read_text())
    server = ("_admin_engine", "on_postgres", "pg_server_url", "new_database", "drop_database")
    not_for_tests = {"check_server", "reaches_database"}  # the session start; this selection
    reaching = {
        node.name
        for node in tree.body
        if isinstance(node, ast.FunctionDef | ast.ClassDef)
        and not node.name.startswith("_")
        and node.name not in not_for_tests
        and any(isinstance(n, ast.Name) and n.id in server for n in ast.walk(node))
    }
    assert {"new_database", "fresh_database_url", "clone_database"} <= reaching
    assert reaching <= set(BACKEND_NAMES), reaching - set(BACKEND_NAMES)
