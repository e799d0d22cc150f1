"""`audit --verify` of a large SQLite log on two cores: the hash chain walk (verify_chain) and
the compare of every row with its image (row_problems) read different data and need nothing
of each other, so a forked child compares the rows while this process walks the chain.

The child reads on a connection of its own. This process holds the database's write lock for
the whole command (BEGIN IMMEDIATE), so no clinicbill command can write between the two
reads: both see the same database. The child hands back its problems through a pipe and
leaves with os._exit (none of this process's buffers, handlers or connections are touched).
If it fails in any way, the rows are compared here, as without the split: the result never
depends on the split. PostgreSQL, platforms without fork and small logs: one after the other.
"""

from __future__ import annotations

import os
import pickle

SPLIT_FROM = 200_000  # audit rows: below this the fork costs more than it saves


def verify_both(session, split_from: int = SPLIT_FROM) -> tuple[list[str], list[str], int]:
    """(chain problems, row problems, rows compared), as verify_chain then row_problems."""
    from clinicbill.store.audit_verify import row_problems, verify_chain

    child = _start(session, split_from)
    chain = verify_chain(session)
    found = _result(*child) if child else None
    if found is None:
        found = row_problems(session)
    return chain, *found


def _start(session, split_from: int) -> tuple[int, int] | None:
    """(pid, pipe) of a child comparing the rows, or None when not worth it or not possible."""
    from sqlalchemy import select

    from clinicbill.store.audit import AUDIT_COUNTER
    from clinicbill.store.models import ControlCounter, load_all

    conn = session.connection()
    if conn.dialect.name != "sqlite" or not hasattr(os, "fork"):
        return None
    rows = session.execute(
        select(ControlCounter.value).where(ControlCounter.name == AUDIT_COUNTER)
    ).scalar()
    if (rows or 0) < split_from:
        return None
    load_all()  # the tables, known before the fork (the child imports nothing)
    read, write = os.pipe()
    try:
        pid = os.fork()
    except OSError:
        os.close(read)
        os.close(write)
        return None
    if pid == 0:  # pragma: no cover - the child (its result is checked by the parent)
        os.close(read)
        _child(conn.engine, write)
    os.close(write)
    return pid, read


def _child(engine, write: int) -> None:  # pragma: no cover - runs in the forked child
    """Compare the rows on a new connection, write the result, and leave."""
    from types import SimpleNamespace

    from clinicbill.store.audit_verify import compare_tables

    code = 1
    try:
        engine.dispose(close=False)  # the parent's pooled connections are left alone
        raw = engine.raw_connection()
        raw.dbapi_connection.execute("BEGIN")  # one read snapshot (deferred: no lock)
        found = compare_tables(SimpleNamespace(dialect=engine.dialect, connection=raw))
        with os.fdopen(write, "wb") as out:
            out.write(pickle.dumps(found))
        code = 0
    except BaseException:  # noqa: BLE001 - any failure: the parent compares the rows itself
        pass
    finally:
        os._exit(code)


def _result(pid: int, read: int) -> tuple[list[str], int] | None:
    """The child's (problems, rows compared), or None if it did not finish cleanly."""
    with os.fdopen(read, "rb") as pipe:
        data = pipe.read()
    _, status = os.waitpid(pid, 0)
    if os.waitstatus_to_exitcode(status) != 0 or not data:
        return None
    problems, compared = pickle.loads(data)  # noqa: S301 - our own child's output
    return list(problems), int(compared)
