"""Regenerate migration 0001 from the models (`make schema`). Only until the first release:
after that, every change is a new revision and 0001 is frozen."""

from __future__ import annotations

import tempfile

from sqlalchemy import create_engine

from clinicbill.store.migrate import MIGRATIONS, alembic_config


def main() -> None:
    from alembic import command

    target = MIGRATIONS / "versions" / "0001_initial.py"
    target.unlink(missing_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        engine = create_engine(f"sqlite:///{tmp}/empty.db")
        cfg = alembic_config(engine)
        command.revision(cfg, message="initial schema", autogenerate=True, rev_id="0001")
    produced = next((MIGRATIONS / "versions").glob("0001_*.py"))
    if produced != target:
        produced.rename(target)
    print(f"wrote {target}")


if __name__ == "__main__":
    main()
