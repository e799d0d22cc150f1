"""Database URLs: unknown schemes, missing drivers and unreachable servers are clean refusals
that never echo a password."""

from __future__ import annotations

import pytest

from tests.conftest import cli_subprocess


@pytest.mark.parametrize(
    ("url", "needle"),
    [
        ("foo://bar", "foo:// is not a supported database URL"),
        ("postgresql+nosuch://u:hunter2@h/d", "is not a supported database URL"),
        ("mysql://u:hunter2@h/d", "the driver for mysql:// is not installed"),
        (
            "postgresql+psycopg://u:hunter2@127.0.0.1:1/d",
            "cannot reach the PostgreSQL server at 127.0.0.1:1 (connection refused)",
        ),
        (
            "postgres://u:hunter2@127.0.0.1:1/d",
            "cannot reach the PostgreSQL server at 127.0.0.1:1 (connection refused)",
        ),
    ],
)
def test_bad_database_urls_are_refused_cleanly(url, needle):
    result = cli_subprocess("--db", url, "patient", "list")
    assert result.returncode == 1
    assert needle in result.stderr
    assert "hunter2" not in result.stderr + result.stdout
    assert "Traceback" not in result.stderr


def test_a_nul_byte_never_reaches_the_database(sample_run):
    """PostgreSQL cannot store NUL in text: the same clean refusal on both backends."""
    for args in (
        ["patient", "find", "a\x00b"],
        ["statement", "\x00nul"],
        ["audit", "--user", "\x00"],
    ):
        result = sample_run(*args)
        assert result.exit_code == 1, (args, result.output)
        assert "unexpected" not in result.stderr


def test_a_nul_byte_is_refused_in_a_bulk_write_and_a_backslash_x00_is_not(db_url):
    """The refusal looks at every row of an executemany; text that merely spells \\x00 (a
    backslash, then x00) is stored as typed."""
    from sqlalchemy import text

    from clinicbill.domain.errors import ClinicbillError
    from clinicbill.store.engine import transaction

    insert = text("INSERT INTO t (v) VALUES (:v)")
    with pytest.raises(ClinicbillError, match="NUL byte"):
        with transaction(db_url, "tester") as session:
            session.execute(text("CREATE TEMPORARY TABLE t (v TEXT)"))
            session.execute(insert, [{"v": f"row {i}"} for i in range(500)] + [{"v": "a\x00b"}])
    with transaction(db_url, "tester") as session:
        session.execute(text("CREATE TEMPORARY TABLE t (v TEXT)"))
        session.execute(insert, [{"v": "C:\\x00dir"}, {"v": "plain"}])
        assert session.execute(text("SELECT v FROM t ORDER BY v")).scalars().all() == [
            "C:\\x00dir",
            "plain",
        ]
