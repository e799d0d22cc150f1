"""One transaction, then one message (issue 14 §3): nothing is reported done before the commit,
and a reader that closes standard output after the commit does not undo or fail the command.

These run the installed `clinicbill` as a real process on a SQLite file: the pipes are real
shell pipes, and the commit failure is a real one (a deferred foreign key that SQLite checks
only at COMMIT, fired by a trigger on the command's table).
"""

from __future__ import annotations

import ast
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT, cli_subprocess

EXE = Path(sys.executable).parent / "clinicbill"
SESSION_ADD = [
    "session", "add", "--patient", "P00001", "--provider", "Reyes", "--dx", "M54.50",
    "--line", "97124:minutes=38", "--subjective", "s", "--objective", "o",
    "--assessment", "a", "--plan", "p", "--sign",
]  # fmt: skip


@pytest.fixture
def sample_file(tmp_path) -> Path:
    path = tmp_path / "practice.db"
    result = cli_subprocess("--db", str(path), "init", "--sample")
    assert result.returncode == 0, result.stderr
    return path


def _count(path: Path, table: str) -> int:
    with sqlite3.connect(path) as con:
        return con.execute(f"SELECT count(*) FROM {table}").fetchone()[0]  # noqa: S608


def _rows(con, table: str) -> list:
    return list(con.execute(f"SELECT * FROM {table} ORDER BY id"))  # noqa: S608 (our constants)


def _piped(path: Path, args: list[str], reader: str) -> subprocess.CompletedProcess:
    """`clinicbill --db PATH ARGS | READER` in bash; prints clinicbill's exit status last."""
    import shlex

    command = " ".join(shlex.quote(a) for a in [str(EXE), "--db", str(path), *args])
    script = f'{command} | {reader}; echo "status=${{PIPESTATUS[0]}}"'
    return subprocess.run(
        ["bash", "-c", script], capture_output=True, text=True, timeout=60, check=False
    )


@pytest.mark.parametrize("reader", ["head -c0", "(sleep 0.2; true)", "true"])
def test_session_add_into_a_closed_pipe_keeps_the_session_quietly(sample_file, reader):
    before = _count(sample_file, "encounter")
    result = _piped(sample_file, SESSION_ADD, reader)
    assert _count(sample_file, "encounter") == before + 1
    assert "Traceback" not in result.stderr
    assert "BrokenPipe" not in result.stderr
    assert "error" not in result.stderr
    # The reader left before the first line was written: exit 141 (128 + SIGPIPE) as Unix
    # tools; `true` may also exit after the output landed in the pipe's buffer (then 0).
    status = result.stdout.strip().rsplit("status=", 1)[1]
    assert status in ("141", "0") if reader == "true" else status == "141"


def test_session_add_into_head_shows_the_first_line_of_a_saved_session(sample_file):
    result = _piped(sample_file, SESSION_ADD, "head -1")
    first = result.stdout.splitlines()[0]
    assert first.startswith("session ") and first.endswith(" added (signed)")
    session_id = int(first.split()[1])
    with sqlite3.connect(sample_file) as con:
        row = con.execute("SELECT status FROM encounter WHERE id = ?", (session_id,)).fetchone()
    assert row == ("signed",)
    assert "Traceback" not in result.stderr and "error" not in result.stderr


TRIPWIRE = """
    CREATE TABLE tripwire_target (id INTEGER PRIMARY KEY);
    CREATE TABLE tripwire (
        ref INTEGER REFERENCES tripwire_target (id) DEFERRABLE INITIALLY DEFERRED
    );
    CREATE TRIGGER tripwire_insert AFTER INSERT ON {watched}
        BEGIN INSERT INTO tripwire VALUES (-1); END;
    CREATE TRIGGER tripwire_update AFTER UPDATE ON {watched}
        BEGIN INSERT INTO tripwire VALUES (-1); END;
"""


def _fail_at_commit(path: Path, table: str) -> None:
    """Every write to `table` leaves a dangling deferred foreign key: SQLite refuses the
    COMMIT (not the statement), so the command runs to its very end and then fails."""
    with sqlite3.connect(path) as con:
        con.executescript(TRIPWIRE.replace("{watched}", table))


