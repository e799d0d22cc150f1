"""Is this remittance for this practice, and from the payer of the claim it names? (issue 17)

- Payee: an 835 addressed to another payee (1000B N1*PE with an NPI that is neither the
  practice's nor one of its providers', or a REF*TJ / N1*PE*FI tax id that is not the
  practice's) is refused whole: none of it is posted.
- Payer: a CLP whose claim (matched by control number) is billed to another payer than the
  one that sent the 835 is listed as unmatched, not posted. The 835's payer is known by its
  additional payer id (1000A REF*2U) when it gives one and the claim's payer has an id, else
  by name (N1*PR). One exception: a claim its payer forwarded (CLP02 19/20/21/23) is
  answered by the patient's next payer, whose 835 names our primary claim's control number.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import NamedTuple

from sqlalchemy import select

from clinicbill.domain.errors import ClinicbillError
from clinicbill.domain.remittance.holds import FORWARDED
from clinicbill.domain.remittance.match import CHUNK

# Words that do not tell two payers apart ("CASCADE HEALTH PLAN INC" is Cascade Health Plan).
_NOISE = {"INC", "LLC", "CO", "CORP", "CORPORATION", "COMPANY", "THE", "OF", "LTD"}


def _norm(text: str | None) -> str:
    return re.sub(r"[^A-Z0-9]", "", (text or "").upper())


def same_name(theirs: str | None, ours: str | None) -> bool:
    """Payer names compared without case, punctuation or corporate suffixes; a name that is
    the start of the other ("MEDICARE" for "Medicare Part B Oregon") is the same payer."""
    words = [
        [w for w in re.findall(r"[A-Z0-9]+", (name or "").upper()) if w not in _NOISE]
        for name in (theirs, ours)
    ]
    a, b = ("".join(w) for w in words)
    if not a or not b:
        return False
    short, long = sorted((a, b), key=len)
    return a == b or (len(short) >= 4 and long.startswith(short))


def _digits(text: str | None) -> str:
    return re.sub(r"\D", "", text or "")


def check_payee(session, advice) -> None:
    """Refuse (ClinicbillError) a remittance addressed to another payee NPI or tax id."""
    from clinicbill.store.models import Practice, Provider

    practice = session.execute(select(Practice)).scalars().first()
    if practice is None:
        return
    qualifier = (advice.payee_id_qualifier or "").upper()
    identifier = (advice.payee_identifier or "").strip()
    where = f"trace {advice.trace_number}"
    hint = "this remittance is for another practice: nothing was posted; send it back to the payer"
    if identifier and qualifier in ("", "XX"):
        npis = {_digits(practice.npi)} | {
            _digits(npi) for npi in session.execute(select(Provider.npi)).scalars()
        }
        if (_digits(identifier) or identifier) not in npis:
            raise ClinicbillError(
                f"835: {where} is addressed to payee NPI {identifier} (N1*PE), not to this "
                f"practice (NPI {practice.npi}) or one of its providers",
                hint,
            )
    tax_ids = [advice.payee_tax_id] + ([identifier] if qualifier == "FI" else [])
    for tax_id in filter(None, tax_ids):
        if _digits(tax_id) != _digits(practice.tax_id):
            raise ClinicbillError(
                f"835: {where} is addressed to payee tax id {tax_id} (REF*TJ), not to this "
                "practice's tax id",
                hint,
            )


def payer_matches(advice, payer) -> bool | None:
    """Whether the remittance came from `payer` (None: the remittance does not say)."""
    ids = {_norm(advice.payer_reference_id), _norm(advice.payer_code)} - {""}
    ours = _norm(payer.payer_id)
    if ours and ours in ids:
        return True
    if ours and _norm(advice.payer_reference_id):
        return False
    if advice.payer_name:
        return same_name(advice.payer_name, payer.name)
    return None


def remittance_payer(session, advice, payer_id: int | None):
    """The payer that sent the remittance: the one given, else the payer the 835 names."""
    from clinicbill.store.models import Payer

    if payer_id is not None:
        return session.get(Payer, payer_id)
    for payer in session.execute(select(Payer).order_by(Payer.id)).scalars():
        if payer_matches(advice, payer):
            return payer
    return None


def wrong_payer(session, advice, billed: dict, payer_id: int | None) -> dict[str, str]:
    """Control number -> why its claim is not this remittance's to post (payer differs)."""
    from clinicbill.store.models import Payer, Policy, RemittanceClaim

    sender = remittance_payer(session, advice, payer_id)
    claims = {c.patient_control_number: c for c in billed.values()}
    if not claims:
        return {}
    payers = {p.id: p for p in session.execute(select(Payer)).scalars()}
    problems = {}
    forwarded = None
    for pcn, claim in claims.items():
        own = payers[claim.payer_id]
        if sender is not None:
            same = sender.id == own.id
        else:
            same = payer_matches(advice, own) is not False
        if same:
            continue
        if forwarded is None:
            ids = [c.id for c in claims.values()]
            forwarded = set(
                session.execute(
                    select(RemittanceClaim.claim_id).where(
                        RemittanceClaim.claim_id.in_(ids),
                        RemittanceClaim.status_code.in_(FORWARDED),
                    )
                ).scalars()
            )
        if claim.id in forwarded and sender is not None:
            others = session.execute(
                select(Policy.payer_id).where(Policy.patient_id == claim.patient_id)
            ).scalars()
            if sender.id in set(others):
                continue  # the next payer's answer to a crossover
        name = sender.name if sender is not None else (advice.payer_name or "another payer")
        problems[pcn] = (
            f"payer: this remittance is from {name[:40]}, but the claim is billed to "
            f"{own.name[:40]}: not posted"
        )
    return problems


class _Billed(NamedTuple):
    id: int
    patient_control_number: str
    patient_id: int
    payer_id: int


class RemittancePayer:
    """The payer of the claims a remittance answers (None unless exactly one), leaving out the
    claims `wrong_payer` leaves out: fed the claims' control numbers as they are read (an 835
    read as a stream), looked up CHUNK at a time. `sender_id`: the payer said to have sent it."""

    def __init__(self, session, advice, sender_id: int | None = None):
        self.session = session
        self.advice = advice
        self.sender_id = sender_id
        self.numbers: list[str] = []
        self.payers: set[int] = set()

    def add(self, control_numbers: Iterable[str]) -> None:
        for number in control_numbers:
            if number and len(self.payers) < 2:  # two payers already: it has none of its own
                self.numbers.append(number)
                if len(self.numbers) >= CHUNK:
                    self._look_up()

    def found(self) -> int | None:
        self._look_up()
        return next(iter(self.payers)) if len(self.payers) == 1 else None

    def _look_up(self) -> None:
        from clinicbill.store.models import Claim, Patient, Policy

        if not self.numbers:
            return
        rows = self.session.execute(
            select(Claim.id, Claim.patient_control_number, Claim.patient_id, Claim.payer_id)
            .join(Patient, Patient.id == Claim.patient_id)
            .join(Policy, Policy.id == Claim.policy_id)
            .where(Claim.patient_control_number.in_(self.numbers))
        ).all()
        self.numbers = []
        billed = {r.patient_control_number: _Billed(*r) for r in rows}
        wrong = wrong_payer(self.session, self.advice, billed, self.sender_id)
        self.payers.update(c.payer_id for pcn, c in billed.items() if pcn not in wrong)
