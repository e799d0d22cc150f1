"""Use cases for the practice itself (the billing provider, box 33) and its fee schedule:
`clinicbill init`, `practice show|edit`, `fee set`."""

from __future__ import annotations

from dataclasses import dataclass


def practice_field_rules() -> tuple[set[str], dict]:
    """(required field names, field -> cleaner) of the practice, to check answers as typed
    (the tax id accepts an EIN or an SSN)."""
    from clinicbill.domain.practice.records import PRACTICE_FIELDS, PRACTICE_REQUIRED
    from clinicbill.domain.validate import tax_id

    return PRACTICE_REQUIRED, {**PRACTICE_FIELDS, "tax_id": tax_id}


@dataclass(frozen=True)
class PracticeRecorded:
    practice: object  # the Practice row
    tax_id_note: str | None  # the advice shown when it bills under an SSN


def record_practice(session, values: dict) -> PracticeRecorded:
    """Record the practice of a new database (refused when one is already set up)."""
    from clinicbill.domain.practice.records import create_practice, tax_id_note

    practice = create_practice(session, **values)
    return PracticeRecorded(practice, tax_id_note(practice))


def load_sample_practice(session) -> dict:
    """The sample practice, its providers, payers, fees and patients; counts of each added."""
    from clinicbill.domain.practice.sample import load_sample

    return load_sample(session)


def get_practice(session):
    """The practice row (refused before `clinicbill init`)."""
    from clinicbill.domain.practice.records import get_practice as practice

    return practice(session)


@dataclass(frozen=True)
class PracticeChanged:
    changed: dict  # field -> new value, only what changed
    tax_id_note: str | None  # shown when the tax id changed to an SSN


def change_practice(session, changes: dict) -> PracticeChanged:
    """Change the given fields (None: unchanged) of the practice."""
    from clinicbill.domain.practice.records import edit_practice, tax_id_note

    changed = edit_practice(session, **changes)
    note = tax_id_note(get_practice(session)) if "tax_id" in changed else None
    return PracticeChanged(changed, note)


@dataclass(frozen=True)
class FeeSet:
    fee: object  # the FeeSchedule row
    payer_name: str | None  # None: the standard charge


def set_fee(session, code: str, amount: str, payer: str | None) -> FeeSet:
    """Set a code's standard charge, or the contracted amount of `payer` (id, payer id, name)."""
    from clinicbill.domain.practice.lookup import find_payer
    from clinicbill.domain.practice.records import set_fee as record_fee

    payer_row = find_payer(session, payer) if payer else None
    return FeeSet(record_fee(session, code, amount, payer_row), payer_row and payer_row.name)
