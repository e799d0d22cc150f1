"""Sessions drawing from prepaid packages, and giving the visit back when voided.

Drawing a session applies the package's per-visit value to the session's lines (a
patient_payment entry linked to the package's payment) and writes off the rest of the
session's charge as the package discount (domain/ledger/packages.py tells the whole story).
Voiding a session that drew reverses both, so the visit and its value are the package's
again and the money is the patient's prepaid credit; nothing is deleted.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import false, func, select

from clinicbill.domain.errors import ClinicbillError
from clinicbill.domain.ledger import balances as ledger
from clinicbill.domain.ledger.balances import ADJUSTMENT, PATIENT_PAYMENT
from clinicbill.domain.ledger.packages import (
    PackageStatus,
    find_package,
    package_statuses,
    remaining_text,
    status_of,
)
from clinicbill.domain.ledger.payments import Applied
from clinicbill.domain.money import fmt
from clinicbill.store.models import Encounter, LedgerEntry, Package, ServiceLine


def _label(package: Package) -> str:
    return "membership" if package.visits is None else "package"


def _check_draw(session, encounter: Encounter, package: Package, line_ids: list[int]) -> None:
    """Refuse a draw the session or the package cannot take."""
    where = f"session {encounter.id}"
    if encounter.status == "void":
        raise ClinicbillError(f"session: {encounter.id} is void", "choose another session")
    if package.patient_id != encounter.patient_id:
        raise ClinicbillError(
            f"package: {package.id} belongs to another patient than {where}",
            "use one of the patient's packages ('clinicbill package list PATIENT')",
        )
    if encounter.policy_id is not None:
        raise ClinicbillError(
            f"session: {encounter.id} is billed to insurance",
            "packages pay for self-pay sessions only",
        )
    if encounter.package_id not in (None, package.id):
        raise ClinicbillError(
            f"session: {encounter.id} already uses package {encounter.package_id}",
            "a session draws from one package",
        )
    if package.expires_on is not None and encounter.service_date > package.expires_on:
        raise ClinicbillError(
            f"package: {package.id} expired on {package.expires_on}",
            f"{where} is dated {encounter.service_date}",
        )
    drawn = session.execute(
        select(func.count(LedgerEntry.id)).where(
            LedgerEntry.payment_id == package.payment_id,
            LedgerEntry.service_line_id.in_(line_ids or [-1]),
        )
    ).scalar()
    if drawn:
        raise ClinicbillError(
            f"session: {encounter.id} already drew from package {package.id}",
            "each session draws once",
        )


def _visit_value(encounter: Encounter, package: Package, status: PackageStatus) -> int:
    """The value one more visit takes: the per-visit price, or all that is left for a
    membership or the package's last visit. Refused when no visit is left."""
    others = status.visits_used - (1 if encounter.package_id == package.id else 0)
    if package.visits is not None and others >= package.visits:
        raise ClinicbillError(
            f"package: {package.id} has no visits left ({package.visits} used)",
            "sell a new package, or take a payment for this session",
        )
    if package.visits is None or others + 1 >= package.visits:
        return status.value_left_cents  # membership, or the package's last visit
    return min(package.price_cents // package.visits, status.value_left_cents)


def draw_from_package(
    session, encounter: Encounter, package: Package, on: date | None = None
) -> tuple[Applied, ...]:
    """Use one visit of `package` for a self-pay session: apply the visit's value, write off
    the rest of the session's charge as the package discount, link the session."""
    lines = ledger.line_details(session, encounter_id=encounter.id)
    _check_draw(session, encounter, package, [x.service_line_id for x in lines])
    value = _visit_value(encounter, package, status_of(session, package))
    on = on or encounter.service_date
    encounter.package_id = package.id
    label = _label(package)
    applied = []
    for line in lines:
        if line.balance <= 0:
            continue
        use = min(value, line.balance)
        value -= use
        if use:
            session.add(
                LedgerEntry(
                    service_line_id=line.service_line_id,
                    kind=PATIENT_PAYMENT,
                    amount_cents=use,
                    effective_date=on,
                    payment_id=package.payment_id,
                    note=f"{label} {package.id}: {package.name}",
                )
            )
            applied.append(
                Applied(line.service_line_id, line.encounter_id, line.service_date, line.code, use)
            )
        if line.balance - use:
            session.add(
                LedgerEntry(
                    service_line_id=line.service_line_id,
                    kind=ADJUSTMENT,
                    amount_cents=line.balance - use,
                    effective_date=on,
                    reason_code=label,
                    note=f"{label} {package.id} discount",
                )
            )
    session.flush()
    return tuple(applied)


def usable_packages(session, patient_id: int, on: date) -> list[PackageStatus]:
    """The patient's packages a self-pay visit on `on` can draw from: bought by then, not
    expired, with a visit left (a membership: until it expires). Soonest to expire first,
    then oldest, so prepaid visits are not lost to an expiry."""
    usable = [
        s
        for s in package_statuses(session, patient_id)
        if s.purchased_on <= on
        and not s.voided
        and (s.expires_on is None or on <= s.expires_on)
        and (s.visits_left is None or s.visits_left > 0)
    ]
    return sorted(usable, key=lambda s: (s.expires_on or date.max, s.purchased_on, s.id))


def default_package(session, patient_id: int, on: date) -> Package | None:
    """The package a self-pay visit draws from unless told otherwise (--no-package)."""
    usable = usable_packages(session, patient_id, on)
    return session.get(Package, usable[0].id) if usable else None


def draw_for_session(session, encounter: Encounter, choice=None) -> tuple[str, ...]:
    """After `session add`: a self-pay visit draws from the package chosen (an id), from the
    patient's usable package by default (None), or from none ('none'). Returns what to say:
    the value drawn and the visits left."""
    if choice == "none" or (choice is None and encounter.policy_id is not None):
        return ()
    if choice is not None:
        package = find_package(session, choice)
    else:
        package = default_package(session, encounter.patient_id, encounter.service_date)
    if package is None:
        return ()
    applied = draw_from_package(session, encounter, package)
    drawn = sum(a.amount_cents for a in applied)
    left = remaining_text(status_of(session, package))
    return (f"package {package.id} ({package.name}): {fmt(drawn)} drawn; {left}",)


@dataclass(frozen=True)
class GivenBack:
    """What voiding a session gave back to the package it drew from."""

    package_id: int
    name: str
    value_cents: int  # prepaid value back on the package (the patient's prepaid credit)
    discount_cents: int  # the package discount reversed
    remaining: str  # 'N of M visits left' after the void

    def text(self) -> str:
        return (
            f"package {self.package_id} ({self.name}): visit given back, "
            f"{fmt(self.value_cents)} back to prepaid credit; {self.remaining}"
        )


def _draw_entries(session, encounter: Encounter, package: Package):
    """The open sums of the package's draw entries on the session's lines, per line and kind:
    its payment applied, and its discount written off."""
    discounts = [f"{label} {package.id} discount" for label in ("package", "membership")]
    lines = select(ServiceLine.id).where(ServiceLine.encounter_id == encounter.id)
    payment = (
        (LedgerEntry.kind == PATIENT_PAYMENT) & (LedgerEntry.payment_id == package.payment_id)
        if package.payment_id is not None
        else false()  # a voided package's money is ordinary credit: nothing of it to give back
    )
    discount = (
        (LedgerEntry.kind == ADJUSTMENT)
        & LedgerEntry.reason_code.in_(("package", "membership"))
        & LedgerEntry.note.in_(discounts)
    )
    return session.execute(
        select(
            LedgerEntry.service_line_id,
            LedgerEntry.kind,
            LedgerEntry.reason_code,
            func.sum(LedgerEntry.amount_cents),
        )
        .where(LedgerEntry.service_line_id.in_(lines), payment | discount)
        .group_by(LedgerEntry.service_line_id, LedgerEntry.kind, LedgerEntry.reason_code)
        .order_by(LedgerEntry.service_line_id, LedgerEntry.kind.desc())  # payment first
    ).all()


def give_back(session, encounter: Encounter, on: date | None = None) -> GivenBack | None:
    """Reverse a session's draw from its package (when the session is voided): entries of the
    opposite sign for the value applied and the discount written off, dated `on` (default
    today). The package then has the visit and the value back (a voided session is not
    counted), and the value is the patient's prepaid credit again. None when the session drew
    from no package."""
    if encounter.package_id is None:
        return None
    package = session.get(Package, encounter.package_id)
    on = on or date.today()
    back = {PATIENT_PAYMENT: 0, ADJUSTMENT: 0}
    for line_id, kind, reason, cents in _draw_entries(session, encounter, package):
        if not cents:
            continue
        session.add(
            LedgerEntry(
                service_line_id=line_id,
                kind=kind,
                amount_cents=-cents,
                effective_date=on,
                payment_id=package.payment_id if kind == PATIENT_PAYMENT else None,
                reason_code=reason,
                note=f"session {encounter.id} void: {_label(package)} {package.id} given back",
            )
        )
        back[kind] += cents
    session.flush()
    remaining = remaining_text(status_of(session, package))
    return GivenBack(package.id, package.name, back[PATIENT_PAYMENT], back[ADJUSTMENT], remaining)
