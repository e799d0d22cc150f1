"""Place of service on the CMS list (an unassigned code fails CLM05-1 in the 837P) and the
payer profile's diagnosis-to-service rules (profiles' [[diagnosis_support]])."""

from __future__ import annotations

from clinicbill.domain.claims.scrub.findings import error


def place_of_service_listed(s) -> list:
    from clinicbill.domain.codesets.pos import COMMON, pos_name

    return [
        error(
            s,
            "24B",
            f"place of service {line.place_of_service} is not on the CMS place-of-service list",
            f"correct the session's --pos ({COMMON}) and rebuild the claim",
            line.number,
        )
        for line in s.lines
        if pos_name(line.place_of_service) is None
    ]


def diagnosis_supports_service(s) -> list:
    out = []
    for rule in s.profile.diagnosis_support:
        for line in s.lines:
            if line.code not in rule.codes:
                continue
            pointed = [s.diagnoses[p - 1] for p in line.pointers if 1 <= p <= len(s.diagnoses)]
            if not pointed:
                continue  # codes.pointers reports a line that points at nothing
            if rule.supported_by and not any(
                code.startswith(rule.supported_by) for code in pointed
            ):
                out.append(_unsupported(s, rule, line, pointed, "none supports it"))
            elif rule.not_supported_by and all(
                code.startswith(rule.not_supported_by) for code in pointed
            ):
                out.append(_unsupported(s, rule, line, pointed, "only wellness/screening codes"))
    return out


def _unsupported(s, rule, line, pointed, why: str):
    return error(
        s,
        "24E",
        f"{line.code} points at {', '.join(pointed)}: {why} ({s.coverage.payer_name}'s "
        f"{s.profile.name} profile, rule '{rule.name}')",
        "point the line at the condition treated (e.g. M54.50 low back pain, M62.830 spasm)",
        line.number,
    )


RULES = [place_of_service_listed, diagnosis_supports_service]
