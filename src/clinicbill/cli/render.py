"""Terminal output in one place: tables, records, JSON, refusals, unexpected errors."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from decimal import Decimal

import typer

from clinicbill.cli.context import STATE


def _default(value):
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    raise TypeError(type(value).__name__)


def emit_json(data, err: bool = False) -> None:
    """JSON on standard output (or error); money in the one form of domain.money.json_money."""
    from clinicbill.domain.money import json_money

    text = json.dumps(json_money(data), indent=2, default=_default, ensure_ascii=False)
    typer.echo(text, err=err)


def json_given(data) -> bool:
    """With --json: print `data` as JSON and say so (the command then stops)."""
    if STATE.json:
        emit_json(data)
    return STATE.json


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, datetime | date):
        return value.isoformat()
    return str(value)


def table(
    rows: Sequence[dict],
    columns: Sequence[str] | None = None,
    title: str | None = None,
    right: Iterable[str] = (),
) -> None:
    """A list as a table (or JSON with --json). `columns` default to the rows' keys, in
    order; `right` names right-aligned (money) columns."""
    if STATE.json:
        emit_json(list(rows))
        return
    if not rows:
        typer.echo(f"no {title or 'rows'}")
        return
    columns = list(rows[0]) if columns is None else columns
    right = set(right)
    t = new_table(title)
    for col in columns:
        add_column(t, col, numeric=col in right)
    cells = [[_cell(row.get(col)) for col in columns] for row in rows]
    for row in cells:
        t.add_row(*row)
    print_fitted(console(), t, list(columns), cells)


def new_table(title: str | None = None):
    from rich.table import Table

    return Table(title=title, title_justify="left", header_style="bold")


def add_column(t, label: str, numeric: bool, **style) -> None:
    """Numbers (money, counts, dates) are never wrapped or cut; names wrap (fold) to fit."""
    if numeric:
        t.add_column(label, justify="right", no_wrap=True, overflow="ignore", **style)
    else:
        t.add_column(label, justify="left", overflow="fold", **style)


NAME_WIDTH = 16  # the narrowest a wrapped name column gets before records become blocks


def print_fitted(out, t, headers: list[str], rows: list[list[str]]) -> None:
    """The table when its narrowest form fits the width; otherwise one record per block
    (`label` then `header: value` lines), so no column is dropped and no amount is cut."""
    needed = 1  # the left border; each column adds its padding and right border
    for index, column in enumerate(t.columns):
        longest = max([len(r[index]) for r in rows] + [len(headers[index])])
        if not column.no_wrap:  # a name keeps enough width to be read, or the blocks are used
            column.min_width = min(longest, NAME_WIDTH)
        needed += (column.min_width if not column.no_wrap else longest) + 3
    if needed <= out.width:
        out.print(t)
        return
    if t.title:
        out.print(t.title, style="bold", soft_wrap=True)
    for row in rows:
        out.print(f"{headers[0]}: {row[0] or '-'}", style="bold", soft_wrap=True)
        pairs = [f"{h}: {v}" for h, v in zip(headers[1:], row[1:], strict=True) if v]
        line = ""
        for pair in pairs:  # as many `header: value` pairs on a line as fit
            if line and len(line) + 3 + len(pair) > out.width - 2:
                out.print("  " + line, soft_wrap=True)
                line = ""
            line = f"{line} · {pair}" if line else pair
        if line:
            out.print("  " + line, soft_wrap=True)


def console():
    """A rich console: colour only on a TTY; the terminal's width, or COLUMNS when set;
    wide enough for billing tables when piped without COLUMNS."""
    import os
    import sys

    from rich.console import Console

    columns = os.environ.get("COLUMNS", "")
    width = None if sys.stdout.isatty() or columns.isdigit() else 160
    return Console(highlight=False, width=width)


def record(data: dict, title: str | None = None) -> None:
    """One object as `field: value` lines (or JSON with --json)."""
    if STATE.json:
        emit_json(data)
        return
    if title:
        typer.echo(title)
    width = max((len(k) for k in data), default=0)
    for key, value in data.items():
        if isinstance(value, list | dict):
            continue
        typer.echo(f"  {key.ljust(width)}  {_cell(value)}")


def done(message: str, data: dict | None = None, err: bool = False) -> None:
    """Confirmation of a change: a sentence, or the changed record with --json. `err` sends it
    to standard error (when the file itself went to standard output: `-o -`)."""
    if STATE.json and data is not None:
        emit_json(data, err=err)
    else:
        typer.echo(message, err=err)


SIGPIPE_EXIT = 141  # 128 + SIGPIPE: what a shell reports for a Unix tool stopped by SIGPIPE


def reader_gone() -> None:
    """Standard output was closed by its reader (`| head -1`): stop quietly, like Unix tools.

    Commands print only after their transaction has committed, so whatever was being reported
    is saved; only the report is lost. No traceback and no message: later writes, including
    the interpreter's final flush, go to /dev/null. Exit status 141 (a pipeline under
    `set -o pipefail` sees the same status as for any tool stopped by SIGPIPE)."""
    import os
    import sys

    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError):  # no file descriptor behind stdout (tests' CliRunner)
        pass
    raise typer.Exit(SIGPIPE_EXIT)


def print_refusal(exc) -> None:
    typer.echo(f"error: {exc.message}", err=True)
    if exc.hint:
        typer.echo(f"hint: {exc.hint}", err=True)


def log_path():
    from pathlib import Path

    import platformdirs

    return Path(platformdirs.user_log_dir("clinicbill")) / "clinicbill.log"


def print_unexpected(exc: BaseException) -> None:
    """One line and the log path. The traceback goes to the log, never the message (PHI)."""
    import os
    import traceback

    path = log_path()
    try:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        frames = traceback.format_tb(exc.__traceback__)
        # never through a link planted at the log's name (O_NOFOLLOW): the log is ours alone
        flags = os.O_CREAT | os.O_APPEND | os.O_WRONLY | getattr(os, "O_NOFOLLOW", 0)
        with open(os.open(path, flags, 0o600), "a") as fh:
            fh.write(f"{datetime.now().astimezone().isoformat()} {type(exc).__name__}\n")
            fh.writelines(frames)
        where = f"; details in {path}"
    except OSError:
        where = ""
    typer.echo(f"error: unexpected failure ({type(exc).__name__}){where}", err=True)
