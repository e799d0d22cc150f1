"""What each option takes, stated once: its metavar and, where a command gives none, its help.

Option names are the same field names everywhere (SPEC §3), so one table per name serves every
command. cli/lazy.py applies it when a command is built; tests/cli/test_help.py checks that
every option of every command ends up with help text and a metavar that says what it takes.
"""

from __future__ import annotations

_DATE = "DATE"
_AMOUNT = "AMOUNT"

# option -> metavar, for options whose type alone would show <str>, <int> or <list[...]>
METAVARS: dict[str, str] = {
    **dict.fromkeys(
        (
            "--date",
            "--from",
            "--to",
            "--as-of",
            "--dob",
            "--subscriber-dob",
            "--end",
            "--start",
            "--expires",
            "--plan-year-start",
            "--reverify-by",
            "--verified-at",
            "--injury-date",
            "--onset-date",
            "--next",
        ),
        _DATE,
    ),
    **dict.fromkeys(
        (
            "--copay",
            "--deductible",
            "--deductible-met",
            "--oop-max",
            "--oop-met",
            "--price",
            "--total",
            "--pip-limit",
            "--amount",
            "--fee",
            "--expected",
        ),
        _AMOUNT,
    ),
    "--coinsurance": "PERCENT",
    "--percent": "PERCENT",
    "--code": "CODE",
    "--codes": "CODE[,CODE...]",
    "--dx": "ICD10",
    "--pos": "CODE",
    "--taxonomy": "CODE",
    "--qualifier": "CODE",
    "--rule": "RULE",
    "--credential": "CREDENTIAL",
    "--session": "ID",
    "--claim": "ID",
    "--auth": "ID",
    "--referral": "ID",
    "--corrects": "NOTE_ID",
    "--package": "ID",
    "--policy": "ID",
    "--case": "ID",
    "--patient": "PATIENT",
    "--provider": "PROVIDER",
    "--providers": "N",
    "--payer": "PAYER",
    "--payer-id": "PAYER_ID",
    "--receiver-id": "ID",
    "--submitter-id": "ID",
    "--output": "PATH|-",
    "--dir": "DIR",
    "--signature-image": "PATH",
    "--npi": "NPI",
    "--tax-id": "EIN|SSN",
    "--state": "ST",
    "--subscriber-state": "ST",
    "--license-state": "ST",
    "--zip": "ZIP",
    "--subscriber-zip": "ZIP",
    "--phone": "PHONE",
    "--email": "EMAIL",
    "--sex": "M|F|U",
    "--subscriber-sex": "M|F|U",
    "--priority": "primary|secondary|tertiary",
    "--relationship": "self|spouse|child|other",
    "--x12-usage": "P|T",
    "--line": "CODE[:k=v,...]",
    "--detail": "KEY=VALUE",
    "--user": "NAME",
    "--representative": "NAME",
    "--verified-by": "NAME",
    "--contact-name": "NAME",
    "--receiver-name": "NAME",
    "--first-name": "NAME",
    "--last-name": "NAME",
    "--middle-name": "NAME",
    "--subscriber-first-name": "NAME",
    "--subscriber-last-name": "NAME",
    "--name": "NAME",
    "--plan-name": "NAME",
    "--template": "NAME",
    "--profile": "NAME",
    "--type": "TYPE",
    "--method": "METHOD",
    "--status": "STATUS",
    "--entity": "ENTITY",
    "--source": "SOURCE",
    "--service": "SERVICE",
    "--frequency": "TEXT",
    **dict.fromkeys(
        (
            "--limit",
            "--visits",
            "--units",
            "--years",
            "--seed",
            "--visit-limit",
            "--visits-used",
            "--lines-per-year",
            "--ready-claims",
            "--total-minutes",
            "--timely-filing-days",
            "--expiring-days",
            "--no-response-days",
            "--unpaid-days",
            "--pain-before",
            "--pain-after",
            "--expiring",
        ),
        "N",
    ),
    **dict.fromkeys(
        (
            "--in-network",
            "--massage-covered",
            "--acupuncture-covered",
            "--preauth-required",
            "--referral-required",
        ),
        "yes|no",
    ),
}

