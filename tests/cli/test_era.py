"""`era import`: the full round trip (claims -> 837P -> payer -> 835 -> posting), idempotent
re-import, dry runs, atomicity, and the public sample files."""

from __future__ import annotations

import json
from datetime import date

import pytest
from sqlalchemy import func, select

from clinicbill.domain.ledger import balances as ledger
from clinicbill.domain.remittance.match import BilledClaim, BilledLine
from clinicbill.formats.x12_835_write import (
    Outcome,
    advice_for,
    claim_payment,
    reversal_of,
    write_835,
)
from clinicbill.store.engine import transaction
from clinicbill.store.models import Claim, LedgerEntry, Remittance
from tests.conftest import SAMPLES, cli_subprocess
from tests.factories import make_encounter
from tests.x12check import assert_valid

PAID_ON = date(2026, 2, 20)


def payer_view(text: str) -> list[BilledClaim]:
    """What the payer reads from our 837P: CLM01, and per line SV1, DTP*472, REF*6R."""
    claims: list[dict] = []
    for raw in text.split("~"):
        seg = raw.strip().split("*")
        if seg[0] == "CLM":
            claims.append({"pcn": seg[1], "lines": []})
        elif seg[0] == "SV1":
            procedure = seg[1].split(":")
            claims[-1]["lines"].append(
                {
                    "code": procedure[1],
                    "mods": tuple(procedure[2:]),
                    "charge": seg[2],
                    "units": seg[4],
                }
            )
        elif seg[0] == "DTP" and seg[1] == "472":
            claims[-1]["lines"][-1]["date"] = date.fromisoformat(
                f"{seg[3][:4]}-{seg[3][4:6]}-{seg[3][6:]}"
            )
        elif seg[0] == "REF" and seg[1] == "6R":
            claims[-1]["lines"][-1]["control"] = int(seg[2])
    out = []
    for number, c in enumerate(claims, start=1):
        lines = tuple(
            BilledLine(
                line["control"],
                0,
                n,
                0,
                line["code"],
                line["mods"],
                int(line["units"]),
                line["date"],
                int(round(float(line["charge"]) * 100)),
            )
            for n, line in enumerate(c["lines"], start=1)
        )
        total = sum(x.charge_cents for x in lines)
        out.append(BilledClaim(number, c["pcn"], 0, 0, "", total, lines[0].service_date, lines))
    return out


@pytest.fixture
def exported(sample_run, tmp_path):
    """Four signed acupuncture sessions for Chen, one claim each, exported as a valid 837P."""
    with transaction(sample_run.db_url, "tester") as session:
        for day in (5, 12, 19, 26):
            make_encounter(
                session,
                1,
                2,
                date(2026, 1, day),
                [{"code": "97810", "charge_cents": 9500}, {"code": "97811", "charge_cents": 6000}],
                policy_id=1,
            )
    for number in (1, 2, 3, 4):
        assert sample_run("claim", "create", "--session", str(number)).exit_code == 0
    path = tmp_path / "claims.837"
    result = sample_run(
        "claim", "export", "1", "2", "3", "4", "--format", "837p", "--force", "-o", str(path)
    )
    assert result.exit_code == 0, result.stderr
    assert_valid(path.read_text())
    return payer_view(path.read_text())


def write(tmp_path, name, payments, trace, control_number=1):
    advice = advice_for(payments, trace_number=trace, payment_date=PAID_ON)
    text = write_835([advice], control_number=control_number)
    assert_valid(text)
    path = tmp_path / name
    path.write_text(text)
    return str(path)


def lines_of(db_url, claim_id):
    with transaction(db_url, "tester") as session:
        return [
            (x.insurance_paid, x.patient_paid, x.adjusted, x.patient_responsibility, x.balance)
            for x in ledger.line_details(session, claim_id=claim_id)
        ]


