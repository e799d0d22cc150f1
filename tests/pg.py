"""Which backend the tests run on.

Default: a SQLite file per test. With CLINICBILL_TEST_PG set to a server URL
(postgresql+psycopg://user@host:port/postgres), each test gets its own new database there.
"""

from __future__ import annotations

import os
import uuid
from pathlib import Path


def pg_server_url() -> str | None:
    return os.environ.get("CLINICBILL_TEST_PG") or None


def fresh_database_url(tmp_path: Path) -> str:
    server = pg_server_url()
    if not server:
        return str(tmp_path / "clinic.db")
    from sqlalchemy import create_engine, text

    name = "cb_" + uuid.uuid4().hex[:12]
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return server.rsplit("/", 1)[0] + "/" + name
