"""Benefit verification notes (SPEC §4.3): an append-only history per policy.

No function here edits or deletes a note; a correction is a new note whose `corrects_id` names
the note it replaces (store/models/coverage.py also refuses an update or delete at flush).
Which note applies to a visit, and the plan year it defines, are decided here too.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import select

from clinicbill.domain import fields as f
from clinicbill.domain import validate as v
from clinicbill.domain.errors import ClinicbillError
from clinicbill.domain.money import fmt, to_decimal
from clinicbill.store.models import Policy, Verification
from clinicbill.store.query import added

METHODS = ("phone", "portal", "271")


def long_text(max_len: int) -> f.Cleaner:
    """Free text that may span lines (exclusions, notes)."""
    return f.optional(lambda value, field: v.multiline_text(str(value).strip(), field, max_len))


def percent(value, field):
    number = f.count(value, field)
    if number > 100:
        raise ClinicbillError(f"{field}: {number} is more than 100", "a percentage, 0 to 100")
    return number


def positive_count(value, field):
    number = f.count(value, field)
    if number == 0:
        raise ClinicbillError(f"{field}: 0 is not accepted", "use 1 or more, or leave it out")
    return number


# Keyed by what a person types (the CLI flag names), in the order a benefits call goes (the CLI
# prompts in this order); COLUMNS maps the few that are stored under another name.
VERIFICATION_FIELDS: dict[str, f.Cleaner] = {
    "method": f.choice(*METHODS),
    "representative": f.optional(f.text(60)),
    "call_reference": f.optional(f.text(50)),
    "in_network": f.optional(f.boolean),
    "massage_covered": f.optional(f.boolean),
    "acupuncture_covered": f.optional(f.boolean),
    "visit_limit": f.optional(f.count),
    "visits_used": f.optional(f.count),
    "plan_year_start": f.optional(f.date_field),
    "deductible": f.optional(f.money),
    "deductible_met": f.optional(f.money),
    "oop_max": f.optional(f.money),
    "oop_met": f.optional(f.money),
    "copay": f.optional(f.money),
    "coinsurance": f.optional(percent),
    "preauth_required": f.optional(f.boolean),
    "referral_required": f.optional(f.boolean),
    "exclusions": long_text(2000),
    "notes": long_text(4000),
    "reverify_by": f.optional(f.date_field),
    "verified_by": f.text(60),
}
VERIFICATION_REQUIRED = {"method", "verified_by"}
COLUMNS = {
    "visits_used": "visits_used_reported",
    "deductible": "deductible_cents",
    "deductible_met": "deductible_met_cents",
    "oop_max": "oop_max_cents",
    "oop_met": "oop_met_cents",
    "copay": "copay_cents",
    "coinsurance": "coinsurance_pct",
}


def parse_verified_at(value: str | date | datetime, field: str = "verified-at") -> datetime:
    """When the benefits were checked: a date (noon local time) or an ISO date-time; not future."""
    if isinstance(value, datetime):
        moment = value if value.tzinfo else value.astimezone()
    elif isinstance(value, date):
        moment = datetime.combine(value, time(12, 0)).astimezone()
    else:
        text = str(value).strip()
        if len(text) > 10:
            try:
                parsed = datetime.fromisoformat(text)
            except ValueError:
                raise ClinicbillError(
                    f"{field}: '{text[:30]}' is not a date or date-time",
                    "use YYYY-MM-DD or YYYY-MM-DDTHH:MM",
                ) from None
            moment = parsed if parsed.tzinfo else parsed.astimezone()
        else:
            moment = datetime.combine(v.parse_date(text, field), time(12, 0)).astimezone()
    moment = moment.astimezone(UTC)
    if moment > datetime.now(UTC) + timedelta(minutes=5):
        raise ClinicbillError(
            f"{field}: {local_date(moment).isoformat()} is in the future",
            "record a verification that has happened",
        )
    return moment


def local_date(moment: datetime) -> date:
    """The practice's calendar day of a stored UTC timestamp."""
    return moment.astimezone().date()


