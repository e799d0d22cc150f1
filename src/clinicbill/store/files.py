"""Every file clinicbill writes that may hold patient data goes through this module.

The rules (README, "Files clinicbill writes"):

- A file is created mode 0600 whatever the umask; a directory clinicbill creates for such
  files is 0700.
- It is written to a temporary file in the same directory (created with O_EXCL, never through
  a symlink), flushed and fsynced, then moved into place: nobody ever sees half a file.
- An existing file is replaced only with ``force=True`` (the `--force` option). A symlink at
  the target, dangling or not, is refused even with force: we never write through one.
- A missing parent directory is refused with the folder's name: clinicbill does not guess
  where protected health information should live.
- ``-`` as the `-o` value means standard output.
- A generated (default) file name is reduced to one harmless name in the working directory by
  `safe_name`, whatever the data it was built from (account numbers, dates).

The API:

    resolve_output(option_value, default_name, *, force) -> Output   (checks, writes nothing)
    Output.write(data) -> Path | None      bytes or str; None when written to standard output
    Output.open(text=...)                  a context manager for streaming writers
    write_private(path, data, *, force) -> Path
    private_file(path, *, force, text=False)  the streaming form of write_private
    private_path(path, *, force)           the same for writers that need a file name
    private_directory(path) -> Path        create missing directories 0700
    safe_name(name) -> str                 the one sanitizer for generated file names
    spreadsheet_cell(value)                the one CSV formula-injection guard (OWASP rule)
    refuse_unless_regular(path, what)      before a file we read: no device, pipe or socket
    reading(path, what)                    around opening it: its failures as one refusal
"""

from __future__ import annotations

import os
import re
import stat
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from clinicbill.domain.errors import ClinicbillError

STDOUT = "-"
FILE_MODE = 0o600
DIRECTORY_MODE = 0o700
_MAX_NAME = 200
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")
_WRITE_HINT = "give -o a path in a writable folder"


def safe_name(name: str) -> str:
    """`name` reduced to one plain file name: ASCII letters, digits, `.`, `_` and `-` only
    (anything else becomes `_`), no leading dot or dash, no `..`, at most 200 characters with
    the extension kept. It can never name a parent folder, a hidden file or an option."""
    cleaned = _UNSAFE.sub("_", str(name))
    cleaned = re.sub(r"\.{2,}", ".", cleaned).lstrip(".-")
    if len(cleaned) > _MAX_NAME:
        stem, dot, ext = cleaned.rpartition(".")
        if dot and 0 < len(ext) <= 10:
            cleaned = stem[: _MAX_NAME - len(ext) - 1] + "." + ext
        else:
            cleaned = cleaned[:_MAX_NAME]
    return cleaned or "output"


_NUMBER = re.compile(r"-?[0-9]+(\.[0-9]+)?\Z")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_cell(value):
    """A CSV cell made safe for spreadsheets (OWASP CSV injection rule): text starting with
    `=`, `+`, `-`, `@`, tab or carriage return gets a leading `'`, so a spreadsheet shows it
    as text instead of running it as a formula. A plain number such as `-5.00` or `-500` is
    left as it is (a spreadsheet reads it as a number, which runs nothing). Other values are
    returned unchanged."""
    if isinstance(value, str) and value.startswith(_FORMULA_START) and not _NUMBER.match(value):
        return "'" + value
    return value


def _refuse_target(path: Path, force: bool) -> None:
    """Refuse what must never be written: a symlink, a directory, a device, an existing file
    without force, a missing folder."""
    try:
        info = os.lstat(path)
    except (FileNotFoundError, NotADirectoryError):
        info = None  # the folder checks below say what is wrong
    except OSError as exc:
        raise ClinicbillError(f"output: cannot use {path} ({exc.strerror})", _WRITE_HINT) from None
    if info is not None:
        if stat.S_ISLNK(info.st_mode):
            raise ClinicbillError(
                f"output: {path} is a symbolic link; clinicbill never writes through one",
                "give -o the real path (or - for standard output), or remove the link",
            )
        if stat.S_ISDIR(info.st_mode):
            raise ClinicbillError(f"output: {path} is a folder", "give -o a file name")
        if not stat.S_ISREG(info.st_mode):
            raise ClinicbillError(f"output: {path} is not a regular file", _WRITE_HINT)
        if not force:
            raise ClinicbillError(
                f"output: {path} already exists",
                "add --force to replace it, or give -o another path",
            )
    folder = path.parent
    if folder.exists() and not folder.is_dir():
        raise ClinicbillError(f"output: {folder} is not a folder", _WRITE_HINT)
    if not folder.is_dir():
        raise ClinicbillError(
            f"output: the folder {folder} does not exist",
            f"create it first (mkdir -p {folder}) or give -o another path",
        )


