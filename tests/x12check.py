"""Validate X12 with pyx12 through its Python API (DOMAIN.md §1), for tests to import.

`validate(text)` returns (ok, messages); `assert_valid(text)` fails a test with every pyx12
message. pyx12's CLI exit status is useless and it writes a 999 next to its input, so the API
is used on an in-memory stream instead.
"""

from __future__ import annotations

import io
import logging
from pathlib import Path


class _Grab(logging.Handler):
    def __init__(self):
        super().__init__(logging.ERROR)
        self.messages: list[str] = []

    def emit(self, record):
        self.messages.append(record.getMessage())


def validate(source: str | Path, map_path: str | None = None) -> tuple[bool, list[str]]:
    """Run pyx12 on X12 text (or a path); (True, []) when it finds no error. `map_path`: a
    map directory of our own (tests/x12maps.py, for the 270 and 276 pyx12 has no map of)."""
    import pyx12.params
    import pyx12.x12n_document

    text = Path(source).read_text() if isinstance(source, Path) else source
    log = logging.getLogger("pyx12")
    log.propagate = False
    handler = _Grab()
    log.addHandler(handler)
    try:
        ok = pyx12.x12n_document.x12n_document(
            pyx12.params.params(),
            io.StringIO(text),
            fd_997=None,
            fd_html=None,
            map_path=map_path,
        )
    except Exception as exc:  # EngineError (unknown map), AttributeError on broken envelopes
        return False, [*handler.messages, repr(exc)]
    finally:
        log.removeHandler(handler)
    return bool(ok) and not handler.messages, handler.messages


def assert_valid(source: str | Path, map_path: str | None = None) -> None:
    ok, messages = validate(source, map_path)
    assert ok, "pyx12 rejected the file:\n" + "\n".join(messages)


def validate_sdk(source: str | Path) -> tuple[bool, list[str]]:
    """Run x12sdk (the maintained continuation of LinuxForHealth x12) on X12 text or a path:
    each transaction set parsed into its pydantic model of the 5010 implementation guide
    (270/271 005010X279A1, 276/277 005010X212, 835, 837P), which checks loops, required
    segments and elements, code lists, dates and the SE count. It reads nothing of the
    envelope (GE/IEA counts and control numbers, ST03 against GS08): pyx12 does (`validate`)."""
    from x12sdk.io import X12ModelReader

    text = Path(source).read_text() if isinstance(source, Path) else source
    sdk_log = logging.getLogger("x12sdk")
    sdk_log.propagate = False  # its "Unsupported segment" lines: the exception says it
    try:
        with X12ModelReader(text) as reader:
            models = list(reader.models())
    except Exception as exc:  # ValidationError, KeyError (unknown segment or guide), ...
        return False, [f"{type(exc).__name__}: {exc}"]
    if not models:
        return False, ["no transaction set"]
    return True, []


def assert_valid_sdk(source: str | Path) -> None:
    ok, messages = validate_sdk(source)
    assert ok, "x12sdk rejected the file:\n" + "\n".join(messages)
