"""Field specs: one validator per field, shared by add and edit of every record.

A spec maps a model field to a cleaner `(value, field_name) -> stored value`. `clean` runs them
all before anything is written, so a refusal leaves the database untouched.

`from_row` goes the other way: a result record whose fields carry the names of a row's columns
is built from the row, naming only the fields that differ.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any, TypeVar

from clinicbill.domain import validate as v
from clinicbill.domain.errors import ClinicbillError, MissingValue

Cleaner = Callable[[Any, str], Any]


def text(max_len: int = 60) -> Cleaner:
    return lambda value, field: v.required_text(value, field, max_len)


def optional(cleaner: Cleaner) -> Cleaner:
    def run(value, field):
        if value is None or (isinstance(value, str) and not value.strip()):
            return None
        return cleaner(value, field)

    return run


def choice(*options: str) -> Cleaner:
    def run(value, field):
        text_value = str(value).strip().lower()
        if text_value not in options:
            raise ClinicbillError(
                f"{field}: '{str(value)[:30]}' is not accepted", "use one of " + ", ".join(options)
            )
        return text_value

    return run


def boolean(value, field):
    if isinstance(value, bool):
        return value
    text_value = str(value).strip().lower()
    if text_value in {"y", "yes", "true", "1"}:
        return True
    if text_value in {"n", "no", "false", "0"}:
        return False
    raise ClinicbillError(f"{field}: '{str(value)[:30]}' is not yes or no", "use yes or no")


def count(value, field):
    try:
        number = int(str(value).strip())
    except ValueError:
        raise ClinicbillError(
            f"{field}: '{str(value)[:30]}' is not a whole number", "use 0 or more"
        ) from None
    if number < 0 or number > 100_000:
        raise ClinicbillError(f"{field}: {number} is out of range", "use 0 to 100000")
    return number


def money(value, field):
    from clinicbill.domain.money import parse_amount

    return parse_amount(value, field)


def date_field(value, field):
    return v.parse_date(value, field)


def past_date(value, field):
    return v.parse_date(value, field, allow_future=False)


def upper(cleaner: Cleaner) -> Cleaner:
    return lambda value, field: cleaner(value, field).upper()


NPI: Cleaner = v.npi
ACCOUNT_NUMBER: Cleaner = v.account_number
TAXONOMY: Cleaner = v.taxonomy
STATE: Cleaner = v.state
ZIP: Cleaner = v.zip_code
PHONE: Cleaner = v.phone
SEX: Cleaner = v.sex
RELATIONSHIP: Cleaner = v.relationship
PRIORITY: Cleaner = v.priority


def kebab(name: str) -> str:
    return name.replace("_", "-")


def clean(spec: dict[str, Cleaner], values: dict[str, Any], required: set[str]) -> dict:
    """Validate every given value; refuse a missing required one. Returns stored values."""
    missing = [kebab(name) for name in spec if name in required and values.get(name) is None]
    if missing:
        raise MissingValue(missing)
    out = {}
    for name, cleaner in spec.items():
        value = values.get(name)
        if value is None:
            continue
        out[name] = cleaner(value, kebab(name))
    unknown = set(values) - set(spec)
    if unknown:  # pragma: no cover - programming error
        raise TypeError(f"unknown fields: {sorted(unknown)}")
    return out


def apply(obj, spec: dict[str, Cleaner], changes: dict[str, Any]) -> dict:
    """Validate and apply an edit; None means unchanged. Returns what changed."""
    cleaned = clean(spec, {k: v for k, v in changes.items() if v is not None}, set())
    changed = {}
    for name, value in cleaned.items():
        if getattr(obj, name) != value:
            setattr(obj, name, value)
            changed[name] = value
    return changed


R = TypeVar("R")


def from_row(record: type[R], row, **given) -> R:
    """The dataclass `record` built from `row`: each field not in `given` is the row's attribute
    of the same name (a model, or a result row with labelled columns). A field the row lacks is
    an AttributeError naming both. Not for hot paths (a loop over fields per record)."""
    values = {}
    for field in dataclasses.fields(record):
        if field.name in given or not field.init:
            continue
        try:
            values[field.name] = getattr(row, field.name)
        except AttributeError:
            raise AttributeError(
                f"{record.__name__}.{field.name}: the row has no attribute '{field.name}'"
            ) from None
    return record(**values, **given)
