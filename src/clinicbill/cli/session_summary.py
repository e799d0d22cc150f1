"""The interactive session's flow (ask_session: the questions of session_prompts.py, then
the summary) and its summary step: save as a draft (the default: a stray Enter
never signs, and never silently saves a second copy of a visit), save and sign, change any
answer (it is asked again, the others kept), or cancel."""

from __future__ import annotations

import typer

from clinicbill.cli.common import questions as _q

ANSWERS = {
    "patient": "Patient",
    "provider": "Provider",
    "date": "Date of service",
    "policy": "Bill to",
    "template": "Note template (and its details)",
    "diagnoses": "Diagnoses",
    "lines": "Services",
    "details": "Template details",
    "subjective": "Subjective",
    "objective": "Objective",
    "assessment": "Assessment",
    "plan": "Plan",
    "pain": "Pain before and after",
}


def _warn_duplicate(out: dict, plan, exclude_id=None) -> bool:
    from clinicbill.app.visits import likely_duplicate
    from clinicbill.cli.session_prompts import _read

    codes = [line.code for line in plan.lines]
    day = plan.service_date
    dup = _read(likely_duplicate, plan.patient_id, day, codes, exclude_id)
    if dup is not None:
        typer.echo(
            f"  warning: session {dup} already records this patient on {day} with "
            f"{', '.join(codes)}: saving makes a second visit (Cancel if it is the same one)"
        )
    return dup is not None


def choose(out: dict, plan, exclude_id=None) -> str:
    """sign | draft | change | cancel; the default is always the draft. A credential the
    payer does not accept (an LAc billing Medicare) offers its fixes first."""
    from clinicbill.app.visit_coverage import credential_fix
    from clinicbill.cli.session_prompts import _read

    duplicate = _warn_duplicate(out, plan, exclude_id)
    fix = _read(credential_fix, plan)
    Choice = _q().Choice
    options = [
        Choice("Save and sign", value="sign"),
        Choice("Save as a draft (sign later)", value="draft"),
        Choice("Change an answer", value="change"),
        Choice("Cancel (nothing is saved)", value="cancel"),
    ]
    if fix is not None:
        options[2:2] = _fix_options(fix)
    title = "Save this session?" + (" (a likely duplicate)" if duplicate else "")
    answer = _q().select(title, options, default=options[1]).unsafe_ask()
    return _apply_fix(out, plan, fix, answer) if answer.startswith("fix-") else answer


def _fix_options(fix) -> list:
    Choice = _q().Choice
    who = "/".join(fix.credentials) or "nobody"
    typer.echo(
        f"  {', '.join(fix.codes)}: this payer accepts them only from a {who} provider; "
        "bill under the supervising provider, or bill the patient with an ABN"
    )
    names = ", ".join(name for _, name in fix.providers)
    supervising = (
        f"Bill under the supervising provider ({names})"
        if fix.providers
        else "Bill under the supervising provider (save a draft; add them first)"
    )
    return [
        Choice(supervising, value="fix-supervising"),
        Choice("Bill the patient (self-pay), with an ABN", value="fix-self-pay"),
    ]


def _apply_fix(out: dict, plan, fix, answer: str) -> str:
    """Change the provider or make it self-pay, then back to the summary; without a
    supervising provider on file, save the draft and say how to finish."""
    if answer == "fix-self-pay":
        out["policy"] = None
        typer.echo(
            "  the patient signs an ABN before the visit: clinicbill abn PATIENT "
            + " ".join(f"--code {c}" for c in fix.codes)
            + " --reason ... --cost ..."
        )
        return "change-done"
    if not fix.providers:
        typer.echo(
            f"  add the supervising provider ({'/'.join(fix.credentials)}): clinicbill provider "
            "add ...; then clinicbill session edit ID --provider NAME (saved as a draft now)"
        )
        return "draft"
    Choice = _q().Choice
    options = [Choice(name, value=ident) for ident, name in fix.providers]
    out["provider"] = _q().select("Supervising provider:", options).unsafe_ask()
    return "change-done"


