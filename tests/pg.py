"""Which backend the tests run on.

Default: a SQLite file per test. With CLINICBILL_TEST_PG set to a server URL
(postgresql+psycopg://user@host:port/postgres), each test gets its own new database there,
dropped when the test ends. `make test` runs the suite on SQLite, then (scripts/ci/test-pg.sh
starts a throwaway cluster) again on PostgreSQL, where only the tests that reach a database run:
`reaches_database` below decides it; the others give the same result on both backends.
"""

from __future__ import annotations

import ast
import inspect
import os
import re
import shutil
import uuid
from functools import cache
from pathlib import Path

import pytest

SQLITE_ONLY_REASON = "SQLite-specific (file modes, PRAGMAs, the online backup API)"
PG_ONLY_REASON = "needs PostgreSQL: runs in the PostgreSQL pass of `make test`"


def pg_server_url() -> str | None:
    return os.environ.get("CLINICBILL_TEST_PG") or None


def on_postgres() -> bool:
    return pg_server_url() is not None


sqlite_only = pytest.mark.skipif(on_postgres(), reason=SQLITE_ONLY_REASON)
postgres_only = pytest.mark.skipif(not on_postgres(), reason=PG_ONLY_REASON)


_ADMIN: dict[int, object] = {}


def _admin_engine():
    """The server's `postgres` database in autocommit, one engine (and pooled connection) per
    process: creating and dropping a database per test then costs no new connection."""
    from sqlalchemy import create_engine

    pid = os.getpid()  # a forked child must not share its parent's connection
    if pid not in _ADMIN:
        _ADMIN[pid] = create_engine(pg_server_url(), isolation_level="AUTOCOMMIT")
    return _ADMIN[pid]


def check_server() -> str | None:
    """None when the test server answers, else why not (for a clear start-up failure)."""
    from sqlalchemy import text

    engine = _admin_engine()
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    except Exception as exc:  # the reason goes to the person running the tests
        return f"{type(exc).__name__}: {str(exc).splitlines()[0]}"
    finally:
        engine.dispose()
    return None


def new_database(template: str | None = None) -> str:
    """A new database on the test server, empty or a copy of the database named `template`;
    returns its URL."""
    from sqlalchemy import text

    name = "cb_" + uuid.uuid4().hex[:16]
    copy = f' TEMPLATE "{template}"' if template else ""
    with _admin_engine().connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"{copy}'))
    return pg_server_url().rsplit("/", 1)[0] + "/" + name


def drop_database(url: str) -> None:
    from sqlalchemy import text

    name = url.rsplit("/", 1)[1]
    if not name.startswith("cb_") or not name[3:].isalnum():
        raise ValueError(f"refusing to drop {name!r}: not a test database")
    with _admin_engine().connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


def fresh_database_url(tmp_path: Path, template: str | None = None) -> str:
    """A new database for one test: empty, or a copy of `template` (a URL from
    DatabaseTemplates) when given."""
    if not on_postgres():
        path = tmp_path / "clinic.db"
        if template is not None:
            _copy_sqlite_file(Path(template), path)
        return str(path)
    return new_database(template=_pg_name(template) if template else None)


def _pg_name(url: str) -> str:
    return url.rsplit("/", 1)[1]


