"""The batch check of stored encounters (claim checking) answers exactly as the one-by-one check,
in a number of queries that does not grow with the number of encounters."""

from __future__ import annotations

import random
from datetime import date, timedelta

import pytest
from sqlalchemy import event

from clinicbill.domain.coverage.authorizations import add_authorization, add_referral
from clinicbill.domain.coverage.check import (
    encounter_coverage_problems,
    encounters_coverage_problems,
)
from clinicbill.domain.coverage.verification import add_verification
from clinicbill.domain.practice.lookup import find_patient, find_policy
from clinicbill.store.engine import transaction
from tests.factories import make_encounter

# (patient id, policy id): Chen/Cascade, Okafor/Cascade, Brooks/workers' comp, Haddad self-pay
VISITORS = [(1, 1), (3, 4), (5, 6), (6, None)]
CODES = ["97124", "97140", "97810", "97811"]


def build(s, rng: random.Random, visits: int) -> list[int]:
    add_verification(
        s,
        find_policy(s, 1),
        method="phone",
        verified_by="x",
        verified_at="2026-03-01",
        plan_year_start="2025-07-01",
        visit_limit="9",
        visits_used="2",
        acupuncture_covered="no",
        reverify_by="2026-09-30",
    )
    add_verification(
        s, find_policy(s, 6), method="portal", verified_by="x", verified_at="2026-08-20"
    )
    auths = [
        add_authorization(
            s,
            find_policy(s, policy),
            number=f"A{i}",
            start_date=start,
            end_date=end,
            visits_authorized=visits_ok,
            units_authorized=units_ok,
            codes=codes,
        )
        for i, (policy, start, end, visits_ok, units_ok, codes) in enumerate(
            [
                (1, "2026-01-01", "2026-06-30", "4", None, None),
                (1, "2026-04-01", "2026-12-31", None, "12", "97124,97140"),
                (6, "2026-08-14", "2026-10-15", "5", None, None),
                (6, "2026-10-01", "2026-12-31", "3", "9", None),
                (4, "2026-01-01", "2026-12-31", "2", None, "97810"),
            ]
        )
    ]
    referrals = [
        add_referral(
            s,
            find_patient(s, patient),
            first_name="Helen",
            last_name="Park",
            npi="1679576722",
            referral_date=day,
            visits_ordered=ordered,
            expires_on=expires,
        )
        for patient, day, ordered, expires in [
            ("P00001", "2026-01-15", "3", "2026-05-31"),
            ("P00005", "2026-08-15", "6", "2026-11-15"),
            ("P00003", "2026-02-01", None, None),
        ]
    ]
    ids = []
    for _ in range(visits):
        patient, policy = rng.choice(VISITORS)
        day = date(2026, 1, 1) + timedelta(days=rng.randrange(330))
        lines = [
            {"code": code, "charge_cents": 100, "units": rng.randint(1, 3)}
            for code in rng.sample(CODES, rng.randint(1, 2))
        ]
        enc = make_encounter(s, patient, 1, day, lines, policy)
        enc.authorization_id = rng.choice([None, *(a.id for a in auths)])
        enc.referral_id = rng.choice([None, *(r.id for r in referrals)])
        enc.status = rng.choice(["signed", "signed", "signed", "draft", "void"])
        ids.append(enc.id)
    s.flush()
    return ids


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_batch_and_single_checks_agree(sample_db, seed):
    with transaction(sample_db, "tester") as s:
        ids = build(s, random.Random(seed), 60)
        batch = encounters_coverage_problems(s, ids)
        single = {i: encounter_coverage_problems(s, i) for i in ids}
    assert batch == single
    found = {p.code for problems in batch.values() for p in problems}
    assert len(found) >= 6, found  # the data exercises many kinds of problem


def _queries(s, run) -> int:
    seen = []

    def count(*_args):
        seen.append(1)

    engine = s.get_bind()
    event.listen(engine, "before_cursor_execute", count)
    try:
        run()
    finally:
        event.remove(engine, "before_cursor_execute", count)
    return len(seen)


def test_batch_query_count_does_not_grow_with_encounters(sample_db):
    with transaction(sample_db, "tester") as s:
        ids = build(s, random.Random(7), 120)
        few = _queries(s, lambda: encounters_coverage_problems(s, ids[:10]))
        many = _queries(s, lambda: encounters_coverage_problems(s, ids))
    # a fixed set of queries (two more when linked rows of other policies/patients need loading)
    assert few <= 13 and many <= 13
