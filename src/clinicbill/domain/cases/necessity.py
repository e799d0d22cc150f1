"""Documentation of medical necessity for therapy past the Medicare KX threshold.

CMS (Medicare Claims Processing Manual ch. 5 §10.3; Benefit Policy Manual ch. 15 §220.3): by
adding KX the provider attests that the services are reasonable and necessary and that the
justification is documented in the medical record. Here the record of a visit is its SOAP note:
the session documents medical necessity when its assessment, its plan (the plan of care) or
one of its addenda states it: "medically necessary", "medical necessity" or "reasonable and
necessary", not negated ("not medically necessary" does not count). An addendum is how a
signed note gets the statement afterwards (`clinicbill session addendum`).
"""

from __future__ import annotations

import re

from sqlalchemy import select

from clinicbill.domain.claims.chunked import rows_in
from clinicbill.store.models import Addendum, Encounter

_STATEMENT = re.compile(
    r"\b(medically\s+necessary|medical\s+necessity|reasonable\s+and\s+necessary)\b", re.I
)
_NEGATION = re.compile(r"\b(not|no|without|lacks?|lacking)\s+(\w+\s+){0,2}$", re.I)
EXAMPLE = "Continued skilled therapy is medically necessary because <the measurable gains expected>"


def states_medical_necessity(text: str | None) -> bool:
    """Whether the text holds a statement of medical necessity that is not negated."""
    for match in _STATEMENT.finditer(text or ""):
        if not _NEGATION.search(text[max(0, match.start() - 40) : match.start()]):
            return True
    return False


def documented_encounters(session, encounter_ids) -> frozenset[int]:
    """The encounters whose assessment, plan or an addendum states medical necessity."""
    ids = sorted(set(encounter_ids))
    if not ids:
        return frozenset()
    found = {
        encounter_id
        for encounter_id, assessment, plan in rows_in(
            session,
            lambda chunk: select(Encounter.id, Encounter.assessment, Encounter.plan).where(
                Encounter.id.in_(chunk)
            ),
            ids,
        )
        if states_medical_necessity(assessment) or states_medical_necessity(plan)
    }
    for encounter_id, text in rows_in(
        session,
        lambda chunk: select(Addendum.encounter_id, Addendum.text).where(
            Addendum.encounter_id.in_(chunk)
        ),
        [i for i in ids if i not in found],
    ):
        if states_medical_necessity(text):
            found.add(encounter_id)
    return frozenset(found)


def threshold_encounters(snapshots) -> set[int]:
    """Encounters of therapy lines billed to a payer with a therapy threshold (only these
    need the statement, so other claims cost no query)."""
    return {
        line.encounter_id
        for s in snapshots
        if s.profile.therapy_threshold
        for line in s.lines
        if line.code in set(s.profile.therapy_threshold.get("codes", ()))
    }
