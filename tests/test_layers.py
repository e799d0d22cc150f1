"""The layering of STYLE.md, checked on every import (inside functions too)."""

from __future__ import annotations

import ast
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src" / "clinicbill"

# layer -> layers it must never import
FORBIDDEN = {
    "app": ("clinicbill.cli",),
    "domain": ("clinicbill.cli", "clinicbill.formats", "clinicbill.app"),
    "formats": ("clinicbill.cli", "clinicbill.app"),
    "store": ("clinicbill.cli", "clinicbill.formats", "clinicbill.app"),
}
# store may use the one refusal type from domain, nothing else of it
STORE_ALLOWED_DOMAIN = ("clinicbill.domain.errors",)


def _imports(path: Path):
    tree = ast.parse(path.read_text(), filename=str(path))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom) and node.module:
            yield node.lineno, node.module


def test_layers_point_one_way():
    problems = []
    for layer, forbidden in FORBIDDEN.items():
        for path in (SRC / layer).rglob("*.py"):
            for lineno, module in _imports(path):
                rel = path.relative_to(SRC.parent)
                if module.startswith(forbidden):
                    problems.append(f"{rel}:{lineno} imports {module}")
                if (
                    layer == "store"
                    and module.startswith("clinicbill.domain")
                    and not module.startswith(STORE_ALLOWED_DOMAIN)
                ):
                    problems.append(f"{rel}:{lineno} imports {module}")
    assert problems == []


def test_command_modules_import_only_typer_at_top_level():
    problems = []
    for path in (SRC / "cli").glob("*.py"):
        tree = ast.parse(path.read_text())
        for node in tree.body:
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            for name in names:
                top = name.split(".")[0]
                if top in {
                    "sqlmodel",
                    "sqlalchemy",
                    "reportlab",
                    "questionary",
                    "alembic",
                    "jinja2",
                    "rich",
                    "simple_icd_10_cm",
                }:
                    problems.append(f"{path.name} imports {name} at module level")
                if (
                    name.startswith(
                        (
                            "clinicbill.app",
                            "clinicbill.domain",
                            "clinicbill.store",
                            "clinicbill.formats",
                        )
                    )
                    and name != "clinicbill.domain.errors"
                ):
                    problems.append(f"{path.name} imports {name} at module level")
    assert problems == []


# cli/ parses options, opens the unit of work, calls one use case of app/ and renders: it
# reaches the store only through the unit of work (`store.engine.transaction`) and builds
# no query of its own (STYLE.md "The next shape", issue 21).
CLI_STORE_ALLOWED = {("clinicbill.store.engine", "transaction")}
# Temporary: modules other engineers were rewriting while cli/ moved to use cases (issue 21);
# the lead removes each entry once its queries have moved to app/.
CLI_STORE_EXCEPTIONS = {
    "session_prompts.py": "issue 16 rewrites the session prompts in parallel",
    "session_prompts_note.py": "issue 16 rewrites the session prompts in parallel",
    "session_summary.py": "issue 16 rewrites the session commands in parallel",
    "session_view.py": "issue 16 rewrites the session commands in parallel",
    "sessions.py": "issue 16 rewrites the session commands in parallel",
    "packages.py": "issue 16 rewrites packages in parallel",
    "claims_show.py": "issue 19 rewrites claim show in parallel",
    "era.py": "issue 19 rewrites the remittance commands in parallel",
    "era_demo.py": "issue 19 rewrites the remittance demo in parallel",
    "acks.py": "issue 19 rewrites the acknowledgement commands in parallel",
    "clearinghouse.py": "issue 19 rewrites the clearinghouse commands in parallel",
}


def _cli_store_problems(path: Path) -> list[str]:
    problems = []
    tree = ast.parse(path.read_text(), filename=str(path))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            problems += [
                f"{path.name}:{node.lineno} imports {alias.name}"
                for alias in node.names
                if alias.name.startswith("clinicbill.store")
            ]
        elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith(
            "clinicbill.store"
        ):
            problems += [
                f"{path.name}:{node.lineno} imports {alias.name} from {node.module}"
                for alias in node.names
                if (node.module, alias.name) not in CLI_STORE_ALLOWED
            ]
        elif (
            isinstance(node, ast.ImportFrom)
            and node.module == "clinicbill"
            and any(alias.name == "store" for alias in node.names)
        ):
            problems.append(f"{path.name}:{node.lineno} imports clinicbill.store")
        elif isinstance(node, ast.Call):
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            if name == "select":
                problems.append(f"{path.name}:{node.lineno} builds a query (select)")
    return problems


def test_cli_reaches_the_store_only_through_the_unit_of_work():
    problems = []
    for path in sorted((SRC / "cli").glob("*.py")):
        if path.name not in CLI_STORE_EXCEPTIONS:
            problems += _cli_store_problems(path)
    assert problems == []


def test_the_cli_store_check_sees_a_query_and_a_store_import(tmp_path):
    """The check above fails on what it forbids (so an empty list means something)."""
    module = tmp_path / "bad.py"
    module.write_text(
        "def f(session):\n"
        "    from sqlalchemy import select\n"
        "    from clinicbill.store.models import Claim\n"
        "    from clinicbill.store.engine import transaction, get_engine\n"
        "    return session.execute(select(Claim))\n"
    )
    found = _cli_store_problems(module)
    assert [p.split(" ", 1)[1] for p in found] == [
        "imports Claim from clinicbill.store.models",
        "imports get_engine from clinicbill.store.engine",
        "builds a query (select)",
    ]
    for name in CLI_STORE_EXCEPTIONS:  # every exception names a module that exists
        assert (SRC / "cli" / name).exists(), name
