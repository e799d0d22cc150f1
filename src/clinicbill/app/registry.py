"""What the registries of app/ share (document_kinds.py, report_kinds.py): an entry names the
function it runs as "module:function", imported when first called, so that reading a registry
imports none of its builders."""

from __future__ import annotations

from collections.abc import Callable
from importlib import import_module


def resolve(reference: str) -> Callable:
    """The function a "module:function" reference names."""
    module, function = reference.split(":")
    return getattr(import_module(module), function)
