"""Developer tools: the synthetic practice for benchmarks and load tests.

Nothing outside dev/ imports it except the `dev` and `demo` commands and tests.
"""
