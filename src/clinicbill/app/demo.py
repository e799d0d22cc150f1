"""What `clinicbill demo` and `dev` need besides ordinary commands: a private directory, the
clearinghouse's and the payer's answers played from the claims sent. Test files only: each is
marked as a test, and none is ever sent anywhere."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path


def demo_directory(target: Path) -> Path:
    """The demo's folder, made private (0700) if new; a demo writes patient-shaped files."""
    from clinicbill.store.files import private_directory

    private_directory(target)
    return target


def acknowledge_batches(session, folder: Path, first_control: int, now: datetime) -> list[str]:
    """A 999 and a 277CA for every 837P batch sent, written into `folder` (replacing the
    demo's own earlier ones); returns their paths."""
    from sqlalchemy import select

    from clinicbill.formats.x12_ack_write import acknowledgements_for_batch
    from clinicbill.store.files import write_private
    from clinicbill.store.models import X12Batch

    batches = session.execute(select(X12Batch.id).where(X12Batch.kind == "837p")).scalars()
    paths = []
    for number, batch_id in enumerate(list(batches)):
        control = first_control + 2 * number
        ack, ca = acknowledgements_for_batch(session, batch_id, control, now)
        for kind, text in (("999", ack), ("277ca", ca)):
            path = folder / f"{kind}-{control}.x12"
            path.unlink(missing_ok=True)
            paths.append(str(write_private(path, text, force=True)))
    return paths


def _refuse_unbilled(session, claim_ids: list[int]) -> None:
    """A test 835 answers billed claims only: an unknown or unbilled id is named."""
    from clinicbill.domain.errors import ClinicbillError
    from clinicbill.domain.remittance.match import load_billed_claims

    missing = sorted(set(claim_ids) - set(load_billed_claims(session, ids=claim_ids)))
    if missing:
        raise ClinicbillError(
            f"claims: {', '.join(map(str, missing))} is not a billed claim",
            "give ids of submitted claims (clinicbill claim list)",
        )


def write_test_remittance(session, outcomes: dict, output: str, today: date, trace_number: str):
    """A test 835 answering submitted claims (`outcomes`: claim id -> Outcome) under one
    check/EFT trace number, written to `output` ('-' for standard output); returns the target."""
    from clinicbill.formats.x12_835_write import remittance_835_for_claims
    from clinicbill.store.files import resolve_output

    target = resolve_output(output, "remittance-test.835")
    _refuse_unbilled(session, list(outcomes))
    text, _advice = remittance_835_for_claims(
        session, outcomes, trace_number=trace_number, payment_date=today
    )
    target.write(text)  # 0600, never over a file or through a symlink (store/files.py)
    return target


def write_test_acknowledgements(
    session, claim_ids: list[int], prefix: str, reject: frozenset[int], now: datetime
) -> tuple[list, list[int]]:
    """PREFIX.999 and PREFIX.277ca answering the 837P batches the claims last went out in (the
    claims in `reject` rejected); returns the targets written and the batches answered."""
    from clinicbill.domain.errors import ClinicbillError
    from clinicbill.formats.x12_ack_write import acknowledgements_for_batch, latest_batches
    from clinicbill.store.files import resolve_output

    if prefix == "-":
        raise ClinicbillError("output: two files are written", "give a file name prefix")
    targets = [resolve_output(f"{prefix}.{kind}", f"ack-test.{kind}") for kind in ("999", "277ca")]
    batches = latest_batches(session, claim_ids)
    if not batches:
        raise ClinicbillError(
            "claims: none of them went out in an 837P", "clinicbill claim export --ready"
        )
    answers = [
        acknowledgements_for_batch(session, batch, 900 + 2 * batch, now, reject)
        for batch in batches
    ]
    # One file of each kind; several batches are several interchanges in it.
    targets[0].write("".join(ack for ack, _ca in answers))  # 0600, never over a file or
    targets[1].write("".join(ca for _ack, ca in answers))  # through a symlink (store/files.py)
    return targets, batches
