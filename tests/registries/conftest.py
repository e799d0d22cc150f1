"""A practice with a year of history for the registry tests (one per test module)."""

from __future__ import annotations

from datetime import date

import pytest

HISTORY_END = date(2026, 11, 20)


@pytest.fixture(scope="module")
def history(tmp_path_factory, database_templates):
    """The sample practice plus a year of seeded visits, claims, denials and payments."""
    from clinicbill.dev.seed import seed_practice
    from clinicbill.store.engine import dispose_all, transaction
    from tests.pg import drop_database, fresh_database_url, on_postgres

    folder = tmp_path_factory.mktemp("history")
    url = fresh_database_url(folder, database_templates.url("sample"))
    with transaction(url, "tester") as session:
        seed_practice(session, years=1, providers=2, seed=7, end=HISTORY_END, lines_per_year=400)
    dispose_all()
    yield url
    dispose_all()
    if on_postgres():
        drop_database(url)
