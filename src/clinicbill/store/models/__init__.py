"""All tables, defined on first use: `from clinicbill.store.models import Patient` defines the
patient table only (a command that lists patients does not pay for the 26 tables), a billing or
clinical model defines every table. `load_all()` registers every table on SQLModel.metadata
(migrations, integrity checks, exports, anything that lists the tables).

Foreign keys name their target tables as strings: a module is loaded together with the
modules whose tables its foreign keys reference (_NEEDS), so a flush can order its inserts.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

_HOME = {
    "Claim": "billing",
    "ClaimLine": "billing",
    "ClaimStatusEvent": "billing",
    "ControlCounter": "billing",
    "Estimate": "billing",
    "ExportBatch": "billing",
    "LedgerEntry": "billing",
    "Package": "billing",
    "Payment": "billing",
    "ProviderAdjustment": "billing",
    "Remittance": "billing",
    "RemittanceClaim": "billing",
    "Addendum": "clinical",
    "Diagnosis": "clinical",
    "Encounter": "clinical",
    "ServiceLine": "clinical",
    "AuditLog": "audit_log",
    "FeeSchedule": "core",
    "Patient": "patient",
    "Payer": "core",
    "Policy": "core",
    "Practice": "core",
    "Provider": "core",
    "Authorization": "coverage",
    "Referral": "coverage",
    "Verification": "coverage",
}
_ALL = ("patient", "audit_log", "core", "coverage", "clinical", "billing")
# each module with the modules its foreign keys point into (clinical and billing refer to
# each other: encounter.package_id, claimline.service_line_id)
_NEEDS = {
    "patient": ("patient",),
    "audit_log": ("audit_log",),
    "core": ("patient", "core"),
    "coverage": ("patient", "core", "coverage"),
    "clinical": _ALL,
    "billing": _ALL,
}

__all__ = sorted(_HOME)


def _load(module: str) -> None:
    for name in _NEEDS[module]:
        importlib.import_module(f"{__name__}.{name}")


def load_all() -> None:
    """Define every table (SQLModel.metadata then lists all of them)."""
    _load("billing")


def __getattr__(name: str):
    module = _HOME.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    _load(module)
    value = getattr(importlib.import_module(f"{__name__}.{module}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *_HOME])


if TYPE_CHECKING:  # for type checkers and editors; at run time __getattr__ does this
    from clinicbill.store.models.audit_log import AuditLog  # noqa: F401
    from clinicbill.store.models.billing import (  # noqa: F401
        Claim,
        ClaimLine,
        ClaimStatusEvent,
        ControlCounter,
        Estimate,
        ExportBatch,
        LedgerEntry,
        Package,
        Payment,
        ProviderAdjustment,
        Remittance,
        RemittanceClaim,
    )
    from clinicbill.store.models.clinical import (  # noqa: F401
        Addendum,
        Diagnosis,
        Encounter,
        ServiceLine,
    )
    from clinicbill.store.models.core import (  # noqa: F401
        FeeSchedule,
        Payer,
        Policy,
        Practice,
        Provider,
    )
    from clinicbill.store.models.coverage import (  # noqa: F401
        Authorization,
        Referral,
        Verification,
    )
    from clinicbill.store.models.patient import Patient  # noqa: F401
