"""The practice (billing provider), rendering providers, payers and the fee schedule."""

from __future__ import annotations

from sqlalchemy import select

from clinicbill.domain import fields as f
from clinicbill.domain import validate as v
from clinicbill.domain.errors import ClinicbillError
from clinicbill.domain.practice.profiles import DEFAULT_PROFILE, PAYER_TYPES, PROFILE_NAMES
from clinicbill.store.models import FeeSchedule, Payer, Practice, Provider
from clinicbill.store.query import added

PRACTICE_FIELDS = {
    "name": f.text(60),
    "npi": f.NPI,
    "tax_id": lambda value, field: value,  # split into tax_id + tax_id_type by _tax
    "taxonomy": f.TAXONOMY,
    "address1": f.text(55),
    "address2": f.optional(f.text(55)),
    "city": f.text(30),
    "state": f.STATE,
    "zip": f.ZIP,
    "phone": f.PHONE,
    "email": f.optional(f.text(80)),
    "submitter_id": f.optional(f.text(15)),
    "receiver_id": f.optional(f.text(15)),
    "receiver_name": f.optional(f.text(60)),
    "contact_name": f.optional(f.text(60)),
    "signature_image": f.optional(f.text(300)),
    "x12_usage": f.upper(f.choice("t", "p")),
}
PRACTICE_REQUIRED = {
    "name",
    "npi",
    "tax_id",
    "taxonomy",
    "address1",
    "city",
    "state",
    "zip",
    "phone",
}

PROVIDER_FIELDS = {
    "first_name": f.text(35),
    "last_name": f.text(60),
    "credential": f.upper(f.text(10)),
    "npi": f.NPI,
    "taxonomy": f.TAXONOMY,
    "license": f.optional(f.text(30)),
    "license_state": f.optional(f.STATE),
    "active": f.boolean,
}
PROVIDER_REQUIRED = {"first_name", "last_name", "credential", "npi", "taxonomy"}

PAYER_FIELDS = {
    "name": f.text(60),
    "payer_id": f.optional(f.upper(f.text(80))),
    "type": f.choice(*PAYER_TYPES),
    "profile": f.choice(*PROFILE_NAMES),
    "timely_filing_days": f.optional(f.count),
    "address1": f.optional(f.text(55)),
    "city": f.optional(f.text(30)),
    "state": f.optional(f.STATE),
    "zip": f.optional(f.ZIP),
    "phone": f.optional(f.PHONE),
}
PAYER_REQUIRED = {"name", "type"}


def _tax(values: dict) -> dict:
    if values.get("tax_id") is not None:
        digits, kind = v.tax_id(values["tax_id"])
        values = {**values, "tax_id": digits, "tax_id_type": kind}
    return values


SSN_NOTE = (
    "note: the tax id is an SSN: claims (box 25, 837P) must carry it whole, while patient "
    "documents show only XXX-XX-{last4}; an EIN (free from the IRS) keeps your SSN off claims"
)


def tax_id_note(practice: Practice) -> str | None:
    """The one-line recommendation shown when a practice bills under an SSN."""
    if practice.tax_id_type != "SSN":
        return None
    return SSN_NOTE.format(last4=practice.tax_id[-4:])


def get_practice(session) -> Practice:
    practice = session.execute(select(Practice).limit(1)).scalar()
    if practice is None:
        raise ClinicbillError("practice: not set up yet", "run 'clinicbill init'")
    return practice


def create_practice(session, **values) -> Practice:
    if session.execute(select(Practice).limit(1)).scalar() is not None:
        raise ClinicbillError("practice: already set up", "use 'clinicbill practice edit'")
    cleaned = f.clean(PRACTICE_FIELDS, values, PRACTICE_REQUIRED)
    # A real practice sends production claims (ISA15 P); the sample and demo say T themselves.
    cleaned.setdefault("x12_usage", "P")
    practice = Practice(**_tax(cleaned))
    return added(session, practice)


