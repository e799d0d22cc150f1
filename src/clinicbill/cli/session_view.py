"""How a session plan (before saving) and stored sessions read in the terminal."""

from __future__ import annotations

import typer


def plan_lines_text(plan, names) -> list[str]:
    """The summary shown before saving and after: who (`names`, app.sessions.PlanNames),
    what, units and why, charges."""
    from clinicbill.domain.codesets.icd import description
    from clinicbill.domain.money import fmt
    from clinicbill.domain.sessions.note_view import LETTERS

    out = [
        f"  patient    {names.patient}",
        f"  provider   {names.provider}",
        f"  date       {plan.service_date.isoformat()}   place of service {plan.place_of_service}",
        f"  billed to  {plan.billed_to}   unit rule {plan.unit_rule}",
    ]
    if plan.template:
        out.append(f"  template   {plan.template}")
    for position, code in enumerate(plan.diagnoses, start=1):
        out.append(f"  dx {LETTERS[position - 1]}       {code:<8} {description(code) or ''}")
    for line in plan.lines:
        code = line.code + "".join(f" {m}" for m in line.modifiers)
        minutes = f"{line.minutes} min" if line.minutes else ""
        units = f"{line.units} unit" + ("" if line.units == 1 else "s")
        pointers = ",".join(LETTERS[p - 1] for p in line.pointers) or "-"
        out.append(
            f"  {line.line_number:>2}. {code:<14} {minutes:>7}  {units:<8} "
            f"{fmt(line.charge_cents):>10}  dx {pointers:<8} {line.description}"
        )
    out.append(f"      total {fmt(plan.total_charge_cents)}")
    if plan.unit_explanation:
        out.append(f"  units: {plan.unit_explanation}")
    if plan.modality:
        from clinicbill.domain.sessions.notes import display_value

        shown = "; ".join(f"{k}: {display_value(v)}" for k, v in plan.modality.items())
        out.append(f"  details: {shown}")
    return out


def print_plan(session, plan) -> None:
    from clinicbill.app.sessions import plan_names
    from clinicbill.app.visit_coverage import acupuncture_count

    for text in plan_lines_text(plan, plan_names(session, plan)):
        typer.echo(text)
    counted = acupuncture_count(session, plan)
    if counted:
        typer.echo(f"coverage: {counted}")
    print_notices(plan)


def print_notices(plan) -> None:
    """Coverage context and warnings: shown, never blocking (SPEC §4.4)."""
    for text in plan.coverage_summary:
        typer.echo(f"coverage: {text}")
    for problem in plan.coverage_problems:
        typer.echo(f"warning: {problem.message}", err=True)
        if problem.hint:
            typer.echo(f"  hint: {problem.hint}", err=True)
    for text in plan.warnings:
        typer.echo(f"warning: {text}", err=True)


def plan_data(plan) -> dict:
    """The plan for --json output."""
    return {
        "patient_id": plan.patient_id,
        "provider_id": plan.provider_id,
        "service_date": plan.service_date.isoformat(),
        "place_of_service": plan.place_of_service,
        "policy_id": plan.policy_id,
        "billed_to": plan.billed_to,
        "unit_rule": plan.unit_rule,
        "total_minutes": plan.total_minutes,
        "template": plan.template,
        "diagnoses": list(plan.diagnoses),
        "lines": [
            {
                "line_number": line.line_number,
                "code": line.code,
                "modifiers": list(line.modifiers),
                "minutes": line.minutes,
                "units": line.units,
                "charge_cents": line.charge_cents,
                "pointers": list(line.pointers),
                "description": line.description,
            }
            for line in plan.lines
        ],
        "total_charge_cents": plan.total_charge_cents,
        "unit_explanation": plan.unit_explanation,
        "details": plan.modality,
        "authorization_id": plan.authorization_id,
        "referral_id": plan.referral_id,
        "coverage": list(plan.coverage_summary),
        "warnings": list(plan.warnings)
        + [f"{p.message} ({p.hint})" if p.hint else p.message for p in plan.coverage_problems],
    }


def session_data(parts: dict) -> dict:
    """A stored session with its diagnoses, lines and addenda (app.sessions.session_parts),
    for --json."""
    from clinicbill.cli.common import model_data

    data = model_data(parts["encounter"])
    data.pop("modality_json", None)
    data["details"] = parts["details"]
    data["diagnoses"] = parts["diagnoses"]
    data["lines"] = [model_data(line) for line in parts["lines"]]
    data["addenda"] = [model_data(a) for a in parts["addenda"]]
    return data
