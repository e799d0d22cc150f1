"""Prepaid packages and memberships: sell, edit, void, list and draw one visit for a session
(the rules are domain/ledger/packages.py and package_draws.py; `clinicbill package ...`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from clinicbill.domain.ledger.payments import Applied


@dataclass(frozen=True)
class Sold:
    id: int
    name: str
    expires_on: date | None


def sell_package(
    session,
    patient_ref: str,
    name: str,
    price_cents: int,
    method: str,
    visits: int | None = None,
    on: date | None = None,
    expires_on: date | None = None,
    reference: str | None = None,
) -> Sold:
    """Sell a package (visits given) or a membership to the patient named by `patient_ref`."""
    from clinicbill.domain.ledger.packages import add_package
    from clinicbill.domain.practice.lookup import find_patient

    patient = find_patient(session, patient_ref)
    package = add_package(
        session, patient, name, price_cents, method, visits, on, expires_on, reference
    )
    return Sold(package.id, package.name, package.expires_on)


@dataclass(frozen=True)
class Edited:
    id: int
    changed: tuple[str, ...]  # the fields changed
    remaining: str  # 'N of M visits left', or the membership's end


def edit_package(
    session, ref: str, name=None, visits=None, expires_on=None, clear_expiry=False
) -> Edited:
    from clinicbill.domain.ledger import packages

    package = packages.find_package(session, ref)
    changed = packages.edit_package(session, package, name, visits, expires_on, clear_expiry)
    left = packages.remaining_text(packages.status_of(session, package))
    return Edited(package.id, tuple(changed), left)


@dataclass(frozen=True)
class PackageVoided:
    id: int
    patient_id: int
    payment_id: int  # now the patient's ordinary credit


def void_package(session, ref: str, reason: str | None) -> PackageVoided:
    from clinicbill.domain.ledger import packages

    package = packages.find_package(session, ref)
    payment_id = packages.void_package(session, package, reason)
    return PackageVoided(package.id, package.patient_id, payment_id)


def list_packages(session, patient_ref: str | None = None) -> list[dict]:
    """Every package (of one patient) as rows for people."""
    from clinicbill.domain.ledger.packages import describe, package_statuses
    from clinicbill.domain.practice.lookup import find_patient

    patient_id = find_patient(session, patient_ref).id if patient_ref else None
    return [describe(s) for s in package_statuses(session, patient_id)]


@dataclass(frozen=True)
class Drawn:
    package_id: int
    applied: tuple[Applied, ...]

    @property
    def total_cents(self) -> int:
        return sum(a.amount_cents for a in self.applied)


def use_package(session, ref: str, session_id: int) -> Drawn:
    """Draw one visit of a package for a self-pay session (`package use`)."""
    from clinicbill.domain.ledger.package_draws import draw_from_package
    from clinicbill.domain.ledger.packages import find_package
    from clinicbill.domain.practice.lookup import get_or_refuse
    from clinicbill.store.models import Encounter

    package = find_package(session, ref)
    encounter = get_or_refuse(session, Encounter, session_id, "session")
    return Drawn(package.id, draw_from_package(session, encounter, package))


def package_choices(session, patient_id: int, on: date) -> list[tuple[str, str]]:
    """The packages a self-pay visit on `on` can draw from, as (label, id) for a prompt,
    the default first."""
    from clinicbill.domain.ledger.package_draws import usable_packages
    from clinicbill.domain.ledger.packages import remaining_text

    return [
        (f"package {s.id}: {s.name} ({remaining_text(s)})", str(s.id))
        for s in usable_packages(session, patient_id, on)
    ]


def package_remaining(session, ref: str) -> tuple[int, str, str]:
    """(id, name, 'N of M visits left') of a usable package, for the visit's summary."""
    from clinicbill.domain.ledger.packages import find_package, remaining_text, status_of

    package = find_package(session, ref)
    return package.id, package.name, remaining_text(status_of(session, package))
