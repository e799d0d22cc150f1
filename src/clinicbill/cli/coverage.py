"""Command module `coverage` (being built; registers its commands in register())."""

from __future__ import annotations

import typer

# Steps this module adds to `clinicbill demo` (see cli/demo.py).
DEMO_STEPS: list = []


def register(app: typer.Typer) -> None:
    """Add this module's commands to the root app."""
