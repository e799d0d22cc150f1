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
