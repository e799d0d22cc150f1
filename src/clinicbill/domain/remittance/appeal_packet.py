"""What goes into an appeal packet (issue 17): the letter's facts and the evidence, as plain
frozen data. formats/appeal_pdf.py draws it; app/appeal_packet.py writes the file.

The letter's wording is a jinja2 template per denial family (templates/documents/
appeal_<family>.j2); the family comes from the CARCs the payer gave.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select

# CARC -> denial family (DOMAIN.md §5); anything else is argued on documentation.
FAMILIES = {
    "medical_necessity": ("50", "55", "56", "57", "58", "150", "151", "167"),
    "authorization": ("15", "39", "62", "197", "198", "243", "288"),
    "coding": ("4", "5", "6", "7", "8", "9", "11", "18", "97", "125", "181", "182", "236"),
    "timely_filing": ("29",),
    "documentation": ("16", "226", "227", "252", "251"),
}
FAMILY_ORDER = tuple(FAMILIES)


@dataclass(frozen=True)
class Enclosure:
    """One piece of evidence: a title and its lines of text."""

    title: str
    lines: tuple[str, ...]


@dataclass(frozen=True)
class AppealPacket:
    family: str
    on: date
    claim: dict
    practice: dict
    patient: dict
    payer: dict
    reasons: tuple[dict, ...]  # {code, group, text, amount}
    remarks: tuple[dict, ...]  # {code, text}
    enclosures: tuple[Enclosure, ...]


def family_of(reasons) -> str:
    """The family of the first listed CARC with one (documentation otherwise)."""
    for reason in reasons:
        for family in FAMILY_ORDER:
            if reason in FAMILIES[family]:
                return family
    return "documentation"


def build_packet(session, claim, on: date) -> AppealPacket:
    """The facts of an appeal of `claim` on `on`, read from the books."""
    from clinicbill.domain.money import fmt
    from clinicbill.store.models import Patient, Payer, Policy, Practice

    practice = session.execute(select(Practice)).scalars().first()
    patient = session.get(Patient, claim.patient_id)
    policy = session.get(Policy, claim.policy_id)
    payer = session.get(Payer, claim.payer_id)
    reasons, remarks, denied_cents = _denial_reasons(session, claim)
    return AppealPacket(
        family=family_of([r["reason"] for r in reasons]),
        on=on,
        claim={
            "pcn": claim.patient_control_number,
            "payer_claim_number": claim.payer_claim_control_number or "",
            "from_date": claim.from_date,
            "to_date": claim.to_date,
            "total": fmt(claim.total_cents),
            "denied": fmt(denied_cents),
        },
        practice={
            "name": practice.name if practice else "",
            "npi": practice.npi if practice else "",
            "tax_id": practice.tax_id if practice else "",
            "address": _address(practice),
            "phone": (practice.phone or "") if practice else "",
        },
        patient={
            "name": f"{patient.first_name} {patient.last_name}",
            "account": patient.account_number,
            "birth_date": patient.dob,
            "member_id": policy.member_id if policy else "",
            "group_number": (policy.group_number or "") if policy else "",
        },
        payer={"name": payer.name, "address": _address(payer)},
        reasons=reasons,
        remarks=remarks,
        enclosures=tuple(_enclosures(session, claim, policy)),
    )


def _denial_reasons(session, claim) -> tuple[tuple[dict, ...], tuple[dict, ...], int]:
    """The claim's adjustment reasons the payer gave ({code, group, reason, text, amount}),
    its remarks ({code, text}) and the cents it holds denied."""
    from clinicbill.domain.money import fmt
    from clinicbill.domain.remittance.remit import carc_text, rarc_text
    from clinicbill.store.models import LedgerEntry, RemittanceClaim

    denials = session.execute(
        select(LedgerEntry.group_code, LedgerEntry.reason_code, LedgerEntry.remark_codes)
        .join(RemittanceClaim, RemittanceClaim.id == LedgerEntry.remittance_claim_id)
        .where(
            LedgerEntry.claim_id == claim.id,
            LedgerEntry.kind.in_(("denial", "adjustment")),
            LedgerEntry.amount_cents > 0,
            LedgerEntry.reason_code.is_not(None),
        )
        .order_by(LedgerEntry.id)
    ).all()
    amounts: dict[tuple, int] = {}
    for row in session.execute(
        select(LedgerEntry.group_code, LedgerEntry.reason_code, LedgerEntry.amount_cents).where(
            LedgerEntry.claim_id == claim.id,
            LedgerEntry.kind == "denial",
            LedgerEntry.amount_cents > 0,
        )
    ):
        key = (row.group_code, row.reason_code)
        amounts[key] = amounts.get(key, 0) + row.amount_cents
    seen: dict[tuple, dict] = {}
    remarks: dict[str, dict] = {}
    for group, reason, rarcs in denials:
        if group == "CO" and reason == "45" and (group, reason) not in amounts:
            continue  # the contractual write-off of a paid line is not what is appealed
        seen.setdefault(
            (group, reason),
            {
                "code": f"{group}-{reason}",
                "group": group,
                "reason": reason,
                "text": carc_text(reason),
                "amount": fmt(amounts.get((group, reason), 0)),
            },
        )
        for code in filter(None, (rarcs or "").split(",")):
            remarks.setdefault(code, {"code": code, "text": rarc_text(code)})
    return tuple(seen.values()), tuple(remarks.values()), sum(amounts.values())


def _or_na(value) -> str:
    return "n/a" if value is None else str(value)


def _address(row) -> str:
    if row is None:
        return ""
    parts = [row.address1, row.city, " ".join(p for p in (row.state, row.zip) if p)]
    return ", ".join(p for p in parts if p)


def _enclosures(session, claim, policy) -> list[Enclosure]:
    from clinicbill.domain.sessions.note_view import (
        addenda,
        addenda_text,
        practice_state,
        render_note_text,
    )
    from clinicbill.store.models import ClaimLine, Encounter, ServiceLine

    out = []
    visits = session.execute(
        select(Encounter)
        .where(
            Encounter.id.in_(
                select(ServiceLine.encounter_id)
                .join(ClaimLine, ClaimLine.service_line_id == ServiceLine.id)
                .where(ClaimLine.claim_id == claim.id)
            ),
            Encounter.status == "signed",
        )
        .order_by(Encounter.service_date, Encounter.id)
    ).scalars()
    for visit in visits:
        text = render_note_text(session, visit)
        extra = addenda(session, visit)
        if extra:
            text += "\n" + addenda_text(extra, practice_state(session))
        title = f"Signed session note, {visit.service_date.isoformat()}"
        out.append(Enclosure(title, tuple(text.rstrip("\n").split("\n"))))
    out.extend(_coverage_enclosures(session, claim, policy))
    out.append(_remittance_enclosure(session, claim))
    return out


def _referral_lines(r) -> tuple[str, ...]:
    return (
        f"Referring physician: {r.first_name} {r.last_name}, NPI {r.npi}",
        f"Referral date: {r.referral_date.isoformat()}",
        f"Referral number: {r.number or 'none'}",
        f"Diagnoses: {r.diagnoses or 'none listed'}",
        f"Visits ordered: {_or_na(r.visits_ordered)}",
        f"Expires: {r.expires_on.isoformat() if r.expires_on else 'n/a'}",
    )


def _authorization_lines(a) -> tuple[str, ...]:
    return (
        f"Authorization number: {a.number}",
        f"Valid: {a.start_date.isoformat()} to {a.end_date.isoformat()}",
        f"Visits authorized: {a.visits_authorized or 'n/a'}; units authorized: "
        f"{a.units_authorized or 'n/a'}",
        f"Codes: {a.codes or 'all'}",
    )


def _coverage_enclosures(session, claim, policy) -> list[Enclosure]:
    from clinicbill.domain.coverage.verification import describe, history
    from clinicbill.store.models import Authorization, Referral

    attached = (
        ("Referral / prescription", Referral, claim.referral_id, _referral_lines),
        ("Prior authorization", Authorization, claim.authorization_id, _authorization_lines),
    )
    out = [
        Enclosure(title, lines(session.get(model, row_id)))
        for title, model, row_id, lines in attached
        if row_id
    ]
    if policy is not None:
        for note in history(session, policy.id):
            out.append(
                Enclosure(
                    f"Benefit verification, {note.verified_at.date().isoformat()}",
                    (
                        f"Method: {note.method}; verified by {note.verified_by}",
                        f"Representative: {note.representative or 'n/a'}; call reference: "
                        f"{note.call_reference or 'n/a'}",
                        describe(note),
                    ),
                )
            )
    return out


def _remittance_enclosure(session, claim) -> Enclosure:
    from clinicbill.domain.money import fmt
    from clinicbill.domain.remittance.remit import (
        CLAIM_STATUS_CODES,
        describe_adjustment,
        describe_remarks,
    )
    from clinicbill.store.models import ClaimLine, LedgerEntry, Remittance, RemittanceClaim
    from clinicbill.store.models import ServiceLine as Line

    lines = []
    answers = session.execute(
        select(RemittanceClaim, Remittance)
        .join(Remittance, Remittance.id == RemittanceClaim.remittance_id)
        .where(RemittanceClaim.claim_id == claim.id)
        .order_by(RemittanceClaim.id)
    ).all()
    for rc, remit in answers:
        when = remit.payment_date.isoformat() if remit.payment_date else "n/a"
        status = CLAIM_STATUS_CODES.get(rc.status_code, rc.status_code)
        lines.append(
            f"Remittance {remit.trace_number} of {when} from {remit.payer_name or 'the payer'}: "
            f"CLP02 {rc.status_code} ({status}); charge {fmt(rc.charge_cents)}, paid "
            f"{fmt(rc.paid_cents)}; payer claim number {rc.payer_claim_control_number or 'n/a'}"
        )
        entries = session.execute(
            select(ClaimLine.line_number, Line.code, LedgerEntry)
            .join(Line, Line.id == LedgerEntry.service_line_id)
            .join(
                ClaimLine,
                (ClaimLine.service_line_id == LedgerEntry.service_line_id)
                & (ClaimLine.claim_id == claim.id),
            )
            .where(LedgerEntry.remittance_claim_id == rc.id)
            .order_by(ClaimLine.line_number, LedgerEntry.id)
        ).all()
        for number, code, e in entries:
            what = describe_adjustment(e.group_code, e.reason_code) or e.kind.replace("_", " ")
            remarks = describe_remarks((e.remark_codes or "").split(","))
            lines.append(
                f"  line {number} {code}: {e.kind.replace('_', ' ')} {fmt(e.amount_cents)}"
                f"{' - ' + what if e.reason_code else ''}{' - ' + remarks if remarks else ''}"
            )
    return Enclosure("Remittance (835) denial detail", tuple(lines) or ("no remittance on file",))
