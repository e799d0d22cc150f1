"""`session …` through the CLI: output, JSON, refusals that write nothing, the note PDF, the
demo steps, and a real subprocess."""

from __future__ import annotations

import json
import re

from pypdf import PdfReader
from sqlalchemy import func, select

from clinicbill.store.engine import transaction
from clinicbill.store.models import AuditLog, Encounter, ServiceLine
from tests.conftest import cli_subprocess

MASSAGE = [
    "session", "add", "--patient", "P00001", "--provider", "Reyes", "--date", "2026-11-20",
    "--dx", "M54.50", "--dx", "M62.830", "--line", "97124:minutes=38",
    "--line", "97140:minutes=15:mod=59:ptr=1,2", "--template", "massage",
    "--detail", "areas=low back", "--detail", "pressure=firm",
    "--subjective", "Low back tight after gardening.", "--objective", "Hypertonic paraspinals.",
    "--assessment", "Flexion improved.", "--plan", "Weekly for 4 weeks.",
    "--pain-before", "6", "--pain-after", "3",
]  # fmt: skip


def rows(url, model):
    with transaction(url, "tester") as session:
        return session.execute(select(model)).scalars().all()


def count(url, model) -> int:
    with transaction(url, "tester") as session:
        return session.execute(select(func.count()).select_from(model)).scalar()


def test_add_shows_units_charges_and_coverage(sample_run, sample_db):
    result = sample_run(*MASSAGE)
    assert result.exit_code == 0, result.stderr
    assert "session 1 added (draft)" in result.stdout
    assert "97124           38 min  3 units      $97.50" in result.stdout
    assert "53 timed minutes in all (53-67 min) = 4 units" in result.stdout
    assert "total $135.50" in result.stdout
    assert "coverage: visits: 0 this plan year" in result.stdout
    assert "warning: verification: policy 1 has no benefit verification" in result.stderr
    assert "clinicbill session sign 1" in result.stdout
    (encounter,) = rows(sample_db, Encounter)
    assert (encounter.status, encounter.pain_before, encounter.template) == ("draft", 6, "massage")
    assert [(x.code, x.units) for x in rows(sample_db, ServiceLine)] == [
        ("97124", 3),
        ("97140", 1),
    ]


def test_add_with_sign_and_json(sample_run):
    result = sample_run("--json", *MASSAGE, "--sign")
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["id"] == 1 and data["status"] == "signed"
    assert [x["units"] for x in data["lines"]] == [3, 1]
    assert data["total_charge_cents"] == 13550
    assert any("verification" in w for w in data["warnings"])


def test_refusals_name_the_field_and_write_nothing(sample_run, sample_db):
    before = count(sample_db, AuditLog)
    cases = [
        (["--dx", "M54.5"], "dx: M54.5 is a category", "M54.50, M54.51, M54.59"),
        (["--line", "97810", "--line", "97813"], "never billed the same day", "one initial"),
        (["--line", "97140:minutes=5:ptr=9"], "pointer 9 points at no diagnosis", "use 1..2"),
        (["--date", "2999-01-01"], "date: 2999-01-01 is in the future", ""),
        (["--line", "97140:colour=red"], "is not understood", "CODE:minutes=N"),
        (["--detail", "areas"], "not key=value", "--detail"),
        (["--auth", "abc"], "auth: 'abc' is not an id", "auto or none"),
    ]
    for extra, message, hint in cases:
        result = sample_run(*MASSAGE, *extra)
        assert result.exit_code == 1, extra
        assert f"error: {message}" in result.stderr or message in result.stderr, result.stderr
        assert hint in result.stderr
        assert "Traceback" not in result.stderr + result.stdout
    assert count(sample_db, Encounter) == 0
    assert count(sample_db, AuditLog) == before


def test_without_a_terminal_a_missing_value_names_the_option(sample_run):
    result = sample_run("session", "add", "--provider", "Reyes", "--line", "97124:minutes=30")
    assert result.exit_code == 2  # a missing value is a usage error
    assert "error: patient: a value is required" in result.stderr
    assert "hint: give --patient" in result.stderr
    result = sample_run("session", "add", "--patient", "P00001", "--provider", "Reyes")
    assert "line: at least one service is required" in result.stderr
    result = sample_run(
        "session", "add", "--patient", "P00001", "--provider", "Reyes", "--line", "97124:m=30"
    )
    assert "dx: at least one diagnosis is required" in result.stderr and "--self-pay" in (
        result.stderr
    )


def test_self_pay_and_explicit_policy(sample_run, sample_db):
    result = sample_run(
        "session", "add", "--patient", "P00006", "--provider", "Reyes", "--self-pay",
        "--line", "WM060", "--date", "2026-11-20",
    )  # fmt: skip
    assert result.exit_code == 1 and "no standard fee is set for WM060" in result.stderr
    assert sample_run("fee", "set", "WM060", "95").exit_code == 0
    result = sample_run(
        "session", "add", "--patient", "P00006", "--provider", "Reyes", "--self-pay",
        "--line", "WM060", "--date", "2026-11-20",
    )  # fmt: skip
    assert result.exit_code == 0, result.stderr
    assert "billed to  self-pay" in result.stdout and "$95.00" in result.stdout
    result = sample_run(*MASSAGE, "--policy", "CHP884412001")
    assert result.exit_code == 0, result.stderr
    assert [e.policy_id for e in rows(sample_db, Encounter)] == [None, 1]


