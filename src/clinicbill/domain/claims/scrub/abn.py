"""Medicare liability modifiers: a line the patient was warned about with an Advance
Beneficiary Notice (`clinicbill abn`) carries GA; a line expected to be denied (acupuncture for
a diagnosis NCD 30.3.3 does not cover) without an ABN carries GZ; GA never without an ABN."""

from __future__ import annotations

from clinicbill.domain.claims.scrub.findings import error
from clinicbill.domain.claims.snapshot import ACUPUNCTURE_CODES


def _expected_denial(s, line) -> bool:
    covered = set(s.profile.acupuncture.get("covered_diagnoses", ()))
    if line.code not in ACUPUNCTURE_CODES or not covered:
        return False
    pointed = {s.diagnoses[p - 1] for p in line.pointers if 1 <= p <= len(s.diagnoses)}
    return not pointed & covered


def abn_modifiers(s) -> list:
    if s.profile.name != "medicare":
        return []
    out = []
    for line in s.lines:
        on_file = any(a.covers(line.code, line.service_date) for a in s.context.abns)
        ga, gz = "GA" in line.modifiers, "GZ" in line.modifiers
        where = f"{line.code} on {line.service_date}"
        if ga and gz:
            found = ("GA and GZ together", "keep GA with an ABN on file, GZ without one")
        elif ga and not on_file:
            found = (
                f"GA says an ABN is on file, but none covers {where}",
                "give one (clinicbill abn PATIENT --code CODE --reason ...) or drop GA",
            )
        elif on_file and not ga:
            found = (
                f"an ABN on file covers {where}: Medicare wants GA" + (" (not GZ)" if gz else ""),
                "add GA to the line's modifiers",
            )
        elif _expected_denial(s, line) and not (ga or gz):
            found = (
                f"{where} is expected to be denied (not covered for this diagnosis) and has "
                "neither GA nor GZ",
                "give the patient an ABN and add GA, or add GZ (no ABN: the practice is liable)",
            )
        else:
            continue
        out.append(error(s, "24D", found[0], found[1], line.number))
    return out


RULES = [abn_modifiers]
