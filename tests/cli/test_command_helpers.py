"""The helpers command modules build their commands with (cli/common.py): one option table
shared by two commands (`with_options`), a group with a default command
(`group_with_default`), and a table's columns taken from its rows (render.table)."""

from __future__ import annotations

import json
from typing import Annotated

import typer
import typer.main
from typer.testing import CliRunner

from clinicbill.cli.common import group_with_default, with_options

SHARED = {
    "colour": Annotated[str | None, typer.Option(help="A colour.")],
    "size": Annotated[list[str] | None, typer.Option("--size", help="Sizes (repeat).")],
    "loud": Annotated[bool, typer.Option("--loud", help="Say it loud.")],
}


def _app_with_shared_options(seen: dict) -> typer.Typer:
    app = typer.Typer()

    @app.command("edit")
    @with_options(SHARED)
    def edit(
        ident: Annotated[str, typer.Argument(help="Id.")],
        force: Annotated[bool, typer.Option("--force", help="Force.")] = False,
        **fields,
    ) -> None:
        seen.update(ident=ident, force=force, fields=fields)

    @app.command("other")
    def other() -> None:
        pass

    return app


def test_shared_options_sit_between_the_arguments_and_the_commands_own_options():
    app = _app_with_shared_options({})
    edit = typer.main.get_command(app).commands["edit"]
    assert [p.name for p in edit.params] == ["ident", "colour", "size", "loud", "force"]


def test_shared_options_reach_the_command_as_fields_with_their_defaults():
    seen: dict = {}
    app = _app_with_shared_options(seen)
    runner = CliRunner()
    result = runner.invoke(app, ["edit", "7"])
    assert result.exit_code == 0, result.output
    assert seen == {
        "ident": "7",
        "force": False,
        "fields": {"colour": None, "size": None, "loud": False},
    }
    given = ["edit", "8", "--size", "S", "--loud", "--colour", "red", "--size", "M", "--force"]
    result = runner.invoke(app, given)
    assert result.exit_code == 0, result.output
    assert seen == {
        "ident": "8",
        "force": True,
        "fields": {"colour": "red", "size": ["S", "M"], "loud": True},
    }


def test_a_group_with_a_default_sends_an_unknown_first_word_to_that_command():
    seen: list = []
    app = group_with_default("make", "Things: `thing NAME` makes one.")

    @app.command("make")
    def make(name: Annotated[str, typer.Argument(help="Name.")]) -> None:
        seen.append(("make", name))

    @app.command("list")
    def list_() -> None:
        seen.append(("list",))

    runner = CliRunner()
    assert runner.invoke(app, ["Chen"]).exit_code == 0
    assert runner.invoke(app, ["list"]).exit_code == 0
    assert runner.invoke(app, ["make", "list"]).exit_code == 0
    assert seen == [("make", "Chen"), ("list",), ("make", "list")]
    shown = runner.invoke(app, [])  # no_args_is_help: the group's help, not the default command
    assert "`thing NAME` makes one" in shown.output and seen[-1] == ("make", "list")
    refused = runner.invoke(app, ["--nonsense"])  # an option is never taken for an argument
    assert refused.exit_code == 2 and len(seen) == 3


def test_a_table_without_columns_shows_its_rows_keys_in_order(sample_run):
    paid = sample_run("payment", "add", "P00001", "40", "--method", "cash")
    assert paid.exit_code == 0, paid.output
    listed = sample_run("payment", "list")
    assert listed.exit_code == 0, listed.output
    header = next(line for line in listed.output.splitlines() if "received_on" in line)
    names = ["id", "received_on", "patient", "source", "kind", "method", "amount", "applied"]
    found = [header.index(name) for name in names]
    assert found == sorted(found), header
    rows = json.loads(sample_run("payment", "list", "--json").output)
    assert list(rows[0]) == [*names, "reference", "note"]
