"""Good Faith Estimates (domain/documents/estimates.py): items, storage, comparison with billed
charges."""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import func, select

from clinicbill.domain.documents.estimates import (
    DISPUTE_THRESHOLD_CENTS,
    compare_estimates,
    create_estimate,
    estimate_document,
    estimate_warnings,
    parse_item,
)
from clinicbill.domain.errors import ClinicbillError
from clinicbill.domain.practice.lookup import find_patient, find_provider
from clinicbill.store.engine import transaction
from clinicbill.store.models import Estimate
from tests.documents_data import HADDAD, LIN, REYES
from tests.factories import make_encounter

ISSUED = date(2026, 1, 5)


def _create(session, ref="P00006", **kwargs):
    kwargs.setdefault("codes", ["97124:units=4"])
    kwargs.setdefault("provider", find_provider(session, "Reyes"))
    kwargs.setdefault("issued_on", ISSUED)
    return create_estimate(session, find_patient(session, ref), **kwargs)


def test_weekly_massage_course(sample_db):
    with transaction(sample_db, "tester") as session:
        estimate, warnings = _create(
            session,
            codes=["97124:units=4", "97140:charge=40"],
            visits=12,
            service_date=date(2026, 1, 12),
            diagnoses=["m5450"],
            frequency="weekly",
        )
        doc = estimate_document(session, estimate)
    assert warnings == []  # Haddad has no insurance
    massage, manual = doc.items
    assert (massage.units, massage.unit_charge, massage.per_visit, massage.total) == (
        4,
        3250,
        13000,
        156000,
    )
    assert (manual.units, manual.unit_charge, manual.total) == (1, 4000, 48000)
    assert doc.total == estimate.total_cents == 204000
    assert doc.per_visit == 17000
    assert [d.code for d in doc.diagnoses] == ["M54.50"]
    assert doc.diagnoses[0].description == "Low back pain, unspecified"
    assert doc.primary_service.startswith("Massage")
    assert (doc.provider.display_name, doc.provider.npi) == ("Ana Reyes, LMT", "1746503824")
    assert doc.practice.tax_id == "93-1234567"
    assert (doc.patient.name, doc.patient.dob) == ("Sofia Haddad", date(1995, 6, 8))
    payload = json.loads(estimate.items_json)
    assert payload["frequency"] == "weekly" and len(payload["items"]) == 2


def test_insured_patient_gets_a_warning(sample_db):
    with transaction(sample_db, "tester") as session:
        _, warnings = _create(session, "P00001")
    assert len(warnings) == 1 and "has insurance (Cascade Health Plan)" in warnings[0]


def test_default_provider_is_the_last_who_treated(sample_db):
    with transaction(sample_db, "tester") as session:
        make_encounter(
            session, HADDAD, LIN, date(2025, 12, 1), [{"code": "97810", "charge_cents": 7500}]
        )
        estimate, _ = _create(session, provider=None, codes=["97810"])
    assert estimate.provider_id == LIN


def test_no_default_provider_when_several(sample_db):
    with transaction(sample_db, "tester") as session:
        with pytest.raises(ClinicbillError, match="provider: a value is required"):
            _create(session, provider=None)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"codes": []}, "at least one service"),
        ({"codes": ["97999"]}, "97999 has no standard charge"),
        ({"codes": ["9712"]}, "not a CPT/HCPCS code"),
        ({"codes": ["97124:units=0"]}, "units '0' is not 1 to 99"),
        ({"codes": ["97124:charge=-3"]}, "negative"),
        ({"codes": ["97124:colour=red"]}, "not understood"),
        ({"visits": 0}, "visits: 0 is out of range"),
        ({"visits": 400}, "visits: 400 is out of range"),
        ({"diagnoses": ["M54.5"]}, "not a billable code"),
        ({"service_date": date(2025, 12, 1)}, "before the estimate's issue date"),
    ],
)
def test_refusals_store_nothing(sample_db, kwargs, message):
    with pytest.raises(ClinicbillError, match=message):
        with transaction(sample_db, "tester") as session:
            _create(session, **kwargs)
    with transaction(sample_db, "tester") as session:
        assert session.execute(select(func.count(Estimate.id))).scalar() == 0


@given(st.text(max_size=40))
def test_item_parser_only_refuses_cleanly(text):
    try:
        code, units, charge = parse_item(text)
    except ClinicbillError as exc:
        assert exc.message and exc.hint
    else:
        assert len(code) == 5 and code.isalnum()
        assert units is None or 1 <= units <= 99
        assert charge is None or charge > 0


def test_item_parser_examples():
    assert parse_item("97124") == ("97124", None, None)
    assert parse_item(" 97124:units=4 ") == ("97124", 4, None)
    assert parse_item("g0283:charge=20.50:units=2") == ("G0283", 2, 2050)


def _bill(session, on, cents, provider=REYES):
    make_encounter(session, HADDAD, provider, on, [{"code": "97124", "charge_cents": cents}])


def test_billed_charges_compared_within_the_window(sample_db):
    with transaction(sample_db, "tester") as session:
        estimate, _ = _create(session, codes=["97124:charge=100"], visits=2)  # $200
        _bill(session, ISSUED, 30000)
        _bill(session, ISSUED + timedelta(days=100), 29999)
        _bill(session, ISSUED + timedelta(days=30), 90000, provider=LIN)  # other provider
        _bill(session, ISSUED - timedelta(days=1), 90000)  # before the estimate
        _bill(session, ISSUED + timedelta(days=365), 90000)  # after 12 months
    with transaction(sample_db, "tester") as session:
        (row,) = compare_estimates(session, HADDAD)
        assert (row.estimated, row.billed) == (20000, 59999)
        assert row.over == DISPUTE_THRESHOLD_CENTS - 1
        assert not row.dispute_eligible and row.warning is None
        _bill(session, ISSUED + timedelta(days=200), 1)
    with transaction(sample_db, "tester") as session:
        (row,) = compare_estimates(session, HADDAD)
        assert row.over == DISPUTE_THRESHOLD_CENTS and row.dispute_eligible
        assert "$400.00 over" in row.warning
        assert estimate_warnings(session, HADDAD) == [row.warning]
        assert estimate_warnings(session, 1) == []
    assert estimate.id == row.id


def test_a_later_estimate_ends_the_earlier_window(sample_db):
    with transaction(sample_db, "tester") as session:
        first, _ = _create(session)
        second, _ = _create(session, issued_on=ISSUED + timedelta(days=90))
        _bill(session, ISSUED + timedelta(days=10), 1000)
        _bill(session, ISSUED + timedelta(days=95), 2000)
    with transaction(sample_db, "tester") as session:
        rows = {r.id: r for r in compare_estimates(session)}
    assert rows[first.id].window_to == ISSUED + timedelta(days=89)
    assert (rows[first.id].billed, rows[second.id].billed) == (1000, 2000)
    assert rows[second.id].window_to == ISSUED + timedelta(days=90 + 364)


def test_no_estimates_is_an_empty_list(sample_db):
    with transaction(sample_db, "tester") as session:
        assert compare_estimates(session) == []