def refuse_unless_regular(path: Path, what: str) -> None:
    """The one check before a file we READ (835, 999, 277CA, 271) is read whole: a device, pipe
    or socket (`/dev/zero`, a FIFO) has no end and would be read until memory runs out. A
    folder is left to the caller's own message."""
    info = os.stat(path)  # the caller turns a missing file into its refusal
    if not (stat.S_ISREG(info.st_mode) or stat.S_ISDIR(info.st_mode)):
        raise ClinicbillError(
            f"{path.name}: is not a regular file (a device, pipe or socket)", f"give an {what}"
        )


@contextmanager
def reading(path: str | Path, what: str) -> Iterator[Path]:
    """Open-time failures of a file we READ (`what`: "835 file", "999 acknowledgment"...) as
    one refusal naming the path: missing, a folder, unreadable, a NUL byte in the name.
    `refuse_unless_regular` is checked first; the body reads or stats the yielded path."""
    p = Path(path)
    try:
        refuse_unless_regular(p, what)
        yield p
    except IsADirectoryError:
        raise ClinicbillError(f"{p.name}: is a directory", f"give an {what}") from None
    except FileNotFoundError:
        raise ClinicbillError(f"file: {path} does not exist", "check the path") from None
    except OSError as exc:
        raise ClinicbillError(
            f"file: cannot read {p.name} ({exc.strerror})", "check the path"
        ) from None
    except ValueError:  # a NUL byte in the path: no file can have that name
        raise ClinicbillError("file: the path contains a NUL character", "check the path") from None


def _fsync_directory(folder: Path) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass  # some filesystems cannot fsync a directory; the file itself is synced
    finally:
        os.close(fd)


def _publish(tmp: str, path: Path, force: bool) -> None:
    """Move the finished temporary file to `path`: atomically, never over an existing file
    unless forced (os.link refuses an existing name, symlinks included)."""
    if force:
        _refuse_target(path, force=True)  # again, just before: a link may have appeared
        os.replace(tmp, path)  # replaces a name; never follows a link at it
        return
    try:
        os.link(tmp, path)
    except FileExistsError:
        raise ClinicbillError(
            f"output: {path} already exists", "add --force to replace it, or give -o another path"
        ) from None
    except OSError:  # a filesystem without hard links: check, then rename
        if os.path.lexists(path):
            raise ClinicbillError(
                f"output: {path} already exists",
                "add --force to replace it, or give -o another path",
            ) from None
        os.replace(tmp, path)
        return
    os.unlink(tmp)


@contextmanager
def _staged(path: Path, force: bool) -> Iterator[tuple[int, str]]:
    """(descriptor, name) of a new 0600 temporary file beside `path`, published at `path` when
    the block ends without an exception; otherwise nothing is left behind."""
    import tempfile

    _refuse_target(path, force)
    prefix = "." + safe_name(path.name)[:60] + "."
    try:
        fd, tmp = tempfile.mkstemp(prefix=prefix, suffix=".partial", dir=path.parent)
    except OSError as exc:
        raise ClinicbillError(
            f"output: cannot write {path} ({exc.strerror or exc})", _WRITE_HINT
        ) from None
    try:
        os.fchmod(fd, FILE_MODE)  # 0600 even under an unusual umask such as 0o277
        yield fd, tmp
        _publish(tmp, path, force)
        _fsync_directory(path.parent)
    except OSError as exc:
        _discard(tmp)
        raise ClinicbillError(
            f"output: cannot write {path} ({exc.strerror or exc})", _WRITE_HINT
        ) from None
    except BaseException:
        _discard(tmp)
        raise


@contextmanager
def private_file(
    path: str | Path, *, force: bool, text: bool = False, encoding: str = "utf-8"
) -> Iterator[IO]:
    """Open `path` for writing by the rules above and yield the file object (binary, or text
    with `text=True` and no newline translation). The file appears at `path`, mode 0600, only
    when the block ends without an exception; otherwise nothing is left behind."""
    with _staged(Path(path), force) as (fd, _tmp):
        mode = "w" if text else "wb"
        options = {"encoding": encoding, "newline": ""} if text else {}
        with os.fdopen(fd, mode, **options) as handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())


