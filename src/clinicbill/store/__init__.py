"""Persistence: models, engine, audit log, migrations."""
