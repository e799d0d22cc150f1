"""Session entry, editing, signing, addenda and voiding (domain/sessions/entry.py)."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import func, select

from clinicbill.domain.errors import ClinicbillError
from clinicbill.domain.sessions.entry import (
    LineInput,
    add_session,
    billable_encounters_query,
    parse_line,
    plan_session,
)
from clinicbill.domain.sessions.record import (
    add_addendum,
    edit_session,
    render_note,
    sign_session,
    void_session,
)
from clinicbill.store.engine import transaction
from clinicbill.store.models import Diagnosis, Encounter, ServiceLine

DAY = date(2026, 11, 20)
SOAP = {
    "subjective": "Low back tight after gardening.",
    "objective": "Hypertonic lumbar paraspinals.",
    "assessment": "Tissue softened, flexion improved.",
    "plan": "Weekly for 4 weeks.",
}


@pytest.fixture
def s(sample_db):
    with transaction(sample_db, "tester") as session:
        yield session


def massage(session, **overrides):
    values = dict(
        patient="P00001",
        provider="Reyes",
        service_date=DAY,
        diagnoses=["M54.50", "m62830"],
        lines=[parse_line("97124:minutes=38"), parse_line("97140:minutes=15:mod=59:ptr=1,2")],
        soap=SOAP,
        pain_before=6,
        pain_after=3,
        modality={"areas": "low back", "pressure": "Firm"},
    )
    values.update(overrides)
    return add_session(session, **values)


def acupuncture(session, lines=("97810", "97811:units=1"), **overrides):
    values = dict(
        patient="P00007",
        provider="Lin",
        service_date=DAY,
        diagnoses=["M54.50"],
        lines=[parse_line(x) for x in lines],
        soap=SOAP,
    )
    values.update(overrides)
    return add_session(session, **values)


def count(session, model) -> int:
    return session.execute(select(func.count()).select_from(model)).scalar()


def test_massage_session_is_stored_with_units_charges_and_pointers(s):
    encounter = massage(s)
    assert encounter.status == "draft"
    assert encounter.policy_id == 1  # Chen's Cascade policy, chosen automatically
    assert encounter.total_minutes == 53
    assert encounter.template == "massage"
    assert encounter.modality_json == '{"areas": "low back", "pressure": "firm"}'
    lines = s.execute(select(ServiceLine).order_by(ServiceLine.line_number)).scalars().all()
    assert [(x.code, x.units, x.charge_cents, x.modifiers, x.pointers) for x in lines] == [
        ("97124", 3, 3 * 3250, "", "1,2"),
        ("97140", 1, 3800, "59", "1,2"),
    ]
    dx = s.execute(select(Diagnosis.code).order_by(Diagnosis.position)).scalars().all()
    assert dx == ["M54.50", "M62.830"]


def test_plan_explains_units_and_writes_nothing(s):
    plan = plan_session(
        s,
        patient="P00001",
        provider="Reyes",
        service_date=DAY,
        diagnoses=["M54.50"],
        lines=[parse_line("97124:minutes=38"), parse_line("97140:minutes=15")],
    )
    assert "53 timed minutes" in plan.unit_explanation
    assert plan.total_charge_cents == 9750 + 3800
    assert any("modifier 59" in w for w in plan.warnings)  # 97140 with 97124, no 59
    assert any(p.code == "no-verification" for p in plan.coverage_problems)
    assert count(s, Encounter) == 0


def test_given_units_override_the_rule_with_a_warning(s):
    plan = plan_session(
        s,
        patient="P00001",
        provider="Reyes",
        service_date=DAY,
        diagnoses=["M54.50"],
        lines=[parse_line("97124:minutes=38:units=2")],
    )
    assert plan.lines[0].units == 2
    assert any("2 units given" in w and "gives 3" in w for w in plan.warnings)


@pytest.mark.parametrize(
    ("line", "fragment"),
    [
        ("97124", "timed code and needs minutes"),
        ("97124:minutes=5", "earns no units"),
        ("97124:minutes=20:ptr=3", "pointer 3 points at no diagnosis"),
        ("97124:minutes=20:mod=59,GP,XS,KX,25", "modifiers"),
        ("97124:minutes=20:mod=5", "not 2 letters"),
        ("9712:minutes=20", "not a CPT/HCPCS code"),
        ("97999", "no standard fee"),
        ("97811", "needs units"),
    ],
)
def test_bad_lines_are_refused_by_line(s, line, fragment):
    with pytest.raises(ClinicbillError) as caught:
        massage(s, lines=[parse_line(line)])
    assert fragment in caught.value.message + (caught.value.hint or "")
    assert count(s, Encounter) == 0


def test_unknown_code_with_a_charge_is_allowed_with_a_warning(s):
    plan = plan_session(
        s,
        patient="P00001",
        provider="Reyes",
        service_date=DAY,
        diagnoses=["M54.50"],
        lines=[parse_line("97999:charge=40")],
    )
    assert plan.lines[0].charge_cents == 4000
    assert any("not in the code catalog" in w for w in plan.warnings)


@pytest.mark.parametrize(
    ("diagnoses", "fragment"),
    [
        (["M54.5"], "M54.50, M54.51, M54.59"),
        (["M54.50", "M54.50"], "listed twice"),
        ([], "at least one diagnosis"),
        (["M62.830"] * 13, "13 diagnoses"),
    ],
)
def test_diagnoses_are_checked(s, diagnoses, fragment):
    with pytest.raises(ClinicbillError) as caught:
        massage(s, diagnoses=diagnoses)
    assert fragment in caught.value.message + (caught.value.hint or "")


def test_self_pay_needs_no_diagnosis_and_uses_the_self_pay_unit_rule(s):
    encounter = massage(s, policy=None, diagnoses=[], lines=[parse_line("97124:minutes=52")])
    assert encounter.policy_id is None
    line = s.execute(select(ServiceLine)).scalar()
    assert (line.units, line.pointers) == (3, "")


def test_policy_choices_are_checked(s):
    with pytest.raises(ClinicbillError, match="another patient|no policy matches"):
        massage(s, policy="CHP77310002")  # Okafor's member id
    with pytest.raises(ClinicbillError, match="not in effect"):
        add_session(
            s,
            patient="P00005",  # workers' comp policy from 2026-08-14
            provider="Reyes",
            service_date=date(2026, 1, 5),
            policy="WC2026-11873",
            diagnoses=["M54.50"],
            lines=[parse_line("97124:minutes=30")],
        )


def test_future_dates_and_bad_values_are_refused(s):
    with pytest.raises(ClinicbillError, match="in the future"):
        massage(s, service_date="2999-01-01")
    with pytest.raises(ClinicbillError, match="pain-after"):
        massage(s, pain_after=11)
    with pytest.raises(ClinicbillError, match="place-of-service"):
        massage(s, place_of_service="X1")
    with pytest.raises(ClinicbillError, match="patient: a value is required"):
        massage(s, patient=None)


@pytest.mark.parametrize(
    ("lines", "fragment"),
    [
        (("97810", "97813"), "never billed the same day"),
        (("97811:units=2",), "needs an initial code"),
        (("97810:units=2",), "once per date of service"),
    ],
)
def test_forbidden_acupuncture_combinations_are_refused(s, lines, fragment):
    with pytest.raises(ClinicbillError) as caught:
        acupuncture(s, lines=lines)
    assert fragment in caught.value.message


def test_one_initial_acupuncture_code_per_day_across_sessions(s):
    first = acupuncture(s)
    with pytest.raises(ClinicbillError, match="other session that day"):
        acupuncture(s, lines=("97813",))
    void_session(s, first, "entered twice")
    assert acupuncture(s, lines=("97813",)).id != first.id


def test_acupuncture_add_on_units_from_minutes_and_mixed_e_stim_warning(s):
    plan = plan_session(
        s,
        patient="P00007",
        provider="Lin",
        service_date=DAY,
        diagnoses=["M54.50"],
        lines=[parse_line("97810"), parse_line("97814:minutes=30")],
    )
    assert [(x.code, x.units) for x in plan.lines] == [("97810", 1), ("97814", 2)]
    assert plan.template == "acupuncture"
    assert any("97810 with 97814" in w for w in plan.warnings)


def test_medicare_profile_warnings_for_a_massage_therapist(s):
    plan = plan_session(
        s,
        patient="P00002",  # Alvarez: Medicare primary
        provider="Reyes",
        service_date=DAY,
        diagnoses=["M54.50"],
        lines=[parse_line("97124:minutes=30")],
    )
    assert any("GP" in w for w in plan.warnings)
    assert any("does not accept it from a LMT" in w for w in plan.warnings)


def test_sign_locks_the_note_and_freezes_its_text(s):
    encounter = massage(s)
    sign_session(s, encounter, "ana")
    assert encounter.status == "signed" and encounter.signed_by == "ana"
    assert encounter.signed_at is not None and encounter.note_text
    assert "Electronically signed by Ana Reyes, LMT on " in encounter.note_text
    assert "(user ana)" in encounter.note_text
    with pytest.raises(ClinicbillError, match="signed and locked"):
        edit_session(s, encounter, soap={"plan": "changed"})
    with pytest.raises(ClinicbillError, match="signed and locked"):
        sign_session(s, encounter, "ana")
    assert encounter.plan == SOAP["plan"]


def test_incomplete_note_cannot_be_signed(s):
    encounter = massage(s, soap={"subjective": "only this"})
    with pytest.raises(ClinicbillError) as caught:
        sign_session(s, encounter, "ana")
    assert "--objective" in caught.value.message and "--plan" in caught.value.message
    assert encounter.status == "draft"


def test_edit_merges_soap_and_replaces_lines(s):
    encounter = massage(s)
    changed = edit_session(s, encounter, soap={"plan": "Every 2 weeks."}, pain_after=2)
    assert set(changed) == {"plan", "pain_after"}
    assert encounter.subjective == SOAP["subjective"] and encounter.plan == "Every 2 weeks."
    # a line of a stored code changes that line; the others stay (issue 15)
    changed = edit_session(s, encounter, lines=[parse_line("97124:minutes=60")])
    assert changed["lines"] == {"added": [], "changed": ["97124"], "removed": []}
    codes = [x.code for x in s.execute(select(ServiceLine)).scalars()]
    assert codes == ["97124", "97140"]
    changed = edit_session(s, encounter, lines=[parse_line("97124:minutes=60")], replace_lines=True)
    assert changed["lines"] == {"added": [], "changed": ["97124"], "removed": ["97140"]}
    lines = s.execute(select(ServiceLine)).scalars().all()
    assert [(x.code, x.units, x.charge_cents) for x in lines] == [("97124", 4, 4 * 3250)]
    assert encounter.total_minutes == 60
    assert edit_session(s, encounter, pain_after=2) == {}


def test_addenda_follow_the_signed_text_without_changing_it(s):
    encounter = massage(s)
    with pytest.raises(ClinicbillError, match="not signed yet"):
        add_addendum(s, encounter, "late entry", "ana")
    sign_session(s, encounter, "ana")
    frozen = encounter.note_text
    add_addendum(s, encounter, "Patient called: soreness resolved.", "ana")
    text = render_note(s, encounter)
    assert text.startswith(frozen)
    assert "Addenda" in text and "Patient called: soreness resolved." in text
    assert encounter.note_text == frozen


def test_voided_sessions_never_bill(s):
    kept = massage(s)
    gone = acupuncture(s)
    for encounter in (kept, gone):
        sign_session(s, encounter, "ana")
    with pytest.raises(ClinicbillError, match="reason"):
        void_session(s, gone, "  ")
    void_session(s, gone, "wrong patient")
    billable = s.execute(billable_encounters_query()).scalars().all()
    assert [e.id for e in billable] == [kept.id]
    assert gone.status == "void" and gone.voided_at is not None
    with pytest.raises(ClinicbillError, match="already void"):
        void_session(s, gone, "again")
    with pytest.raises(ClinicbillError, match="void"):
        edit_session(s, gone, pain_after=1)
    assert "VOID" in render_note(s, gone)


def test_a_billed_session_cannot_be_voided(s):
    from clinicbill.store.models import Claim, ClaimLine

    encounter = massage(s)
    sign_session(s, encounter, "ana")
    claim = Claim(
        patient_control_number="T1",
        patient_id=1,
        policy_id=1,
        payer_id=2,
        provider_id=1,
        from_date=DAY,
        to_date=DAY,
    )
    s.add(claim)
    s.flush()
    line = s.execute(select(ServiceLine)).scalars().first()
    s.add(ClaimLine(claim_id=claim.id, service_line_id=line.id, line_number=1, charge_cents=1))
    s.flush()
    with pytest.raises(ClinicbillError, match="billed on claim"):
        void_session(s, encounter, "mistake")


@given(
    code=st.sampled_from(["97124", "97140", "G0283"]),
    minutes=st.none() | st.integers(1, 600),
    units=st.none() | st.integers(1, 99),
    mods=st.lists(st.sampled_from(["59", "GP", "XS", "25"]), max_size=4, unique=True),
    pointers=st.lists(st.integers(1, 12), max_size=4, unique=True),
)
def test_parse_line_reads_back_what_a_line_spec_says(code, minutes, units, mods, pointers):
    spec = code
    if minutes is not None:
        spec += f":minutes={minutes}"
    if units is not None:
        spec += f":units={units}"
    if mods:
        spec += ":mod=" + ",".join(mods)
    if pointers:
        spec += ":ptr=" + ",".join(map(str, pointers))
    assert parse_line(spec) == LineInput(code, tuple(mods), minutes, units, None, tuple(pointers))


def test_parse_line_accepts_letters_and_charges_and_refuses_junk():
    assert parse_line("97140:ptr=A,B:charge=65.50") == LineInput(
        "97140", (), None, None, 6550, (1, 2)
    )
    for junk in ("97140:colour=red", "97140:minutes=0", ":minutes=3", "97140:charge=-1"):
        with pytest.raises(ClinicbillError):
            parse_line(junk)
