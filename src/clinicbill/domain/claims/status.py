"""A claim's lifecycle status: the names, and recording a change with its dated history event,
one claim at a time or many at once (an 837P export or an 835 moves thousands)."""

from __future__ import annotations

from datetime import date

from clinicbill.domain.errors import ClinicbillError
from clinicbill.store.models import Claim, ClaimStatusEvent
from clinicbill.store.query import added

# DOMAIN.md §13. `void` ends a claim that never reached the payer; `voided` ends one the payer
# adjudicated, cancelled by a frequency-8 void claim sent to the payer (`claim resubmit --void`).
CLAIM_STATUSES = (
    "draft",
    "ready",
    "submitted",
    "accepted",
    "rejected",
    "paid",
    "partially-paid",
    "denied",
    "appealed",
    "closed",
    "void",
    "voided",
)
# Claims that no longer bill their lines (the lines may be billed again).
INACTIVE_STATUSES = ("void", "voided")
_CHUNK = 500  # ids per IN (...) list


def check_status(status: str) -> str:
    text = (status or "").strip().lower()
    if text not in CLAIM_STATUSES:
        raise ClinicbillError(
            f"status: '{str(status)[:30]}' is not a claim status",
            "use one of " + ", ".join(CLAIM_STATUSES),
        )
    return text


def record_status(session, claim: Claim, status: str, on: date, note: str | None = None) -> None:
    """Set a claim's status and append the dated history event (validates the status name)."""
    status = check_status(status)
    claim.status = status
    if status == "submitted" and claim.first_billed_on is None:
        claim.first_billed_on = on
    added(
        session,
        ClaimStatusEvent(
            claim_id=claim.id, status=status, on_date=on, user=session.info.get("user"), note=note
        ),
    )


def _never_billed(session, claim_ids: list[int]) -> set[int]:
    from sqlalchemy import select

    found: set[int] = set()
    for start in range(0, len(claim_ids), _CHUNK):
        chunk = claim_ids[start : start + _CHUNK]
        found.update(
            session.execute(
                select(Claim.id).where(Claim.id.in_(chunk), Claim.first_billed_on.is_(None))
            ).scalars()
        )
    return found


def record_statuses(
    session,
    changes: list[tuple[int, str, str, date, str | None]],
    also: dict[int, tuple[dict, dict]] | None = None,
) -> None:
    """`record_status` for many claims at once (an 835 answers thousands): each change is
    (claim id, old status, new status, on, note). One audited UPDATE and one audited INSERT of
    the history events (store/audit.py); claims loaded in the session see the new values.
    `also` maps a claim id to (old, new) values of other columns changed with its status (e.g.
    the payer's claim number), written in the same UPDATE. Like record_status, "submitted"
    sets first_billed_on of a claim that was never billed."""
    from sqlalchemy.orm.attributes import set_committed_value
    from sqlalchemy.orm.util import identity_key

    from clinicbill.store.audit_bulk import insert_audited, update_audited

    if not changes:
        return
    changes = [(cid, old, check_status(new), on, note) for cid, old, new, on, note in changes]
    session.flush()
    also = {cid: (dict(before), dict(after)) for cid, (before, after) in (also or {}).items()}
    submitted = [cid for cid, _old, new, _on, _note in changes if new == "submitted"]
    if submitted:
        never = _never_billed(session, list(dict.fromkeys(submitted)))
        for cid, _old, new, on, _note in changes:  # the first submission's date
            if new == "submitted" and cid in never:
                never.discard(cid)
                before, after = also.setdefault(cid, ({}, {}))
                if "first_billed_on" not in after:
                    before["first_billed_on"], after["first_billed_on"] = None, on
    final: dict[int, dict] = {}
    rows = []
    for cid, old, new, _on, _note in reversed(changes):  # other columns go with the last change
        before, after = also.pop(cid, ({}, {}))
        rows.append((cid, {"status": old, **before}, {"status": new, **after}))
        final.setdefault(cid, {"status": new, **after})
    update_audited(session, Claim, rows[::-1])
    user = session.info.get("user")
    insert_audited(
        session,
        ClaimStatusEvent,
        [
            {"claim_id": cid, "status": new, "on_date": on, "user": user, "note": note}
            for cid, _old, new, on, note in changes
        ],
    )
    for cid, values in final.items():  # loaded claims see what the UPDATE wrote
        loaded = session.identity_map.get(identity_key(Claim, cid))
        if loaded is not None:
            for name, value in values.items():
                set_committed_value(loaded, name, value)
