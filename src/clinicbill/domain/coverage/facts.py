"""Where the coverage check reads its facts: straight from the database for one visit being
entered (LiveFacts), or preloaded in a bounded number of queries for many stored encounters
(BatchFacts, used when claims are checked). Both answer the same questions the same way, so
domain/coverage/check.py and domain/coverage/linking.py state each rule once.

"Before" a visit means an earlier date of service, or the same date entered earlier (lower
id); a visit not stored yet (encounter id None) comes after everything on its date.
"""

from __future__ import annotations

from bisect import bisect_left
from collections import defaultdict
from datetime import date, timedelta
from itertools import accumulate

from sqlalchemy import func, select

from clinicbill.domain.coverage.authorizations import (
    Usage,
    auth_covers_code,
    auth_usage,
    referral_usage,
    visits_before,
)
from clinicbill.domain.coverage.verification import history
from clinicbill.domain.practice.profiles import profile_for_payer
from clinicbill.store.models import (
    Authorization,
    Encounter,
    Payer,
    Policy,
    Referral,
    ServiceLine,
    Verification,
)

CHUNK = 500
LAST = float("inf")


def _upper(before: tuple[date, int | None]) -> tuple:
    """Sort key just past the last encounter that comes before a visit."""
    day, encounter_id = before
    return (day, LAST) if encounter_id is None else (day, encounter_id)


def _chunks(ids) -> list[list]:
    ids = sorted(set(ids))
    return [ids[i : i + CHUNK] for i in range(0, len(ids), CHUNK)]


class LiveFacts:
    """Facts for one visit, read when asked."""

    def __init__(self, session):
        self.session = session

    def policy(self, policy_id: int) -> Policy | None:
        return self.session.get(Policy, policy_id)

    def profile(self, policy: Policy):
        return profile_for_payer(self.session.get(Payer, policy.payer_id))

    def notes(self, policy_id: int) -> list[Verification]:
        return history(self.session, policy_id)

    def practice_visits(self, policy_id: int, start: date, before) -> int:
        return self.session.execute(
            select(func.count(Encounter.id)).where(
                Encounter.policy_id == policy_id,
                Encounter.status != "void",
                Encounter.service_date >= start,
                visits_before(*before),
            )
        ).scalar_one()

    def policy_auths(self, policy_id: int) -> list[Authorization]:
        query = select(Authorization).where(Authorization.policy_id == policy_id)
        return list(self.session.execute(query.order_by(Authorization.id)).scalars())

    def auth(self, auth_id: int) -> Authorization | None:
        return self.session.get(Authorization, auth_id)

    def auth_usage(self, auths: list[Authorization], before) -> dict[int, Usage]:
        return auth_usage(self.session, auths, before=before)

    def referrals(self, patient_id: int, policy_id: int) -> list[Referral]:
        query = select(Referral).where(
            Referral.patient_id == patient_id,
            Referral.policy_id.is_(None) | (Referral.policy_id == policy_id),
        )
        return list(self.session.execute(query.order_by(Referral.id)).scalars())

    def referral(self, referral_id: int) -> Referral | None:
        return self.session.get(Referral, referral_id)

    def referral_usage(self, referral_ids: list[int], before) -> dict[int, int]:
        return referral_usage(self.session, referral_ids, before=before)


