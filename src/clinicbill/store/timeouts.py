"""How long a command waits for another writer, read by the engine (to wait) and by the
refusals (to say how long it waited). Read as `timeouts.BUSY_TIMEOUT_MS` at call time, so a
test can shorten the wait."""

BUSY_TIMEOUT_MS = 30_000  # SQLite busy_timeout
PG_LOCK_TIMEOUT_S = 60  # PostgreSQL lock_timeout (engine._postgres_begin)
