"""Audit log: every insert, update and delete with who, when, before and after.

Rows are hash-chained (each carries the hash of the previous row) so `clinicbill audit --verify`
detects an edited or deleted row. The hooks run inside the command's own transaction, so the
audit trail lands exactly when the change does.
"""

from __future__ import annotations

import hashlib
import json
from datetime import date, datetime
from json.encoder import encode_basestring_ascii as _quote  # json's own (C) quoting

from sqlalchemy import event, func, insert, inspect, select, text, update
from sqlmodel import Session

from clinicbill.store.audit_insert import insert_many
from clinicbill.store.models.audit_log import AuditLog
from clinicbill.store.types import utcnow

GENESIS = "0" * 64
NOT_AUDITED = {"audit_log", "controlcounter"}
AUDIT_COUNTER = "audit_rows"
_INSTALLED = "clinicbill_audit"
_LOCKED = "clinicbill_writer_lock"
LOCK_KEY = 4242  # the same key as store/engine.py PG_WRITER_LOCK (taken at BEGIN there)


def _jsonable(value):
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def _row(obj, committed: bool = False) -> dict:
    state = inspect(obj)
    data = {}
    for attr in state.mapper.column_attrs:
        hist = state.attrs[attr.key].history
        if committed and hist.deleted:
            value = hist.deleted[0]
        elif committed and hist.unchanged:
            value = hist.unchanged[0]
        elif committed and not hist.deleted and hist.added:
            value = None
        else:
            value = getattr(obj, attr.key)
        data[attr.key] = _jsonable(value)
    return data


# One encoder each, built once (json.dumps with options builds a new encoder per call; an 835
# import hashes ~100,000 rows). Their output is exactly json.dumps's with the same options.
_HASHED_JSON = json.JSONEncoder(sort_keys=True, separators=(",", ":"), default=str).encode
row_json = json.JSONEncoder(sort_keys=True).encode  # an audit row's before/after


def row_hash(prev_hash: str, fields: dict) -> str:
    return hashlib.sha256((prev_hash + _HASHED_JSON(fields)).encode()).hexdigest()


def hashed_text(at, user, action, entity, entity_id, patient_id, before, after) -> str:
    """`_HASHED_JSON` of an audit row's hashed fields, built directly: the same text (keys in
    sorted order, the C string quoting json itself uses) at a fraction of the cost, since
    `audit --verify` hashes every row of the log. Values of another type than the columns'
    (text or NULL; integer or NULL for the ids) go through the encoder itself."""
    try:
        if (type(entity_id) is int or entity_id is None) and (
            type(patient_id) is int or patient_id is None
        ):
            return (
                f'{{"action":{_quote(action)},'
                f'"after":{"null" if after is None else _quote(after)},'
                f'"at":{_quote(at)},'
                f'"before":{"null" if before is None else _quote(before)},'
                f'"entity":{_quote(entity)},'
                f'"entity_id":{"null" if entity_id is None else int.__repr__(entity_id)},'
                f'"patient_id":{"null" if patient_id is None else int.__repr__(patient_id)},'
                f'"user":{_quote(user)}}}'
            )
    except TypeError:  # not text: the encoder decides
        pass
    values = (at, user, action, entity, entity_id, patient_id, before, after)
    return _HASHED_JSON(dict(zip(_HASHED_KEYS, values, strict=True)))


_HASHED_KEYS = ("at", "user", "action", "entity", "entity_id", "patient_id", "before", "after")


_HASHED_COLUMNS = [
    AuditLog.at,
    AuditLog.user,
    AuditLog.action,
    AuditLog.entity,
    AuditLog.entity_id,
    AuditLog.patient_id,
    AuditLog.before,
    AuditLog.after,
]


def _patient_id(obj) -> int | None:
    if type(obj).__tablename__ == "patient":
        return obj.id
    return getattr(obj, "patient_id", None)


def _after_flush(session: Session, _ctx) -> None:
    changes = []
    for obj in session.new:
        changes.append(("insert", obj, None, _row(obj)))
    for obj in session.dirty:
        if not session.is_modified(obj, include_collections=False):
            continue
        changes.append(("update", obj, _row(obj, committed=True), _row(obj)))
    for obj in session.deleted:
        changes.append(("delete", obj, _row(obj), None))
    changes = [c for c in changes if type(c[1]).__tablename__ not in NOT_AUDITED]
    if not changes:
        return
    user = session.info.get("user", "unknown")
    _append(
        session,
        [
            {
                "user": user,
                "action": action,
                "entity": type(obj).__tablename__,
                "entity_id": getattr(obj, "id", None),
                "patient_id": _patient_id(obj),
                "before": row_json(before) if before is not None else None,
                "after": row_json(after) if after is not None else None,
            }
            for action, obj, before, after in changes
        ],
    )