def _copy_sqlite_file(source: Path, target: Path) -> None:
    """A byte copy of a closed SQLite file (its WAL checkpointed at close), created 0600."""
    fd = os.open(target, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
    with os.fdopen(fd, "wb") as out, source.open("rb") as src:
        shutil.copyfileobj(src, out)


class DatabaseTemplates:
    """Databases built once per test session (per pytest-xdist worker) and copied per test,
    instead of migrating (and loading the sample practice into) a new database every time.

    `url(name)` builds the template on first use: "migrated" is the schema at head through
    Alembic exactly as a new database gets it; "sample" is that plus the sample practice loaded
    through domain functions (the `sample_db` fixture's content). A copy is a file copy on
    SQLite and CREATE DATABASE … TEMPLATE on PostgreSQL."""

    def __init__(self, directory: Path, reuse: bool = True):
        self.directory = directory
        self.reuse = reuse  # False: built anew for every test (to measure what reuse saves)
        self.urls: dict[str, str] = {}
        self.built: list[str] = []

    def url(self, name: str) -> str:
        if not self.reuse:
            self.drop_all()  # the last one was copied by its test already
        if name not in self.urls:
            self.urls[name] = self._build(name)
        return self.urls[name]

    def _build(self, name: str) -> str:
        from clinicbill.store.engine import dispose_all, get_engine, transaction

        stem = f"{name}-{len(self.built)}"
        url = str(self.directory / f"{stem}.db") if not on_postgres() else new_database()
        self.built.append(url)
        if name == "migrated":
            get_engine(url)
        elif name == "sample":
            from clinicbill.domain.practice.sample import load_sample

            with transaction(url, "tester") as session:
                load_sample(session)
        else:
            raise ValueError(f"no database template named {name!r}")
        dispose_all()  # closed: a SQLite WAL checkpointed, no PostgreSQL session on the template
        return url

    def drop_all(self) -> None:
        if on_postgres():
            from clinicbill.store.engine import dispose_all

            dispose_all()
            for url in self.built:
                drop_database(url)
        else:
            for url in self.built:
                Path(url).unlink(missing_ok=True)
        self.urls.clear()
        self.built.clear()


def clone_database(url: str, tmp_path: Path, name: str) -> str:
    """A copy of a test database (SQLite: the online backup API; PostgreSQL: CREATE DATABASE
    … TEMPLATE, which needs no open connection to the original)."""
    from clinicbill.store.engine import dispose_all

    dispose_all()
    if not on_postgres():
        import sqlite3

        target = tmp_path / f"{name}.db"
        target.unlink(missing_ok=True)
        src, dst = sqlite3.connect(url), sqlite3.connect(target)
        src.backup(dst)
        dst.close()
        src.close()
        target.chmod(0o600)
        return str(target)
    return new_database(template=_pg_name(url))


def discard_database(url: str) -> None:
    """Remove a database made by clone_database."""
    from clinicbill.store.engine import dispose_all

    dispose_all()
    if on_postgres():
        drop_database(url)
    else:
        for suffix in ("", "-wal", "-shm"):
            Path(url + suffix).unlink(missing_ok=True)


# The ways a test reaches the test database server other than through the `database_templates`
# fixture (which db_url, db, run, sample_db, sample_run and the module-scoped sample databases
# are built on). A test that mentions one of them, or uses a fixture or a module helper that
# does, runs in the PostgreSQL pass. Imports alone do not count: the code that calls counts.
BACKEND_NAMES = (
    "database_templates",
    "DatabaseTemplates",
    "on_postgres",
    "pg_server_url",
    "postgres_only",
    "new_database",
    "drop_database",
    "fresh_database_url",
    "clone_database",
    "discard_database",
    "CLINICBILL_TEST_PG",
    "getfixturevalue",  # a fixture asked for by name at run time: not in the closure pytest sees
)
_MENTIONS = re.compile(r"\b(" + "|".join(BACKEND_NAMES) + r")\b")


def mentions_backend(text: str) -> bool:
    return _MENTIONS.search(text) is not None


def reaches_database(item) -> bool:
    """True when a collected test can reach the configured backend, so that it must run in the
    PostgreSQL pass: its fixture closure holds `database_templates` or a fixture whose code
    mentions a BACKEND_NAMES name, or its own code (decorators included), or a helper, fixture
    or constant of its module, mentions one. A test that makes its own SQLite file (`clinicbill
    --db tmp_path/x.db init` in a subprocess included: clinicbill never reads CLINICBILL_TEST_PG)
    is backend-independent. Anything that is not a plain Python test function counts as
    reaching one (the safe side)."""
    function = getattr(item, "function", None)
    path = getattr(item, "path", None)
    if function is None or path is None or path.suffix != ".py":
        return True
    if "database_templates" in item.fixturenames:
        return True
    for name in item.fixturenames:
        definitions = item._fixtureinfo.name2fixturedefs.get(name) or ()
        if any(_fixture_mentions(d.func) for d in definitions):
            return True
    shared, tests = _module_mentions(str(path))
    top = item.cls.__name__ if item.cls is not None else function.__name__
    return shared or top in tests


@cache
def _fixture_mentions(func) -> bool:
    try:
        return mentions_backend(inspect.getsource(func))
    except (OSError, TypeError):  # no source (a plugin's fixture written in C...): the safe side
        return True


@cache
def _module_mentions(path: str) -> tuple[bool, frozenset[str]]:
    """(whether the module's shared code mentions a backend name, the names of its top-level
    tests and test classes that do). Shared code: everything but imports and test_ functions."""
    source = Path(path).read_text()
    lines = source.splitlines()
    shared, tests = False, set()
    for node in ast.parse(source).body:
        if isinstance(node, ast.Import | ast.ImportFrom):
            continue
        first = min([node.lineno, *(d.lineno for d in getattr(node, "decorator_list", ()))])
        text = "\n".join(lines[first - 1 : node.end_lineno])
        if not mentions_backend(text):
            continue
        name = getattr(node, "name", "")
        is_test = isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and name.startswith(
            "test"
        )
        if is_test or (isinstance(node, ast.ClassDef) and name.startswith("Test")):
            tests.add(name)
        else:
            shared = True
    return shared, frozenset(tests)
