"""Prior authorizations and referrals/prescriptions, and what the linked sessions used of them.

Visits and units used are DERIVED from the non-void encounters linked to an authorization or
referral (Encounter.authorization_id / referral_id), never stored, so they cannot drift.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select

from clinicbill.domain import fields as f
from clinicbill.domain.errors import ClinicbillError, MissingValue
from clinicbill.store.models import (
    Authorization,
    Encounter,
    Patient,
    Policy,
    Referral,
    ServiceLine,
)
from clinicbill.store.query import added

QUALIFIERS = {"DN": "referring", "DK": "ordering"}
NEAR_EXHAUSTION_VISITS = 2  # flag an authorization this many visits from running out


def procedure_codes(value, field: str = "codes") -> tuple[str, ...]:
    """CPT/HCPCS codes typed as `97124,97140` (or a list): 5 characters each, de-duplicated."""
    items = value if isinstance(value, list | tuple) else str(value).split(",")
    out: list[str] = []
    for item in items:
        code = str(item).strip().upper()
        if not code:
            continue
        if not re.fullmatch(r"[A-Z0-9]{5}", code):
            raise ClinicbillError(
                f"{field}: '{code[:20]}' is not a CPT/HCPCS code",
                "5 characters each, comma-separated, e.g. 97124,97140",
            )
        if code not in out:
            out.append(code)
    return tuple(out)


def auth_codes(auth: Authorization) -> frozenset[str] | None:
    """The codes an authorization covers; None covers every code."""
    return frozenset(auth.codes.split(",")) if auth.codes else None


def auth_covers_code(auth: Authorization, code: str) -> bool:
    codes = auth_codes(auth)
    return codes is None or code in codes


AUTH_FIELDS: dict[str, f.Cleaner] = {
    "number": f.upper(f.text(50)),
    "start_date": f.date_field,
    "end_date": f.date_field,
    "visits_authorized": f.optional(lambda value, field: _positive(value, field)),
    "units_authorized": f.optional(lambda value, field: _positive(value, field)),
}
AUTH_REQUIRED = {"number", "start_date", "end_date"}


def _positive(value, field):
    number = f.count(value, field)
    if number == 0:
        raise ClinicbillError(f"{field}: 0 is not accepted", "use 1 or more, or leave it out")
    return number


def add_authorization(session, policy: Policy, *, codes=None, **values) -> Authorization:
    """Record a prior authorization for a policy (REF*G1 / box 23)."""
    cleaned = f.clean(AUTH_FIELDS, values, AUTH_REQUIRED)
    if cleaned["end_date"] < cleaned["start_date"]:
        raise ClinicbillError(
            f"end: {cleaned['end_date']} is before start {cleaned['start_date']}",
            "the authorization ends on or after it starts",
        )
    if cleaned.get("visits_authorized") is None and cleaned.get("units_authorized") is None:
        raise MissingValue(["visits"], "give --visits or --units (or both) as authorized")
    taken = session.execute(
        select(Authorization.id).where(
            Authorization.policy_id == policy.id, Authorization.number == cleaned["number"]
        )
    ).scalar()
    if taken is not None:
        raise ClinicbillError(
            f"number: {cleaned['number']} is already authorization {taken} on this policy",
            f"see 'clinicbill auth show {taken}'",
        )
    covered = procedure_codes(codes) if codes else ()
    auth = Authorization(policy_id=policy.id, codes=",".join(covered) or None, **cleaned)
    return added(session, auth)


REFERRAL_FIELDS: dict[str, f.Cleaner] = {
    "first_name": f.text(35),
    "last_name": f.text(60),
    "npi": f.NPI,
    "qualifier": lambda value, field: _qualifier(value, field),
    "number": f.optional(f.upper(f.text(30))),
    "referral_date": f.past_date,
    "visits_ordered": f.optional(_positive),
    "expires_on": f.optional(f.date_field),
}


def _qualifier(value, field):
    code = str(value).strip().upper()
    if code not in QUALIFIERS:
        raise ClinicbillError(
            f"{field}: '{code[:10]}' is not accepted", "use DN (referring) or DK (ordering)"
        )
    return code


REFERRAL_REQUIRED = {"first_name", "last_name", "npi", "referral_date"}


def referral_diagnoses(value, on: date) -> tuple[str, ...]:
    """ICD-10-CM codes on a referral, each billable on the referral date
    (domain/codesets/icd.py)."""
    from clinicbill.domain.codesets.icd import check_billable

    items = value if isinstance(value, list | tuple) else str(value).split(",")
    codes: list[str] = []
    for item in items:
        if not str(item).strip():
            continue
        code = check_billable(str(item).strip(), on, field="dx")
        if code not in codes:
            codes.append(code)
    if len(codes) > 12:
        raise ClinicbillError(f"dx: {len(codes)} diagnoses", "at most 12")
    return tuple(codes)


def add_referral(
    session, patient: Patient, *, policy: Policy | None = None, diagnoses=None, **values
) -> Referral:
    """Record a prescription/referral (box 17, 2310A NM1*DN or DK) for a patient."""
    values.setdefault("qualifier", "DN")
    cleaned = f.clean(REFERRAL_FIELDS, values, REFERRAL_REQUIRED)
    if policy is not None and policy.patient_id != patient.id:
        raise ClinicbillError(
            f"policy: {policy.id} is not patient {patient.id}'s policy",
            f"see 'clinicbill policy list {patient.id}'",
        )
    if cleaned.get("expires_on") and cleaned["expires_on"] < cleaned["referral_date"]:
        raise ClinicbillError(
            f"expires: {cleaned['expires_on']} is before the referral date "
            f"{cleaned['referral_date']}",
            "a referral expires after it is written",
        )
    codes = referral_diagnoses(diagnoses, cleaned["referral_date"]) if diagnoses else ()
    referral = Referral(
        patient_id=patient.id,
        policy_id=policy.id if policy else None,
        diagnoses=",".join(codes) or None,
        **cleaned,
    )
    return added(session, referral)


# --- usage, derived from linked encounters -------------------------------------------------


@dataclass(frozen=True)
class Usage:
    visits: int = 0
    units: int = 0


def visits_before(service_date: date, encounter_id: int | None):
    """Encounters that come before a visit: earlier dates, or the same day entered earlier (a
    visit not yet stored comes after everything on its day)."""
    if encounter_id is None:
        return Encounter.service_date <= service_date
    return (Encounter.service_date < service_date) | (
        (Encounter.service_date == service_date) & (Encounter.id < encounter_id)
    )


def _linked_visits(link, ids, before: tuple[date, int | None] | None) -> list:
    """Conditions for the non-void encounters linked by `link` (an Encounter column) to one
    of `ids`, only those before (service_date, encounter_id) when given."""
    live = [link.in_(ids), Encounter.status != "void"]
    if before is not None:
        live.append(visits_before(*before))
    return live


def _visit_counts(session, link, live) -> dict[int, int]:
    """Encounters per linked id (authorization or referral) under the conditions `live`."""
    return dict(
        session.execute(select(link, func.count(Encounter.id)).where(*live).group_by(link)).all()
    )


def auth_usage(
    session,
    auths: list[Authorization],
    before: tuple[date, int | None] | None = None,
) -> dict[int, Usage]:
    """Visits and covered units used of each authorization by linked non-void encounters (all of
    them, or only those before (service_date, encounter_id)). Two grouped queries."""
    if not auths:
        return {}
    ids = [a.id for a in auths]
    live = _linked_visits(Encounter.authorization_id, ids, before)
    visits = _visit_counts(session, Encounter.authorization_id, live)
    units: dict[int, int] = defaultdict(int)
    by_id = {a.id: a for a in auths}
    for auth_id, code, total in session.execute(
        select(Encounter.authorization_id, ServiceLine.code, func.sum(ServiceLine.units))
        .join(ServiceLine, ServiceLine.encounter_id == Encounter.id)
        .where(*live)
        .group_by(Encounter.authorization_id, ServiceLine.code)
    ).all():
        if auth_covers_code(by_id[auth_id], code):
            units[auth_id] += int(total or 0)
    return {i: Usage(visits.get(i, 0), units.get(i, 0)) for i in ids}


def referral_usage(
    session, referral_ids: list[int], before: tuple[date, int | None] | None = None
) -> dict[int, int]:
    """Visits used of each referral by linked non-void encounters."""
    if not referral_ids:
        return {}
    live = _linked_visits(Encounter.referral_id, referral_ids, before)
    counts = _visit_counts(session, Encounter.referral_id, live)
    return {i: counts.get(i, 0) for i in referral_ids}


def remaining(authorized: int | None, used: int) -> int | None:
    return None if authorized is None else authorized - used


# --- status lists (auth list, referral list, report visits) --------------------------------


@dataclass(frozen=True)
class AuthorizationStatus:
    """An authorization with what is left of it on a date. Flags: expired, not-started,
    expiring (ends within the window), exhausted, nearly-exhausted (2 visits or fewer left)."""

    authorization_id: int
    policy_id: int
    patient_id: int
    number: str
    start_date: date
    end_date: date
    codes: str | None
    visits_authorized: int | None
    visits_used: int
    visits_remaining: int | None
    units_authorized: int | None
    units_used: int
    units_remaining: int | None
    days_left: int
    flags: tuple[str, ...]

    def as_dict(self) -> dict:
        return {**self.__dict__, "flags": list(self.flags)}


def _auth_flags(auth: Authorization, usage: Usage, on: date, window: int) -> tuple[str, ...]:
    flags = []
    if auth.end_date < on:
        flags.append("expired")
    elif auth.start_date > on:
        flags.append("not-started")
    elif (auth.end_date - on).days <= window:
        flags.append("expiring")
    visits_left = remaining(auth.visits_authorized, usage.visits)
    units_left = remaining(auth.units_authorized, usage.units)
    per_visit = max(1, round(usage.units / usage.visits)) if usage.visits else 1
    if (visits_left is not None and visits_left <= 0) or (
        units_left is not None and units_left <= 0
    ):
        flags.append("exhausted")
    elif (visits_left is not None and visits_left <= NEAR_EXHAUSTION_VISITS) or (
        units_left is not None and units_left <= NEAR_EXHAUSTION_VISITS * per_visit
    ):
        flags.append("nearly-exhausted")
    return tuple(flags)


def authorizations_status(
    session,
    on: date,
    expiring_days: int | None = None,
    policy_id: int | None = None,
) -> list[AuthorizationStatus]:
    """Every authorization (of one policy, or all) with visits/units remaining on `on` (sessions
    dated after `on` are not counted, so a past date reproduces that day), sorted by end date.
    With `expiring_days`, only those not ended that end within that many days or are within 2
    visits of exhaustion (or exhausted). Three queries in all."""
    window = 30 if expiring_days is None else expiring_days
    query = select(Authorization, Policy.patient_id).join(
        Policy, Policy.id == Authorization.policy_id
    )
    if policy_id is not None:
        query = query.where(Authorization.policy_id == policy_id)
    if expiring_days is not None:
        query = query.where(Authorization.end_date >= on)
    rows = session.execute(query.order_by(Authorization.end_date, Authorization.id)).all()
    usage = auth_usage(session, [auth for auth, _ in rows], before=(on, None))
    out = []
    for auth, patient_id in rows:
        used = usage[auth.id]
        flags = _auth_flags(auth, used, on, window)
        if expiring_days is not None and not (
            {"expiring", "exhausted", "nearly-exhausted"} & set(flags)
        ):
            continue
        out.append(
            f.from_row(  # policy, number, dates, codes, visits and units authorized: the row's
                AuthorizationStatus,
                auth,
                authorization_id=auth.id,
                patient_id=patient_id,
                visits_used=used.visits,
                visits_remaining=remaining(auth.visits_authorized, used.visits),
                units_used=used.units,
                units_remaining=remaining(auth.units_authorized, used.units),
                days_left=(auth.end_date - on).days,
                flags=flags,
            )
        )
    return out


def referral_status(session, referrals: list[Referral], on: date) -> list[dict]:
    """Referrals with visits used/remaining and a status: active, expired, exhausted, future."""
    used = referral_usage(session, [r.id for r in referrals], before=(on, None))
    out = []
    for ref in referrals:
        left = remaining(ref.visits_ordered, used[ref.id])
        if ref.expires_on and ref.expires_on < on:
            status = "expired"
        elif ref.referral_date > on:
            status = "future"
        elif left is not None and left <= 0:
            status = "exhausted"
        else:
            status = "active"
        out.append(
            {
                "id": ref.id,
                "patient_id": ref.patient_id,
                "policy_id": ref.policy_id,
                "referring": f"{ref.first_name} {ref.last_name}",
                "npi": ref.npi,
                "qualifier": ref.qualifier,
                "number": ref.number,
                "referral_date": ref.referral_date,
                "diagnoses": ref.diagnoses,
                "visits_ordered": ref.visits_ordered,
                "visits_used": used[ref.id],
                "visits_remaining": left,
                "expires_on": ref.expires_on,
                "status": status,
            }
        )
    return out
