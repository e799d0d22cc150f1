"""Issue 17 from the command line: a denial is a state (held with the payer) until the practice
appeals, writes it off or bills the patient; a won appeal posts; crossovers stay with the next
payer; 835s from another payer or for another payee are not posted; the follow-up worklist,
the call log, the denials report and the appeal packet.

Every 835 here is hand-written (tests/data/835_*.835), not produced by our 835 writer.
"""

from __future__ import annotations

import json
import os
import stat
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import func, select

from clinicbill.domain.ledger import balances as ledger
from clinicbill.store.engine import transaction
from clinicbill.store.models import Claim, LedgerEntry, Remittance, RemittanceClaim
from tests.conftest import cli_subprocess
from tests.remittance_factories import make_claim

DATA = Path(__file__).resolve().parents[1] / "data"
MASSAGE = [{"code": "97124", "charge_cents": 6500}]


def fixture(name: str) -> str:
    return str(DATA / name)


def claim_for(db_url, pcn, day, **who):
    with transaction(db_url, "tester") as session:
        return make_claim(session, MASSAGE, day, pcn=pcn, **who).id


def line_of(db_url, claim_id):
    with transaction(db_url, "tester") as session:
        (line,) = ledger.line_details(session, claim_id=claim_id)
        return line


def aging(run, as_of: str) -> dict[str, str]:
    data = json.loads(run("--json", "aging", "--as-of", as_of).stdout)
    return {row["party"]: row["total"] for row in data["sections"]["aging"]["rows"]}


def status_of(db_url, claim_id) -> str:
    with transaction(db_url, "tester") as session:
        return session.get(Claim, claim_id).status


@pytest.fixture
def denied(sample_run):
    """Chen's $65 massage of 2026-02-02 at Cascade, denied CO-50 on 2026-03-01."""
    claim_id = claim_for(sample_run.db_url, "H17DENY01", date(2026, 2, 2))
    result = sample_run("era", "import", fixture("835_co50_denial.835"))
    assert result.exit_code == 0, result.stderr
    assert "1 claim(s) posted, 0 not posted" in result.stdout
    return claim_id


def test_a_co_denial_stays_with_the_payer_until_the_appeal_is_paid(sample_run, denied):
    url = sample_run.db_url
    line = line_of(url, denied)
    # not written off: the $65 stays open, held as denied, owed by the payer
    assert (line.balance, line.adjusted, line.denied) == (6500, 0, 6500)
    assert (line.insurance_due, line.patient_due) == (6500, 0)
    assert status_of(url, denied) == "denied"
    assert aging(sample_run, "2026-03-15") == {"Cascade Health Plan": "65.00"}
    followup = json.loads(
        sample_run("--json", "report", "followup", "--as-of", "2026-03-15").stdout
    )
    (item,) = followup["sections"]["followup"]["rows"]
    assert item["at_stake"] == "65.00" and item["deadline"] == "2026-08-28"
    assert "bill the patient" not in item["next_step"] and "provider is liable" in item["next_step"]
    (held,) = followup["sections"]["denied"]["rows"]
    assert (held["denied"], held["codes"], held["status"]) == ("65.00", "CO-50", "denied")

    appealed = sample_run("claim", "appeal", "H17DENY01", "--date", "2026-03-10")
    assert appealed.exit_code == 0, appealed.stderr
    assert "appealed; payer's deadline 2026-08-28" in appealed.stdout
    assert status_of(url, denied) == "appealed"
    again = sample_run("claim", "appeal", "H17DENY01", "--date", "2026-03-11")
    assert again.exit_code == 1 and "already appealed" in again.stderr

    won = sample_run("era", "import", fixture("835_co50_appeal_paid.835"))
    assert won.exit_code == 0, won.stderr
    assert "1 claim(s) posted, 0 not posted" in won.stdout and "overpaid" not in won.stdout
    line = line_of(url, denied)
    assert (line.insurance_paid, line.adjusted, line.balance, line.denied) == (5200, 1300, 0, 0)
    assert line.charge == line.insurance_paid + line.patient_paid + line.adjusted + line.balance
    assert status_of(url, denied) == "paid"
    # history: on 2026-03-15 the payer still owed the denied $65; after the payment nothing
    assert aging(sample_run, "2026-03-15") == {"Cascade Health Plan": "65.00"}
    assert aging(sample_run, "2026-04-30") == {}
    report = json.loads(
        sample_run(
            "--json", "report", "denials", "--from", "2026-01-01", "--to", "2026-06-30"
        ).stdout
    )
    (appeals,) = report["sections"]["appeals"]["rows"]
    assert (appeals["appeals"], appeals["won"], appeals["recovered"]) == (1, 1, "52.00")
    assert appeals["win_rate"] == "100.0"
    (rate,) = report["sections"]["rate_by_payer"]["rows"]
    assert (rate["payer"], rate["answered"], rate["denied"]) == ("Cascade Health Plan", 1, 1)
    (by_code,) = report["sections"]["rate_by_code"]["rows"]
    assert (by_code["code"], by_code["denied"], by_code["rate"]) == ("97124", 1, "100.0")