def change_answer(out: dict) -> None:
    """Ask one chosen answer again; `out` keeps every other answer."""
    from clinicbill.cli import session_prompts as sp
    from clinicbill.cli.session_prompts_note import (
        SOAP_LABELS,
        ask_details,
        ask_lines,
        ask_soap,
        ask_text,
    )
    from clinicbill.domain.sessions.entry import AUTO

    Choice = _q().Choice
    which = (
        _q()
        .select("Change which answer?", [Choice(v, value=k) for k, v in ANSWERS.items()])
        .unsafe_ask()
    )
    ctx = sp.context(out)
    if which == "patient":
        out["patient"] = sp.ask_patient(None)
        out["policy"] = sp.ask_policy(AUTO, out["patient"], ctx.on)
    elif which == "provider":
        out["provider"], _ = sp.ask_provider(None)
    elif which == "date":
        on = sp.ask_date(None, default=ctx.on)
        out["service_date"] = on.isoformat()
        out["policy"] = sp.ask_policy(AUTO, out["patient"], on)
    elif which == "policy":
        out["policy"] = sp.ask_policy(AUTO, out["patient"], ctx.on)
    elif which == "template":
        out["template"] = sp.ask_template(None, ctx.credential)
        out["modality"] = ask_details(sp.context(out).template, None)
    elif which == "diagnoses":
        out["diagnoses"] = sp.ask_diagnoses(out["patient"], ctx.on, ctx.insured, ask_same=False)
    elif which == "lines":
        out["lines"] = ask_lines(ctx.template, ctx.rule, out["lines"])
    elif which == "details":
        out["modality"] = ask_details(ctx.template, None)
    elif which in SOAP_LABELS:
        soap = dict(out["soap"] or {})
        soap[which] = ask_text(SOAP_LABELS[which] + ":", default=soap.pop(which, "") or "")
        out["soap"] = soap
    else:  # pain before and after: the SOAP texts are kept
        kept = dict.fromkeys(SOAP_LABELS, "kept")
        _, out["pain_before"], out["pain_after"] = ask_soap(kept, None, None)
    if which in ("patient", "date", "policy") and "package" in out:
        out["package"] = None  # who pays may have changed: offer the packages again
        sp.ask_package(out, sp.context(out).on)


def edit_at_terminal(ident: str) -> None:
    """`session edit ID` with no flags at a terminal: the summary of the stored session, where
    any answer can be changed (the prompts prefilled), then saved or signed."""
    from clinicbill.app.session_prompts import stored_answers
    from clinicbill.app.sessions import edit_session
    from clinicbill.cli.common import unit_of_work
    from clinicbill.cli.context import STATE
    from clinicbill.cli.session_prompts import _read

    number, out = _read(stored_answers, ident)
    out, sign = summary(out, exclude_id=number)
    changes = {
        k: v
        for k, v in out.items()
        if k not in ("authorization_id", "referral_id", "total_minutes", "package")
    }
    changes["policy"] = "self-pay" if out["policy"] is None else out["policy"]
    with unit_of_work() as session:
        edited = edit_session(session, str(number), changes, (), True, sign, STATE.user)
    what = ", ".join(k.replace("_", "-") for k in edited.changed) or "nothing changed"
    typer.echo(f"session {number}: {what}" + ("; signed" if sign else " (draft)"))


def ask_session(inputs: dict, sign: bool) -> tuple[dict, bool]:
    """Ask for everything the flags left out; returns the inputs and whether to sign."""
    from clinicbill.cli.session_prompts import (
        _offer_last_visit,
        _read,
        ask_date,
        ask_diagnoses,
        ask_patient,
        ask_policy,
        ask_provider,
        ask_template,
        context,
    )
    from clinicbill.cli.session_prompts_billing import ask_case, ask_package
    from clinicbill.cli.session_prompts_note import ask_details, ask_lines, ask_soap
    from clinicbill.domain.sessions.notes import infer_template

    out = dict(inputs)
    from clinicbill.app.visits import last_visit

    out["patient"] = ask_patient(out["patient"])
    last = _read(last_visit, out["patient"])
    out["provider"], credential = ask_provider(out["provider"], last and last.provider_id)
    on = ask_date(out["service_date"])
    out["service_date"] = on.isoformat()
    out["policy"] = ask_policy(out["policy"], out["patient"], on, last and last.policy_id)
    out["case"] = ask_case(out["case"], out["patient"], out["policy"])
    ask_package(out, on)
    if last is not None and all(out[k] is None for k in ("template", "diagnoses", "lines")):
        _offer_last_visit(out, last)
    if out["lines"] is not None and out["template"] is None:
        out["template"] = infer_template([x.code for x in out["lines"]]) or ""
    out["template"] = ask_template(out["template"], credential)
    ctx = context(out)
    if out["diagnoses"] is None:
        out["diagnoses"] = ask_diagnoses(out["patient"], on, ctx.insured)
    found: dict = {}  # template details the service prompts answered (e-stim)
    if out["lines"] is None:
        out["lines"] = ask_lines(ctx.template, ctx.rule, details=found)
    out["modality"] = ask_details(ctx.template, {**found, **(out["modality"] or {})})
    out["soap"], out["pain_before"], out["pain_after"] = ask_soap(
        out["soap"], out["pain_before"], out["pain_after"]
    )
    return summary(out)


def summary(out: dict, exclude_id: int | None = None) -> tuple[dict, bool]:
    """Show the plan and let the user save (draft by default), change an answer or cancel."""
    from clinicbill.cli.session_prompts import _checked_preview

    while True:
        plan = _checked_preview(out)
        action = choose(out, plan, exclude_id)
        if action == "cancel":
            raise KeyboardInterrupt
        if action == "change":
            change_answer(out)
        elif action != "change-done":  # a fix applied: show the summary again
            return out, action == "sign"
