"""What a scrub rule returns: a Finding, made with error() or warning() (scrub/__init__.py
holds the registry of rules)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass

ERROR = "error"
WARNING = "warning"


@dataclass(frozen=True)
class Finding:
    severity: str  # error | warning
    claim_id: int
    line: int | None  # claim line number (box 24 row / LX), None for the claim as a whole
    box: str  # CMS-1500 box, e.g. "24D", "33a"; "-" when the form has none
    message: str
    hint: str
    rule: str = ""

    def as_dict(self) -> dict:
        return asdict(self)


Rule = Callable[..., list[Finding]]


def error(snapshot, box: str, message: str, hint: str, line: int | None = None) -> Finding:
    return Finding(ERROR, snapshot.claim_id, line, box, message, hint)


def warning(snapshot, box: str, message: str, hint: str, line: int | None = None) -> Finding:
    return Finding(WARNING, snapshot.claim_id, line, box, message, hint)
