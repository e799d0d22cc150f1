"""Hostile input: random and malformed arguments thrown at every command.

For every command of the CLI, hypothesis builds argument lists from hostile values (impossible
dates, NaN and 1e309 amounts, SQL fragments, huge and odd unicode strings, junk files) and
checks: the exit code is 0, 1 or 2; no traceback and no "unexpected failure"; a refusal says
why; and a refusal leaves the database exactly as it was. Paths never leave the test's
temporary directory (no absolute paths, no `..`), and `--force` is never given.
"""

from __future__ import annotations

import os

import pytest
import typer
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from tests.store.helpers import fingerprint

SOAK = bool(os.environ.get("CLINICBILL_SOAK"))
EXAMPLES = 5
SOAK_EXAMPLES = int(os.environ.get("CLINICBILL_SOAK_EXAMPLES", "60"))
SKIP = {("demo",), ("dev", "seed")}  # long-running by design; covered by their own tests
NEVER = {"--force", "--help", "-h"}

HOSTILE = [
    "2026-02-30", "2026-13-01", "0000-00-00", "99999-01-01", "2026-1-1", "today ", "tomorrow",
    "NaN", "nan", "-0.001", "1e309", "-1e309", "inf", "-Infinity", "85.001", "-5", "0", "-0",
    "1e-7", "0x10", "999999999999999999999999", "12,50", "$85", "",  " ", "\t",
    "'; DROP TABLE patient; --", "1 OR 1=1", "\" OR \"\"=\"", "%", "_", "\\", "%' --",
    "Robert'); DELETE FROM claim;--", "P00001' OR '1'='1", "1; VACUUM",
    "Zoë Ñúñez-李小龍 🙂", "\u202eevil", "\u0000nul", "a\nb", "\x1b[31mred", "x" * 5000,
    "M54.5", "M5450", "ZZZ.99", "97124:minutes=NaN", "97124:units=1e309", "97124:minutes=-8",
    "97124:::", "junk.835", "empty.835", "truncated.835", "a-directory", "P00001", "P99999",
    "1", "-1", "Medicare", "Reyes", "837p", "cms1500", "pdf", "csv", "json", "payer",
]  # fmt: skip


def _safe(text: str) -> bool:
    # Keep every file a command might write inside the test's directory.
    return not text.startswith(("/", "~")) and ".." not in text


VALUES = st.one_of(
    st.sampled_from(HOSTILE),
    st.text(max_size=40).filter(_safe),
    st.from_regex(r"\A-?\d{1,6}(\.\d{1,4})?\Z"),
    st.dates().map(str),
)


def _leaf_commands() -> list[tuple]:
    from clinicbill.cli import app

    root = typer.main.get_command(app)
    out = []

    def walk(path, command):
        if hasattr(command, "commands"):
            for name, sub in command.commands.items():
                walk((*path, name), sub)
        elif path not in SKIP:
            out.append((path, command))

    walk((), root)
    return sorted(out, key=lambda item: item[0])


COMMANDS = _leaf_commands()


@st.composite
def arguments(draw, command) -> list[str]:
    args: list[str] = []
    for param in command.params:
        if param.param_type_name == "option":
            names = [n for n in param.opts if n not in NEVER]
            if not names or not draw(st.booleans()):
                continue
            name = draw(st.sampled_from(names))
            if param.is_flag:
                args.append(name)
                continue
            for _ in range(draw(st.integers(1, 2)) if param.multiple else 1):
                args += [name, draw(VALUES)]
        elif param.param_type_name == "argument":
            count = draw(st.integers(1, 2)) if param.nargs == -1 else max(param.nargs, 1)
            if not param.required and not draw(st.booleans()):
                continue
            args += [draw(VALUES) for _ in range(count)]
    return draw(st.permutations(args)) if draw(st.booleans()) else args


@pytest.fixture(scope="module")
def hostile_db(tmp_path_factory, database_templates):
    """One sample practice (with a signed session and a claim) shared by a module's examples."""
    from clinicbill.store.engine import dispose_all
    from tests.pg import drop_database, fresh_database_url, on_postgres

    url = fresh_database_url(tmp_path_factory.mktemp("hostile"), database_templates.url("sample"))
    yield url
    dispose_all()
    if on_postgres():
        drop_database(url)


@pytest.fixture
def workdir(tmp_path, monkeypatch):
    os.chmod(tmp_path, 0o700)
    (tmp_path / "junk.835").write_bytes(os.urandom(3000))
    (tmp_path / "empty.835").write_bytes(b"")
    (tmp_path / "truncated.835").write_text("ISA*00*          *00*          *ZZ*SENDER")
    (tmp_path / "a-directory").mkdir()
    monkeypatch.chdir(tmp_path)
    return tmp_path


def fuzz(path, command, db_url: str, examples: int, derandomize: bool) -> None:
    from clinicbill.cli import app

    runner = CliRunner()
    # the database's fingerprint as the last example left it: a refusal must leave it so, and
    # only a success (which may write) needs it read again
    state = {"fingerprint": fingerprint(db_url)}

    @settings(
        max_examples=examples,
        deadline=None,
        derandomize=derandomize,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(args=arguments(command))
    def check(args):
        before = state["fingerprint"]
        result = runner.invoke(app, ["--db", db_url, *path, *args], catch_exceptions=True)
        shown = f"clinicbill {' '.join(path)} {args!r}"
        assert result.exit_code in (0, 1, 2), (shown, result.exit_code, result.output)
        assert result.exception is None or isinstance(result.exception, SystemExit), (
            shown,
            repr(result.exception),
        )
        assert "Traceback" not in result.output, shown
        assert "unexpected failure" not in result.stderr, (shown, result.stderr)
        state["fingerprint"] = fingerprint(db_url)
        if result.exit_code != 0:
            assert result.stderr.strip() or result.stdout.strip(), shown
            assert state["fingerprint"] == before, (shown, "a refusal changed the database")

    check()


IDS = [" ".join(p) for p, _ in COMMANDS]


@pytest.mark.parametrize("path,command", COMMANDS, ids=IDS)
def test_hostile_arguments(path, command, hostile_db, workdir):
    fuzz(path, command, hostile_db, EXAMPLES, derandomize=True)


@pytest.mark.slow
@pytest.mark.skipif(not SOAK, reason="soak test: run with `make soak` (CLINICBILL_SOAK=1)")
@pytest.mark.parametrize("path,command", COMMANDS, ids=IDS)
def test_soak_hostile_arguments(path, command, hostile_db, workdir):
    fuzz(path, command, hostile_db, SOAK_EXAMPLES, derandomize=False)


def test_every_command_is_covered():
    names = {" ".join(p) for p, _ in COMMANDS}
    assert {"patient add", "payment add", "era import", "db restore", "audit"} <= names
