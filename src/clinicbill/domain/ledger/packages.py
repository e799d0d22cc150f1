"""Prepaid packages (e.g. 10 massages for a price) and memberships, drawn down by sessions.

Buying a package is a patient Payment plus a Package row; until sessions use it the money is
the patient's (prepaid) credit. Drawing a session applies the package's per-visit value to
the session's lines (a patient_payment entry linked to the package's payment) and writes off
the rest of the session's charge as the package discount. The last visit of a package takes
whatever value is left, so the visits add up to the price exactly. A membership (no visit
count) applies its unused value to the first sessions and writes off the rest until it
expires. Visits used and value left are derived, never stored (a voided session counts for
neither: voiding it gives its draw back, domain/ledger/package_draws.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select

from clinicbill.domain.errors import ClinicbillError
from clinicbill.domain.fields import from_row
from clinicbill.domain.ledger.payments import check_method, check_note
from clinicbill.domain.money import fmt
from clinicbill.store.models import Encounter, LedgerEntry, Package, Payment
from clinicbill.store.query import added, narrowed


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
    voided: bool = False

    @property
    def visits_left(self) -> int | None:
        return None if self.visits is None else max(self.visits - self.visits_used, 0)

    @property
    def value_left_cents(self) -> int:
        """A voided package has none: its money is the patient's ordinary credit."""
        return 0 if self.voided else self.price_cents - self.value_used_cents


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
    added(session, payment)
    package = Package(
        patient_id=patient.id,
        name=title,
        visits=visits,
        price_cents=price_cents,
        payment_id=payment.id,
        purchased_on=on,
        expires_on=expires_on,
    )
    return added(session, package)


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
    query = narrowed(query, Package.patient_id, patient_id)
    return [
        from_row(
            PackageStatus,
            p,
            visits_used=int(n),
            value_used_cents=int(cents),
            voided=p.voided_at is not None,
        )
        for p, n, cents in session.execute(query).all()
    ]


def find_package(session, ref, usable: bool = True) -> Package:
    """A package by id; a voided one is refused unless `usable` is False."""
    text = str(ref).strip()
    package = session.get(Package, int(text)) if text.isdigit() else None
    if package is None:
        raise ClinicbillError(f"package: no package {text[:20]}", "see 'clinicbill package list'")
    if usable and package.voided_at is not None:
        raise ClinicbillError(
            f"package: {package.id} is void ({package.void_reason})",
            "see 'clinicbill package list' for the patient's packages",
        )
    return package


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
        "status": "void" if status.voided else "",
    }


def status_of(session, package: Package) -> PackageStatus:
    return next(s for s in package_statuses(session, package.patient_id) if s.id == package.id)


def remaining_text(status: PackageStatus) -> str:
    """'7 of 10 visits left' or, for a membership, its end."""
    if status.visits is None:
        return "membership" + (f" until {status.expires_on}" if status.expires_on else "")
    left = status.visits_left
    return f"{left} of {status.visits} visit{'s' if status.visits != 1 else ''} left" + (
        f", expires {status.expires_on}" if status.expires_on else ""
    )


def _sessions_using(session, package: Package) -> list[tuple[int, date]]:
    return [
        (ident, day)
        for ident, day in session.execute(
            select(Encounter.id, Encounter.service_date)
            .where(Encounter.package_id == package.id, Encounter.status != "void")
            .order_by(Encounter.service_date, Encounter.id)
        ).all()
    ]


def edit_package(
    session, package: Package, name=None, visits=None, expires_on=None, clear_expiry=False
) -> dict:
    """Change a package's name, visit count or expiry; refused when the change would not fit
    the visits already drawn (fewer visits than used, an expiry before a visit that used it).
    The price is the payment received: change it with a refund or a new payment, not here."""
    status = status_of(session, package)
    used = _sessions_using(session, package)
    changed = {}
    if name is not None:
        title = name.strip()
        if not title or len(title) > 80:
            raise ClinicbillError("name: a package needs a name (at most 80 characters)", "--name")
        if title != package.name:
            changed["name"] = package.name = title
    if visits is not None:
        if not 1 <= visits <= 1000:
            raise ClinicbillError(f"visits: {visits} is not between 1 and 1000", "e.g. --visits 10")
        if visits < status.visits_used:
            raise ClinicbillError(
                f"visits: {status.visits_used} visits already drew from package {package.id}",
                f"give at least {status.visits_used} (that many closes it)",
            )
        if visits != package.visits:
            changed["visits"] = package.visits = visits
    if clear_expiry or expires_on is not None:
        last = used[-1][1] if used else None
        if expires_on is not None and expires_on < package.purchased_on:
            raise ClinicbillError(
                f"expires: {expires_on} is before the purchase date {package.purchased_on}",
                "give a later date",
            )
        if expires_on is not None and last is not None and expires_on < last:
            raise ClinicbillError(
                f"expires: session {used[-1][0]} used package {package.id} on {last}",
                f"give {last} or later",
            )
        if expires_on != package.expires_on:
            package.expires_on = expires_on
            changed["expires_on"] = expires_on
    session.flush()
    return changed


def void_package(session, package: Package, reason: str) -> int:
    """Void a package sold in error or cancelled before any use: it is kept, marked void (when
    and why), and no longer linked to its payment, so the money received is the patient's
    ordinary credit, to refund ('clinicbill refund') or apply. Refused once a visit drew from
    it: those sessions were paid with it, so voiding would unpay them. Returns the payment id."""
    text = (reason or "").strip()
    if not text:
        from clinicbill.domain.errors import MissingValue

        raise MissingValue(["reason"], "say why: --reason 'sold in error'")
    if len(text) > 200:
        raise ClinicbillError(f"reason: too long ({len(text)} characters)", "at most 200")
    status = status_of(session, package)
    used = _sessions_using(session, package)
    if used or status.value_used_cents:
        listed = ", ".join(str(i) for i, _ in used) or "a voided session"
        raise ClinicbillError(
            f"package: {package.id} paid for session {listed}; voiding it would unpay them",
            f"to end it, close it (clinicbill package edit {package.id} --visits "
            f"{max(status.visits_used, 1)}) and refund what is left with clinicbill refund",
        )
    from clinicbill.store.types import utcnow

    payment_id = package.payment_id or 0
    payment = session.get(Payment, payment_id) if payment_id else None
    if payment is not None:
        payment.note = f"package {package.id} ({package.name}) void: {text}"[:200]
    package.voided_at = utcnow()
    package.void_reason = text + (f" (payment {payment_id} kept as credit)" if payment_id else "")
    package.payment_id = None
    session.flush()
    return payment_id