class BatchFacts:
    """Facts for many stored encounters, loaded up front (about ten queries, chunked)."""

    def __init__(self, session, encounter_ids):
        self.session = session
        self.encounters: dict[int, Encounter] = {}
        for chunk in _chunks(encounter_ids):
            for enc in session.execute(select(Encounter).where(Encounter.id.in_(chunk))).scalars():
                self.encounters[enc.id] = enc
        self.units: dict[int, dict[str, int]] = defaultdict(dict)
        for chunk in _chunks(self.encounters):
            for enc_id, code, units in session.execute(
                select(ServiceLine.encounter_id, ServiceLine.code, ServiceLine.units).where(
                    ServiceLine.encounter_id.in_(chunk)
                )
            ).all():
                self.units[enc_id][code] = self.units[enc_id].get(code, 0) + units
        insured = [e for e in self.encounters.values() if e.policy_id is not None]
        self._load_policies({e.policy_id for e in insured})
        self._load_practice_visits(insured)
        self._load_auths(insured)
        self._load_referrals(insured)

    def _load_policies(self, policy_ids) -> None:
        self.policies: dict[int, Policy] = {}
        self.payers: dict[int, Payer] = {}
        self.notes_by_policy: dict[int, list[Verification]] = defaultdict(list)
        for chunk in _chunks(policy_ids):
            for policy, payer in self.session.execute(
                select(Policy, Payer)
                .join(Payer, Payer.id == Policy.payer_id)
                .where(Policy.id.in_(chunk))
            ).all():
                self.policies[policy.id], self.payers[payer.id] = policy, payer
            for note in self.session.execute(
                select(Verification)
                .where(Verification.policy_id.in_(chunk))
                .order_by(Verification.verified_at, Verification.id)
            ).scalars():
                self.notes_by_policy[note.policy_id].append(note)

    def _load_practice_visits(self, insured) -> None:
        self.visits_by_policy: dict[int, list[tuple]] = defaultdict(list)
        if not insured:
            return
        earliest = min(e.service_date for e in insured) - timedelta(days=367)
        latest = max(e.service_date for e in insured)
        for chunk in _chunks({e.policy_id for e in insured}):
            for policy_id, day, enc_id in self.session.execute(
                select(Encounter.policy_id, Encounter.service_date, Encounter.id).where(
                    Encounter.policy_id.in_(chunk),
                    Encounter.status != "void",
                    Encounter.service_date.between(earliest, latest),
                )
            ).all():
                self.visits_by_policy[policy_id].append((day, enc_id))
        for rows in self.visits_by_policy.values():
            rows.sort()

    def _load_auths(self, insured) -> None:
        self.auths: dict[int, Authorization] = {}
        policy_ids = {e.policy_id for e in insured}
        forced = {e.authorization_id for e in insured if e.authorization_id}
        for chunk in _chunks(policy_ids):
            query = select(Authorization).where(Authorization.policy_id.in_(chunk))
            self.auths.update((a.id, a) for a in self.session.execute(query).scalars())
        for chunk in _chunks(forced - set(self.auths)):
            query = select(Authorization).where(Authorization.id.in_(chunk))
            self.auths.update((a.id, a) for a in self.session.execute(query).scalars())
        # linked non-void encounters of each authorization, in visit order, with covered units
        linked: dict[int, dict[tuple, int]] = defaultdict(dict)
        for chunk in _chunks(self.auths):
            for auth_id, day, enc_id, code, units in self.session.execute(
                select(
                    Encounter.authorization_id,
                    Encounter.service_date,
                    Encounter.id,
                    ServiceLine.code,
                    ServiceLine.units,
                )
                .join(ServiceLine, ServiceLine.encounter_id == Encounter.id, isouter=True)
                .where(Encounter.authorization_id.in_(chunk), Encounter.status != "void")
            ).all():
                key = (day, enc_id)
                covered = units if code and auth_covers_code(self.auths[auth_id], code) else 0
                linked[auth_id][key] = linked[auth_id].get(key, 0) + (covered or 0)
        self.auth_visits = {a: sorted(rows) for a, rows in linked.items()}
        self.auth_units = {
            a: [0, *accumulate(rows[k] for k in self.auth_visits[a])] for a, rows in linked.items()
        }

    def _load_referrals(self, insured) -> None:
        self.referrals_by_patient: dict[int, list[Referral]] = defaultdict(list)
        self._referrals: dict[int, Referral] = {}
        patients = {e.patient_id for e in insured}
        forced = {e.referral_id for e in insured if e.referral_id}
        for chunk in _chunks(patients):
            query = select(Referral).where(Referral.patient_id.in_(chunk)).order_by(Referral.id)
            for ref in self.session.execute(query).scalars():
                self.referrals_by_patient[ref.patient_id].append(ref)
                self._referrals[ref.id] = ref
        for chunk in _chunks(forced - set(self._referrals)):
            query = select(Referral).where(Referral.id.in_(chunk))
            self._referrals.update((r.id, r) for r in self.session.execute(query).scalars())
        self.referral_visits: dict[int, list[tuple]] = defaultdict(list)
        for chunk in _chunks(self._referrals):
            for ref_id, day, enc_id in self.session.execute(
                select(Encounter.referral_id, Encounter.service_date, Encounter.id).where(
                    Encounter.referral_id.in_(chunk), Encounter.status != "void"
                )
            ).all():
                self.referral_visits[ref_id].append((day, enc_id))
        for rows in self.referral_visits.values():
            rows.sort()

    # --- the same questions LiveFacts answers ---------------------------------------------

    def policy(self, policy_id: int) -> Policy | None:
        return self.policies.get(policy_id)

    def profile(self, policy: Policy):
        return profile_for_payer(self.payers[policy.payer_id])

    def notes(self, policy_id: int) -> list[Verification]:
        return self.notes_by_policy.get(policy_id, [])

    def practice_visits(self, policy_id: int, start: date, before) -> int:
        rows = self.visits_by_policy.get(policy_id, [])
        return max(0, bisect_left(rows, _upper(before)) - bisect_left(rows, (start, -1)))

    def policy_auths(self, policy_id: int) -> list[Authorization]:
        return sorted(
            (a for a in self.auths.values() if a.policy_id == policy_id), key=lambda a: a.id
        )

    def auth(self, auth_id: int) -> Authorization | None:
        return self.auths.get(auth_id)

    def auth_usage(self, auths: list[Authorization], before) -> dict[int, Usage]:
        out = {}
        for auth in auths:
            rows = self.auth_visits.get(auth.id, [])
            count = bisect_left(rows, _upper(before))
            out[auth.id] = Usage(count, self.auth_units[auth.id][count] if rows else 0)
        return out

    def referrals(self, patient_id: int, policy_id: int) -> list[Referral]:
        return [
            r
            for r in self.referrals_by_patient.get(patient_id, [])
            if r.policy_id is None or r.policy_id == policy_id
        ]

    def referral(self, referral_id: int) -> Referral | None:
        return self._referrals.get(referral_id)

    def referral_usage(self, referral_ids: list[int], before) -> dict[int, int]:
        return {
            i: bisect_left(self.referral_visits.get(i, []), _upper(before)) for i in referral_ids
        }