def test_authorization_is_linked_automatically_unless_told(sample_run, sample_db):
    auth = sample_run(
        "auth", "add", "1", "--number", "PA778812", "--start", "2026-11-01",
        "--end", "2027-01-31", "--visits", "8", "--codes", "97124,97140",
    )  # fmt: skip
    assert auth.exit_code == 0, auth.stderr
    assert sample_run(*MASSAGE).exit_code == 0
    assert sample_run(*MASSAGE, "--auth", "none").exit_code == 0
    assert [e.authorization_id for e in rows(sample_db, Encounter)] == [1, None]
    # moved to a date the authorization does not cover: unlinked; moved back: linked again
    assert sample_run("session", "edit", "1", "--date", "2026-10-20").exit_code == 0
    assert sample_run("session", "edit", "2", "--date", "2026-11-21").exit_code == 0
    assert [e.authorization_id for e in rows(sample_db, Encounter)] == [None, 1]


def test_list_filters_and_json(sample_run):
    assert sample_run(*MASSAGE, "--sign").exit_code == 0
    acupuncture = [
        "session", "add", "--patient", "P00007", "--provider", "Lin", "--date", "2026-11-21",
        "--dx", "M54.50", "--line", "97810", "--line", "97811:units=1",
    ]  # fmt: skip
    assert sample_run(*acupuncture).exit_code == 0
    listed = sample_run("session", "list")
    assert listed.exit_code == 0
    assert "97810 97811" in listed.stdout and "$135.50" in listed.stdout
    data = json.loads(sample_run("--json", "session", "list").stdout)
    assert [(r["id"], r["status"], r["billed"]) for r in data] == [
        (2, "draft", "no"),
        (1, "signed", "no"),
    ]

    def ids(*args):
        listed = sample_run("--json", "session", "list", *args).stdout
        return [r["id"] for r in json.loads(listed)]

    assert ids("--unsigned") == [2]
    assert ids("--unbilled") == [1]
    assert ids("--patient", "Whitfield") == [2]
    assert ids("--provider", "Reyes") == [1]
    assert ids("--from", "2026-11-21") == [2]
    assert ids("--to", "2026-11-20") == [1]
    assert sample_run("session", "list", "--unsigned", "--unbilled").exit_code == 1


def test_show_sign_edit_addendum_void(sample_run):
    assert sample_run(*MASSAGE).exit_code == 0
    edited = sample_run("session", "edit", "1", "--plan", "Every 2 weeks.", "--pain-after", "2")
    assert edited.exit_code == 0 and "updated plan, pain-after" in edited.stdout
    signed = sample_run("session", "sign", "1")
    assert signed.exit_code == 0, signed.stderr
    # the provider's name and credential, at the practice's local time (Oregon)
    assert re.search(
        r"session 1 signed by Ana Reyes, LMT at \d{4}-\d\d-\d\d \d\d:\d\d P[SD]T", signed.stdout
    )
    shown = sample_run("session", "show", "1")
    assert "MASSAGE THERAPY NOTE" in shown.stdout and "Every 2 weeks." in shown.stdout
    assert "Pain after treatment: 2/10" in shown.stdout
    assert re.search(
        r"Electronically signed by Ana Reyes, LMT on .* P[SD]T \(user tester\)", shown.stdout
    )
    locked = sample_run("session", "edit", "1", "--plan", "again")
    assert locked.exit_code == 1 and "signed and locked" in locked.stderr
    assert "session addendum 1" in locked.stderr
    added = sample_run("session", "addendum", "1", "--text", "Soreness resolved next day.")
    assert added.exit_code == 0
    shown = json.loads(sample_run("--json", "session", "show", "1").stdout)
    assert shown["addenda"][0]["text"] == "Soreness resolved next day."
    assert shown["note"].startswith(shown["note_text"])
    assert "Soreness resolved next day." in shown["note"]
    # addenda and the void are dated at the practice's local time too, like the signature
    assert re.search(r"\d\d:\d\d P[SD]T, tester:\n    Soreness resolved", shown["note"])
    assert sample_run("session", "void", "1").exit_code == 2  # reason required: usage error
    voided = sample_run("session", "void", "1", "--reason", "Entered for the wrong patient")
    assert voided.exit_code == 0
    assert json.loads(sample_run("--json", "session", "list", "--unbilled").stdout) == []
    assert re.search(
        r"VOID since \d{4}-\d\d-\d\d \d\d:\d\d P[SD]T", sample_run("session", "show", "1").stdout
    )
    assert sample_run("session", "show", "99").exit_code == 1


