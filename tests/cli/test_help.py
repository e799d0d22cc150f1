"""Help a person can act on: every option says what it takes, `--help` groups the commands by
when they are used, `--json` is accepted after the subcommand (issue 15)."""

from __future__ import annotations

import json

import typer.main
from typer._click import Context

from clinicbill.cli import HELP_SECTIONS, app


def _leaves(cmd, path=()):
    subs = getattr(cmd, "commands", None)
    if subs is None:
        yield " ".join(path), cmd
        return
    for name in list(subs):
        yield from _leaves(subs[name], (*path, name))


def test_every_option_has_help_and_a_metavar_that_says_what_it_takes():
    root = typer.main.get_command(app)
    problems = []
    for path, cmd in _leaves(root):
        ctx = Context(cmd)
        for param in cmd.params:
            if param.param_type_name != "option" or param.hidden:
                continue
            record = param.get_help_record(ctx)
            if record is None:
                continue
            opts, text = record
            if not text.strip():
                problems.append(f"{path} {opts}: no help")
            if "<" in opts:
                problems.append(f"{path} {opts}: metavar is a Python type")
    assert problems == []


def test_root_help_lists_daily_commands_first_and_hides_dev(run):
    result = run("--help")
    assert result.exit_code == 0
    out = result.output
    assert out.index("Daily:") < out.index("Front desk:") < out.index("Claims:")
    daily = out[out.index("Daily:") : out.index("Front desk:")]
    for name in ("session", "superbill", "aging"):
        assert f"  {name} " in daily
    assert "  dev " not in out
    assert "Other commands:" not in out, "every command belongs to a section"


def test_every_section_name_is_a_command():
    root = typer.main.get_command(app)
    names = set(root.commands)
    listed = [name for _, group in HELP_SECTIONS for name in group]
    assert len(listed) == len(set(listed))
    # sections may name commands of features not installed; at least every command is placed
    assert {n for n in names if not root.commands.stub(n).hidden} <= set(listed)


def test_json_after_the_subcommand(sample_run):
    run = sample_run
    before = run("--json", "patient", "list")
    after = run("patient", "list", "--json")
    assert after.exit_code == 0, after.output
    assert json.loads(after.output) == json.loads(before.output)
    shown = run("payer", "show", "1", "--json")
    assert json.loads(shown.output)["id"] == 1


def test_package_help_is_not_cut_mid_sentence(run):
    out = run("package", "--help").output
    line = next(ln for ln in out.splitlines() if ln.strip().startswith("add "))
    assert "(e.g." not in line and "10 massages" in line
