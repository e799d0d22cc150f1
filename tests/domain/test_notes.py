"""Note templates: prompts, answers, rendering, the practice's own copies, golden notes."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from clinicbill.domain.errors import ClinicbillError
from clinicbill.domain.sessions import note_view, notes
from clinicbill.domain.sessions.entry import add_session, parse_line
from clinicbill.domain.sessions.record import render_note, sign_session
from clinicbill.store.engine import transaction

GOLDEN = Path(__file__).resolve().parents[1] / "golden" / "notes"
SIGNED_AT = datetime(2026, 11, 20, 18, 30, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _fresh_template_cache():
    notes._load_template.cache_clear()
    notes._environment.cache_clear()
    yield
    notes._load_template.cache_clear()
    notes._environment.cache_clear()


def test_shipped_templates_and_their_prompts():
    assert {"massage", "acupuncture", "combined"} <= set(notes.template_names())
    massage = notes.load_template("massage")
    assert [p.key for p in massage.prompts][:3] == ["areas", "techniques", "pressure"]
    assert [s.code for s in massage.suggest] == ["97124", "97140"]
    assert massage.suggest[1].modifiers == ("59",)
    acupuncture = notes.load_template("Acupuncture")
    assert acupuncture.prompt("needle_count").kind == "int"
    assert acupuncture.prompt("estim").default is False
    with pytest.raises(ClinicbillError) as caught:
        notes.load_template("reiki")
    assert "massage" in caught.value.hint
    with pytest.raises(ClinicbillError):
        notes.load_template("../massage")


def test_details_are_typed_in_prompt_order():
    acupuncture = notes.load_template("acupuncture")
    cleaned = notes.clean_details(
        acupuncture, {"estim": "yes", "needle_count": " 12 ", "points": "BL23, GB30"}
    )
    assert cleaned == {"points": "BL23, GB30", "needle_count": 12, "estim": True}
    assert list(cleaned) == ["points", "needle_count", "estim"]


@pytest.mark.parametrize(
    ("details", "fragment"),
    [
        ({"needle_count": "lots"}, "not a whole number"),
        ({"needle_count": "500"}, "out of range"),
        ({"estim": "maybe"}, "not yes or no"),
        ({"colour": "red"}, "is not a prompt of the acupuncture template"),
        ({"points": "x" * 501}, "too long"),
    ],
)
def test_bad_details_are_refused_by_name(details, fragment):
    with pytest.raises(ClinicbillError) as caught:
        notes.clean_details(notes.load_template("acupuncture"), details)
    assert fragment in caught.value.message
    assert caught.value.message.startswith("detail")


def test_choice_and_missing_template():
    massage = notes.load_template("massage")
    assert notes.clean_details(massage, {"pressure": "DEEP"}) == {"pressure": "deep"}
    with pytest.raises(ClinicbillError, match="is not accepted"):
        notes.clean_details(massage, {"pressure": "crushing"})
    with pytest.raises(ClinicbillError, match="without a note template"):
        notes.clean_details(None, {"areas": "neck"})
    assert notes.clean_details(None, {}) == {}


def test_parse_detail_and_infer_template():
    assert notes.parse_detail("needle-count = 12") == ("needle_count", "12")
    with pytest.raises(ClinicbillError, match="key=value"):
        notes.parse_detail("areas")
    assert notes.infer_template(["97124", "97140"]) == "massage"
    assert notes.infer_template(["97810", "97811"]) == "acupuncture"
    assert notes.infer_template(["97810", "97140"]) == "combined"
    assert notes.infer_template(["99213"]) is None


def _signed(session, **values):
    encounter = add_session(session, **values)
    sign_session(session, encounter, "Ana Reyes")
    encounter.signed_at = SIGNED_AT  # a fixed time, so the golden text is stable
    encounter.note_text = note_view.render_note_text(session, encounter)
    return encounter


SOAP = {
    "subjective": "Low back tightness after a weekend of gardening.\nWorse in the morning.",
    "objective": "Hypertonic lumbar paraspinals and gluteus medius bilaterally.",
    "assessment": "Tissue softened; forward flexion improved.",
    "plan": "Weekly for 4 weeks. Cat-cow and knee-to-chest stretches daily.",
}


def _massage(session):
    return _signed(
        session,
        patient="P00001",
        provider="Reyes",
        service_date=date(2026, 11, 20),
        diagnoses=["M54.50", "M62.830"],
        lines=[parse_line("97124:minutes=38"), parse_line("97140:minutes=15:mod=59:ptr=1,2")],
        soap=SOAP,
        pain_before=6,
        pain_after=3,
        template="massage",
        modality={
            "areas": "low back, gluteals",
            "techniques": "Swedish, myofascial release",
            "pressure": "firm",
            "home_care": "heat 15 minutes at night",
        },
    )


def _acupuncture(session):
    return _signed(
        session,
        patient="P00007",
        provider="Lin",
        service_date=date(2026, 11, 21),
        diagnoses=["M54.50"],
        lines=[parse_line("97810"), parse_line("97811:units=1")],
        soap=SOAP,
        pain_before=7,
        pain_after=4,
        modality={
            "points": "BL23, BL25, BL40, GB30",
            "needle_count": 12,
            "retention_minutes": 20,
            "estim": False,
            "reinsertion": True,
        },
    )


@pytest.mark.parametrize(("name", "build"), [("massage", _massage), ("acupuncture", _acupuncture)])
def test_rendered_note_matches_the_reviewed_golden_text(sample_db, update_golden, name, build):
    with transaction(sample_db, "tester") as session:
        text = render_note(session, build(session))
    path = GOLDEN / f"{name}.txt"
    if update_golden:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    assert text == path.read_text()


def test_practice_copy_of_a_template_wins(sample_db):
    from clinicbill.resources import config_dir

    folder = config_dir() / "templates" / "notes"
    folder.mkdir(parents=True)
    (folder / "massage.toml").write_text(
        'title = "Bodywork"\n[[prompts]]\nkey = "areas"\nlabel = "Where"\nkind = "text"\n'
    )
    (folder / "massage.txt.j2").write_text(
        "{{ visit.title }} for {{ patient.name }}: {{ d.areas }} ({{ services | length }})\n"
    )
    with transaction(sample_db, "tester") as session:
        encounter = add_session(
            session,
            patient="P00001",
            provider="Reyes",
            service_date=date(2026, 11, 20),
            diagnoses=["M54.50"],
            lines=[parse_line("97124:minutes=30")],
            modality={"areas": "neck"},
        )
        assert render_note(session, encounter) == "Bodywork for Chen, Maya: neck (1)\n"


def test_a_broken_practice_template_is_a_clear_refusal(sample_db):
    from clinicbill.resources import config_dir

    folder = config_dir() / "templates" / "notes"
    folder.mkdir(parents=True)
    (folder / "massage.txt.j2").write_text("{% if %}\n")
    with transaction(sample_db, "tester") as session:
        encounter = add_session(
            session,
            patient="P00001",
            provider="Reyes",
            service_date=date(2026, 11, 20),
            diagnoses=["M54.50"],
            lines=[parse_line("97124:minutes=30")],
        )
        with pytest.raises(ClinicbillError, match="template: notes/massage.txt.j2 line 1"):
            render_note(session, encounter)
    (folder / "bad.toml").write_text("title = \n")
    with pytest.raises(ClinicbillError, match="cannot read"):
        notes.load_template("bad")


def test_pointer_letters():
    assert note_view.pointer_letters("1,2,12") == "A,B,L"
    assert note_view.pointer_letters("") == ""


def test_combined_template_renders_both_treatments(sample_db):
    with transaction(sample_db, "tester") as session:
        encounter = add_session(
            session,
            patient="P00007",
            provider="Lin",
            service_date=date(2026, 11, 20),
            diagnoses=["M54.50"],
            lines=[parse_line("97810"), parse_line("97140:minutes=15:mod=59")],
            modality={"points": "BL23", "needle_count": "8", "areas": "low back"},
        )
        text = render_note(session, encounter)
    assert encounter.template == "combined"
    assert "ACUPUNCTURE AND MASSAGE NOTE" in text
    assert "Treatment: acupuncture\n  Points: BL23\n  Needles: 8" in text
    assert "Treatment: massage\n  Areas: low back" in text
    assert text.rstrip().endswith("UNSIGNED DRAFT: not yet signed by the provider")