def add_verification(
    session, policy: Policy, *, corrects_id: int | str | None = None, verified_at=None, **values
) -> Verification:
    """Record a benefit verification note (never edited later). A correction names the note it
    corrects (same policy) and carries every value of that note that it does not give anew,
    the verification time included (`corrected_fields` tells what it changed)."""
    corrected = None
    if corrects_id is not None:
        text = str(corrects_id).strip()
        corrected = session.get(Verification, int(text)) if text.isdigit() else None
        if corrected is None or corrected.policy_id != policy.id:
            raise ClinicbillError(
                f"corrects: '{text[:20]}' is not a verification of policy {policy.id}",
                f"see 'clinicbill verify list {policy.id}'",
            )
        values = _carried(corrected, values)
    cleaned = f.clean(VERIFICATION_FIELDS, values, VERIFICATION_REQUIRED)
    if verified_at is not None:
        cleaned["verified_at"] = parse_verified_at(verified_at)
    elif corrected is not None:
        cleaned["verified_at"] = corrected.verified_at
    _check_amounts(cleaned)
    cleaned = {COLUMNS.get(name, name): value for name, value in cleaned.items()}
    when = local_date(cleaned.get("verified_at") or datetime.now(UTC))
    if cleaned.get("reverify_by") and cleaned["reverify_by"] < when:
        raise ClinicbillError(
            f"reverify-by: {cleaned['reverify_by']} is before the verification ({when})",
            "give a date on or after the call",
        )
    note = Verification(policy_id=policy.id, corrects_id=corrected and corrected.id, **cleaned)
    return added(session, note)


# Who recorded a note and how are the correction's own; every other value carries over.
_NOT_CARRIED = {"method", "verified_by"}


def _carried(corrected: Verification, values: dict) -> dict:
    """The values of a correction: the given ones, else the corrected note's (as typed)."""
    out = dict(values)
    for name in VERIFICATION_FIELDS:
        if name in _NOT_CARRIED or out.get(name) is not None:
            continue
        stored = getattr(corrected, COLUMNS.get(name, name))
        if stored is None:
            continue
        if name in ("deductible", "deductible_met", "oop_max", "oop_met", "copay"):
            stored = str(to_decimal(stored))
        elif isinstance(stored, bool):
            stored = "yes" if stored else "no"
        elif isinstance(stored, date):
            stored = stored.isoformat()
        out[name] = str(stored)
    return out


def note_values(note: Verification) -> dict:
    """A note's values as typed (what a correction starts from), by option name."""
    return _carried(note, {})


def corrected_fields(session, note: Verification) -> list[str]:
    """The option names whose values a correction changed from the note it corrects."""
    if note.corrects_id is None:
        return []
    old = session.get(Verification, note.corrects_id)
    return [
        f.kebab(name)
        for name in VERIFICATION_FIELDS
        if name not in _NOT_CARRIED
        and getattr(old, COLUMNS.get(name, name)) != getattr(note, COLUMNS.get(name, name))
    ]


def _check_amounts(values: dict) -> None:
    for met, total, label in (
        ("deductible_met", "deductible", "deductible"),
        ("oop_met", "oop_max", "out-of-pocket maximum"),
    ):
        if values.get(met) is not None and values.get(total) is not None:
            if values[met] > values[total]:
                raise ClinicbillError(
                    f"{f.kebab(met)}: {fmt(values[met])} is more than the "
                    f"{label} {fmt(values[total])}",
                    f"the amount met is at most the {label}",
                )


def history(session, policy_id: int) -> list[Verification]:
    """Every note of a policy, oldest first (by verification time, then entry order)."""
    return list(
        session.execute(
            select(Verification)
            .where(Verification.policy_id == policy_id)
            .order_by(Verification.verified_at, Verification.id)
        )
        .scalars()
        .all()
    )


def corrected_by(notes: list[Verification]) -> dict[int, int]:
    """Note id -> id of the (latest) note that corrects it."""
    out: dict[int, int] = {}
    for note in sorted(notes, key=lambda n: n.id):
        if note.corrects_id is not None:
            out[note.corrects_id] = note.id
    return out


