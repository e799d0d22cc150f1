"""All tables. Import this package to register every model on SQLModel.metadata."""

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
    AuditLog,
    FeeSchedule,
    Patient,
    Payer,
    Policy,
    Practice,
    Provider,
)
from clinicbill.store.models.coverage import Authorization, Referral, Verification  # noqa: F401
