"""The README's "Use it from Python" block runs as written on a database made by
`clinicbill --db clinic.db init --sample`, and prints what its `# prints:` comments say."""

from __future__ import annotations

import contextlib
import io
import re

from tests.conftest import Runner
from tests.test_readme import README


def python_block() -> str:
    section = README.read_text().split("## Use it from Python", 1)[1].split("\n## ", 1)[0]
    [code] = re.findall(r"```python\n(.*?)```", section, flags=re.DOTALL)
    return code


def test_the_python_example_runs_and_prints_what_it_says(tmp_path, monkeypatch):
    from tests.pg import on_postgres

    monkeypatch.chdir(tmp_path)
    db = "clinic.db"
    code = python_block()
    if on_postgres():  # the same calls on the PostgreSQL test database
        from tests.pg import new_database

        db = new_database()
        code = code.replace('"clinic.db"', repr(db))
    made = Runner(db)("init", "--sample")
    assert made.exit_code == 0, made.output
    expected = re.findall(r"# prints: (.*)", code)
    assert len(expected) >= 2
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        exec(compile(code, "README.md", "exec"), {"__name__": "readme"})
    assert printed.getvalue().splitlines() == expected
    if on_postgres():
        from clinicbill.store.engine import dispose_all
        from tests.pg import drop_database

        dispose_all()
        drop_database(db)
