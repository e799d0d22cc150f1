"""Shared helpers of the self-pay tests (memberships, plans, tiers, books, estimates)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

BEAN_CHECK = Path(sys.executable).parent / "bean-check"


def self_pay_visit(patient: str, day: str, *lines: str) -> list[str]:
    """`session add` arguments of a self-pay visit (default one hour of 97124)."""
    specs = lines or ("97124:minutes=60",)
    args = ["session", "add", "--patient", patient, "--provider", "Reyes", "--self-pay"]
    args += ["--subjective", "x", "--date", day]
    for spec in specs:
        args += ["--line", spec]
    return args


def assert_bean_check(path) -> None:
    """beancount's own checker accepts the file."""
    checked = subprocess.run([str(BEAN_CHECK), str(path)], capture_output=True, text=True)
    assert checked.returncode == 0, checked.stdout + checked.stderr
