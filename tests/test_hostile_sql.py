"""SQL only through bound parameters: no statement in src/ is built by string formatting.

Walks every call of `text(...)`, `.execute(...)` and `.exec_driver_sql(...)` and fails when
its SQL is an f-string, a `%`/`+` expression or a `.format()` call. PRAGMAs take no bound
parameters; the few that carry a value (busy timeout, SQLCipher key) format an int or a
quoted literal and are listed here by file.
"""

from __future__ import annotations

import ast
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src" / "clinicbill"
SQL_CALLS = {"text", "execute", "exec_driver_sql", "executemany", "executescript"}
ALLOWED_PRAGMA_FILES = {"store/engine.py", "store/encryption.py", "store/backup.py"}


def _callee(node: ast.Call) -> str | None:
    """`text(...)` as imported from SQLAlchemy, or a DB-API/SQLAlchemy execute method (other
    `.text(...)` calls, e.g. questionary's or a PDF helper's, are not SQL)."""
    if isinstance(node.func, ast.Name):
        return node.func.id
    if isinstance(node.func, ast.Attribute) and node.func.attr != "text":
        return node.func.attr
    return None


def _imports_sqlalchemy_text(tree: ast.AST) -> bool:
    return any(
        isinstance(node, ast.ImportFrom)
        and (node.module or "").startswith("sqlalchemy")
        and any(alias.name == "text" for alias in node.names)
        for node in ast.walk(tree)
    )


def _formatted(arg: ast.AST) -> bool:
    if isinstance(arg, ast.JoinedStr):
        return any(isinstance(v, ast.FormattedValue) for v in arg.values)
    if isinstance(arg, ast.BinOp) and isinstance(arg.op, ast.Mod | ast.Add):
        return any(isinstance(side, ast.Constant) and isinstance(side.value, str)
                   for side in (arg.left, arg.right)) or _formatted(arg.left)  # fmt: skip
    if isinstance(arg, ast.Call) and isinstance(arg.func, ast.Attribute):
        return arg.func.attr == "format"
    return False


def _is_pragma(arg: ast.AST) -> bool:
    first = arg.values[0] if isinstance(arg, ast.JoinedStr) and arg.values else None
    return isinstance(first, ast.Constant) and str(first.value).lstrip().upper().startswith(
        "PRAGMA"
    )


def test_no_sql_is_built_by_string_formatting():
    problems = []
    for path in sorted(SRC.rglob("*.py")):
        rel = path.relative_to(SRC).as_posix()
        if rel.startswith("store/migrations/versions/"):
            continue
        tree = ast.parse(path.read_text(), filename=str(path))
        sql_text = _imports_sqlalchemy_text(tree)
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call) or _callee(node) not in SQL_CALLS or not node.args:
                continue
            if _callee(node) == "text" and not sql_text:
                continue  # a local helper called text(), not SQLAlchemy's
            sql = node.args[0]
            if not _formatted(sql):
                continue
            if _is_pragma(sql) and rel in ALLOWED_PRAGMA_FILES:
                continue
            problems.append(f"{rel}:{node.lineno}: SQL built by string formatting")
    assert problems == [], "\n".join(problems)


def test_the_checker_catches_formatting():
    bad = ast.parse("conn.execute(f\"SELECT * FROM patient WHERE name = '{name}'\")").body[0]
    assert _formatted(bad.value.args[0])
    good = ast.parse('conn.execute(text("SELECT 1 WHERE x = :x"), {"x": 1})').body[0]
    assert not _formatted(good.value.args[0])
