"""Choosing and checking the authorization and referral linked to a visit (domain/coverage/check.py
explains the problem codes). Usage counts are derived from linked encounters."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from clinicbill.domain.coverage.authorizations import auth_covers_code
from clinicbill.domain.errors import ClinicbillError
from clinicbill.store.models import Authorization, Policy

AUTO = object()
NEW_REFERRAL_HINT = "get a new prescription/referral and record it with 'clinicbill referral add'"


@dataclass(frozen=True)
class CoverageProblem:
    code: str
    message: str
    hint: str


@dataclass(frozen=True)
class VisitFacts:
    """The visit being checked: who, which policy, when, what is billed."""

    patient_id: int
    policy: Policy
    service_date: date
    codes: tuple[str, ...]
    units: dict[str, int] | None
    encounter_id: int | None
    strict: bool  # a wrong forced id is a refusal (entry), not a problem (claim check)

    @property
    def before(self) -> tuple[date, int | None]:
        return (self.service_date, self.encounter_id)


def link_authorization(facts, visit: VisitFacts, wanted, required: bool):
    """(linked authorization id, summary lines, problems). `facts`: domain/coverage/facts.py."""
    policy_auths = facts.policy_auths(visit.policy.id)
    day = visit.service_date
    if wanted is AUTO:
        in_range = [a for a in policy_auths if a.start_date <= day <= a.end_date]
        auth = _pick_auth(facts, in_range, visit)
    elif wanted is None:
        auth = None
    else:
        auth = facts.auth(int(wanted))
        if auth is None or auth.policy_id != visit.policy.id:
            message = f"auth: {wanted} is not an authorization of policy {visit.policy.id}"
            hint = f"see 'clinicbill auth list --policy {visit.policy.id}'"
            if visit.strict or auth is None:
                raise ClinicbillError(message, hint)
            return auth.id, [], [CoverageProblem("auth-wrong-policy", message, hint)]
    if auth is None:
        return None, [], _missing_auth(policy_auths, visit, required)
    usage = facts.auth_usage([auth], visit.before)[auth.id]
    left = None if auth.visits_authorized is None else auth.visits_authorized - usage.visits
    units_left = None if auth.units_authorized is None else auth.units_authorized - usage.units
    parts = [f"authorization {auth.id} ({auth.number}) {auth.start_date}..{auth.end_date}"]
    if left is not None:
        parts.append(f"{max(left, 0)} of {auth.visits_authorized} visits remaining")
    if units_left is not None:
        parts.append(f"{max(units_left, 0)} of {auth.units_authorized} units remaining")
    line = ": ".join(parts[:1]) + (": " + ", ".join(parts[1:]) if parts[1:] else "")
    return auth.id, [line], _auth_problems(auth, visit, left, units_left, required)


def _auth_problems(auth, visit: VisitFacts, left, units_left, required) -> list[CoverageProblem]:
    """A linked authorization out of its dates, used up, or not covering a billed code."""
    day = visit.service_date
    problems = []
    hint = "get a new authorization from the payer and record it with 'clinicbill auth add'"
    if day > auth.end_date:
        problems.append(
            CoverageProblem("auth-expired", f"auth: {auth.number} expired on {auth.end_date}", hint)
        )
    elif day < auth.start_date:
        problems.append(
            CoverageProblem(
                "auth-not-started", f"auth: {auth.number} starts on {auth.start_date}", hint
            )
        )
    this_units = sum(n for code, n in (visit.units or {}).items() if auth_covers_code(auth, code))
    if left is not None and left <= 0:
        problems.append(
            CoverageProblem(
                "auth-exhausted",
                f"auth: all {auth.visits_authorized} visits of {auth.number} are used",
                hint,
            )
        )
    elif units_left is not None and (units_left <= 0 or this_units > units_left):
        problems.append(
            CoverageProblem(
                "auth-exhausted",
                f"auth: {auth.number} has {max(units_left, 0)} of {auth.units_authorized} "
                f"units left" + (f", this visit bills {this_units}" if this_units else ""),
                hint,
            )
        )
    uncovered = [c for c in visit.codes if not auth_covers_code(auth, c)]
    if required and uncovered:
        problems.append(
            CoverageProblem(
                "auth-codes",
                f"auth: {auth.number} does not cover {', '.join(uncovered)}",
                "ask the payer to add the code, or remove the line",
            )
        )
    return problems


def _pick_auth(facts, candidates: list[Authorization], visit: VisitFacts):
    """Among authorizations in effect: covering every code, then with visits/units left, then
    the one ending first (use it before it lapses), then the oldest."""
    if not candidates:
        return None
    usage = facts.auth_usage(candidates, visit.before)

    def has_room(auth):
        used = usage[auth.id]
        return (auth.visits_authorized is None or used.visits < auth.visits_authorized) and (
            auth.units_authorized is None or used.units < auth.units_authorized
        )

    def covered(auth):
        return sum(auth_covers_code(auth, c) for c in visit.codes)

    useful = [a for a in candidates if not visit.codes or covered(a)]
    if not useful:
        return None
    return min(
        useful,
        key=lambda a: (covered(a) < len(visit.codes), not has_room(a), a.end_date, a.id),
    )


def _missing_auth(policy_auths, visit: VisitFacts, required: bool) -> list[CoverageProblem]:
    if not required:
        return []
    day = visit.service_date
    covering = [a for a in policy_auths if a.start_date <= day <= a.end_date]
    if covering:
        return [
            CoverageProblem(
                "auth-required",
                "auth: authorization required and none is linked to this visit",
                f"link authorization {covering[0].id} ({covering[0].number}) to the session",
            )
        ]
    lapsed = [a for a in policy_auths if a.end_date < day]
    if lapsed:
        last = max(lapsed, key=lambda a: a.end_date)
        return [
            CoverageProblem(
                "auth-expired",
                f"auth: {last.number} expired on {last.end_date}; none covers {day}",
                "get a new authorization and record it with 'clinicbill auth add'",
            )
        ]
    return [
        CoverageProblem(
            "auth-required",
            f"auth: the payer requires an authorization and none covers {day}",
            f"record one with 'clinicbill auth add {visit.policy.id}'",
        )
    ]


def link_referral(facts, visit: VisitFacts, wanted, required: bool):
    """(linked referral id, summary lines, problems)."""
    referrals = facts.referrals(visit.patient_id, visit.policy.id)
    day = visit.service_date
    used = facts.referral_usage([r.id for r in referrals], visit.before)
    if wanted is AUTO:
        ref = _pick_referral(referrals, day, used)
    elif wanted is None:
        ref = None
    else:
        ref = facts.referral(int(wanted))
        if ref is None or ref.patient_id != visit.patient_id:
            message = f"referral: {wanted} is not a referral of patient {visit.patient_id}"
            hint = "see 'clinicbill referral list'"
            if visit.strict or ref is None:
                raise ClinicbillError(message, hint)
            return ref.id, [], [CoverageProblem("referral-wrong-patient", message, hint)]
        used.update(facts.referral_usage([ref.id], visit.before))
    if ref is None:
        return None, [], _missing_referral(referrals, visit, required)
    left = None if ref.visits_ordered is None else ref.visits_ordered - used[ref.id]
    line = (
        f"referral {ref.id} from {ref.first_name} {ref.last_name} ({ref.qualifier}) "
        f"{ref.referral_date}" + (f", expires {ref.expires_on}" if ref.expires_on else "")
    )
    if left is not None:
        line += f": {max(left, 0)} of {ref.visits_ordered} visits remaining"
    return ref.id, [line], _referral_problems(ref, day, left)


def _pick_referral(referrals, day: date, used):
    """Among referrals valid on the day: one with visits left, then the latest, then newest."""
    valid = [
        r
        for r in referrals
        if r.referral_date <= day and (r.expires_on is None or r.expires_on >= day)
    ]
    if not valid:
        return None
    return max(
        valid,
        key=lambda r: (
            r.visits_ordered is None or used[r.id] < r.visits_ordered,
            r.referral_date,
            r.id,
        ),
    )


def _missing_referral(referrals, visit: VisitFacts, required: bool) -> list[CoverageProblem]:
    day = visit.service_date
    if not required:
        return []
    lapsed = [r for r in referrals if r.expires_on and r.expires_on < day]
    if lapsed:
        last = max(lapsed, key=lambda r: r.expires_on)
        problem = CoverageProblem(
            "referral-expired",
            f"referral: {last.id} expired on {last.expires_on}; none covers {day}",
            NEW_REFERRAL_HINT,
        )
    else:
        problem = CoverageProblem(
            "referral-required",
            f"referral: the payer requires a referral/prescription and none covers {day}",
            f"record one with 'clinicbill referral add {visit.patient_id}'",
        )
    return [problem]


def _referral_problems(ref, day: date, left) -> list[CoverageProblem]:
    """A linked referral expired, dated after the visit, or with no visits left."""
    problems = []
    if ref.expires_on and day > ref.expires_on:
        problems.append(
            CoverageProblem(
                "referral-expired",
                f"referral: {ref.id} expired on {ref.expires_on}",
                NEW_REFERRAL_HINT,
            )
        )
    elif day < ref.referral_date:
        problems.append(
            CoverageProblem(
                "referral-not-yet-valid",
                f"referral: {ref.id} is dated {ref.referral_date}, after the visit",
                "link a referral written on or before the date of service",
            )
        )
    if left is not None and left <= 0:
        problems.append(
            CoverageProblem(
                "referral-exhausted",
                f"referral: all {ref.visits_ordered} visits ordered by referral {ref.id} are used",
                NEW_REFERRAL_HINT,
            )
        )
    return problems
