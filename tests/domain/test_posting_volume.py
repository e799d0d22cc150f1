"""Posting is set-based: the number of SQL statements does not grow with the claims in a
remittance (no N+1), and a large remittance posts every claim exactly."""

from __future__ import annotations

from datetime import date

from sqlalchemy import event, func, select

from clinicbill.domain.ledger import balances as ledger
from clinicbill.domain.remittance.posting import post_remittance
from clinicbill.formats.x12_835 import parse_835
from clinicbill.formats.x12_835_write import Outcome, remittance_835_for_claims
from clinicbill.store.engine import transaction
from clinicbill.store.models import AuditLog, Claim, LedgerEntry
from tests.remittance_factories import bulk_claims


def _post_counting(db_url, count, trace):
    with transaction(db_url, "tester") as session:
        ids = bulk_claims(session, count)
        outcomes = {
            cid: Outcome(kind="denied") if n % 5 == 0 else Outcome(coinsurance_percent=20)
            for n, cid in enumerate(ids)
        }
        text, _advice = remittance_835_for_claims(
            session, outcomes, trace_number=trace, payment_date=date(2026, 1, 15)
        )
    advice = parse_835(text.encode()).advices[0]
    statements = []
    with transaction(db_url, "tester") as session:
        connection = session.connection()
        event.listen(connection, "before_cursor_execute", lambda *a: statements.append(a[2]))
        outcome = post_remittance(session, advice)
    return ids, outcome, len(statements)


def test_statement_count_does_not_grow_with_claims(sample_db):
    _ids, small, few = _post_counting(sample_db, 20, "SMALL")
    ids, large, many = _post_counting(sample_db, 600, "LARGE")
    assert len(small.posted) == 20 and len(large.posted) == 600
    # chunks of 500 add a handful of statements; per-claim statements would add hundreds
    assert many <= few + 12, (few, many)
    with transaction(sample_db, "tester") as session:
        statuses = dict(
            session.execute(
                select(Claim.status, func.count()).where(Claim.id.in_(ids)).group_by(Claim.status)
            ).all()
        )
        assert statuses == {"paid": 480, "denied": 120}
        lines = ledger.line_details(session, patient_id=1)
        assert all(
            x.charge == x.insurance_paid + x.patient_paid + x.adjusted + x.balance for x in lines
        )
        # 97140 $90 paid: 57.60 + CO-45 18.00, the patient owes 14.40 on each paid claim
        assert sum(x.patient_due for x in lines) == (1440 + 2560) * (16 + 480)
        # every bulk-written ledger row is in the audit trail
        entries = session.execute(select(func.count(LedgerEntry.id))).scalar()
        audited = session.execute(
            select(func.count(AuditLog.id)).where(AuditLog.entity == "ledgerentry")
        ).scalar()
        assert audited == entries
        from clinicbill.store.audit_verify import verify_chain

        assert verify_chain(session) == []