def test_a_won_appeal_posts_from_a_paper_eob(sample_run, denied):
    assert sample_run("claim", "appeal", "H17DENY01", "--date", "2026-03-10").exit_code == 0
    paid = sample_run(
        "payment", "post-eob", "H17DENY01", "--ref", "EOB-APPEAL-1", "--date", "2026-04-15",
        "--line", "1 paid=52 CO-45=13",
    )  # fmt: skip
    assert paid.exit_code == 0, paid.stderr
    line = line_of(sample_run.db_url, denied)
    assert (line.insurance_paid, line.adjusted, line.balance, line.denied) == (5200, 1300, 0, 0)


def test_writeoff_turns_the_denial_into_adjustments_and_keeps_history(sample_run, denied):
    url = sample_run.db_url
    refused = sample_run("claim", "writeoff", "H17DENY01", "--reason", "  ")
    assert refused.exit_code == 1 and "reason" in refused.stderr
    done = sample_run("claim", "writeoff", "H17DENY01", "--reason", "appeal lost", "--date",
                      "2026-04-01")  # fmt: skip
    assert done.exit_code == 0, done.stderr
    assert "wrote off $65.00; status closed" in done.stdout
    line = line_of(url, denied)
    assert (line.adjusted, line.balance, line.denied) == (6500, 0, 0)
    with transaction(url, "tester") as session:
        groups = session.execute(
            select(LedgerEntry.group_code, LedgerEntry.reason_code).where(
                LedgerEntry.claim_id == denied, LedgerEntry.kind == "adjustment"
            )
        ).all()
    assert groups == [("CO", "50")]
    assert aging(sample_run, "2026-03-15") == {"Cascade Health Plan": "65.00"}
    assert aging(sample_run, "2026-04-02") == {}
    nothing = sample_run("claim", "writeoff", "H17DENY01", "--reason", "again")
    assert nothing.exit_code == 1 and "no open denial" in nothing.stderr


def test_bill_patient_refuses_a_co_denial_without_a_documented_reason(sample_run, denied):
    url = sample_run.db_url
    refused = sample_run("claim", "bill-patient", "H17DENY01")
    assert refused.exit_code == 1
    assert "CO-50" in refused.stderr and "provider is liable" in refused.stderr
    assert line_of(url, denied).patient_due == 0
    ok = sample_run(
        "claim", "bill-patient", "H17DENY01", "--reason", "signed waiver on file 2026-01-20"
    )
    assert ok.exit_code == 0, ok.stderr
    line = line_of(url, denied)
    assert (line.patient_due, line.insurance_due, line.denied) == (6500, 0, 0)