def standing_notes(notes: list[Verification]) -> list[Verification]:
    """Notes no later note corrects, newest first."""
    superseded = corrected_by(notes)
    alive = [n for n in notes if n.id not in superseded]
    return sorted(alive, key=lambda n: (n.verified_at, n.id), reverse=True)


def same_day(year: int, month: int, day: int) -> date:
    """The date in a year with a month/day, Feb 29 falling back to Feb 28."""
    try:
        return date(year, month, day)
    except ValueError:
        return date(year, month, 28)


def plan_year(on: date, start: date | None) -> tuple[date, date]:
    """The plan year containing a date: from the anniversary of `start` (Jan 1 without one)."""
    month, day = (start.month, start.day) if start else (1, 1)
    begin = same_day(on.year, month, day)
    if begin > on:
        begin = same_day(on.year - 1, month, day)
    following = same_day(begin.year + 1, month, day)
    return begin, following - timedelta(days=1)


def applicable_note(notes: list[Verification], on: date) -> Verification | None:
    """The note that speaks for a visit: the newest standing note taken no later than the end of
    the visit's plan year (a call after the visit but in its plan year still documents it; a call
    in a later plan year does not), else None."""
    for note in standing_notes(notes):
        _, end = plan_year(on, note.plan_year_start)
        if local_date(note.verified_at) <= end:
            return note
    return None


def current_note(session, policy_id: int, on: date | None = None) -> Verification | None:
    """The note that applies on a date (default today)."""
    return applicable_note(history(session, policy_id), on or date.today())


def describe(note: Verification) -> str:
    """One line a biller reads at the front desk."""

    def yes_no(value, what):
        return None if value is None else f"{what} {'covered' if value else 'NOT covered'}"

    parts = [
        f"verified {local_date(note.verified_at)} by {note.method}"
        + (f" (ref {note.call_reference})" if note.call_reference else ""),
    ]
    if note.in_network is not None:
        parts.append("in network" if note.in_network else "OUT of network")
    parts.extend(
        p
        for p in (
            yes_no(note.massage_covered, "massage"),
            yes_no(note.acupuncture_covered, "acupuncture"),
        )
        if p
    )
    if note.copay_cents is not None:
        parts.append(f"copay {fmt(note.copay_cents)}")
    if note.coinsurance_pct is not None:
        parts.append(f"coinsurance {note.coinsurance_pct}%")
    if note.deductible_cents is not None:
        met = f", {fmt(note.deductible_met_cents)} met" if note.deductible_met_cents else ""
        parts.append(f"deductible {fmt(note.deductible_cents)}{met}")
    if note.reverify_by:
        parts.append(f"re-verify by {note.reverify_by}")
    return f"verification {note.id}: " + "; ".join(parts)


def stale_reason(note: Verification, on: date) -> str | None:
    """Why a note no longer speaks for a visit on `on`, or None while it does."""
    if note.reverify_by and on > note.reverify_by:
        return f"was due for re-verification by {note.reverify_by}"
    verified = local_date(note.verified_at)
    if plan_year(verified, note.plan_year_start) < plan_year(on, note.plan_year_start):
        return f"({verified}) is from an earlier plan year"
    return None


@dataclass(frozen=True)
class Allowance:
    """Plan-year visits: limit, the practice's count, the payer's count, and what remains."""

    plan_year_start: date
    plan_year_end: date
    limit: int | None
    practice: int
    payer: int | None
    remaining: int | None  # limit - max(practice, payer)


def allowance(
    note: Verification | None, on: date, practice: int, profile_limit: int | None
) -> Allowance:
    """Visits remaining in the plan year of `on`, given the practice's own count in it. The
    payer's count is used only when the note was taken in that same plan year; the note's limit
    wins over the payer profile's."""
    start, end = plan_year(on, note.plan_year_start if note else None)
    payer = None
    if note is not None and note.visits_used_reported is not None:
        if plan_year(local_date(note.verified_at), note.plan_year_start)[0] == start:
            payer = note.visits_used_reported
    limit = note.visit_limit if note and note.visit_limit is not None else profile_limit
    left = None if limit is None else limit - max(practice, payer or 0)
    return Allowance(start, end, limit, practice, payer, left)
