"""All tables, defined on first use: `from clinicbill.store.models import Patient` defines the
patient table only, `Encounter` the clinical tables; a command pays only for the tables it
names (a one-visit superbill defines no claim, payment or coverage table). `load_all()` registers
every table on SQLModel.metadata (migrations, integrity checks, exports, anything that lists
the tables).

Foreign keys name their target tables as strings and are resolved late: a query never needs
the target defined, but a flush does (the unit of work sorts each table's foreign keys), so
the session's before_flush hook (store/audit.py) calls load_all() first.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

_HOME = {
    "Claim": "billing",
    "ClaimLine": "billing",
    "ClaimCall": "denials",
    "ClaimStatusEvent": "billing",
    "ControlCounter": "billing",
    "Estimate": "billing",
    "ExportBatch": "billing",
    "LedgerEntry": "ledger",
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
    "ClaimResponse": "clearinghouse",
    "ClearinghouseSetting": "clearinghouse",
    "EligibilityRequest": "clearinghouse",
    "InboxFile": "clearinghouse",
    "X12Batch": "clearinghouse",
    "X12BatchClaim": "clearinghouse",
    "X12Response": "clearinghouse",
    "InjuryCase": "cases",
    "AdvanceBeneficiaryNotice": "cases",
    "Membership": "selfpay",
    "MembershipCharge": "selfpay",
    "MembershipPause": "selfpay",
    "MembershipPlan": "selfpay",
    "MembershipVisit": "selfpay",
    "PaymentPlan": "selfpay",
    "PaymentPlanLine": "selfpay",
    "PlanInstallment": "selfpay",
    "FeeTier": "selfpay",
    "FeeTierAmount": "selfpay",
    "PatientTier": "selfpay",
    "TierDiscount": "selfpay",
    "VisitEstimate": "selfpay",
}
_ALL = (
    "patient",
    "audit_log",
    "core",
    "coverage",
    "clinical",
    "ledger",
    "billing",
    "clearinghouse",
    "denials",
    "cases",
    "selfpay",
)

__all__ = sorted(_HOME)


def load_all() -> None:
    """Define every table (SQLModel.metadata then lists all of them)."""
    for name in _ALL:
        importlib.import_module(f"{__name__}.{name}")


def __getattr__(name: str):
    module = _HOME.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
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
        Package,
        Payment,
        ProviderAdjustment,
        Remittance,
        RemittanceClaim,
    )
    from clinicbill.store.models.cases import (  # noqa: F401
        AdvanceBeneficiaryNotice,
        InjuryCase,
    )
    from clinicbill.store.models.clearinghouse import (  # noqa: F401
        ClaimResponse,
        ClearinghouseSetting,
        EligibilityRequest,
        InboxFile,
        X12Batch,
        X12BatchClaim,
        X12Response,
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
    from clinicbill.store.models.denials import ClaimCall  # noqa: F401
    from clinicbill.store.models.ledger import LedgerEntry  # noqa: F401
    from clinicbill.store.models.patient import Patient  # noqa: F401
    from clinicbill.store.models.selfpay import (  # noqa: F401
        FeeTier,
        FeeTierAmount,
        Membership,
        MembershipCharge,
        MembershipPause,
        MembershipPlan,
        MembershipVisit,
        PatientTier,
        PaymentPlan,
        PaymentPlanLine,
        PlanInstallment,
        TierDiscount,
        VisitEstimate,
    )
