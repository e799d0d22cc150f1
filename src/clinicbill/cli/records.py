"""`add` and `edit` commands built from a table of fields, for the records that differ only
by their fields (patient, provider, payer).

A `Record` lists its fields once, in option order; `add_command` and `edit_command` turn it
into a Typer command whose signature is made from that list (Typer reads `__signature__`), so
a new field is one line in the table and both commands gain its option. Each command parses,
opens the unit of work, calls one use case of app/records.py and renders what it returns.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Annotated

import typer


@dataclass(frozen=True)
class Field:
    name: str  # the keyword the domain takes; the option is --name-with-dashes
    help: str | None = None  # on `add`; `edit` leaves it to cli/option_docs.py
    flag: str | None = None  # a boolean's declaration, e.g. "--active/--inactive"
    add_default: object = None  # a boolean flag's default on `add`
    on_add: bool = True


@dataclass(frozen=True)
class Record:
    kind: str  # patient, provider, payer: the command group and the use cases' key
    fields: tuple[Field, ...]
    ref_help: str  # the help of `edit`'s positional reference
    prompts: dict[str, str] | None  # what `add` asks for on a terminal (None: every field)
    added: Callable  # the row added -> the rest of the "added" line
    extra_add: tuple[inspect.Parameter, ...] = field(default_factory=tuple)


def _option(spec: Field, mode: str) -> inspect.Parameter:
    decls = (spec.flag,) if spec.flag else ()
    help_ = spec.help if mode == "add" else None
    info = typer.Option(*decls, help=help_) if help_ else typer.Option(*decls)
    if spec.flag and mode == "add":
        kind, default = bool, spec.add_default
    else:
        kind, default = (bool | None if spec.flag else str | None), None
    return inspect.Parameter(
        spec.name,
        inspect.Parameter.POSITIONAL_OR_KEYWORD,
        default=default,
        annotation=Annotated[kind, info],
    )


def _command(name: str, doc: str, params: list[inspect.Parameter], run: Callable) -> Callable:
    def command(**values) -> None:
        run(values)

    command.__name__ = command.__qualname__ = name
    command.__doc__ = doc
    command.__signature__ = inspect.Signature(params, return_annotation=None)
    command.__annotations__ = {p.name: p.annotation for p in params}
    return command


def add_command(record: Record, doc: str) -> Callable:
    """`<kind> add`: every field of the table as an option, then the record's extra options."""
    fields = [f for f in record.fields if f.on_add]
    params = [_option(f, "add") for f in fields] + list(record.extra_add)
    names = [f.name for f in fields]

    def run(values: dict) -> None:
        from clinicbill.app.records import add_record, field_rules
        from clinicbill.cli.common import ask_missing, unit_of_work
        from clinicbill.cli.render import done

        given = {n: values.pop(n) for n in names}
        required, cleaners = field_rules(record.kind)
        prompts = record.prompts or {n: n.replace("_", " ").capitalize() for n in names}
        given = ask_missing(given, prompts, required, cleaners)
        with unit_of_work() as session:
            row = add_record(session, record.kind, given, values)
            message, data = f"{record.kind} {row.id} added: {record.added(row)}", row.model_dump()
        done(message, data)

    return _command(f"{record.kind}_add", doc, params, run)


def edit_command(record: Record, doc: str) -> Callable:
    """`<kind> edit REF`: every field as an option that changes it when given."""
    ref = inspect.Parameter(
        record.kind,
        inspect.Parameter.POSITIONAL_OR_KEYWORD,
        annotation=Annotated[str, typer.Argument(help=record.ref_help)],
    )
    params = [ref] + [_option(f, "edit") for f in record.fields]

    def run(values: dict) -> None:
        from clinicbill.app.records import edit_record
        from clinicbill.cli.common import changed_message, unit_of_work
        from clinicbill.cli.render import done

        reference = values.pop(record.kind)
        with unit_of_work() as session:
            edited = edit_record(session, record.kind, reference, values)
            message = changed_message(record.kind, edited.id, edited.changed)
        done(message, edited.changed)

    return _command(f"{record.kind}_edit", doc, params, run)


PATIENT = Record(
    kind="patient",
    fields=(
        Field("first_name"),
        Field("last_name"),
        Field("middle_name"),
        Field("dob", "Date of birth, YYYY-MM-DD."),
        Field("sex", "F, M or U."),
        Field("account_number", "Default: the next P-number."),
        Field("address1"),
        Field("address2"),
        Field("city"),
        Field("state"),
        Field("zip"),
        Field("phone"),
        Field("email"),
        # a new patient has both on file unless told otherwise (CMS-1500 boxes 12 and 13)
        Field(
            "signature_on_file", flag="--signature-on-file/--no-signature-on-file", add_default=True
        ),
        Field(
            "assignment_on_file",
            flag="--assignment-on-file/--no-assignment-on-file",
            add_default=True,
        ),
    ),
    ref_help="Id, account or name.",
    prompts={
        "first_name": "First name",
        "last_name": "Last name",
        "dob": "Date of birth (MM/DD/YYYY or YYYY-MM-DD)",
        "sex": "Sex (F/M/U)",
    },
    added=lambda row: f"account {row.account_number}",
    extra_add=(
        inspect.Parameter(
            "allow_duplicate",
            inspect.Parameter.POSITIONAL_OR_KEYWORD,
            default=False,
            annotation=Annotated[
                bool,
                typer.Option(
                    "--allow-duplicate",
                    help="Add even when a patient with the same name and date of birth is on file.",
                ),
            ],
        ),
    ),
)
PROVIDER = Record(
    kind="provider",
    fields=(
        Field("first_name"),
        Field("last_name"),
        Field("credential", "LMT, LAc, DC, MD, DPT ..."),
        Field("npi", "Individual (type 1) NPI."),
        Field("taxonomy", "225700000X massage, 171100000X acupuncture"),
        Field("license", "State license number."),
        Field("license_state"),
        Field("active", flag="--active/--inactive", on_add=False),
    ),
    ref_help="Id, NPI or name.",
    prompts=None,  # every field `add` takes, by its name
    added=lambda row: row.display_name,
)

PAYER = Record(
    kind="payer",
    fields=(
        Field("name"),
        Field("payer_id", "Electronic payer id."),
        Field(
            "type",
            "commercial, medicare, medicare-advantage, medicaid, workers-comp, auto, self-pay",
        ),
        Field("profile", "Rule profile (default from the type)."),
        Field("timely_filing_days", "Override the profile's limit."),
        Field("address1"),
        Field("city"),
        Field("state"),
        Field("zip"),
        Field("phone"),
    ),
    ref_help="Id, payer id or name.",
    prompts={"name": "Payer name", "payer_id": "Payer id", "type": "Type"},
    added=lambda row: f"{row.name} ({row.type}; rules: {row.profile})",
)
