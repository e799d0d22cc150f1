"""Prepaid packages (e.g. 10 massages for a price) and memberships, drawn down by sessions.

Buying a package is a patient Payment plus a Package row; until sessions use it the money is
the patient's (prepaid) credit. Drawing a session applies the package's per-visit value to
the session's lines (a patient_payment entry linked to the package's payment) and writes off
the rest of the session's charge as the package discount. The last visit of a package takes
whatever value is left, so the visits add up to the price exactly. A membership (no visit
count) applies its unused value to the first sessions and writes off the rest until it
expires. Visits used and value left are derived, never stored.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select

from clinicbill.domain.errors import ClinicbillError
from clinicbill.domain.ledger import balances as ledger
from clinicbill.domain.ledger.balances import ADJUSTMENT, PATIENT_PAYMENT
from clinicbill.domain.ledger.payments import Applied, check_method, check_note
from clinicbill.domain.money import fmt
from clinicbill.store.models import Encounter, LedgerEntry, Package, Payment


@dataclass(frozen=True)
class PackageStatus:
    id: int
    patient_id: int
    name: str
    visits: int | None
    visits_used: int
    price_cents: int
    value_used_cents: int
    purchased_on: date
    expires_on: date | None

    @property
    def visits_left(self) -> int | None:
        return None if self.visits is None else max(self.visits - self.visits_used, 0)

    @property
    def value_left_cents(self) -> int:
        return self.price_cents - self.value_used_cents


def add_package(
    session,
    patient,
    name: str,
    price_cents: int,
    method: str,
    visits: int | None = None,
    purchased_on: date | None = None,
    expires_on: date | None = None,
    reference: str | None = None,
) -> Package:
    """Sell a package (visits given) or a membership (no visit count, usually with an end)."""
    title = (name or "").strip()
    if not title or len(title) > 80:
        raise ClinicbillError("name: a package needs a name (at most 80 characters)", "--name")
    if price_cents <= 0:
        raise ClinicbillError("price: must be more than 0", "type dollars, e.g. 850")
    if visits is not None and not 1 <= visits <= 1000:
        raise ClinicbillError(f"visits: {visits} is not between 1 and 1000", "e.g. --visits 10")
    on = purchased_on or date.today()
    if expires_on is not None and expires_on < on:
        raise ClinicbillError(
            f"expires: {expires_on} is before the purchase date {on}", "give a later date"
        )
    payment = Payment(
        kind="payment",
        source="patient",
        patient_id=patient.id,
        method=check_method(method),
        amount_cents=price_cents,
        received_on=on,
        reference=check_note(reference, "ref"),
        note=f"package: {title}",
    )
    session.add(payment)
    session.flush()
    package = Package(
        patient_id=patient.id,
        name=title,
        visits=visits,
        price_cents=price_cents,
        payment_id=payment.id,
        purchased_on=on,
        expires_on=expires_on,
    )
    session.add(package)
    session.flush()
    return package


def package_statuses(session, patient_id: int | None = None) -> list[PackageStatus]:
    """Every package (of one patient) with visits used and value used, in two queries."""
    used = (
        select(Encounter.package_id, func.count(Encounter.id).label("n"))
        .where(Encounter.package_id.is_not(None), Encounter.status != "void")
        .group_by(Encounter.package_id)
        .subquery()
    )
    value = (
        select(LedgerEntry.payment_id, func.sum(LedgerEntry.amount_cents).label("cents"))
        .where(LedgerEntry.payment_id.is_not(None))
        .group_by(LedgerEntry.payment_id)
        .subquery()
    )
    query = (
        select(
            Package,
            func.coalesce(used.c.n, 0),
            func.coalesce(value.c.cents, 0),
        )
        .outerjoin(used, used.c.package_id == Package.id)
        .outerjoin(value, value.c.payment_id == Package.payment_id)
        .order_by(Package.purchased_on, Package.id)
    )
    if patient_id is not None:
        query = query.where(Package.patient_id == patient_id)
    return [
        PackageStatus(
            id=p.id,
            patient_id=p.patient_id,
            name=p.name,
            visits=p.visits,
            visits_used=int(n),
            price_cents=p.price_cents,
            value_used_cents=int(cents),
            purchased_on=p.purchased_on,
            expires_on=p.expires_on,
        )
        for p, n, cents in session.execute(query).all()
    ]


def find_package(session, ref) -> Package:
    text = str(ref).strip()
    package = session.get(Package, int(text)) if text.isdigit() else None
    if package is None:
        raise ClinicbillError(f"package: no package {text[:20]}", "see 'clinicbill package list'")
    return package


def draw_from_package(
    session, encounter: Encounter, package: Package, on: date | None = None
) -> tuple[Applied, ...]:
    """Use one visit of `package` for a self-pay session: apply the visit's value, write off
    the rest of the session's charge as the package discount, link the session."""
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
    lines = ledger.line_details(session, encounter_id=encounter.id)
    line_ids = [x.service_line_id for x in lines]
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
    status = next(s for s in package_statuses(session, package.patient_id) if s.id == package.id)
    others = status.visits_used - (1 if encounter.package_id == package.id else 0)
    if package.visits is not None and others >= package.visits:
        raise ClinicbillError(
            f"package: {package.id} has no visits left ({package.visits} used)",
            "sell a new package, or take a payment for this session",
        )
    if package.visits is None or others + 1 >= package.visits:
        value = status.value_left_cents  # membership, or the package's last visit
    else:
        value = min(package.price_cents // package.visits, status.value_left_cents)
    on = on or encounter.service_date
    encounter.package_id = package.id
    label = "membership" if package.visits is None else "package"
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


def describe(status: PackageStatus) -> dict:
    """A package as a row for people."""
    visits = "membership" if status.visits is None else f"{status.visits_used}/{status.visits}"
    return {
        "id": status.id,
        "patient_id": status.patient_id,
        "name": status.name,
        "visits_used": visits,
        "visits_left": "" if status.visits_left is None else status.visits_left,
        "price": fmt(status.price_cents),
        "value_left": fmt(status.value_left_cents),
        "purchased_on": status.purchased_on,
        "expires_on": status.expires_on,
    }
