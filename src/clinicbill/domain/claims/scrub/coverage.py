"""Coverage conditions from domain/coverage/check.py, as stored on each session: verification,
authorization, referral, visit limits. A missing or stale verification is a warning (the payer
never sees it); everything else a payer would deny for is an error (SPEC §4.4)."""

from __future__ import annotations

from clinicbill.domain.claims.scrub.findings import error, warning

WARNING_CODES = frozenset({"no-verification", "verification-stale"})
BOXES = {
    "auth-required": "23",
    "auth-expired": "23",
    "auth-exhausted": "23",
    "referral-required": "17",
    "referral-expired": "17",
    "referral-exhausted": "17",
}


def coverage_conditions(s) -> list:
    out = []
    seen = set()
    for issue in s.context.coverage_issues:
        key = (issue.code, issue.message)
        if key in seen:
            continue
        seen.add(key)
        lines = [line.number for line in s.lines if line.encounter_id == issue.encounter_id]
        make = warning if issue.code in WARNING_CODES else error
        out.append(
            make(
                s,
                BOXES.get(issue.code, "-"),
                f"session {issue.encounter_id}: {issue.message}",
                issue.hint,
                lines[0] if lines else None,
            )
        )
    return out


def referral_dates(s) -> list:
    """The claim's own referral must cover its dates of service (box 17)."""
    ref = s.referral
    if ref is None or ref.expires_on is None or s.to_date <= ref.expires_on:
        return []
    return [
        error(
            s,
            "17",
            f"the referral expired on {ref.expires_on}, before service on {s.to_date}",
            "get a new referral and link it to the sessions",
        )
    ]


RULES = [coverage_conditions, referral_dates]
