"""Injury cases on the claim (domain/cases): a workers' comp or auto payer pays only under a case
with its claim number (boxes 10a-c, 11b, 14; 837P CLM11, REF*Y4, DTP*431/439); an auto accident
names its state (box 10b, CLM11-4); no service before the injury; the PIP limit of an auto case."""

from __future__ import annotations

from clinicbill.domain.claims.scrub.findings import error, warning

KIND_OF_PROFILE = {"workers-comp": "workers-comp", "auto": "auto"}
LABEL = {"workers-comp": "workers' comp", "auto": "auto"}
BOX_OF_KIND = {"workers-comp": "10a", "auto": "10b", "other-accident": "10c", "illness": "14"}


def case_required(s) -> list:
    kind = KIND_OF_PROFILE.get(s.profile.name)
    if kind is None:
        return []
    if s.case is None:
        return [
            error(
                s,
                BOX_OF_KIND[kind],
                f"a {LABEL[kind]} claim to {s.coverage.payer_name} has no injury case "
                "(no injury date, no claim number, box 10 says not related to an injury)",
                "open one with 'clinicbill case add', attach the sessions with 'session edit "
                "ID --case N' (void and rebuild the claim if it was built)",
            )
        ]
    out = []
    if s.case.kind != kind:
        out.append(
            error(
                s,
                BOX_OF_KIND[kind],
                f"case {s.case.id} is a {s.case.kind} case but {s.coverage.payer_name} is a "
                f"{LABEL[kind]} payer",
                f"bill the case's own payer, or change the case: clinicbill case edit "
                f"{s.case.id} --kind {kind}",
            )
        )
    if not s.case.claim_number:
        out.append(
            error(
                s,
                "11b",
                f"case {s.case.id} has no {LABEL[kind]} claim number (box 11b, REF*Y4)",
                f"ask the carrier or adjuster: clinicbill case edit {s.case.id} --claim-number N",
            )
        )
    return out


def accident_state(s) -> list:
    if s.case is None or s.case.kind != "auto" or s.case.state:
        return []
    return [
        error(
            s,
            "10b",
            f"auto accident case {s.case.id} has no state (box 10b, CLM11-4)",
            f"clinicbill case edit {s.case.id} --state ST",
        )
    ]


def service_after_injury(s) -> list:
    if s.case is None:
        return []
    return [
        error(
            s,
            "24A",
            f"service on {line.service_date} is before the injury on {s.case.injury_date} "
            f"(case {s.case.id})",
            "check the date of service or the case's injury date",
            line.number,
        )
        for line in s.lines
        if line.service_date < s.case.injury_date
    ]


def pip_limit(s) -> list:
    from clinicbill.domain.money import fmt

    case = s.case
    if case is None or not case.pip_limit_cents:
        return []
    left = case.pip_limit_cents - case.billed_elsewhere_cents
    if s.total_cents <= left:
        return []
    return [
        warning(
            s,
            "28",
            f"this claim ({fmt(s.total_cents)}) is more than the PIP limit left on case "
            f"{case.id}: {fmt(max(left, 0))} of {fmt(case.pip_limit_cents)}",
            "bill the excess to the patient's health plan (secondary) or the patient",
        )
    ]


RULES = [case_required, accident_state, service_after_injury, pip_limit]
