"""Helpers for the store tests: a content fingerprint of a whole database."""

from __future__ import annotations

import hashlib
import json

from sqlalchemy import create_engine, select
from sqlmodel import SQLModel

from clinicbill.store.engine import resolve_url
from clinicbill.store.models import load_all

load_all()  # every table on SQLModel.metadata


def table_rows(db_url: str, exclude: tuple[str, ...] = ()) -> dict[str, list[tuple]]:
    """Every row of every table, ordered by primary key, read with a plain engine (no
    migrations, no audit hooks, no BEGIN IMMEDIATE)."""
    engine = create_engine(resolve_url(db_url))
    try:
        out = {}
        with engine.connect() as conn:
            for name in sorted(SQLModel.metadata.tables):
                if name in exclude:
                    continue
                table = SQLModel.metadata.tables[name]
                order = list(table.primary_key.columns) or list(table.columns)
                out[name] = [tuple(r) for r in conn.execute(select(table).order_by(*order))]
        return out
    finally:
        engine.dispose()


def fingerprint(db_url: str, exclude: tuple[str, ...] = ()) -> str:
    """A hash of the whole database content: equal fingerprints, equal data."""
    rows = table_rows(db_url, exclude)
    return hashlib.sha256(json.dumps(rows, default=str, sort_keys=True).encode()).hexdigest()


def counts(db_url: str) -> dict[str, int]:
    return {name: len(rows) for name, rows in table_rows(db_url).items()}