# option -> help, for options a command declares without help of its own
HELP: dict[str, str] = {
    "--first-name": "First name.",
    "--last-name": "Last name.",
    "--middle-name": "Middle name or initial.",
    "--name": "Name as it should appear on claims and documents.",
    "--dob": "Date of birth (YYYY-MM-DD or MM/DD/YYYY).",
    "--sex": "Sex as the payer has it on file: M, F or U.",
    "--account-number": "Account number (letters, digits and '-').",
    "--address1": "Street address.",
    "--address2": "Suite, unit or second address line.",
    "--city": "City.",
    "--state": "Two-letter state code (e.g. OR).",
    "--zip": "ZIP code (5 or 9 digits).",
    "--phone": "Phone number (10 digits).",
    "--email": "Email address.",
    "--npi": "National Provider Identifier (10 digits, Luhn-checked).",
    "--tax-id": "Tax id: EIN (12-3456789) or SSN.",
    "--taxonomy": "Provider taxonomy code (10 characters).",
    "--credential": "Credential: LMT, LAc, DC, MD, DPT ...",
    "--license": "State license number.",
    "--license-state": "State that issued the license.",
    "--active": "Whether the provider still sees patients.",
    "--payer": "Payer: id, payer id or an unambiguous name fragment.",
    "--payer-id": "The payer's electronic payer id (from the payer or clearinghouse list).",
    "--type": "Payer type (commercial, medicare, medicare-advantage, medicaid, workers-comp, "
    "auto, self-pay).",
    "--profile": "Rule profile name (see `payer add --help`).",
    "--timely-filing-days": "Days after the date of service within which claims must arrive.",
    "--receiver-name": "Clearinghouse or payer that receives the 837P (1000B NM1).",
    "--contact-name": "Billing contact for the 837P submitter (1000A PER).",
    "--signature-on-file": "The patient signed the release of information (box 12).",
    "--assignment-on-file": "The patient assigned benefits to the practice (box 13).",
    "--member-id": "Member id on the insurance card.",
    "--plan-name": "Plan name on the card.",
    "--priority": "primary, secondary or tertiary.",
    "--group": "Group number on the card.",
    "--relationship": "The patient's relationship to the subscriber.",
    "--subscriber-first-name": "Subscriber's first name (when not the patient).",
    "--subscriber-last-name": "Subscriber's last name (when not the patient).",
    "--subscriber-dob": "Subscriber's date of birth.",
    "--subscriber-sex": "Subscriber's sex: M, F or U.",
    "--subscriber-address1": "Subscriber's street address.",
    "--subscriber-city": "Subscriber's city.",
    "--subscriber-state": "Subscriber's state.",
    "--subscriber-zip": "Subscriber's ZIP code.",
    "--from": "First date (YYYY-MM-DD).",
    "--to": "Last date (YYYY-MM-DD).",
    "--exclusions": "Services the plan excludes, as the representative said them.",
    "--notes": "Free-text notes.",
    "--subjective": "S: what the patient reports.",
    "--objective": "O: what the practitioner found.",
    "--assessment": "A: the practitioner's assessment.",
    "--plan": "P: the plan of care.",
}


def document(command) -> None:
    """Fill in metavars and missing help on a built click command's options, from the tables."""
    for param in command.params:
        if param.param_type_name != "option" or not param.opts:
            if param.param_type_name == "argument" and param.name == "ident":
                param.metavar = param.metavar or "ID"
            continue
        name = param.opts[-1] if param.opts[-1].startswith("--") else param.opts[0]
        if not param.help and name in HELP:
            param.help = HELP[name]
        if getattr(param, "is_flag", False) or param.metavar is not None:
            continue
        param.metavar = METAVARS.get(name) or _plain_metavar(param)


# Typer's own names for plain types, and what a person reads instead
_PLAIN = {"<str>": "TEXT", "<int>": "N", "<int range>": "N", "<list[str]>": "TEXT",
          "<list[int]>": "N", "<path>": "PATH"}  # fmt: skip


def _plain_metavar(param) -> str | None:
    try:
        shown = str(param.display_type(None))
    except Exception:  # a type that needs a context to describe itself keeps its own display
        return None
    if shown.startswith("<") and "|" in shown:  # a choice: list the choices plainly
        return shown.strip("<>")
    return _PLAIN.get(shown)
