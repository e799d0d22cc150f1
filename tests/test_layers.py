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


# --- import circles ---------------------------------------------------------------------------

# Circles known and left on purpose, each with its reason. The test below also fails when one
# of these no longer exists, so that the entry is removed once the circle is broken.
KNOWN_CIRCLES: set[frozenset[str]] = set()


def _module_name(path: Path) -> str:
    parts = path.relative_to(SRC.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _import_graph() -> dict[str, set[str]]:
    """clinicbill module -> the clinicbill modules it names in any import statement."""
    paths = {
        _module_name(p): p
        for p in SRC.rglob("*.py")
        if "migrations" not in p.relative_to(SRC).parts
    }
    graph = {}
    for name, path in paths.items():
        targets = set()
        for _lineno, module, names in _named_imports(path):
            for imported in names:  # `from package import module`
                if f"{module}.{imported}" in paths:
                    targets.add(f"{module}.{imported}")
                elif module in paths:
                    targets.add(module)
            if not names and module in paths:
                targets.add(module)
        targets.discard(name)
        graph[name] = targets
    return graph


def _named_imports(path: Path):
    tree = ast.parse(path.read_text(), filename=str(path))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name, ()
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            yield node.lineno, node.module, tuple(a.name for a in node.names)


def _circles(graph: dict[str, set[str]]) -> list[frozenset[str]]:
    """The strongly connected groups of more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found = []
    for root in sorted(graph):
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph[child]))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                group = set()
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    group.add(member)
                    if member == node:
                        break
                if len(group) > 1:
                    found.append(frozenset(group))
    return found


def test_no_import_circles():
    """No two clinicbill modules import each other, directly or through others.

    Every import statement counts: at module level, inside functions, and under
    `if TYPE_CHECKING:`. A function-level import exists for start-up speed (tests/cli/
    test_startup.py), not to hide a circle: modules in a circle cannot be read, tested or moved
    one without the other, and the import order problem only waits for the first call. So lazy
    imports are allowed, but never to close a loop. What does not count: the implicit import of
    a package's __init__ when one of its modules is imported (Python's own mechanism; our
    package __init__ files hold docstrings or, for scrub/, a registry imported lazily).
    """
    circles = _circles(_import_graph())
    unknown = [sorted(c) for c in circles if c not in KNOWN_CIRCLES]
    assert unknown == []
    stale = [sorted(c) for c in KNOWN_CIRCLES if c not in circles]
    assert stale == [], "a known circle was broken: remove it from KNOWN_CIRCLES"


def test_the_circle_finder_finds_a_circle():
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}, "e": set()}
    assert _circles(graph) == [frozenset({"a", "b", "c"})]


# --- the package shape (STYLE.md "The next shape") -------------------------------------------

# The only modules directly in domain/: the kernel every feature uses.
DOMAIN_KERNEL = {"__init__", "errors", "money", "fields", "validate"}
DOMAIN_PACKAGES = {
    "sessions",  # notes, coding, units
    "coverage",  # verification, authorizations and referrals, visits
    "claims",  # building, snapshot (pure builder + loader), scrub/, lifecycle
    "remittance",  # 835/EOB -> postings, matching, denials and crossovers
    "ledger",  # balances, payments, packages, responsibility
    "documents",  # superbill, statement, receipt, estimates
    "reports",  # aging/ (one place), worklists, revenue, underpaid
    "practice",  # the practice, providers, payers, patients, profiles, look-ups
    "cases",
    "clearinghouse",
    "selfpay",
    "codesets",  # ICD-10-CM, CPT/HCPCS, place of service
}


def test_domain_is_feature_packages_around_a_small_kernel():
    domain = SRC / "domain"
    flat = {p.stem for p in domain.glob("*.py")}
    assert flat - DOMAIN_KERNEL == set(), "new billing rules go in a feature package"
    packages = {p.name for p in domain.iterdir() if p.is_dir() and p.name != "__pycache__"}
    assert packages == DOMAIN_PACKAGES
    for package in packages:
        assert (domain / package / "__init__.py").is_file(), package
    aging = {p.stem for p in (domain / "reports").rglob("*aging*")}
    assert aging == {"aging"}, "the aging report lives in domain/reports/aging/ only"


def test_seed_generators_are_imported_only_by_dev_tools():
    """dev/ (the synthetic practice) is never imported by the product, only by `clinicbill dev`."""
    allowed = {"clinicbill.cli.dev"}
    problems = []
    for name, targets in _import_graph().items():
        if name.startswith("clinicbill.dev") or name in allowed:
            continue
        problems += [f"{name} imports {t}" for t in targets if t.startswith("clinicbill.dev")]
    assert problems == []
    assert not list((SRC / "domain").rglob("seed*.py"))


# cli/ parses options, opens the unit of work, calls one use case of app/ and renders: it
# reaches the store only through the unit of work (`store.engine.transaction`) and builds
# no query of its own (STYLE.md "The next shape", issue 21).
CLI_STORE_ALLOWED = {("clinicbill.store.engine", "transaction")}
# Temporary: modules other engineers were rewriting while cli/ moved to use cases (issue 21);
# the lead removes each entry once its queries have moved to app/.
CLI_STORE_EXCEPTIONS = {}


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
        elif isinstance(node, ast.ImportFrom | ast.Import) and any(
            (getattr(node, "module", None) or alias.name).split(".")[0]
            in ("sqlalchemy", "sqlmodel")
            for alias in node.names
        ):
            problems.append(f"{path.name}:{node.lineno} imports the query library")
        elif isinstance(node, ast.Call):
            # a bare `select(...)` is SQL's; `questionary.select(...)` / `_q().select(...)` is a
            # prompt (the import check above catches `sqlalchemy.select` spelled in full)
            if isinstance(node.func, ast.Name) and node.func.id == "select":
                problems.append(f"{path.name}:{node.lineno} builds a query (select)")
    return problems


def _cli_problems(check, exceptions: dict) -> list[str]:
    """What `check` finds in every cli module but the exceptions."""
    paths = sorted((SRC / "cli").glob("*.py"))
    return [problem for path in paths if path.name not in exceptions for problem in check(path)]


def test_cli_reaches_the_store_only_through_the_unit_of_work():
    assert _cli_problems(_cli_store_problems, CLI_STORE_EXCEPTIONS) == []


# One use case per command (issue 21): inside each unit of work a command makes ONE call that
# takes the session (the use case); look-ups, decisions and further steps belong to app/.
# Measured on what the code says: calls whose first argument is the `with ... as NAME` name.
# Temporary, like CLI_STORE_EXCEPTIONS: modules other engineers are rewriting; shrink, never grow.
CLI_WORKFLOW_EXCEPTIONS = {}


def _cli_workflow_problems(path: Path) -> list[str]:
    problems = []
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if not isinstance(node, ast.With):
            continue
        bound = {i.optional_vars.id for i in node.items if isinstance(i.optional_vars, ast.Name)}
        calls = [
            ast.unparse(call.func)
            for call in ast.walk(node)
            if isinstance(call, ast.Call)
            and call.args
            and isinstance(call.args[0], ast.Name)
            and call.args[0].id in bound
        ]
        if len(calls) > 1:
            problems.append(f"{path.name}:{node.lineno} calls {', '.join(calls)} in one unit")
    return problems


def test_each_cli_unit_of_work_calls_one_use_case():
    assert _cli_problems(_cli_workflow_problems, CLI_WORKFLOW_EXCEPTIONS) == []


def test_the_workflow_check_sees_two_steps_in_one_unit(tmp_path):
    module = tmp_path / "workflow.py"
    module.write_text(
        "def command(ref):\n"
        "    with unit_of_work() as session:\n"
        "        row = find_patient(session, ref)\n"
        "        total = balance_of(session, row.id)\n"
        "    with unit_of_work() as session:\n"
        "        one = use_case(session, ref)\n"
        "    print(one, total, render(one))\n"
    )
    assert [p.split(" ", 1)[1] for p in _cli_workflow_problems(module)] == [
        "calls find_patient, balance_of in one unit"
    ]
    assert [
        name for name in CLI_WORKFLOW_EXCEPTIONS if not _cli_workflow_problems(SRC / "cli" / name)
    ] == []  # every exception names a module that still needs it


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
        "imports the query library",
        "imports Claim from clinicbill.store.models",
        "imports get_engine from clinicbill.store.engine",
        "builds a query (select)",
    ]
    prompt = tmp_path / "prompt.py"
    prompt.write_text("def f(q):\n    return q.select('Bill to:', ['a'])\n")
    assert _cli_store_problems(prompt) == []  # a questionary choice is not a query
    for name in CLI_STORE_EXCEPTIONS:  # every exception names a module that still needs it
        assert (SRC / "cli" / name).exists(), name
        assert _cli_store_problems(SRC / "cli" / name), f"{name} is clean: drop its exception"