def test_crossover_stays_with_the_secondary_until_it_answers(sample_run):
    url = sample_run.db_url
    # Alvarez: Medicare primary (payer 1, policy 2), Evergreen secondary (payer 3)
    claim_id = claim_for(url, "H17XOVER01", date(2026, 2, 10), patient_id=2, policy_id=2,
                         payer_id=1)  # fmt: skip
    first = sample_run("era", "import", fixture("835_crossover_primary_19.835"))
    assert first.exit_code == 0, first.stderr
    line = line_of(url, claim_id)
    assert (line.insurance_paid, line.adjusted, line.balance) == (4480, 900, 1120)
    assert (line.forwarded, line.patient_responsibility, line.patient_due) == (1120, 0, 0)
    assert aging(sample_run, "2026-03-10") == {"Evergreen Mutual Insurance": "11.20"}
    statement = sample_run("--json", "balance", "P00002")
    assert statement.exit_code == 0
    refused = sample_run("claim", "secondary", "H17XOVER01")
    assert refused.exit_code == 1 and "forwarded" in refused.stderr and "CLP02 19" in refused.stderr
    no_reason = sample_run("claim", "secondary", "H17XOVER01", "--force")
    assert no_reason.exit_code == 1
    followup = json.loads(
        sample_run("--json", "report", "followup", "--as-of", "2026-04-10").stdout
    )
    (item,) = [r for r in followup["sections"]["followup"]["rows"] if r["claim"] == "H17XOVER01"]
    assert item["why"].startswith("forwarded to the next payer on 2026-03-05: no answer after 36")
    assert item["at_stake"] == "11.20"

    second = sample_run("era", "import", fixture("835_crossover_secondary.835"))
    assert second.exit_code == 0, second.stderr
    assert "1 claim(s) posted, 0 not posted" in second.stdout
    line = line_of(url, claim_id)
    assert (line.insurance_paid, line.balance, line.forwarded) == (5600, 0, 0)
    assert aging(sample_run, "2026-03-10") == {"Evergreen Mutual Insurance": "11.20"}
    assert aging(sample_run, "2026-03-31") == {}


def test_forced_secondary_claim_keeps_the_reason(sample_run):
    url = sample_run.db_url
    claim_for(url, "H17XOVER01", date(2026, 2, 10), patient_id=2, policy_id=2, payer_id=1)
    assert sample_run("era", "import", fixture("835_crossover_primary_19.835")).exit_code == 0
    forced = sample_run("claim", "secondary", "H17XOVER01", "--force", "--reason",
                        "Evergreen says it never received the crossover")  # fmt: skip
    assert forced.exit_code == 0, forced.stderr
    shown = json.loads(sample_run("--json", "claim", "show", forced.stdout.split()[2]).stdout)
    assert "never received the crossover" in shown["history"][0]["note"]


def test_an_835_from_another_payer_is_listed_unmatched(sample_run):
    url = sample_run.db_url
    claim_id = claim_for(url, "H17WRONG01", date(2026, 2, 3))  # billed to Cascade
    result = sample_run("era", "import", fixture("835_payer_mismatch.835"))
    assert result.exit_code == 0, result.stderr
    assert "0 claim(s) posted, 1 not posted" in result.stdout
    assert "EVERGREEN" in result.stdout.upper() and "billed to" in result.stdout
    line = line_of(url, claim_id)
    assert (line.insurance_paid, line.balance) == (0, 6500)
    with transaction(url, "tester") as session:
        link = session.execute(select(RemittanceClaim)).scalar_one()
        assert link.claim_id is None and "Cascade Health Plan" in link.unmatched_reason
        assert session.get(Claim, claim_id).status == "submitted"


