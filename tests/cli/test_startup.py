"""Start-up cost and help text: `--help` loads nothing heavy; every command documents itself."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
HEAVY = (
    "sqlmodel",
    "sqlalchemy",
    "reportlab",
    "questionary",
    "alembic",
    "simple_icd_10_cm",
    "jinja2",
    "rich",
)


def test_help_imports_nothing_heavy():
    code = (
        "import sys\n"
        "from clinicbill.cli import app\n"
        "try:\n"
        "    app(['--help'])\n"
        "except SystemExit:\n"
        "    pass\n"
        f"print('LOADED:' + ','.join(m for m in {HEAVY!r} if m in sys.modules))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    loaded = out.stdout.strip().splitlines()[-1]
    assert loaded.startswith("LOADED:")
    assert loaded == "LOADED:", f"--help imported: {loaded}"


def _commands():
    from typer.main import get_command

    from clinicbill.cli import app

    root = get_command(app)

    def walk(group, prefix):
        for name, cmd in sorted(group.commands.items()):
            path = f"{prefix} {name}".strip()
            if hasattr(cmd, "commands"):
                yield from walk(cmd, path)
            else:
                yield path, cmd

    return list(walk(root, ""))


@pytest.mark.parametrize(
    ("path", "cmd"), _commands(), ids=lambda x: x if isinstance(x, str) else ""
)
def test_every_command_has_an_example_and_is_in_the_readme(path, cmd):
    help_text = (cmd.help or "").strip()
    assert help_text, f"`clinicbill {path}` has no help text"
    lines = [line.strip() for line in help_text.splitlines()]
    examples = [i for i, line in enumerate(lines) if line.startswith("Example:")]
    assert examples, f"`clinicbill {path}` help has no Example: line"
    # the example is the last paragraph: nothing but its continuation lines follow it
    assert "" not in lines[examples[-1] :], f"`clinicbill {path}`: Example: is not last"
    assert f"clinicbill {path.split()[0]}" in lines[examples[-1]], path
    readme = (ROOT / "README.md").read_text()
    assert f"clinicbill {path}" in readme, f"README does not show `clinicbill {path}`"
