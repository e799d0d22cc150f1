"""Rows from objects, for listings and `show` commands: each column named once with where its
value comes from (an attribute, or a function of the object)."""

from __future__ import annotations

from collections.abc import Iterable


def pick(item, columns: dict) -> dict:
    """One row: column -> an attribute's name, or a function of the item (e.g. money
    formatted, an empty string for None)."""
    return {
        column: getattr(item, how) if isinstance(how, str) else how(item)
        for column, how in columns.items()
    }


def pick_rows(items: Iterable, columns: dict) -> list[dict]:
    """pick() for each item, in order."""
    return [pick(item, columns) for item in items]
