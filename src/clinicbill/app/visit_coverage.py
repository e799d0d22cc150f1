"""What the interactive visit's summary says about a payer's limits and who may bill: the
Medicare acupuncture count (12 visits in 90 days, 20 a year, NCD 30.3.3, DOMAIN.md §9) and a
credential the payer does not accept (an LAc billing Medicare), with the providers who may
bill it instead."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

ACUPUNCTURE_CODES = ("97810", "97811", "97813", "97814")  # DOMAIN.md §8


def _profile(session, policy_id: int):
    from clinicbill.domain.practice.profiles import profile_for_payer
    from clinicbill.store.models import Payer, Policy

    policy = session.get(Policy, policy_id)
    return policy, profile_for_payer(session.get(Payer, policy.payer_id))


def acupuncture_count(session, plan) -> str | None:
    """'acupuncture: visit 3 of 12 in the 90 days 2026-08-24..2026-11-21; 3 of 20 in 2026'
    for an acupuncture visit billed to a payer whose profile limits them; None otherwise."""
    from sqlalchemy import select

    from clinicbill.domain.codesets.cpt import entry
    from clinicbill.store.models import Encounter, Policy, ServiceLine

    codes = [line.code for line in plan.lines]
    if plan.policy_id is None or not any((e := entry(c)) and e.acupuncture for c in codes):
        return None
    policy, profile = _profile(session, plan.policy_id)
    rules = profile.acupuncture or {}
    per_90, per_year = rules.get("max_visits_90_days"), rules.get("max_visits_per_year")
    if not per_90 and not per_year:
        return None
    day = plan.service_date
    since = min(day - timedelta(days=89), day.replace(month=1, day=1))
    earlier = set(
        session.execute(
            select(Encounter.service_date)
            .join(ServiceLine, ServiceLine.encounter_id == Encounter.id)
            .join(Policy, Policy.id == Encounter.policy_id)
            .where(
                Encounter.patient_id == plan.patient_id,
                Encounter.status != "void",
                Policy.payer_id == policy.payer_id,
                ServiceLine.code.in_(ACUPUNCTURE_CODES),
                Encounter.service_date >= since,
                Encounter.service_date < day,
            )
        ).scalars()
    )
    start = day - timedelta(days=89)
    in_90 = 1 + sum(1 for d in earlier if d >= start)
    in_year = 1 + sum(1 for d in earlier if d.year == day.year)
    parts = []
    if per_90:
        parts.append(f"visit {in_90} of {per_90} in the 90 days {start}..{day}")
    if per_year:
        parts.append(f"{in_year} of {per_year} in {day.year}")
    over = (per_90 and in_90 > per_90) or (per_year and in_year > per_year)
    tail = "; past the limit: the patient pays (give an ABN first)" if over else ""
    return f"{profile.name} acupuncture: " + "; ".join(parts) + tail


@dataclass(frozen=True)
class CredentialFix:
    codes: tuple[str, ...]
    credentials: tuple[str, ...]  # who may bill them to this payer
    providers: tuple[tuple[int, str], ...]  # (id, name) of the practice's who may


def credential_fix(session, plan) -> CredentialFix | None:
    """Codes this visit's provider may not bill to its payer (an LAc to Medicare), who may,
    and which of the practice's active providers could bill them instead."""
    from sqlalchemy import select

    from clinicbill.store.models import Provider

    if plan.policy_id is None:
        return None
    _, profile = _profile(session, plan.policy_id)
    provider = session.get(Provider, plan.provider_id)
    codes = sorted(
        {
            line.code
            for line in plan.lines
            if not profile.credential_allowed(line.code, provider.credential)
        }
    )
    if not codes:
        return None
    allowed = sorted({c.upper() for code in codes for c in profile.credentials.get(code, ())})
    others = session.execute(select(Provider).where(Provider.active)).scalars()
    able = tuple(
        (p.id, p.display_name)
        for p in others
        if all(profile.credential_allowed(code, p.credential) for code in codes)
    )
    return CredentialFix(tuple(codes), tuple(allowed), able)
