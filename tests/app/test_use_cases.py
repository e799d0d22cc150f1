"""The use cases of app/ called from Python, as the CLI calls them: a real migrated database,
one unit of work per call, the result values checked, then the database."""

from __future__ import annotations

import inspect
from datetime import date

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from clinicbill.app import claims as claim_cases
from clinicbill.app import records
from clinicbill.cli import parse
from clinicbill.cli import records as record_commands
from clinicbill.domain.errors import ClinicbillError
from clinicbill.store.engine import transaction
from clinicbill.store.models import Claim, ExportBatch
from tests.claimkit import RECENT
from tests.factories import make_encounter
from tests.x12check import assert_valid

MASSAGE = {"code": "97124", "charge_cents": 6500, "units": 2, "minutes": 30}
MANUAL_NO_59 = {"code": "97140", "charge_cents": 3800, "minutes": 15}


@pytest.fixture
def drafts(sample_db):
    """Draft claims for Chen (clean) and Whitfield (an NCCI error), made by the use case."""
    with transaction(sample_db, "tester") as s:
        make_encounter(s, 1, 1, RECENT, [MASSAGE], 1)
        make_encounter(s, 7, 1, RECENT, [MASSAGE, MANUAL_NO_59], 7)
    with transaction(sample_db, "tester") as s:
        created = claim_cases.create_claims(s, everything=True)
        ids = [c.id for c in created.claims]
    return ids


def test_export_claims_runs_the_whole_workflow_from_python(sample_db, drafts, tmp_path):
    with transaction(sample_db, "tester") as s:
        checked = claim_cases.check_claims(s, None, everything=True)
    clean, broken = drafts
    assert checked.statuses == {clean: "ready", broken: "draft"}
    assert any(f.claim_id == broken and f.severity == "error" for f in checked.findings)
    out = tmp_path / "batch.837"
    with transaction(sample_db, "tester") as s:
        result = claim_cases.export_claims(s, ready=True, fmt="837p", output=str(out))
    assert result.claim_ids == [clean] and result.path == str(out)
    assert result.test_interchange  # the sample practice sends test interchanges
    isa = out.read_text().split("~")[0].split("*")
    assert int(isa[13]) == result.interchange_control_number
    assert_valid(out.read_text())
    with transaction(sample_db, "tester") as s:
        assert s.get(Claim, clean).status == "submitted"
        assert s.get(Claim, broken).status == "draft"


def test_export_claims_refuses_scrubber_errors_with_the_findings(sample_db, drafts, tmp_path):
    broken = drafts[1]
    out = tmp_path / "x.837"
    with pytest.raises(claim_cases.ScrubbedOut) as refused:
        with transaction(sample_db, "tester") as s:
            claim_cases.export_claims(s, [str(broken)], output=str(out))
    assert refused.value.message == f"export: 1 error(s) in claim(s) {broken}"
    assert [f.claim_id for f in refused.value.findings] == [broken]
    assert not out.exists()
    with transaction(sample_db, "tester") as s:
        assert s.execute(select(func.count()).select_from(ExportBatch)).scalar() == 0
        assert s.get(Claim, broken).status == "draft"


def test_export_claims_refuses_an_unknown_format(sample_db, drafts):
    with pytest.raises(ClinicbillError, match="format: 'x12' is not accepted"):
        with transaction(sample_db, "tester") as s:
            claim_cases.export_claims(s, [str(drafts[0])], fmt="x12")


def test_list_claims_filters_by_patient_and_status(sample_db, drafts):
    with transaction(sample_db, "tester") as s:
        rows = claim_cases.list_claims(s, status="draft", patient="Chen")
    assert [(c.id, p.last_name, c.status) for c, p, _payer in rows] == [
        (drafts[0], "Chen", "draft")
    ]


@pytest.mark.parametrize(
    "table", [record_commands.PATIENT, record_commands.PROVIDER, record_commands.PAYER]
)
def test_every_field_of_a_record_table_is_a_field_the_domain_cleans(table):
    required, cleaners = records.field_rules(table.kind)
    names = {f.name for f in table.fields}
    assert names <= set(cleaners), names - set(cleaners)
    assert required <= {f.name for f in table.fields if f.on_add}
    add = inspect.signature(record_commands.add_command(table, "Add.\n\nExample: x"))
    edit = inspect.signature(record_commands.edit_command(table, "Edit.\n\nExample: x"))
    assert list(edit.parameters)[0] == table.kind  # the record it edits, then its fields
    assert list(edit.parameters)[1:] == [f.name for f in table.fields]
    assert [n for n in add.parameters][: len(names)] == [f.name for f in table.fields if f.on_add]


def test_add_and_edit_a_record_of_every_kind(sample_db):
    values = {
        "patient": {"first_name": "Ida", "last_name": "Quill", "dob": "1990-05-06", "sex": "F"},
        "provider": {
            "first_name": "Lu",
            "last_name": "Park",
            "credential": "LAc",
            "npi": "1245319599",
            "taxonomy": "171100000X",
            "license": "AC1234",
            "license_state": "OR",
        },
        "payer": {"name": "Harbor Mutual", "payer_id": "HM001", "type": "commercial"},
    }
    for kind, given_values in values.items():
        with transaction(sample_db, "tester") as s:
            row = records.add_record(s, kind, given_values)
            row_id = row.id
        with transaction(sample_db, "tester") as s:
            edited = records.edit_record(
                s,
                kind,
                str(row_id),
                {"state": "WA"} if kind != "provider" else {"license_state": "WA"},
            )
        assert edited.id == row_id and list(edited.changed) in (["state"], ["license_state"])
        with transaction(sample_db, "tester") as s:
            assert records.find_record(s, kind, str(row_id)).id == row_id


@settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.dates(min_value=date(1900, 1, 1), max_value=date(2099, 12, 31)))
def test_a_date_option_reads_back_the_day_it_names(day):
    assert parse.day(day.isoformat(), "from") == day
    assert parse.day_or_today(day.isoformat()) == day


def test_date_and_amount_options_refuse_naming_the_option():
    assert parse.day(None, "from") is None
    assert parse.day_or_today(None) == date.today()
    with pytest.raises(ClinicbillError, match="^as-of: "):
        parse.past_day("2999-01-01", "as-of")
    with pytest.raises(ClinicbillError, match="^date: "):
        parse.day("not-a-date")
    assert parse.amount("$1,250.50") == 125050
    assert parse.optional_amount(None, "copay") is None
    with pytest.raises(ClinicbillError, match="^price: "):
        parse.amount("0", "price")


def test_every_kind_of_reference_resolves_and_refuses_by_its_kind(sample_db, drafts):
    refs = {
        "patient": "Chen",
        "provider": "Reyes",
        "payer": "Cascade",
        "policy": "1",
        "claim": str(drafts[0]),
        "session": "1",
    }
    assert set(refs) == set(records.RESOLVERS)
    with transaction(sample_db, "tester") as s:
        for kind, ref in refs.items():
            assert records.find_record(s, kind, ref) is not None
            with pytest.raises(ClinicbillError, match=f"^{kind}: "):
                records.find_record(s, kind, "99999")
