"""The schema revision this code expects. Kept apart so start-up never loads Alembic.

tests/store/test_migrations.py asserts it equals Alembic's head.
"""

HEAD_REVISION = "0003_package_void"