def _append(session: Session, entries: list[dict]) -> None:
    """Add rows to the end of the chain (inside the caller's transaction, under the lock)."""
    conn = session.connection()
    _writer_lock(session)
    prev = conn.execute(select(AuditLog.hash).order_by(AuditLog.id.desc()).limit(1)).scalar()
    prev = prev or GENESIS
    rows = []
    at = utcnow()  # the moment of this write: every row of one flush or bulk write shares it
    at_text = at.isoformat()
    sha256 = hashlib.sha256
    for entry in entries:
        fields = {"at": at, **entry}
        digest = sha256((prev + hashed_text(at_text, **entry)).encode()).hexdigest()
        fields["prev_hash"] = prev
        fields["hash"] = digest
        rows.append(fields)
        prev = digest
    insert_many(conn, AuditLog.__table__, rows)
    _count_rows(conn, len(rows))


def _count_rows(conn, added: int) -> None:
    """Keep the number of audit rows in a counter, so removing rows at the END of the chain
    (which no later link can reveal) is detected too. Runs under the writer lock above
    (PostgreSQL advisory lock; SQLite's BEGIN IMMEDIATE)."""
    from clinicbill.store.models import ControlCounter  # not at import: defines every table

    updated = conn.execute(
        update(ControlCounter)
        .where(ControlCounter.name == AUDIT_COUNTER)
        .values(value=ControlCounter.value + added)
    ).rowcount
    if not updated:
        total = conn.execute(select(func.count()).select_from(AuditLog)).scalar_one()
        conn.execute(insert(ControlCounter).values(name=AUDIT_COUNTER, value=total))


def _writer_lock(session: Session) -> None:
    """PostgreSQL: one writing transaction at a time, taken before its first write.

    Serialises writers of the audit chain so two transactions never fork it, and because it
    is taken before any row lock (first flush or first UPDATE/DELETE/INSERT statement), two
    writers cannot deadlock on it. SQLite gets the same from BEGIN IMMEDIATE (engine.py).
    """
    if session.get_bind().dialect.name != "postgresql":
        return
    tx = session.get_transaction()
    if tx is None or session.info.get(_LOCKED) is tx:
        return
    session.info[_LOCKED] = tx
    session.connection().execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": LOCK_KEY})


def _before_flush(session: Session, _ctx, _instances) -> None:
    if session.new or session.dirty or session.deleted:
        from clinicbill.store.models import load_all

        load_all()  # the flush resolves every foreign key of the tables it writes
        _writer_lock(session)


def _on_execute(state) -> None:
    if state.is_insert or state.is_update or state.is_delete:
        _writer_lock(state.session)


def install_audit(session: Session) -> None:
    if session.info.get(_INSTALLED):
        return
    event.listen(session, "before_flush", _before_flush)
    event.listen(session, "do_orm_execute", _on_execute)
    event.listen(session, "after_flush", _after_flush)
    session.info[_INSTALLED] = True


def entities() -> list[str]:
    """The audited tables (what `audit --entity` accepts)."""
    from sqlmodel import SQLModel

    from clinicbill.store.models import load_all

    load_all()
    return sorted(set(SQLModel.metadata.tables) - NOT_AUDITED)


def trail(
    session: Session,
    *,
    patient_id: int | None = None,
    entity: str | None = None,
    user: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    limit: int = 200,
):
    """The latest `limit` audit rows matching every filter given, oldest first."""
    query = select(AuditLog)
    if patient_id is not None:
        query = query.where(AuditLog.patient_id == patient_id)
    if entity is not None:
        query = query.where(AuditLog.entity == entity)
    if user is not None:
        query = query.where(AuditLog.user == user)
    if since is not None:
        query = query.where(AuditLog.at >= since)
    if until is not None:
        query = query.where(AuditLog.at < until)
    rows = session.execute(query.order_by(AuditLog.id.desc()).limit(limit)).scalars().all()
    return list(reversed(rows))


def record_event(session: Session, action: str, entity: str, detail: dict) -> None:
    """An audit row for something that is not a row change (e.g. a database restore)."""
    _append(
        session,
        [
            {
                "user": session.info.get("user", "unknown"),
                "action": action,
                "entity": entity,
                "entity_id": None,
                "patient_id": None,
                "before": None,
                "after": row_json(detail),
            }
        ],
    )
