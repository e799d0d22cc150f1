"""Code look-up use cases (`codes icd|cpt|units`): no database, the shipped code sets."""

from __future__ import annotations


def search_icd(query: str, limit: int) -> list[dict]:
    """ICD-10-CM codes matching a code (dots optional) or words, billable codes first."""
    from clinicbill.domain.codesets.icd import search

    hits = search(query, limit=max(1, limit))
    return [{"code": h.code, "billable": h.billable, "description": h.description} for h in hits]


HSA = {True: "yes", False: "no", None: "with LMN"}  # HSA/FSA eligible (a letter of medical need)


def search_cpt(query: str | None) -> list[dict]:
    """The CPT/HCPCS catalog, or the codes matching a prefix or words."""
    from clinicbill.domain.codesets.cpt import search

    return [
        {
            "code": e.code,
            "timed": e.timed,
            "category": e.category,
            "modifiers": ",".join(e.typical_modifiers),
            "hsa": HSA[e.hsa_eligible],
            "description": e.description,
        }
        for e in search(query)
    ]


def units_for(minutes: dict[str, int], rule: str):
    """Units of timed services from their minutes under a unit rule (cli/parse.unit_rule),
    with why (domain/sessions/units.py)."""
    from clinicbill.domain.sessions.units import units_for_minutes

    return units_for_minutes(minutes, rule)
