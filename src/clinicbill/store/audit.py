"""Audit log: every insert, update and delete with who, when, before and after.

Rows are hash-chained (each carries the hash of the previous row) so `clinicbill audit --verify`
detects an edited or deleted row. The hooks run inside the command's own transaction, so the
audit trail lands exactly when the change does.
"""

from __future__ import annotations

import hashlib
import json
from datetime import date, datetime

from sqlalchemy import event, insert, inspect, select, text
from sqlmodel import Session

from clinicbill.store.models.core import AuditLog
from clinicbill.store.types import utcnow

GENESIS = "0" * 64
NOT_AUDITED = {"audit_log", "controlcounter"}
_INSTALLED = "clinicbill_audit"


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


def row_hash(prev_hash: str, fields: dict) -> str:
    payload = json.dumps(fields, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256((prev_hash + payload).encode()).hexdigest()


def hashed_fields(row) -> dict:
    """The audited content of an audit row, as hashed (the same for verify)."""
    at = row.at if isinstance(row.at, str) else row.at.isoformat()
    return {
        "at": at,
        "user": row.user,
        "action": row.action,
        "entity": row.entity,
        "entity_id": row.entity_id,
        "patient_id": row.patient_id,
        "before": row.before,
        "after": row.after,
    }


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
    conn = session.connection()
    if conn.dialect.name == "postgresql":
        # Serialise writers of the chain so two transactions never fork it.
        conn.execute(text("SELECT pg_advisory_xact_lock(4242)"))
    prev = conn.execute(select(AuditLog.hash).order_by(AuditLog.id.desc()).limit(1)).scalar()
    prev = prev or GENESIS
    user = session.info.get("user", "unknown")
    rows = []
    for action, obj, before, after in changes:
        fields = {
            "at": utcnow().isoformat(),
            "user": user,
            "action": action,
            "entity": type(obj).__tablename__,
            "entity_id": getattr(obj, "id", None),
            "patient_id": _patient_id(obj),
            "before": json.dumps(before, sort_keys=True) if before is not None else None,
            "after": json.dumps(after, sort_keys=True) if after is not None else None,
        }
        digest = row_hash(prev, fields)
        rows.append(
            {
                **fields,
                "at": datetime.fromisoformat(fields["at"]),
                "prev_hash": prev,
                "hash": digest,
            }
        )
        prev = digest
    conn.execute(insert(AuditLog), rows)


def install_audit(session: Session) -> None:
    if session.info.get(_INSTALLED):
        return
    event.listen(session, "after_flush", _after_flush)
    session.info[_INSTALLED] = True


def verify_chain(session: Session) -> list[str]:
    """Problems in the hash chain: an edited row, a deleted row, a broken link."""
    problems = []
    prev = GENESIS
    for row in session.execute(select(AuditLog).order_by(AuditLog.id)).scalars():
        if row.prev_hash != prev:
            problems.append(f"audit row {row.id}: previous-hash link broken (a row was removed)")
        if row_hash(row.prev_hash, hashed_fields(row)) != row.hash:
            problems.append(f"audit row {row.id}: content does not match its hash (edited)")
        prev = row.hash
    return problems