def edit_practice(session, **changes) -> dict:
    practice = get_practice(session)
    changed = f.apply(practice, PRACTICE_FIELDS, changes)
    if "tax_id" in changed:
        digits = _tax({"tax_id": changes["tax_id"]})
        practice.tax_id, practice.tax_id_type = digits["tax_id"], digits["tax_id_type"]
    return changed


def add_provider(session, **values) -> Provider:
    cleaned = f.clean(PROVIDER_FIELDS, values, PROVIDER_REQUIRED)
    _refuse_duplicate_npi(session, cleaned["npi"])
    provider = Provider(**cleaned)
    return added(session, provider)


def _refuse_duplicate_npi(session, npi: str, own_id: int | None = None) -> None:
    other = session.execute(select(Provider).where(Provider.npi == npi)).scalar()
    if other is not None and other.id != own_id:
        raise ClinicbillError(
            f"npi: {npi} already belongs to provider {other.id}", "each provider has their own NPI"
        )


def edit_provider(session, provider: Provider, **changes) -> dict:
    if changes.get("npi"):
        _refuse_duplicate_npi(session, v.npi(changes["npi"]), provider.id)
    return f.apply(provider, PROVIDER_FIELDS, changes)


def add_payer(session, **values) -> Payer:
    if values.get("profile") is None and values.get("type"):
        values = {**values, "profile": DEFAULT_PROFILE.get(str(values["type"]).lower())}
    cleaned = f.clean(PAYER_FIELDS, values, PAYER_REQUIRED)
    if cleaned.get("payer_id"):
        _refuse_duplicate_payer_id(session, cleaned["payer_id"])
    payer = Payer(**cleaned)
    return added(session, payer)


def edit_payer(session, payer: Payer, **changes) -> dict:
    changed = f.apply(payer, PAYER_FIELDS, changes)
    if changed.get("payer_id"):
        _refuse_duplicate_payer_id(session, payer.payer_id, own_id=payer.id)
    return changed


def _refuse_duplicate_payer_id(session, payer_id: str, own_id: int | None = None) -> None:
    """A payer id names one payer: 835s and `payer show ID` find payers by it."""
    from sqlalchemy import func

    other = session.execute(
        select(Payer).where(func.upper(Payer.payer_id) == payer_id.upper())
    ).scalar()
    if other is not None and other.id != own_id:
        raise ClinicbillError(
            f"payer-id: {payer_id} is already payer {other.id} ({other.name})",
            f"use payer {other.id}, or check the payer id on the payer's list",
        )


def set_fee(session, code: str, amount: str, payer: Payer | None = None) -> FeeSchedule:
    """Standard charge for a code, or a payer's contracted amount when a payer is given."""
    from clinicbill.domain.money import parse_amount

    code = normalise_code(code)
    cents = parse_amount(amount, "amount", allow_zero=False)
    payer_id = payer.id if payer else None
    row = session.execute(
        select(FeeSchedule).where(FeeSchedule.code == code, FeeSchedule.payer_id == payer_id)
        if payer_id is not None
        else select(FeeSchedule).where(FeeSchedule.code == code, FeeSchedule.payer_id.is_(None))
    ).scalar()
    if row is None:
        row = FeeSchedule(code=code, payer_id=payer_id, amount_cents=cents)
        session.add(row)
    else:
        row.amount_cents = cents
    session.flush()
    return row


def standard_fee(session, code: str) -> int | None:
    """The practice's standard charge in cents for a code, if set."""
    return session.execute(
        select(FeeSchedule.amount_cents).where(
            FeeSchedule.code == code, FeeSchedule.payer_id.is_(None)
        )
    ).scalar()


def normalise_code(code: str) -> str:
    text = (code or "").strip().upper()
    if not (len(text) == 5 and text.isalnum()):
        raise ClinicbillError(
            f"code: '{text[:20]}' is not a CPT/HCPCS code", "5 characters, e.g. 97124 or G0283"
        )
    return text
