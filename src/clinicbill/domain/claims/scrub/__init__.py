"""The claim scrubber: small rules over a ClaimSnapshot, each returning Findings (STYLE.md).

Like beancount's plugins, rules raise nothing: they return every problem they see. Errors block
export unless `--force`; warnings do not. One module per rule family:

- required.py   every box a payer needs is filled (DOMAIN.md §2 "not detected by pyx12", §4)
- codes.py      ICD-10-CM on the date of service, pointers, CPT, modifiers, units, charges
- providers.py  NPIs, taxonomy, tax id, credentials the payer profile accepts
- modifiers.py  NCCI 59/XS, GP, 25 on an E/M with acupuncture
- payer.py      timely filing, Medicare acupuncture (NCD 30.3.3), acupuncture combinations
- coverage.py   verification, authorization, referral and visit limits (domain/coverage/check.py)
- lines.py      duplicate lines, secondary-claim balancing
- support.py    place of service on the CMS list, the profile's diagnosis-to-service rules
- therapy.py    Medicare therapy threshold: KX past the year's amount
- abn.py        Medicare GA/GZ against the ABNs on file
- injury.py     injury cases: workers' comp / auto case, claim number, accident state, PIP limit
"""

from __future__ import annotations

from collections.abc import Iterable

from clinicbill.domain.claims.scrub.findings import (  # the registry's public names
    ERROR,
    WARNING,
    Finding,
    Rule,
    error,
    warning,
)

__all__ = [
    "ERROR",
    "WARNING",
    "Finding",
    "Rule",
    "error",
    "has_errors",
    "rules",
    "scrub",
    "scrub_all",
    "warning",
]


# The rule families in the order they run: each a module of this package with its RULES list.
FAMILIES = (
    "required",
    "providers",
    "codes",
    "support",
    "modifiers",
    "payer",
    "coverage",
    "lines",
    "injury",
    "therapy",
    "abn",
)


def rules() -> list[Rule]:
    from importlib import import_module

    out: list[Rule] = []
    for family in FAMILIES:
        out.extend(import_module(f"{__name__}.{family}").RULES)
    return out


def scrub(snapshot) -> list[Finding]:
    """Every finding for one claim, errors first, then by line."""
    from dataclasses import replace

    found: list[Finding] = []
    for rule in rules():
        found.extend(replace(f, rule=f.rule or rule.__name__) for f in rule(snapshot))
    return sorted(found, key=lambda f: (f.severity != ERROR, f.line or 0, f.box))


def scrub_all(snapshots) -> list[Finding]:
    out: list[Finding] = []
    for snapshot in snapshots:
        out.extend(scrub(snapshot))
    return out


def has_errors(findings: Iterable[Finding]) -> bool:
    return any(f.severity == ERROR for f in findings)
