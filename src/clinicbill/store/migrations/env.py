"""Alembic environment: the engine comes from clinicbill.store.engine, never from an ini file."""

from alembic import context
from sqlmodel import SQLModel

from clinicbill.store.models import load_all

load_all()  # registers every table

config = context.config
target_metadata = SQLModel.metadata


def run() -> None:
    engine = config.attributes["engine"]
    with engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            render_as_batch=connection.dialect.name == "sqlite",
        )
        with context.begin_transaction():
            context.run_migrations()
        connection.commit()


run()
