"""Shared fixtures: a migrated temp database, the sample practice, and `run(*args)`."""

from __future__ import annotations

import os
import site
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from typer.testing import CliRunner

from clinicbill.store.engine import dispose_all, transaction

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "tests" / "data" / "x12"  # public samples, copied (see its README.md)


class ReadOutsideRepo(AssertionError):
    """A test touched a path beside the repository: a fresh clone has nothing there."""


OUTSIDE_REPO: list[str] = []  # paths touched outside the repository, checked after each test


def _outside_repo(path) -> bool:
    """True for a path beside the repository (under its parent directory, not inside it) that
    is not the interpreter's own tree or pytest's temporary directory."""
    beside = os.path.dirname(ROOT)
    if isinstance(path, int) or beside == os.sep:  # a repository at / has no "beside"
        return False
    absolute = os.path.abspath(os.fsdecode(path))  # not resolved: a folder beside may be a symlink
    if not _under(absolute, beside) or _under(absolute, str(ROOT)):
        return False
    # an allowed directory that holds the repository (a clone in /tmp/x/) allows nothing beside it
    return not any(_under(absolute, d) for d in _ALLOWED if not _under(str(ROOT), d))


def _under(path: str, directory: str) -> bool:
    return path == directory or path.startswith(directory.rstrip(os.sep) + os.sep)


_ALLOWED: list[str] = sorted(
    {sys.prefix, sys.base_prefix, sys.exec_prefix, tempfile.gettempdir(), *site.getsitepackages()}
)


def _guard_reads(event: str, args: tuple) -> None:
    """Runtime guard (an audit hook): opening or listing a path beside the repository fails
    the test at that line, and `_no_reads_outside_repo` fails it again if it was swallowed."""
    if event not in ("open", "os.listdir", "os.scandir") or not args or args[0] is None:
        return
    if _outside_repo(args[0]):
        OUTSIDE_REPO.append(os.fsdecode(args[0]))
        raise ReadOutsideRepo(f"a test read {os.fsdecode(args[0])}, outside {ROOT}")


sys.addaudithook(_guard_reads)


@pytest.fixture(scope="session", autouse=True)
def _pytest_temp_allowed(tmp_path_factory):
    _ALLOWED.append(str(tmp_path_factory.getbasetemp().resolve()))


@pytest.fixture(autouse=True)
def _no_reads_outside_repo(_pytest_temp_allowed):
    OUTSIDE_REPO.clear()
    yield
    assert not OUTSIDE_REPO, f"read outside the repository {ROOT}: {OUTSIDE_REPO}"


def pytest_addoption(parser):
    parser.addoption("--update-golden", action="store_true", help="Rewrite golden files.")
    parser.addoption(
        "--pg-pass",
        action="store_true",
        help="Select only the tests that reach a database (tests/pg.py reaches_database), as the "
        "PostgreSQL pass does; implied by CLINICBILL_TEST_PG.",
    )


PG_PASS = pytest.StashKey[tuple[int, int]]()  # (tests that reach a database, the others)


@pytest.hookimpl(trylast=True)  # after -k/-m: the counts are of what runs
def pytest_collection_modifyitems(config, items):
    """In the PostgreSQL pass, deselect the backend-independent tests: the SQLite pass ran them
    and they give the same result on both backends."""
    from tests.pg import on_postgres, reaches_database

    if not (on_postgres() or config.getoption("--pg-pass")):
        return
    keep, independent = [], []
    for item in items:
        (keep if reaches_database(item) else independent).append(item)
    if independent:
        config.hook.pytest_deselected(items=independent)
        items[:] = keep
    config.stash[PG_PASS] = (len(keep), len(independent))
    if hasattr(config, "workeroutput"):  # a pytest-xdist worker: tell the controller
        config.workeroutput["pg_pass"] = config.stash[PG_PASS]


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node, error):
    counts = getattr(node, "workeroutput", {}).get("pg_pass")
    if counts:
        node.config.stash[PG_PASS] = tuple(counts)


def pytest_terminal_summary(terminalreporter, config):
    counts = config.stash.get(PG_PASS, None)
    if counts:
        terminalreporter.write_line(
            f"PostgreSQL pass: {counts[0]} tests that reach a database; {counts[1]} "
            "backend-independent tests ran in the SQLite pass"
        )


def pytest_report_header(config):
    from tests.pg import on_postgres, pg_server_url

    return f"clinicbill backend: {'postgresql ' + pg_server_url() if on_postgres() else 'sqlite'}"


