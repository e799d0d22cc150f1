"""Superbill data (domain/documents/superbill_data.py): what is on it, which visits, and no N+1
queries."""

from __future__ import annotations

from contextlib import contextmanager
from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import event

from clinicbill.domain.documents.formatting import format_phone, format_tax_id, format_zip
from clinicbill.domain.documents.superbill_data import pointer_letter, superbill
from clinicbill.domain.errors import ClinicbillError
from clinicbill.domain.practice.lookup import find_patient
from clinicbill.store.engine import get_engine, transaction
from tests.documents_data import HADDAD, LIN, REYES, build_history
from tests.factories import make_encounter


@pytest.fixture
def history(sample_db):
    with transaction(sample_db, "tester") as session:
        ids = build_history(session)
    return sample_db, ids


def test_single_visit_carries_every_superbill_element(history):
    url, ids = history
    with transaction(url, "tester") as session:
        doc = superbill(
            session,
            find_patient(session, "P00001"),
            encounter_id=ids["chen_1"],
            issued_on=date(2026, 2, 15),
        )
    practice = doc.practice
    assert practice.name == "Willow Creek Bodywork & Acupuncture LLC"
    assert practice.address_lines == ("2100 SE Division St Suite 4", "Portland, OR 97202-1234")
    assert (practice.phone, practice.tax_id, practice.npi) == (
        "(503) 555-0142",
        "93-1234567",
        "1928374655",
    )
    (provider,) = doc.providers
    assert (provider.display_name, provider.license, provider.npi) == (
        "Ana Reyes, LMT",
        "OR MT-22871",
        "1746503824",
    )
    patient = doc.patient
    assert (patient.name, patient.dob, patient.account_number) == (
        "Maya Chen",
        date(1984, 3, 2),
        "P00001",
    )
    assert patient.address_lines == ("415 NE Fremont St", "Portland, OR 97212-4410")
    assert (patient.payer_name, patient.member_id) == ("Cascade Health Plan", "CHP884412001")
    assert [(d.pointer, d.code) for d in doc.diagnoses] == [("A", "M54.50"), ("B", "M62.830")]
    assert doc.diagnoses[0].description == "Low back pain, unspecified"
    massage, manual = doc.lines
    assert (massage.code, massage.units, massage.charge, massage.pointers) == (
        "97124",
        2,
        6500,
        "A",
    )
    assert massage.description.startswith("Massage")
    assert (manual.modifiers, manual.pointers, manual.place_of_service) == (("59",), "A,B", "11")
    assert (doc.charged, doc.insurance_paid, doc.patient_paid, doc.adjusted, doc.balance) == (
        10300,
        7000,
        0,
        1800,
        1500,
    )
    assert doc.charged == doc.paid + doc.adjusted + doc.balance
    assert (doc.from_date, doc.to_date, doc.visits) == (date(2026, 1, 6), date(2026, 1, 6), 1)


def test_default_is_the_latest_day_of_service(history):
    url, ids = history
    with transaction(url, "tester") as session:
        doc = superbill(session, find_patient(session, "P00001"))
    assert {line.encounter_id for line in doc.lines} == {ids["chen_2"]}


def test_range_letters_diagnoses_across_visits(history):
    """Visit 2 lists M62.830 first: its pointer 1 must become the range's letter B."""
    url, ids = history
    with transaction(url, "tester") as session:
        doc = superbill(
            session,
            find_patient(session, "P00001"),
            from_date=date(2026, 1, 1),
            to_date=date(2026, 12, 31),
        )
    assert [d.code for d in doc.diagnoses] == ["M54.50", "M62.830"]
    assert [line.pointers for line in doc.lines] == ["A", "A,B", "B"]
    assert doc.visits == 2 and doc.charged == 10300 + 9750


def test_several_providers_each_listed(history):
    url, _ = history
    with transaction(url, "tester") as session:
        doc = superbill(
            session,
            find_patient(session, "P00006"),
            from_date=date(2026, 1, 1),
            to_date=date(2026, 3, 31),
        )
    assert [p.display_name for p in doc.providers] == ["Wei Lin, LAC", "Ana Reyes, LMT"]
    assert [line.provider_id for line in doc.lines] == [LIN, LIN, REYES]
    assert doc.patient.member_id is None  # self-pay: no insurance on the superbill
    assert (doc.patient_paid, doc.balance) == (10000, 2000 + 13000)