FAILING_COMMITS = [
    ("encounter", SESSION_ADD),
    ("patient", ["patient", "add", "--first-name", "Ana", "--last-name", "Ruiz",
                 "--dob", "1990-01-02", "--sex", "F"]),
    ("patient", ["patient", "edit", "P00001", "--phone", "503-555-0100"]),
    ("policy", ["policy", "add", "P00001", "--payer", "Evergreen", "--member-id", "EVM1234567",
                "--priority", "secondary"]),
    ("provider", ["provider", "add", "--first-name", "Sam", "--last-name", "Ito",
                  "--npi", "1245319599", "--credential", "LMT",
                  "--taxonomy", "225700000X", "--license", "LMT-1", "--license-state", "OR"]),
    ("feeschedule", ["fee", "set", "97124", "41"]),
    ("practice", ["practice", "edit", "--phone", "503-555-0199"]),
    ("payment", ["payment", "add", "P00001", "40", "--method", "card"]),
]  # fmt: skip


@pytest.mark.parametrize(
    ("table", "args"), FAILING_COMMITS, ids=[" ".join(args[:2]) for _, args in FAILING_COMMITS]
)
def test_a_failing_commit_prints_no_success_line(sample_file, table, args):
    with sqlite3.connect(sample_file) as con:
        snapshot = _rows(con, table)
        audit_rows = con.execute("SELECT count(*) FROM audit_log").fetchone()[0]
    _fail_at_commit(sample_file, table)
    result = cli_subprocess("--db", str(sample_file), *args)
    assert result.returncode == 1, (result.stdout, result.stderr)
    assert result.stdout == ""  # no "added", "updated", "payment N" before the failure
    assert result.stderr.startswith("error: ")
    assert "Traceback" not in result.stderr
    with sqlite3.connect(sample_file) as con:  # and nothing was written
        assert _rows(con, table) == snapshot
        assert con.execute("SELECT count(*) FROM audit_log").fetchone()[0] == audit_rows


def test_the_same_commands_succeed_without_the_tripwire(sample_file):
    """The failing-commit cases above fail because of the tripwire, not their arguments."""
    for _table, args in FAILING_COMMITS:
        result = cli_subprocess("--db", str(sample_file), *args)
        assert result.returncode == 0, (args, result.stderr)
        assert result.stdout.strip()


# Calls that print a command's result. None may run inside `with unit_of_work()` or
# `with transaction(...)` in a command module: the block commits when it ends, so output
# written inside it would report a change that may still fail (and a reader closing the pipe
# during it would roll the change back). Files a command writes are not terminal output.
OUTPUT_CALLS = {"done", "echo", "secho", "record", "table", "show", "emit_json", "print"}
OUTPUT_PREFIXES = ("print_", "_print", "_show", "_report", "_verify")
# A refusal that explains itself before raising; the raise rolls the transaction back.
ALLOWED = {
    ("claims_export.py", "claim_export", "print_findings"),
    ("clearinghouse.py", "inbox_fetch", "record"),  # inbox.record writes a row; prints nothing
}


def _transaction_blocks(tree: ast.AST):
    for fn in ast.walk(tree):
        if not isinstance(fn, ast.FunctionDef):
            continue
        for node in ast.walk(fn):
            if isinstance(node, ast.With) and any(
                "unit_of_work" in ast.unparse(item.context_expr)
                or "transaction(" in ast.unparse(item.context_expr)
                for item in node.items
            ):
                yield fn.name, node


def _is_stderr(call: ast.Call) -> bool:
    return any(k.arg == "err" for k in call.keywords)


def test_no_command_prints_inside_its_transaction():
    found = []
    for path in sorted((ROOT / "src" / "clinicbill" / "cli").glob("*.py")):
        for function, block in _transaction_blocks(ast.parse(path.read_text())):
            for call in ast.walk(block):
                if not isinstance(call, ast.Call):
                    continue
                func = call.func
                name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
                prints = name in OUTPUT_CALLS or name.startswith(OUTPUT_PREFIXES)
                if not prints or _is_stderr(call) or (path.name, function, name) in ALLOWED:
                    continue
                found.append(f"{path.name}:{call.lineno} {function}() calls {name}()")
    assert found == []