def pytest_sessionstart(session):
    """With CLINICBILL_TEST_PG set, an unreachable server fails the run at once (no skips)."""
    from tests.pg import check_server, on_postgres

    if on_postgres():
        problem = check_server()
        if problem:
            raise pytest.UsageError(f"CLINICBILL_TEST_PG server unreachable: {problem}")


@pytest.fixture
def update_golden(request) -> bool:
    return request.config.getoption("--update-golden")


@pytest.fixture(autouse=True)
def _isolated_home(tmp_path_factory, monkeypatch):
    """Never touch the real user's data, config or log directories."""
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_DATA_HOME", str(home / "data"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / "config"))
    # tables follow COLUMNS (cli/render.console); pytest-xdist workers set it to 80
    monkeypatch.delenv("COLUMNS", raising=False)
    monkeypatch.setenv("XDG_STATE_HOME", str(home / "state"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(home / "cache"))
    monkeypatch.delenv("CLINICBILL_DB", raising=False)
    monkeypatch.setenv("CLINICBILL_USER", "tester")
    # pexpect's terminal never answers prompt_toolkit's cursor-position request: without this,
    # every prompt of a terminal test waits for that answer before it shows (about 1 s each)
    monkeypatch.setenv("PROMPT_TOOLKIT_NO_CPR", "1")
    yield
    dispose_all()


@pytest.fixture(scope="session")
def database_templates(tmp_path_factory):
    """The migrated and sample-practice databases, built once per session (per xdist worker).
    CLINICBILL_TEST_TEMPLATES=rebuild builds them anew for every test instead, as the suite did
    before templates: the same tests, to measure what the templates save."""
    from tests.pg import DatabaseTemplates

    reuse = os.environ.get("CLINICBILL_TEST_TEMPLATES", "reuse") != "rebuild"
    templates = DatabaseTemplates(tmp_path_factory.mktemp("templates"), reuse=reuse)
    yield templates
    templates.drop_all()


# A test that asks for any of these starts from a copy of a template database; one that asks
# only for `db_url` gets an empty database that the code under test creates and migrates.
TEMPLATE_FOR = {"sample_db": "sample", "db": "migrated", "run": "migrated"}


@pytest.fixture
def db_url(tmp_path, request, database_templates):
    """A fresh database. SQLite file by default; a PostgreSQL URL when CLINICBILL_TEST_PG is set
    (see tests/pg.py), dropped after the test. Empty (migrated on first use by clinicbill) when
    the test asks for `db_url` alone; a copy of the migrated template when it also asks for
    `db` or `run`, of the sample-practice template with `sample_db` or `sample_run`."""
    from tests.pg import drop_database, fresh_database_url, on_postgres

    wanted = {TEMPLATE_FOR[name] for name in request.fixturenames if name in TEMPLATE_FOR}
    template = "sample" if "sample" in wanted else "migrated" if wanted else None
    url = fresh_database_url(tmp_path, template and database_templates.url(template))
    yield url
    if on_postgres():
        dispose_all()
        drop_database(url)


@pytest.fixture
def db(db_url):
    """A unit of work on the fresh database; committed at the end of the test."""
    with transaction(db_url, "tester") as session:
        yield session


@pytest.fixture
def sample_db(db_url) -> str:
    """The sample practice (loaded through domain functions into the session's template, which
    db_url copied); returns the database URL."""
    return db_url


class Runner:
    def __init__(self, db_url: str):
        self.db_url = db_url
        self.runner = CliRunner()

    def __call__(self, *args: str, input: str | None = None, user: str = "tester"):
        from clinicbill.cli import app

        result = self.runner.invoke(
            app, ["--db", self.db_url, "--user", user, *args], input=input, catch_exceptions=False
        )
        return result


@pytest.fixture
def run(db_url) -> Runner:
    """`run("patient", "list")` through Typer's runner against the test database."""
    return Runner(db_url)


@pytest.fixture
def sample_run(sample_db) -> Runner:
    return Runner(sample_db)


def cli_subprocess(
    *args: str, env: dict | None = None, input: str | None = None, timeout: float = 60
) -> subprocess.CompletedProcess:
    """The installed `clinicbill` script as a real subprocess."""
    exe = Path(sys.executable).parent / "clinicbill"
    full_env = {**os.environ, **(env or {})}
    return subprocess.run(
        [str(exe), *args],
        capture_output=True,
        text=True,
        env=full_env,
        input=input,
        timeout=timeout,
    )
