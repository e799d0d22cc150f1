"""Subcommands built on first use: `clinicbill X` turns only X into a click command.

Turning a Typer command into a click command inspects every parameter of its function (type
hints, defaults, Annotated options); for the whole application that is most of the start-up
time of every command and of `--help` (benchmarks/run.py). The root group holds this mapping
instead of ready-made commands: a lookup builds one command (or one group with its own
subcommands), listing the names builds nothing, and `--help` shows each command's first help
line from a stub that has no parameters.
"""

from __future__ import annotations

import inspect
from collections.abc import Iterator, MutableMapping
from typing import Annotated

import typer
from typer import _click
from typer.core import TyperCommand
from typer.main import (
    get_command_from_info,
    get_command_name,
    get_group_from_info,
    solve_typer_info_defaults,
)


class LazyCommands(MutableMapping):
    """name -> click command, built from the Typer registrations of `source` when looked up."""

    def __init__(self, source: typer.Typer, settings: typer.Typer):
        self._settings = settings  # the root app: exception and markup settings
        self._infos: dict[str, object] = {}
        for info in source.registered_commands:
            self._infos[info.name or get_command_name(info.callback.__name__)] = info
        for info in source.registered_groups:
            self._infos[solve_typer_info_defaults(info).name] = info
        self._built: dict[str, _click.Command] = {}

    def _build(self, info) -> _click.Command:
        app = self._settings
        if isinstance(info, typer.models.CommandInfo):
            return get_command_from_info(
                info,
                pretty_exceptions_short=app.pretty_exceptions_short,
                rich_markup_mode=app.rich_markup_mode,
            )
        return get_group_from_info(
            info,
            pretty_exceptions_short=app.pretty_exceptions_short,
            rich_markup_mode=app.rich_markup_mode,
            suggest_commands=app.suggest_commands,
        )

    def __getitem__(self, name: str) -> _click.Command:
        if name not in self._built:
            self._built[name] = _finish(self._build(self._infos[name]))
        return self._built[name]

    def __setitem__(self, name: str, command: _click.Command) -> None:
        self._infos.setdefault(name, None)
        self._built[name] = command

    def __delitem__(self, name: str) -> None:
        del self._infos[name]
        self._built.pop(name, None)

    def __iter__(self) -> Iterator[str]:
        return iter(self._infos)

    def __len__(self) -> int:
        return len(self._infos)

    def stub(self, name: str) -> _click.Command:
        """A parameterless stand-in carrying the help a command listing shows."""
        if name in self._built:
            return self._built[name]
        info = self._infos[name]
        if isinstance(info, typer.models.CommandInfo):
            text = info.help
            text = inspect.getdoc(info.callback) if text is None else inspect.cleandoc(text)
            return TyperCommand(
                name, help=text, short_help=info.short_help, hidden=info.hidden,
                deprecated=info.deprecated,
            )  # fmt: skip
        solved = solve_typer_info_defaults(info)
        text = solved.help
        if text is None and solved.callback is not None:
            text = inspect.getdoc(solved.callback)
        return TyperCommand(
            name, help=text, short_help=solved.short_help, hidden=solved.hidden,
            deprecated=solved.deprecated,
        )  # fmt: skip


def _set_json(value: bool) -> None:
    if value:
        from clinicbill.cli.context import STATE

        STATE.json = True


_JSON_PARAM: list = []


def _json_param():
    """One `--json` option object, built by Typer like every other option."""
    if not _JSON_PARAM:
        from typer.main import get_command

        probe = typer.Typer()

        @probe.command()
        def _probe(
            json: Annotated[
                bool,
                typer.Option(
                    "--json",
                    callback=_set_json,
                    expose_value=False,
                    help="Machine-readable output (the same as the global --json).",
                ),
            ] = False,
        ) -> None:
            pass

        _JSON_PARAM.append(get_command(probe).params[0])
    return _JSON_PARAM[0]


def _finish(command: _click.Command) -> _click.Command:
    """Every leaf command gets the option docs of cli/option_docs.py, and accepts `--json`
    after the subcommand too (`clinicbill patient list --json`): scripts write it there."""
    subcommands = getattr(command, "commands", None)
    if subcommands is not None:
        for sub in subcommands.values():
            _finish(sub)
        return command
    from clinicbill.cli.option_docs import document

    document(command)
    if not any("--json" in getattr(p, "opts", ()) for p in command.params):
        command.params.append(_json_param())
    return command


def format_commands(group, ctx, formatter, sections=()) -> None:
    """The `Commands` section of a group's help, from stubs (same layout as Typer's).

    With `sections` ((title, names), ...), the commands are listed under those titles in that
    order; a command named in none of them goes under "Other commands"."""
    commands = [(name, group.commands.stub(name)) for name in group.list_commands(ctx)]
    commands = [(name, cmd) for name, cmd in commands if not cmd.hidden]
    if not commands:
        return
    limit = formatter.width - 6 - max(len(name) for name, _ in commands)
    rows = {name: (name, cmd.get_short_help_str(limit)) for name, cmd in commands}
    if not sections:
        sections = (("Commands", tuple(rows)),)
    placed = {name for _, names in sections for name in names}
    sections = (*sections, ("Other commands", tuple(n for n in rows if n not in placed)))
    for title, names in sections:
        listed = [rows[name] for name in names if name in rows]
        if listed:
            with formatter.section(title):
                formatter.write_dl(listed)
