"""Use cases: one function per workflow, the Python API beside the CLI.

Each use case takes a unit of work (a session from `store.engine.transaction`) and plain
values, and returns a result value; it never prints. `cli/` parses options, calls one use
case and renders what it returns. Arrows: cli -> app -> domain -> store; app -> formats.
"""