def counts(db_url):
    with transaction(db_url, "tester") as session:
        return (
            session.execute(select(func.count(LedgerEntry.id))).scalar(),
            session.execute(select(func.count(Remittance.id))).scalar(),
        )


def test_round_trip_every_balance_exact(sample_run, exported, tmp_path):
    paid, partly, denied, later_reversed = exported
    first = [
        claim_payment(paid, Outcome(allowed_percent=100)),
        claim_payment(partly, Outcome(allowed_percent=80, coinsurance_percent=20)),
        claim_payment(denied, Outcome(kind="denied", remarks=("N130",))),
        claim_payment(later_reversed, Outcome(allowed_percent=90)),
    ]
    remit1 = write(tmp_path, "remit1.835", first, "EFT0001")
    result = sample_run("era", "import", remit1)
    assert result.exit_code == 0, result.stderr
    assert "4 claim(s) posted, 0 not posted" in result.stdout
    url = sample_run.db_url
    assert lines_of(url, 1) == [(9500, 0, 0, 0, 0), (6000, 0, 0, 0, 0)]
    # 97810 $95: allowed 76.00 (CO-45 19.00), PR-2 15.20, paid 60.80; 97811 $60 likewise
    assert lines_of(url, 2) == [(6080, 0, 1900, 1520, 1520), (3840, 0, 1200, 960, 960)]
    # the denial stays open with the payer (held, not written off)
    assert lines_of(url, 3) == [(0, 0, 0, 0, 9500), (0, 0, 0, 0, 6000)]
    assert lines_of(url, 4) == [(8550, 0, 950, 0, 0), (5400, 0, 600, 0, 0)]
    remit2 = write(tmp_path, "remit2.835", [reversal_of(first[3])], "EFT0002")
    assert sample_run("era", "import", remit2).exit_code == 0
    assert lines_of(url, 4) == [(0, 0, 0, 0, 9500), (0, 0, 0, 0, 6000)]
    with transaction(url, "tester") as session:
        statuses = [session.get(Claim, i).status for i in (1, 2, 3, 4)]
        assert statuses == ["paid", "paid", "denied", "accepted"]
        details = ledger.line_details(session, patient_id=1)
        assert sum(x.patient_due for x in details) == 1520 + 960
        # the reversed claim and the denied one (held with the payer) both
        assert sum(x.insurance_due for x in details) == 2 * (9500 + 6000)
    # the patient pays the coinsurance; balances close
    paid_result = sample_run("payment", "add", "P00001", "24.80", "--method", "card")
    assert paid_result.exit_code == 0, paid_result.stderr
    assert lines_of(url, 2) == [(6080, 1520, 1900, 1520, 0), (3840, 960, 1200, 960, 0)]
    shown = sample_run("patient", "show", "P00001")
    assert "balance: $310.00" in shown.stdout
    assert "insurance_owes: $310.00" in shown.stdout and "patient_owes: $0.00" in shown.stdout


def test_reimport_posts_nothing_and_says_so(sample_run, exported, tmp_path):
    remit = write(tmp_path, "r.835", [claim_payment(exported[0], Outcome())], "TRN-A")
    assert sample_run("era", "import", remit).exit_code == 0
    before = counts(sample_run.db_url)
    again = sample_run("era", "import", remit)
    assert again.exit_code == 0
    assert "already imported" in again.stdout and "nothing posted" in again.stdout
    # the same TRN in a different file is recognised too
    other = write(tmp_path, "r2.835", [claim_payment(exported[0], Outcome())], "TRN-A", 2)
    third = sample_run("era", "import", other)
    assert "posted before" in third.stdout
    assert counts(sample_run.db_url) == before


