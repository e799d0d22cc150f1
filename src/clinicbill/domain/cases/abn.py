"""Advance Beneficiary Notices (CMS-R-131): recorded when given, so a Medicare line expected to
be denied carries GA when one is on file (GZ when not). An ABN for repeated services covers
them for up to a year from its date."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import select

from clinicbill.domain import validate
from clinicbill.domain.errors import ClinicbillError
from clinicbill.store.models import AdvanceBeneficiaryNotice
from clinicbill.store.query import added

ABN_VALID_DAYS = 365
_CODE = re.compile(r"[A-Z0-9]{5}")


@dataclass(frozen=True)
class AbnOnFile:
    code: str
    issued_on: date

    def covers(self, code: str, on: date) -> bool:
        return code == self.code and self.issued_on <= on <= self.issued_on + timedelta(
            days=ABN_VALID_DAYS
        )


def issue_abn(session, patient, codes, reason, cost=None, on=None) -> AdvanceBeneficiaryNotice:
    from clinicbill.domain.money import parse_amount

    clean = []
    for item in codes or []:
        for code in str(item).split(","):
            code = code.strip().upper()
            if not code:
                continue
            if not _CODE.fullmatch(code):
                raise ClinicbillError(
                    f"code: '{code[:12]}' is not a CPT/HCPCS code", "5 characters, e.g. 97810"
                )
            if code not in clean:
                clean.append(code)
    if not clean:
        raise ClinicbillError("code: at least one service is required", "give --code 97810")
    notice = AdvanceBeneficiaryNotice(
        patient_id=patient.id,
        codes=",".join(clean),
        reason=validate.required_text(reason, "reason", 200),
        estimated_cost_cents=(
            parse_amount(cost, "cost") if cost is not None and str(cost).strip() else None
        ),
        issued_on=validate.parse_date(on or "today", "date"),
    )
    return added(session, notice)


def abns_on_file(session, patient_ids) -> dict[int, tuple[AbnOnFile, ...]]:
    """Each patient's ABNs, one entry per code."""
    out: dict[int, list[AbnOnFile]] = {}
    if not patient_ids:
        return {}
    rows = session.execute(
        select(AdvanceBeneficiaryNotice).where(
            AdvanceBeneficiaryNotice.patient_id.in_(sorted(patient_ids))
        )
    ).scalars()
    for notice in rows:
        for code in notice.codes.split(","):
            out.setdefault(notice.patient_id, []).append(AbnOnFile(code, notice.issued_on))
    return {k: tuple(v) for k, v in out.items()}