@contextmanager
def private_path(path: str | Path, *, force: bool) -> Iterator[Path]:
    """The rules above for a writer that needs a file name rather than a file object (SQLite's
    backup API, pg_dump): yields the name of an empty 0600 temporary file beside `path`, which
    is fsynced and published at `path` when the block ends without an exception."""
    with _staged(Path(path), force) as (fd, tmp):
        os.close(fd)
        yield Path(tmp)
        fd = os.open(tmp, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
        try:
            os.fchmod(fd, FILE_MODE)  # a tool may have recreated it under the umask
            os.fsync(fd)
        finally:
            os.close(fd)


def _discard(tmp: str) -> None:
    try:
        os.unlink(tmp)
    except OSError:
        pass


def write_private(path: str | Path, data: bytes | str, *, force: bool) -> Path:
    """Write `data` (str is written as UTF-8) to `path` by the rules above; returns the path."""
    path = Path(path)
    with private_file(path, force=force) as handle:
        handle.write(data.encode("utf-8") if isinstance(data, str) else data)
    return path


def private_directory(path: str | Path) -> Path:
    """`path` as a directory: each missing folder is created 0700 (whatever the umask); an
    existing one is left as it is. Refuses a path that exists and is not a directory."""
    path = Path(path)
    missing = []
    probe = path
    while not probe.exists() and probe != probe.parent:
        missing.append(probe)
        probe = probe.parent
    for folder in reversed(missing):
        try:
            folder.mkdir(mode=DIRECTORY_MODE)
            os.chmod(folder, DIRECTORY_MODE)
        except FileExistsError:
            pass
        except OSError as exc:
            raise ClinicbillError(
                f"dir: cannot create {folder} ({exc.strerror})", "give a writable directory"
            ) from None
    if not path.is_dir():
        raise ClinicbillError(f"dir: {path} is not a directory", "give a directory path")
    return path


@dataclass(frozen=True)
class Output:
    """Where a command's file goes: a checked path, or standard output (`path` None)."""

    path: Path | None
    force: bool = False

    @property
    def to_stdout(self) -> bool:
        return self.path is None

    def __str__(self) -> str:
        return STDOUT if self.path is None else str(self.path)

    @property
    def label(self) -> str:
        """For messages: the path, or `standard output`."""
        return "standard output" if self.path is None else str(self.path)

    def write(self, data: bytes | str) -> Path | None:
        """Write the whole file; returns its path (None for standard output). A PDF (bytes)
        is refused on a terminal: pipe it or give -o FILE."""
        if self.path is not None:
            return write_private(self.path, data, force=self.force)
        with self.open(text=isinstance(data, str)) as handle:
            handle.write(data)
        return None

    @contextmanager
    def open(self, *, text: bool = False, encoding: str = "utf-8") -> Iterator[IO]:
        """A file object for a streaming writer: the private temporary file (published when
        the block ends), or standard output."""
        if self.path is not None:
            with private_file(self.path, force=self.force, text=text, encoding=encoding) as fh:
                yield fh
            return
        if not text and sys.stdout.isatty():
            raise ClinicbillError(
                "output: will not print a binary file on the terminal",
                "pipe it (e.g. | lpr) or give -o FILE",
            )
        sys.stdout.flush()
        raw = sys.stdout.buffer
        if text:
            import io

            handle = io.TextIOWrapper(raw, encoding=encoding, newline="", write_through=True)
            try:
                yield handle
                handle.flush()
            finally:
                handle.detach()  # leave sys.stdout's buffer open
        else:
            yield raw
        raw.flush()


def resolve_output(
    option_value: str | Path | None,
    default_name: str,
    *,
    force: bool = False,
    directory: str | Path | None = None,
) -> Output:
    """Where `-o` sends a file, checked before any work is done (nothing is written here).

    - ``-`` is standard output (a PDF too: its bytes go to the pipe);
    - None (no -o) is `default_name`, made safe by `safe_name`, in `directory` (default: the
      working directory) - a generated name can never leave it;
    - an existing folder receives `default_name` inside it;
    - anything else is the file path as given (``~`` expanded).

    Refuses, naming the fix: an existing file without `force` (hint: --force or -o), a
    symlink at the target, a missing parent folder, a device or a folder as the file."""
    if option_value is not None and str(option_value) == STDOUT:
        return Output(None, force)
    if option_value is None:
        path = Path(directory or ".") / safe_name(default_name)
    else:
        text = str(option_value)
        if not text.strip() or "\x00" in text:
            raise ClinicbillError(f"output: {text!r} is not a file path", "give -o a file path")
        path = Path(text).expanduser()
        if path.is_dir() and not path.is_symlink():
            path = path / safe_name(default_name)
    _refuse_target(path, force)
    return Output(path, force)


def write_output(target: Output | str | Path, data: bytes | str) -> Path | None:
    """Write `data` to an Output, or to a plain path checked by `resolve_output` (no replacing;
    `-` is standard output here too, so a writer handed the raw `-o` value never makes a file
    named `-`)."""
    if not isinstance(target, Output):
        if str(target) != STDOUT and Path(target).is_dir():  # no default name known here
            raise ClinicbillError(f"output: {target} is a folder", "give -o a file name")
        target = resolve_output(target, "output")
    return target.write(data)
