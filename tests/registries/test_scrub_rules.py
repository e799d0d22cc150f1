"""The scrub-rule registry's one test: every rule family in domain/scrub/ is registered in
`FAMILIES` and named in the package's docstring, every rule has its own name, and every rule
returns well-formed findings (a severity, a box, a message and a hint) on claims of every kind
of payer in the sample practice. A new rule family is one module with `RULES = [...]` plus its
name in `FAMILIES`; a new rule is one function in a family's `RULES`."""

from __future__ import annotations

import pkgutil
from pathlib import Path

import clinicbill.domain.claims.scrub as scrub_package
from clinicbill.domain.claims.scrub import ERROR, FAMILIES, WARNING, Finding, rules
from clinicbill.store.engine import transaction
from tests.claimkit import bill, snapshot

ACUPUNCTURE = [
    {"code": "97810", "charge_cents": 8500, "units": 1, "minutes": 15},
    {"code": "97811", "charge_cents": 4000, "units": 1, "minutes": 15},
]
# (patient, policy, provider, lines, diagnoses): commercial, Medicare, workers' comp, spouse
CLAIMS = [
    (1, 1, 1, None, ("M54.50",)),
    (2, 2, 2, ACUPUNCTURE, ("M54.50",)),
    (2, 2, 1, None, ("Z00.00",)),
    (5, 6, 1, None, ("S39.012A",)),
    (4, 5, 2, ACUPUNCTURE, ("M54.2",)),
]


def test_every_scrub_rule_is_registered_and_returns_well_formed_findings(sample_db):
    registered = rules()
    families = {rule.__module__.rsplit(".", 1)[1] for rule in registered}
    modules = {m.name for m in pkgutil.iter_modules([str(Path(scrub_package.__file__).parent)])}
    modules -= {"findings"}  # the Finding type and its constructors, not a rule family
    assert families == modules == set(FAMILIES), "a module in domain/claims/scrub/ not in FAMILIES"
    for family in families:
        assert f"- {family}.py" in scrub_package.__doc__, f"{family}.py not in the docstring"
    names = [rule.__name__ for rule in registered]
    assert len(names) == len(set(names)), "two rules share a name (Finding.rule)"
    seen: dict[str, int] = {}
    with transaction(sample_db, "tester") as session:
        snapshots = [
            snapshot(session, bill(session, patient, provider, lines, policy, diagnoses=dx))
            for patient, policy, provider, lines, dx in CLAIMS
        ]
        for rule in registered:
            for s in snapshots:
                found = rule(s)
                assert isinstance(found, list), rule.__name__
                for finding in found:
                    assert isinstance(finding, Finding), rule.__name__
                    assert finding.severity in (ERROR, WARNING), rule.__name__
                    assert finding.claim_id == s.claim_id and finding.box, rule.__name__
                    assert finding.message.strip() and finding.hint.strip(), rule.__name__
                    assert finding.line is None or 1 <= finding.line <= len(s.lines)
                    seen[rule.__name__] = seen.get(rule.__name__, 0) + 1
    # the claims above are not all clean: the rules were exercised, not only called
    assert len(seen) >= 3, seen