def test_note_pdf_reads_back(sample_run, tmp_path):
    assert sample_run(*MASSAGE, "--sign").exit_code == 0
    path = tmp_path / "note.pdf"
    result = sample_run("session", "note", "1", "-o", str(path))
    assert result.exit_code == 0 and str(path) in result.stdout
    text = "\n".join(page.extract_text() for page in PdfReader(path).pages)
    for expected in (
        "Session note 1",
        "Signed note",
        "Chen, Maya",
        "M54.50",
        "Low back pain, unspecified",
        "97140 59",
        "Electronically signed by Ana Reyes, LMT",
        "Page 1 of 1",
    ):
        assert expected in text, expected


def test_draft_note_pdf_says_it_is_unsigned(sample_run, tmp_path, monkeypatch):
    assert sample_run(*MASSAGE).exit_code == 0
    monkeypatch.chdir(tmp_path)
    result = sample_run("session", "note", "1")
    assert result.exit_code == 0 and "note-1-2026-11-20.pdf" in result.stdout
    text = PdfReader(tmp_path / "note-1-2026-11-20.pdf").pages[0].extract_text()
    assert "UNSIGNED DRAFT" in text


def test_demo_steps_run(sample_run, tmp_path):
    from clinicbill.cli.sessions import DEMO_STEPS

    for heading, step in DEMO_STEPS:
        args = step(tmp_path) if callable(step) else step
        args = [a.replace("{dir}", str(tmp_path)) for a in args]
        result = sample_run(*args)
        assert result.exit_code == 0, (heading, result.stderr)
    assert (tmp_path / "note-1.pdf").is_file()
    data = json.loads(sample_run("--json", "session", "list").stdout)
    assert {r["status"] for r in data} == {"signed"} and len(data) == 2


def test_session_commands_as_a_real_subprocess(sample_db):
    result = cli_subprocess("--db", sample_db, *MASSAGE, "--sign", input="")
    assert result.returncode == 0, result.stderr
    listed = cli_subprocess("--db", sample_db, "--json", "session", "list")
    assert json.loads(listed.stdout)[0]["codes"] == "97124 97140"
    refused = cli_subprocess("--db", sample_db, "session", "edit", "1", "--plan", "x")
    assert refused.returncode == 1 and "Traceback" not in refused.stderr


def test_edit_lines_says_what_was_added_changed_and_removed(sample_run):
    """issue 15: `--line` no longer deletes the lines it does not name."""
    run = sample_run
    added = run(
        "session", "add", "--patient", "P00001", "--provider", "2", "--date", "2026-11-30",
        "--dx", "M54.50", "--line", "97810:minutes=15", "--line", "97811:minutes=15",
        "--line", "97124:minutes=30", "--subjective", "Low back pain",
    )  # fmt: skip
    assert added.exit_code == 0, added.output
    sid = "1"
    out = run("session", "edit", sid, "--plan", "Every 2 weeks", "--line", "97124:minutes=45")
    assert out.exit_code == 0, out.output
    assert "lines (changed 97124)" in out.output
    codes = [x["code"] for x in json.loads(run("--json", "session", "show", sid).output)["lines"]]
    assert codes == ["97810", "97811", "97124"]
    out = run("session", "edit", sid, "--remove-line", "97811")
    assert "lines (removed 97811)" in out.output
    missing = run("session", "edit", sid, "--remove-line", "97140")
    assert missing.exit_code == 1 and "remove-line: the session has no 97140 line" in missing.output
    out = run("session", "edit", sid, "--replace-lines", "--line", "97140:minutes=30")
    assert "added 97140" in out.output and "removed 97810, 97124" in out.output
    codes = [x["code"] for x in json.loads(run("--json", "session", "show", sid).output)["lines"]]
    assert codes == ["97140"]


def test_note_pdf_has_the_layout_of_the_other_documents(sample_run, tmp_path):
    assert sample_run(*MASSAGE, "--sign").exit_code == 0
    note, receipt = tmp_path / "note.pdf", tmp_path / "receipt.pdf"
    assert sample_run("session", "note", "1", "-o", str(note)).exit_code == 0
    assert sample_run("payment", "add", "P00001", "20", "--method", "card").exit_code == 0
    assert sample_run("receipt", "1", "-o", str(receipt)).exit_code == 0

    def fonts(path):
        page = PdfReader(path).pages[0]
        return {
            f.get_object()["/BaseFont"].split("+")[-1] for f in page["/Resources"]["/Font"].values()
        }

    assert fonts(note) == fonts(receipt)  # the documents' embedded font, not Courier
    text = PdfReader(note).pages[0].extract_text()
    # the header as labelled boxes, as on the receipt and superbill
    assert "Practice\nWillow Creek Bodywork" in text and "Visit\nPatient: Chen, Maya" in text
    assert re.search(r"Electronically signed by Ana Reyes, LMT on [\d-]+ [\d:]+ P[SD]T", text)