@pytest.mark.parametrize(
    ("name", "words"),
    [
        ("835_payee_npi_mismatch.835", "payee NPI 1497758544"),
        ("835_payee_taxid_mismatch.835", "payee tax id 987654321"),
    ],
)
def test_an_835_for_another_payee_is_refused_whole(sample_run, name, words):
    url = sample_run.db_url
    claim_id = claim_for(url, "H17PAYEE01", date(2026, 2, 4))
    result = sample_run("era", "import", fixture(name))
    assert result.exit_code == 1
    assert words in result.stderr and "nothing was posted" in result.stderr
    assert "Traceback" not in result.stderr + result.stdout
    with transaction(url, "tester") as session:
        assert session.execute(select(func.count(Remittance.id))).scalar() == 0
    assert line_of(url, claim_id).insurance_paid == 0


def test_calls_are_logged_append_only_and_shown(sample_run, denied):
    url = sample_run.db_url
    logged = sample_run(
        "claim", "call", "H17DENY01", "--rep", "J. Park", "--reference", "CALL-88231",
        "--note", "denial upheld pending records; fax the notes", "--next", "2026-03-20",
        "--date", "2026-03-05",
    )  # fmt: skip
    assert logged.exit_code == 0, logged.stderr
    assert "next action 2026-03-20" in logged.stdout
    bad = sample_run("claim", "call", "H17DENY01", "--rep", "", "--reference", "x", "--note", "y")
    assert bad.exit_code == 1 and "rep" in bad.stderr
    shown = json.loads(sample_run("--json", "claim", "show", "H17DENY01").stdout)
    (call,) = shown["calls"]
    assert (call["rep"], call["reference"], call["next"]) == ("J. Park", "CALL-88231", "2026-03-20")
    followup = json.loads(
        sample_run("--json", "report", "followup", "--as-of", "2026-03-15").stdout
    )
    (item,) = followup["sections"]["followup"]["rows"]
    assert item["last_call"] == "2026-03-05 J. Park (ref CALL-88231)"
    assert item["next_action"] == "2026-03-20"
    from clinicbill.domain.errors import ClinicbillError
    from clinicbill.store.models import ClaimCall

    with pytest.raises(ClinicbillError, match="cannot be changed"):
        with transaction(url, "tester") as session:
            row = session.execute(select(ClaimCall)).scalar_one()
            row.note = "edited"
            session.flush()
    with transaction(url, "tester") as session:
        assert session.execute(select(ClaimCall.note)).scalar_one().startswith("denial upheld")


def _evidence(sample_run, claim_id):
    """A verification call, a referral and an authorization linked to the claim."""
    assert sample_run("verify", "add", "1", "--method", "phone", "--representative", "Jo Lee",
                      "--call-reference", "R12345", "--verified-at", "2026-01-15",
                      "--massage-covered", "yes", "--in-network", "yes").exit_code == 0  # fmt: skip
    assert sample_run("referral", "add", "Chen", "--first-name", "Helen", "--last-name", "Park",
                      "--npi", "1679576722", "--date", "2026-01-10", "--dx", "M54.50",
                      "--visits", "12").exit_code == 0  # fmt: skip
    assert sample_run("auth", "add", "1", "--number", "PA778812", "--start", "2026-01-01",
                      "--end", "2026-06-30", "--visits", "8").exit_code == 0  # fmt: skip
    from clinicbill.store.models import Authorization, Referral

    with transaction(sample_run.db_url, "tester") as session:
        claim = session.get(Claim, claim_id)
        claim.referral_id = session.execute(select(Referral.id)).scalar_one()
        claim.authorization_id = session.execute(select(Authorization.id)).scalar_one()


