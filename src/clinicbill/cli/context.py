"""Global options shared by every command (set by the root callback)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class AppState:
    db: str | None = None
    json: bool = False
    user: str | None = None


STATE = AppState()


def tty() -> bool:
    """Prompts only when a person is at the keyboard."""
    import sys

    return sys.stdin.isatty() and sys.stdout.isatty()