def test_void_sessions_are_left_out(history):
    url, ids = history
    with transaction(url, "tester") as session:
        from clinicbill.store.models import Encounter

        session.get(Encounter, ids["chen_2"]).status = "void"
    with transaction(url, "tester") as session:
        doc = superbill(session, find_patient(session, "P00001"))
        assert {line.encounter_id for line in doc.lines} == {ids["chen_1"]}
        with pytest.raises(ClinicbillError, match="void"):
            superbill(session, find_patient(session, "P00001"), encounter_id=ids["chen_2"])


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"encounter_id": 9999}, "session: no session 9999"),
        ({"from_date": date(2025, 1, 1), "to_date": date(2025, 2, 1)}, "no sessions"),
        ({"from_date": date(2026, 3, 1), "to_date": date(2026, 1, 1)}, "after --to"),
    ],
)
def test_refusals_name_the_field(history, kwargs, message):
    url, ids = history
    with transaction(url, "tester") as session:
        with pytest.raises(ClinicbillError, match=message):
            superbill(session, find_patient(session, "P00001"), **kwargs)


def test_another_patients_session_is_refused(history):
    url, ids = history
    with transaction(url, "tester") as session:
        with pytest.raises(ClinicbillError, match="no session"):
            superbill(session, find_patient(session, "P00001"), encounter_id=ids["haddad_1"])


def test_patient_without_sessions_is_refused(sample_db):
    with transaction(sample_db, "tester") as session:
        with pytest.raises(ClinicbillError, match="no sessions to bill"):
            superbill(session, find_patient(session, "P00008"))


@contextmanager
def count_queries(url):
    statements: list[str] = []

    def before(conn, cursor, statement, *args):
        statements.append(statement)

    engine = get_engine(url)
    event.listen(engine, "before_cursor_execute", before)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", before)


def _weekly_visits(session, first: date, visits: int) -> None:
    for week in range(visits):
        make_encounter(
            session,
            HADDAD,
            REYES if week % 2 else LIN,
            first + timedelta(weeks=week),
            [{"code": "97124", "charge_cents": 6500, "units": 2}],
            diagnoses=("M54.50", "M62.830"),
        )


def _queries_for_year(url, year: int) -> tuple[int, int]:
    with transaction(url, "tester") as session:
        patient = find_patient(session, "P00006")
        with count_queries(url) as statements:
            doc = superbill(
                session, patient, from_date=date(year, 1, 1), to_date=date(year, 12, 31)
            )
    # the ledger is summed for the chosen lines only, never grouped whole
    ledger = [s for s in statements if "FROM ledgerentry" in s]
    assert ledger and all("ledgerentry.service_line_id IN" in s for s in ledger)
    return doc.visits, len(statements)


def test_query_count_does_not_grow_with_visits(sample_db):
    """No N+1: a year of weekly visits costs the same number of queries as two visits."""
    with transaction(sample_db, "tester") as session:
        _weekly_visits(session, date(2024, 1, 1), 2)
        _weekly_visits(session, date(2025, 1, 6), 40)
    few = _queries_for_year(sample_db, 2024)
    many = _queries_for_year(sample_db, 2025)
    assert (few[0], many[0]) == (2, 40)
    assert few[1] == many[1] <= 8, (few, many)


@given(st.integers(min_value=0, max_value=5000))
def test_pointer_letters_are_distinct_and_ordered(index):
    here, after = pointer_letter(index), pointer_letter(index + 1)
    assert here != after
    assert (len(here), here) < (len(after), after)
    assert here.isalpha() and here.isupper()


def test_pointer_letter_examples():
    assert [pointer_letter(i) for i in (0, 11, 25, 26, 27, 701, 702)] == [
        "A",
        "L",
        "Z",
        "AA",
        "AB",
        "ZZ",
        "AAA",
    ]


def test_formatting_helpers():
    assert format_zip("972021234") == "97202-1234" and format_zip("97202") == "97202"
    assert format_phone("5035550142") == "(503) 555-0142"
    assert format_tax_id("931234567", "EIN") == "93-1234567"
    assert format_tax_id("123456789", "SSN") == "123-45-6789"