def test_dry_run_writes_nothing(sample_run, exported, tmp_path):
    remit = write(tmp_path, "r.835", [claim_payment(exported[1], Outcome())], "DRY")
    before = counts(sample_run.db_url)
    result = sample_run("era", "import", remit, "--dry-run")
    assert result.exit_code == 0
    assert "1 claim(s) posted" in result.stdout and "dry run: nothing was written" in result.stdout
    assert counts(sample_run.db_url) == before
    with transaction(sample_run.db_url, "tester") as session:
        assert session.get(Claim, 2).status == "submitted"


def test_file_broken_in_the_middle_posts_nothing(sample_run, exported, tmp_path):
    good = [claim_payment(c, Outcome()) for c in exported[:2]]
    text = write_835(
        [
            advice_for(good[:1], trace_number="ONE", payment_date=PAID_ON),
            advice_for(good[1:], trace_number="TWO", payment_date=PAID_ON),
        ]
    )
    second_clp = text.index("CLP*", text.index("ST*835*0002"))
    broken = text[:second_clp] + text[second_clp:].replace("*155*", "*1S5*", 1)
    (tmp_path / "broken.835").write_text(broken)
    fine = write(tmp_path, "fine.835", [claim_payment(exported[2], Outcome())], "THREE")
    before = counts(sample_run.db_url)
    result = sample_run("era", "import", fine, str(tmp_path / "broken.835"))
    assert result.exit_code == 1
    assert "broken.835: segment" in result.stderr and "is not an amount" in result.stderr
    assert "Traceback" not in result.stderr + result.stdout
    assert counts(sample_run.db_url) == before


def test_failure_while_posting_rolls_everything_back(sample_run, exported, tmp_path, monkeypatch):
    import clinicbill.domain.claims.build as claims

    remit = write(tmp_path, "r.835", [claim_payment(c, Outcome()) for c in exported], "ROLL")
    real = claims.record_statuses

    def fail_after_writing(*args, **kw):
        real(*args, **kw)  # the ledger rows and the statuses are written, then it fails
        raise RuntimeError("disk full")

    monkeypatch.setattr(claims, "record_statuses", fail_after_writing)
    before = counts(sample_run.db_url)
    result = sample_run("era", "import", remit)
    assert result.exit_code == 1 and "unexpected failure" in result.stderr
    assert counts(sample_run.db_url) == before


def test_json_report(sample_run, exported, tmp_path):
    remit = write(tmp_path, "r.835", [claim_payment(exported[0], Outcome())], "JSON1")
    result = sample_run("--json", "era", "import", remit)
    data = json.loads(result.stdout)
    (remittance,) = data["files"][0]["remittances"]
    assert remittance["claims"][0]["new_status"] == "paid"
    assert remittance["claims"][0]["paid_cents"] == 12400
    listed = json.loads(sample_run("--json", "era", "list").stdout)
    assert listed[0]["trace"] == "JSON1" and listed[0]["claims"] == 1


def adopt_payee(db_url, path) -> str | None:
    """Make the sample 835's payee (N1*PE NPI) this practice's NPI: a public sample is
    addressed to another practice, and an 835 for another payee is refused whole."""
    from sqlalchemy import update

    from clinicbill.formats.x12_835 import read_835
    from clinicbill.store.models import Practice

    advice = read_835(path).advices[0]
    npi, tax_id = advice.payee_identifier, advice.payee_tax_id
    if advice.payee_id_qualifier == "FI":
        npi, tax_id = None, npi
    with transaction(db_url, "tester") as session:
        if npi:
            session.execute(update(Practice).values(npi=npi))
        if tax_id:
            session.execute(update(Practice).values(tax_id=tax_id))
    return npi


