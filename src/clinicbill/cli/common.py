"""Small helpers shared by command modules: options, prompts, transactions, model output."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated

import typer
from typer.core import TyperCommand, TyperGroup

from clinicbill.cli.context import STATE, tty

Output = Annotated[
    str | None,
    typer.Option(
        "-o",
        "--output",
        help="Where to write the file ('-' for standard output; default: a name in the "
        "current folder). An existing file is kept unless --force.",
    ),
]
Force = Annotated[bool, typer.Option("--force", help="Replace an existing output file.")]
PatientArg = Annotated[str, typer.Argument(help="Patient id, account or name.")]
OnlyPatientArg = Annotated[str | None, typer.Argument(help="Only this patient.")]


class AmountCommand(TyperCommand):
    """A command taking a dollar amount as an argument (`adjust P00001 5`). Click reads `-5`
    there as an unknown option; this hands it to the amount parser instead, so a negative
    amount gets the amount's own refusal (`amount: '-5' is negative`)."""

    def parse_args(self, ctx, args):
        from typer._click.exceptions import NoSuchOption

        given = list(args)  # the parser consumes the list it is given
        try:
            return super().parse_args(ctx, args)
        except NoSuchOption as exc:
            import re

            if re.match(r"-[$0-9.,]", exc.option_name or ""):
                from clinicbill.domain.money import parse_amount

                for arg in given:
                    if re.fullmatch(r"-\$?[0-9.,]+", arg):
                        parse_amount(arg, "amount")  # refuses it, naming the field
            raise


def prompted_options(fields: dict[str, tuple[str, str | None]]) -> tuple[dict, dict]:
    """A table of text fields, name -> (prompt label, option help; None: the help of
    cli/option_docs.py), as the prompts of ask_missing and the options of with_options, both in
    the table's order."""
    prompts = {name: prompt for name, (prompt, _help) in fields.items()}
    options = {
        name: Annotated[str | None, typer.Option(help=help_)]
        for name, (_prompt, help_) in fields.items()
    }
    return prompts, options


def group_with_default(default: str, help: str) -> typer.Typer:
    """A command group whose first word, when it is neither one of its commands nor an option,
    is the first argument of its `default` command (`statement PATIENT` runs `statement patient
    PATIENT`, while `statement year ...` stays the year command)."""

    class DefaultingGroup(TyperGroup):
        def resolve_command(self, ctx, args):
            if args and args[0] not in self.commands and not args[0].startswith("-"):
                args = [default, *args]
            return super().resolve_command(ctx, args)

    return typer.Typer(cls=DefaultingGroup, help=help, no_args_is_help=True)


def with_options(options: dict):
    """A decorator for `command(arguments..., own options..., **fields)`: Typer sees the
    `options` (name -> Annotated option type, in option order) between the command's arguments
    and its own options, and the command gets their values in `fields` (Typer reads
    `__signature__`). A flag (bool) defaults to False, any other option to None."""

    def decorate(command):
        import inspect
        from typing import get_args

        signature = inspect.signature(command, eval_str=True)
        own = [p for p in signature.parameters.values() if p.kind != p.VAR_KEYWORD]
        arguments = [p for p in own if _is_argument(p)]
        shared = [
            inspect.Parameter(
                name,
                inspect.Parameter.POSITIONAL_OR_KEYWORD,
                default=False if get_args(option)[0] is bool else None,
                annotation=option,
            )
            for name, option in options.items()
        ]
        rest = [p for p in own if p not in arguments]
        command.__signature__ = signature.replace(parameters=[*arguments, *shared, *rest])
        return command

    return decorate


def _is_argument(parameter) -> bool:
    from typing import get_args

    from typer.models import ArgumentInfo

    return any(isinstance(m, ArgumentInfo) for m in get_args(parameter.annotation)[1:])


@contextmanager
def unit_of_work() -> Iterator:
    """One command = one transaction (STYLE.md)."""
    from clinicbill.store.engine import transaction

    with transaction(STATE.db, STATE.user) as session:
        yield session


REQUIRED_ANSWER = "required: type a value"


def answer_check(
    cleaner=None, field: str = "", required: bool = False, required_message=REQUIRED_ANSWER
):
    """A questionary validator from a domain field cleaner: the answer is checked at its
    prompt, and a refusal is shown there (message and hint) so the user types it again."""
    from clinicbill.domain.errors import ClinicbillError

    def check(text: str):
        if not text.strip():
            return required_message if required else True
        if cleaner is None:
            return True
        try:
            cleaner(text, field)
        except ClinicbillError as exc:
            return exc.message + (f" ({exc.hint})" if exc.hint else "")
        return True

    return check


def asker(
    prompts: dict[str, str],
    fields: dict | None,
    required: set[str],
    required_message: str = REQUIRED_ANSWER,
):
    """ask_one(name, default=None): one prompt for a value, prefilled with `default`, its
    answer checked at the prompt by the domain's cleaner in `fields` (None when left empty)."""
    fields = fields or {}

    def ask_one(name: str, default=None):
        check = answer_check(
            fields.get(name), name.replace("_", "-"), name in required, required_message
        )
        suffix = "" if name in required else " (optional)"
        answer = (
            questions()
            .text(f"{prompts[name]}{suffix}:", default=str(default or ""), validate=check)
            .unsafe_ask()
        )
        return answer.strip() or None

    return ask_one


def ask_missing(
    values: dict,
    prompts: dict[str, str],
    required: set[str],
    fields: dict | None = None,
    skip=None,
    required_message: str = REQUIRED_ANSWER,
    defaults: dict | None = None,
) -> dict:
    """On a TTY, prompt for each missing value in the order of `prompts` (required ones insist;
    each answer is checked at its prompt by the domain's cleaner in `fields`; `defaults`
    prefill the prompts); otherwise leave them missing so the domain refuses with the option's
    name. `skip(name, answers)` passes over a question that does not apply to the answers so
    far."""
    if not tty():
        return values
    ask_one = asker(prompts, fields, required, required_message)
    out = dict(values)
    for name in prompts:
        if out.get(name) is not None or (skip is not None and skip(name, out)):
            continue
        out[name] = ask_one(name, (defaults or {}).get(name))
    return out


def model_data(obj) -> dict:
    """A model's fields in declaration order (model_dump's order follows load history)."""
    if obj is None:
        return {}
    return {name: getattr(obj, name) for name in type(obj).model_fields}


def show(obj, title: str | None = None, extra: dict | None = None) -> None:
    from clinicbill.cli.render import record

    data = model_data(obj)
    if extra:
        data.update(extra)
    record(data, title)


def changed_message(label: str, ident, changed: dict) -> str:
    name = f"{label} {ident}" if ident not in (None, "") else label
    if not changed:
        return f"{name}: nothing changed"
    return f"{name}: updated " + ", ".join(k.replace("_", "-") for k in changed)


def questions():
    """The prompt library (questionary), imported when a prompt is first shown."""
    import questionary

    return questionary


def read(fn, *args):
    """Run a look-up `fn(session, *args)` in its own short transaction (between prompts)."""
    with unit_of_work() as session:
        return fn(session, *args)