def test_appeal_packet_letter_and_every_enclosure(sample_run, denied, tmp_path, monkeypatch):
    from pypdf import PdfReader

    _evidence(sample_run, denied)
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1767225600")
    out = tmp_path / "appeal.pdf"
    made = sample_run("claim", "appeal", "H17DENY01", "--date", "2026-03-10", "--letter", "-o",
                      str(out))  # fmt: skip
    assert made.exit_code == 0, made.stderr
    assert stat.S_IMODE(os.stat(out).st_mode) == 0o600
    pages = [page.extract_text() for page in PdfReader(out).pages]
    letter = " ".join(pages[0].split())
    assert "Re: appeal of claim H17DENY01" in letter
    assert "medically necessary" in letter  # the medical-necessity family's argument
    assert "CO-50: non-covered: not deemed a medical necessity by the payer" in letter
    assert "N130" in letter
    assert "NPI 1928374655" in letter and "member ID" in letter and "P00001" in letter
    for enclosed in ("Signed session note, 2026-02-02", "Referral / prescription",
                     "Prior authorization", "Benefit verification, 2026-01-15",
                     "Remittance (835) denial detail"):  # fmt: skip
        assert enclosed in letter
    rest = " ".join(" ".join(pages[1:]).split())
    assert "Low back tightness after gardening." in rest  # the signed note itself
    assert "Helen Park, NPI 1679576722" in rest
    assert "Authorization number: PA778812" in rest
    assert "Representative: Jo Lee; call reference: R12345" in rest
    assert "DENY20260301" in rest and "CO-50" in rest
    first = out.read_bytes()
    again = sample_run("claim", "appeal", "H17DENY01", "--letter", "-o", str(out))
    assert again.exit_code == 1 and "exists" in again.stderr and "--force" in again.stderr
    forced = sample_run("claim", "appeal", "H17DENY01", "--letter", "-o", str(out), "--force",
                        "--date", "2026-03-10")  # fmt: skip
    assert forced.exit_code == 0, forced.stderr
    assert out.read_bytes() == first  # byte-identical for the same data
    link = tmp_path / "link.pdf"
    link.symlink_to(tmp_path / "elsewhere.pdf")
    refused = sample_run("claim", "appeal", "H17DENY01", "--letter", "-o", str(link), "--force")
    assert refused.exit_code == 1 and "symbolic link" in refused.stderr
    assert not (tmp_path / "elsewhere.pdf").exists()


def test_decision_commands_in_a_real_subprocess(sample_db, tmp_path):
    claim_for(sample_db, "H17DENY01", date(2026, 2, 2))
    base = ("--db", sample_db)
    imported = cli_subprocess(*base, "era", "import", fixture("835_co50_denial.835"))
    assert imported.returncode == 0, imported.stderr
    appealed = cli_subprocess(*base, "claim", "appeal", "H17DENY01", "--date", "2026-03-10")
    assert appealed.returncode == 0 and "appealed" in appealed.stdout
    called = cli_subprocess(*base, "claim", "call", "H17DENY01", "--rep", "Ann",
                            "--reference", "C1", "--note", "in review")  # fmt: skip
    assert called.returncode == 0 and "call 1 logged" in called.stdout
    refused = cli_subprocess(*base, "claim", "bill-patient", "H17DENY01")
    assert refused.returncode == 1 and refused.stderr.startswith("error: ")


def test_paper_eob_from_another_payer_only_for_a_forwarded_claim(sample_run):
    url = sample_run.db_url
    claim_for(url, "H17WRONG01", date(2026, 2, 3))  # Cascade, never forwarded
    wrong = sample_run("payment", "post-eob", "H17WRONG01", "--payer", "Evergreen",
                       "--ref", "EV-1", "--line", "1 paid=52 CO-45=13")  # fmt: skip
    assert wrong.exit_code == 1 and "billed to Cascade Health Plan" in wrong.stderr
    claim_id = claim_for(url, "H17XOVER01", date(2026, 2, 10), patient_id=2, policy_id=2,
                         payer_id=1)  # fmt: skip
    assert sample_run("era", "import", fixture("835_crossover_primary_19.835")).exit_code == 0
    answered = sample_run("payment", "post-eob", "H17XOVER01", "--payer", "Evergreen",
                          "--ref", "EV-2", "--date", "2026-03-25",
                          "--line", "1 paid=11.20 OA-23=53.80")  # fmt: skip
    assert answered.exit_code == 0, answered.stderr
    line = line_of(url, claim_id)
    assert (line.insurance_paid, line.balance, line.forwarded) == (5600, 0, 0)
