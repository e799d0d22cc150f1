"""Practice reports against hand-computed fixtures: follow-up worklist, revenue, denials,
underpaid lines, visits and authorizations."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest

from clinicbill.domain.errors import ClinicbillError
from clinicbill.domain.remittance.remit import carc_text
from clinicbill.domain.reports.revenue import denials_report, revenue_report
from clinicbill.domain.reports.underpaid import underpaid_report
from clinicbill.domain.reports.worklists import APPEAL_DAYS, followup_report, visits_report
from clinicbill.store.engine import transaction
from clinicbill.store.models import Authorization, Encounter, ServiceLine, Verification
from tests.domain.reports_data import (
    ALVAREZ,
    CHEN,
    HADDAD,
    NATARAJAN,
    OKAFOR,
    TODAY,
    Books,
    ago,
)


@pytest.fixture
def books(sample_db):
    with transaction(sample_db, "tester") as session:
        yield Books(session)


def rows(report, key: str) -> list[dict]:
    return report.section(key).dicts()


def test_followup_lists_each_claim_with_why_and_next_step(books):
    late = books.visit(NATARAJAN, 100, 1200)  # Evergreen, 90 days: 10 days past
    line = books.visit(CHEN, 30, 4000)[0]
    denied = books.claim([line], [("submitted", 25), ("denied", 12)])
    books.remit(denied, 12, [(line, "adjustment", 4000, "CO", "50")], "4")
    rejected = books.claim(books.visit(OKAFOR, 20, 2000), [("submitted", 19), ("rejected", 18)])
    silent = books.claim(books.visit(CHEN, 45, 3000), [("submitted", 40)])
    line = books.visit(CHEN, 25, 5600, units=2)[0]  # contracted 28.00 x 2 = 56.00
    short = books.claim([line], [("submitted", 20), ("paid", 8)])
    books.remit(
        short,
        8,
        [
            (line, "insurance_payment", 4000),
            (line, "patient_responsibility", 1000, "PR", "3"),
            (line, "adjustment", 600, "CO", "45"),
        ],
    )
    books.visit(HADDAD, 200, 900, policy=False)  # a patient balance: not a claim to chase

    report = followup_report(books.session, TODAY)
    got = [(r["claim"], r["at_stake"], r["why"], r["next_step"]) for r in rows(report, "followup")]
    session_id = books.session.get(ServiceLine, late[0]).encounter_id
    appeal_by = ago(12) + timedelta(days=APPEAL_DAYS)
    # rejections first (they never reached the payer), then money at stake, then deadline
    assert got == [
        (
            rejected.patient_control_number,
            2000,
            "rejected before adjudication (never reached the payer)",
            f"fix it and resend as an original: clinicbill claim resubmit {rejected.id}",
        ),
        (
            denied.patient_control_number,
            4000,
            f"denied: CO-50 {carc_text('50')}",
            f"appeal by {appeal_by} with records (clinicbill claim appeal {denied.id} --letter), "
            f"or correct and send a replacement (clinicbill claim resubmit {denied.id} "
            f"--replace), or write it off (clinicbill claim writeoff {denied.id}); CO/PI: the "
            "provider is liable; the patient owes none of it",
        ),
        (
            silent.patient_control_number,
            3000,
            f"no response 40 days after billing on {ago(40)}",
            "call the payer or send a claim status inquiry (276); resend if not on file",
        ),
        (
            f"session {session_id}",
            1200,
            f"timely filing: 10 days past the {ago(10)} limit",
            "appeal with proof of timely filing if it was sent in time; else write it off",
        ),
        (
            short.patient_control_number,
            600,
            "underpaid by $6.00 against the contracted rate",
            "ask the payer to reprocess at the contracted rate (appeal by "
            f"{ago(8) + timedelta(days=APPEAL_DAYS)})",
        ),
    ]
    assert all("bill the patient" not in r[3] for r in got)  # CO: never the patient's
    assert report.notes[0].startswith(
        "5 item(s): 1 rejected, 1 timely filing, 1 denied, 1 no response, 1 underpaid."
    )


def test_followup_denial_moved_to_the_patient_and_old_denials(books):
    line = books.visit(ALVAREZ, 30, 7500, code="97810")[0]
    moved = books.claim([line], [("submitted", 25), ("denied", 10)])
    books.remit(moved, 10, [(line, "patient_responsibility", 7500, "PR", "204")], "4")
    line = books.visit(CHEN, 300, 4000)[0]
    old = books.claim([line], [("submitted", 290), ("denied", 200)])  # appeal window closed
    books.remit(old, 200, [(line, "adjustment", 4000, "CO", "50")], "4")
    report = followup_report(books.session, TODAY)
    got = [(r["claim"], r["why"], r["next_step"]) for r in rows(report, "followup")]
    assert got == [
        (
            moved.patient_control_number,
            f"denied: PR-204 {carc_text('204')}",
            "the payer made it the patient's: bill the patient, or appeal by "
            f"{ago(10) + timedelta(days=APPEAL_DAYS)}",
        )
    ]


def revenue_history(books: Books) -> None:
    line = books.visit(CHEN, 50, 10000, provider_id=1)[0]
    claim = books.claim([line], [("submitted", 45), ("paid", 20)])
    books.remit(
        claim,
        20,
        [
            (line, "insurance_payment", 6000),
            (line, "adjustment", 2000, "CO", "45"),
            (line, "patient_responsibility", 2000, "PR", "2"),
        ],
    )
    books.pay(CHEN, 2000, 10, applied=[(line, 2000, 10)])
    line = books.visit(HADDAD, 30, 7500, policy=False, provider_id=2, code="97810")[0]
    books.pay(HADDAD, 7500, 30, applied=[(line, 7500, 30)])
    old = books.visit(OKAFOR, 100, 5000)[0]  # charged before the period, paid in it
    books.entry(old, "insurance_payment", 3000, 5)
    void = books.visit(HADDAD, 10, 9999, policy=False)[0]
    encounter = books.session.get(Encounter, books.session.get(ServiceLine, void).encounter_id)
    encounter.status = "void"
    books.session.flush()


def test_revenue_by_payer_provider_and_code(books):
    revenue_history(books)
    s = books.session
    by_payer = revenue_report(s, ago(60), TODAY, "payer")
    assert by_payer.section("revenue").rows == (
        ("Cascade Health Plan", 10000, 9000, 2000, 2000, 11000, Decimal("137.5")),
        ("Self-pay (no policy)", 7500, 0, 7500, 0, 7500, Decimal("100.0")),
    )
    assert by_payer.section("revenue").total == (
        "Total",
        17500,
        9000,
        9500,
        2000,
        18500,
        Decimal("119.4"),
    )
    by_provider = revenue_report(s, ago(60), TODAY, "provider")
    assert [r[:6] for r in by_provider.section("revenue").rows] == [
        ("Ana Reyes, LMT", 10000, 9000, 2000, 2000, 11000),
        ("Wei Lin, LAC", 7500, 0, 7500, 0, 7500),
    ]
    by_code = revenue_report(s, ago(60), TODAY, "code")
    assert [r[:5] for r in by_code.section("revenue").rows] == [
        ("97124", 10000, 9000, 2000, 2000),
        ("97810", 7500, 0, 7500, 0),
    ]


def test_revenue_by_month_counts_charges_on_service_and_money_on_posting(books):
    revenue_history(books)
    expected: dict[str, list[int]] = {}

    def add(day, charges=0, insurance=0, patient=0, adjusted=0):
        cells = expected.setdefault(day.strftime("%Y-%m"), [0, 0, 0, 0])
        for i, amount in enumerate((charges, insurance, patient, adjusted)):
            cells[i] += amount

    add(ago(50), charges=10000)
    add(ago(20), insurance=6000, adjusted=2000)
    add(ago(10), patient=2000)
    add(ago(30), charges=7500, patient=7500)
    add(ago(5), insurance=3000)
    report = revenue_report(books.session, ago(60), TODAY, "month")
    got = {r[0]: list(r[1:5]) for r in report.section("revenue").rows}
    assert got == dict(sorted(expected.items()))
    assert list(got) == sorted(got)


def test_revenue_refuses_a_backwards_period(books):
    with pytest.raises(ClinicbillError) as err:
        revenue_report(books.session, TODAY, ago(1))
    assert err.value.message.startswith("from: ")


def test_denials_by_reason_payer_and_code(books):
    line = books.visit(NATARAJAN, 40, 4000)[0]
    claim = books.claim([line], [("submitted", 35), ("denied", 20)])
    books.remit(claim, 20, [(line, "adjustment", 4000, "CO", "50")], "4")
    paid, bundled = books.visit(CHEN, 40, 3250, 3800)
    claim = books.claim([paid, bundled], [("submitted", 35), ("partially-paid", 20)])
    books.remit(
        claim,
        20,
        [
            (paid, "insurance_payment", 2800),
            (paid, "adjustment", 450, "CO", "45"),
            (bundled, "adjustment", 3800, "CO", "97"),
        ],
    )
    line = books.visit(OKAFOR, 40, 5000)[0]  # all to the deductible: not a denial
    claim = books.claim([line], [("submitted", 35), ("paid", 20)])
    books.remit(claim, 20, [(line, "patient_responsibility", 5000, "PR", "1")])
    line = books.visit(ALVAREZ, 40, 7500, code="97810")[0]
    claim = books.claim([line], [("submitted", 35), ("denied", 20)])
    books.remit(claim, 20, [(line, "patient_responsibility", 7500, "PR", "204")], "4")
    line = books.visit(CHEN, 420, 1000)[0]  # before the period
    claim = books.claim([line], [("submitted", 415), ("denied", 400)])
    books.remit(claim, 400, [(line, "adjustment", 1000, "CO", "29")], "4")

    report = denials_report(books.session, ago(365), TODAY)
    assert report.section("by_carc").rows == (
        ("PR-204", carc_text("204"), 1, 7500),
        ("CO-50", carc_text("50"), 1, 4000),
        ("CO-97", carc_text("97"), 1, 3800),
    )
    assert report.section("by_payer").rows == (
        ("Medicare Part B Oregon", 1, 7500),
        ("Evergreen Mutual Insurance", 1, 4000),
        ("Cascade Health Plan", 1, 3800),
    )
    assert report.section("by_code").rows == (("97124", 2, 7800), ("97810", 1, 7500))
    assert report.summary == {"denied": 15300, "recovered": 0}
    assert report.notes[0].startswith("3 denied line(s), $153.00 denied in all.")


def test_underpaid_lines_against_the_contracted_amount(books):
    short, full = books.visit(CHEN, 30, 6500, units=2), books.visit(CHEN, 30, 3800, code="97140")
    claim = books.claim(short + full, [("submitted", 25), ("paid", 10)])
    books.remit(
        claim,
        10,
        [
            (short[0], "insurance_payment", 4000),
            (short[0], "patient_responsibility", 1000, "PR", "3"),
            (full[0], "insurance_payment", 3300),
        ],
    )
    deductible = books.visit(OKAFOR, 30, 3250)[0]
    acupuncture = books.visit(OKAFOR, 30, 7500, code="97810")[0]
    claim = books.claim([deductible, acupuncture], [("submitted", 25), ("paid", 9)])
    books.remit(
        claim,
        9,
        [
            (deductible, "patient_responsibility", 2800, "PR", "1"),
            (acupuncture, "insurance_payment", 5000),
        ],
    )
    uncontracted = books.visit(NATARAJAN, 30, 3250)[0]  # Evergreen has no contracted amounts
    claim = books.claim([uncontracted], [("submitted", 25), ("paid", 9)])
    books.remit(claim, 9, [(uncontracted, "insurance_payment", 100)])
    denied = books.visit(CHEN, 30, 3250)[0]
    claim = books.claim([denied], [("submitted", 25), ("denied", 9)])
    books.remit(claim, 9, [(denied, "adjustment", 3250, "CO", "50")], "4")

    report = underpaid_report(books.session, ago(60), TODAY)
    got = [
        (r["account"], r["code"], r["units"], r["contracted"], r["allowed"], r["paid"], r["short"])
        for r in rows(report, "underpaid")
    ]
    assert got == [
        ("P00001", "97124", 2, 5600, 5000, 4000, 600),
        ("P00003", "97810", 1, 6200, 5000, 5000, 1200),
    ]
    assert report.section("underpaid").total[7:11] == (11800, 10000, 9000, 1800)
    assert report.summary == {"short": 1800}

    class Evergreen:
        id, name = 3, "Evergreen Mutual Insurance"

    assert (
        underpaid_report(books.session, ago(60), TODAY, Evergreen()).section("underpaid").rows == ()
    )
    assert underpaid_report(books.session, ago(5), TODAY).section("underpaid").rows == ()


def test_visits_and_authorizations(books):
    s = books.session
    s.add(
        Verification(
            policy_id=1,
            verified_by="tester",
            method="phone",
            visit_limit=20,
            visits_used_reported=3,
            plan_year_start=ago(40),
            reverify_by=ago(-60),
        )
    )
    auth = Authorization(
        policy_id=1, number="AUTH-77", start_date=ago(30), end_date=ago(-20), visits_authorized=6
    )
    s.add(auth)
    s.flush()
    for days in (10, 5):
        line = books.visit(CHEN, days, 6500)[0]
        s.get(Encounter, s.get(ServiceLine, line).encounter_id).authorization_id = auth.id
    s.flush()

    report = visits_report(s, TODAY)
    chen = [r for r in rows(report, "visits") if r["account"] == "P00001"]
    assert len(chen) == 1
    assert (chen[0]["limit"], chen[0]["used_practice"], chen[0]["used_payer"]) == (20, 2, 3)
    assert chen[0]["remaining"] == 17
    assert chen[0]["plan_year_start"] == ago(40)
    assert "Haddad, Sofia" not in {r["patient"] for r in rows(report, "visits")}  # no policy
    auths = rows(report, "authorizations")
    assert [
        (a["number"], a["visits_used"], a["visits_remaining"], a["days_left"]) for a in auths
    ] == [("AUTH-77", 2, 4, 20)]
    assert "expiring" in auths[0]["flags"]
    assert rows(visits_report(s, TODAY, expiring_days=10), "authorizations") == []
