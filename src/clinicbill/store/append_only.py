"""Append-only tables (verification notes, follow-up calls): an update or delete through the
ORM is refused, so the transaction rolls back; a correction is a new row."""

from __future__ import annotations

from sqlalchemy import event
from sqlalchemy.orm import object_session


def append_only(model, refusal) -> None:
    """Refuse updates and deletes of `model` rows; `refusal(row)` builds the error raised."""

    def refuse(_mapper, _connection, row) -> None:
        session = object_session(row)
        if session is not None and row in session.dirty and not session.is_modified(row):
            return  # touched but nothing changed
        raise refusal(row)

    event.listen(model, "before_update", refuse)
    event.listen(model, "before_delete", refuse)