@pytest.mark.parametrize(
    "name",
    [
        "hdi__835-denial.dat",
        "hdi__835-minimal.dat",
        "hdi__835-provider-level-adjustment.dat",
        "hdi__claim_adj_reason.dat",
        "hdi__dollars_data_separate.dat",
        "pyx12__835_mult_loops.txt",
    ],
)
def test_public_samples_import_with_unmatched_claims_reported(sample_run, name):
    theirs = SAMPLES / name
    refused = sample_run("era", "import", str(theirs))
    if refused.exit_code == 1:  # addressed to another practice: nothing posted
        assert "addressed to payee" in refused.stderr and "nothing was posted" in refused.stderr
        assert counts(sample_run.db_url) == (0, 0)
    adopt_payee(sample_run.db_url, theirs)
    result = sample_run("era", "import", str(theirs))
    if name == "hdi__835-provider-level-adjustment.dat":  # three payees: two are not ours
        assert result.exit_code == 1 and "payee NPI PROVIDER2_NPI" in result.stderr
        return
    assert result.exit_code == 0, result.stderr
    assert "not posted" in result.stdout
    parsed_claims = result.stdout.count("no claim with this patient control number")
    with transaction(sample_run.db_url, "tester") as session:
        assert session.execute(select(func.count(LedgerEntry.id))).scalar() == 0
    if name != "hdi__835-provider-level-adjustment.dat":
        assert parsed_claims >= 1
    shown = sample_run("era", "show", "1")
    assert shown.exit_code == 0 and "remittance 1" in shown.stdout


def test_managed_care_sample_refused_clearly(sample_run):
    result = sample_run("era", "import", str(SAMPLES / "lfh__managed-care.835"))
    assert result.exit_code == 1
    assert "segment 4 (BPR, line 4): BPR16 '20002316' is not a valid date" in result.stderr
    assert "hint:" in result.stderr
    assert counts(sample_run.db_url) == (0, 0)


def test_remark_codes_shown_in_words(sample_run):
    adopt_payee(sample_run.db_url, SAMPLES / "hdi__835-denial.dat")
    sample_run("era", "import", str(SAMPLES / "hdi__835-denial.dat"))
    shown = json.loads(sample_run("--json", "era", "show", "1").stdout)
    remark = "M143 the provider must update license information with the payer"
    assert shown["claims"][0]["remarks"] == remark
    assert "M143" in sample_run("era", "show", "1").stdout
    missing = sample_run("era", "show", "99")
    assert missing.exit_code == 1 and "no remittance with id 99" in missing.stderr


def test_era_import_as_a_real_process(sample_db):
    adopt_payee(sample_db, SAMPLES / "hdi__claim_adj_reason.dat")
    result = cli_subprocess(
        "--db", sample_db, "era", "import", str(SAMPLES / "hdi__claim_adj_reason.dat")
    )
    assert result.returncode == 0, result.stderr
    assert "CK NUMBER 1" in result.stdout and "not posted" in result.stdout
    junk = cli_subprocess("--db", sample_db, "era", "import", str(SAMPLES / "README.md"))
    assert junk.returncode == 1 and "not an X12 file" in junk.stderr
    assert "Traceback" not in junk.stderr


def test_progress_bar_at_a_terminal(sample_db, tmp_path):
    import sys
    from pathlib import Path

    import pexpect

    from clinicbill.formats.x12_835_write import remittance_835_for_claims
    from tests.remittance_factories import bulk_claims

    with transaction(sample_db, "tester") as session:
        ids = bulk_claims(session, 250)
        text, _ = remittance_835_for_claims(
            session, {i: Outcome() for i in ids}, trace_number="TTY", payment_date=PAID_ON
        )
    path = tmp_path / "big.835"
    path.write_text(text)
    exe = str(Path(sys.executable).parent / "clinicbill")
    child = pexpect.spawn(
        exe,
        ["--db", sample_db, "era", "import", str(path)],
        encoding="utf-8",
        timeout=120,
        dimensions=(40, 160),
    )
    child.expect("posting claims")
    child.expect("250 claim\\(s\\) posted, 0 not posted")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
    piped = cli_subprocess("--db", sample_db, "era", "import", str(path))
    assert "posting claims" not in piped.stdout + piped.stderr  # no bar when not a terminal
    assert "already imported" in piped.stdout
