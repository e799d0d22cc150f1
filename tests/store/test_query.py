"""store.query: the query pieces said once (optional filter, claim line to visit, add+flush)."""

from __future__ import annotations

from sqlalchemy import select

from clinicbill.store.engine import transaction
from clinicbill.store.query import added, narrowed, through_visit


def test_added_assigns_the_id_and_narrowed_filters_only_when_given(db):
    from clinicbill.store.models import Payer

    acme = added(db, Payer(name="Acme Mutual", payer_id="12345"))
    other = added(db, Payer(name="Other Health"))
    assert acme.id is not None and other.id > acme.id
    names = select(Payer.name).order_by(Payer.id)
    assert narrowed(names, Payer.id, None) is names
    assert db.execute(narrowed(names, Payer.id, acme.id)).scalars().all() == ["Acme Mutual"]
    assert db.execute(narrowed(names, Payer.id, other.id + 1)).scalars().all() == []


def test_each_claim_line_reaches_the_visit_of_the_line_it_bills(sample_db):
    from clinicbill.store.models import ClaimLine, Encounter, ServiceLine
    from tests.claimkit import bill, massage_lines

    with transaction(sample_db, "tester") as session:
        first = bill(session, patient_id=1, policy_id=1, lines=massage_lines(2))
        second = bill(session, patient_id=3, policy_id=4, lines=massage_lines(3))
        rows = session.execute(
            through_visit(
                select(ClaimLine.claim_id, ClaimLine.service_line_id, ServiceLine.id, Encounter.id)
            ).where(ClaimLine.claim_id.in_([first.id, second.id]))
        ).all()
        assert sorted(r[0] for r in rows) == [first.id] * 2 + [second.id] * 3
        for _claim, billed, line_id, visit_id in rows:
            assert billed == line_id
            assert session.get(ServiceLine, line_id).encounter_id == visit_id
