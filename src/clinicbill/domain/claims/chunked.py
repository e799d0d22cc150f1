"""Queries over many ids, CHUNK at a time (SQLite's bound-parameter limit; 1,000-claim batches)."""

from __future__ import annotations

from sqlalchemy import select

CHUNK = 500


def chunks(ids):
    ids = sorted(set(ids))
    for start in range(0, len(ids), CHUNK):
        yield ids[start : start + CHUNK]


def rows_in(session, query_for, ids) -> list:
    rows = []
    for chunk in chunks(ids):
        rows.extend(session.execute(query_for(chunk)).all())
    return rows


def scalars_in(session, model, column, ids) -> list:
    out = []
    for chunk in chunks(ids):
        out.extend(session.execute(select(model).where(column.in_(chunk))).scalars().all())
    return out
