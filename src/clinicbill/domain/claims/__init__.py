"""Claims: building them from signed sessions, the frozen snapshot, the scrubber, the lifecycle."""
