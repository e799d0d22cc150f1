"""`session add` at a real terminal: the installed clinicbill driven through a pseudo-terminal
with pexpect (questionary prompts), compared with the same session typed as flags."""

from __future__ import annotations

import json
import os
import re
import sys
from pathlib import Path

import pexpect
import pytest

from tests.conftest import cli_subprocess

EXE = str(Path(sys.executable).parent / "clinicbill")
DOWN, UP, ENTER, FINISH, CLEAR = (
    "\x1b[B",
    "\x1b[A",
    "\r",
    "\x1b\r",
    "\x15",
)  # arrow, Enter, Esc+Enter, Ctrl-U
ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


@pytest.fixture
def sample_file(tmp_path) -> str:
    db = str(tmp_path / "tty.db")
    assert cli_subprocess("--db", db, "init", "--sample").returncode == 0
    return db


def spawn(db: str, *args: str, command: str = "add"):
    child = pexpect.spawn(
        EXE,
        ["--db", db, "session", command, *args],
        encoding="utf-8",
        timeout=30,
        dimensions=(50, 160),
        # a pty answers no cursor-position requests: without this each prompt waits for one
        env={**os.environ, "PROMPT_TOOLKIT_NO_CPR": "1"},
    )
    child.logfile_read = transcript = _Transcript()
    return child, transcript


class _Transcript:
    def __init__(self):
        self.parts: list[str] = []

    def write(self, text: str) -> None:
        self.parts.append(text)

    def flush(self) -> None:
        pass

    @property
    def text(self) -> str:
        return ANSI.sub("", "".join(self.parts))


def answer(child, prompt: str, keys: str) -> None:
    child.expect(prompt)
    child.send(keys)


def walk_to_summary(
    child, objective="Hypertonic paraspinals.", plan="Weekly for 4 weeks.", returning=False
) -> None:
    """The massage visit of the flags version below, typed at the prompts."""
    answer(child, "Patient", "P00001" + ENTER)
    # Lin, Reyes: pick Ana Reyes (for a returning patient, who saw her last is the default)
    answer(child, "Provider", ENTER if returning else DOWN + ENTER)
    answer(child, "Date of service", CLEAR + "2026-11-20" + ENTER)
    if returning:  # the last visit's policy (said, not asked), diagnoses, services, plan
        child.expect("billed to: Cascade Health Plan .*, as at the last visit")
        answer(child, "Same as last visit", ENTER)
        answer(child, "Subjective", "Low back tight after gardening." + FINISH)
        answer(child, "Pain before", "6" + ENTER)
        answer(child, "Objective", objective + FINISH)
        answer(child, "Assessment", "Flexion improved." + FINISH)
        answer(child, "Pain after", "3" + ENTER)
        child.expect("Save this session")
        return
    answer(child, "Bill to", ENTER)  # Cascade, the primary policy
    answer(child, "Note template", ENTER)  # massage, for an LMT
    answer(child, "Diagnosis 1", "Q99.999" + ENTER)  # not a code: re-prompts
    answer(child, "Diagnosis 1", "M54.5" + ENTER)  # a category: pick its first code
    answer(child, "pick a code", ENTER)
    answer(child, "Diagnosis 2", "muscle spasm of back" + ENTER)
    answer(child, "Diagnosis:", ENTER)
    answer(child, "Diagnosis 3", ENTER)
    answer(child, "97124 Massage therapy.*minutes", CLEAR + "38" + ENTER)
    answer(child, "97140 Manual therapy.*minutes", ENTER)  # the suggested 15, with 59
    answer(child, "Another service", ENTER)
    answer(child, "Areas treated", "low back" + ENTER)
    answer(child, "Techniques", "Swedish" + ENTER)
    answer(child, "Pressure", DOWN + DOWN + ENTER)  # firm
    answer(child, "Minutes per technique", ENTER)
    answer(child, "Home care", ENTER)
    answer(child, "Subjective", "Low back tight after gardening." + FINISH)
    answer(child, "Pain before", "6" + ENTER)
    answer(child, "Objective", objective + FINISH)
    answer(child, "Assessment", "Flexion improved." + FINISH)
    answer(child, "Pain after", "3" + ENTER)
    answer(child, "Plan", plan + FINISH)
    child.expect("Save this session")


FLAGS = [
    "--patient", "P00001", "--provider", "Reyes", "--date", "2026-11-20",
    "--dx", "M54.50", "--dx", "M62.830", "--line", "97124:minutes=38",
    "--line", "97140:minutes=15:mod=59:ptr=1,2", "--template", "massage",
    "--detail", "areas=low back", "--detail", "techniques=Swedish", "--detail", "pressure=firm",
    "--subjective", "Low back tight after gardening.", "--objective", "Hypertonic paraspinals.",
    "--assessment", "Flexion improved.", "--plan", "Weekly for 4 weeks.",
    "--pain-before", "6", "--pain-after", "3", "--sign",
]  # fmt: skip
VOLATILE = {"created_at", "signed_at", "note", "note_text", "addenda"}


def stored(db: str) -> dict:
    data = json.loads(cli_subprocess("--db", db, "--json", "session", "show", "1").stdout)
    data["note_text"] = re.sub(r" on \d{4}-\d\d-\d\d \d\d:\d\d \S+", "", data["note_text"])
    for line in data["lines"]:
        line.pop("id")
    return data


def test_interactive_session_is_stored_like_the_same_flags(sample_file, tmp_path):
    child, transcript = spawn(sample_file)
    walk_to_summary(child)
    child.send(UP + ENTER)  # save and sign (the default is the draft)
    child.expect("session 1 added \\(signed\\)")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0, transcript.text
    text = transcript.text
    # the invalid code was refused and asked again
    assert "error: dx: 'Q99.999' is not an ICD-10-CM code" in text
    assert text.count("Diagnosis 1") >= 2
    # units were computed from minutes and shown while entering services
    assert "38 timed minutes in all (38-52 min) = 3 units" in text
    assert "53 timed minutes in all (53-67 min) = 4 units" in text
    # the summary before saving, with descriptions
    assert "M62.830  Muscle spasm of back" in text and "total $135.50" in text

    flags_db = str(tmp_path / "flags.db")
    assert cli_subprocess("--db", flags_db, "init", "--sample").returncode == 0
    assert cli_subprocess("--db", flags_db, "session", "add", *FLAGS).returncode == 0
    interactive, scripted = stored(sample_file), stored(flags_db)
    assert interactive["status"] == "signed" and interactive["diagnoses"] == ["M54.50", "M62.830"]
    assert {k: v for k, v in interactive.items() if k not in VOLATILE} == {
        k: v for k, v in scripted.items() if k not in VOLATILE
    }
    assert interactive["note_text"] == scripted["note_text"]


def test_ctrl_c_at_the_last_prompt_writes_nothing(sample_file):
    child, transcript = spawn(sample_file)
    walk_to_summary(child)
    child.sendcontrol("c")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 1
    assert "cancelled: nothing was written" in transcript.text
    listed = cli_subprocess("--db", sample_file, "--json", "session", "list")
    assert json.loads(listed.stdout) == []


def test_ctrl_c_at_the_first_prompt_writes_nothing(sample_file):
    child, _ = spawn(sample_file)
    child.expect("Patient")
    child.sendcontrol("c")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 1
    assert json.loads(cli_subprocess("--db", sample_file, "--json", "session", "list").stdout) == []


def test_acupuncture_visit_with_flags_for_who_and_prompts_for_the_rest(sample_file):
    child, transcript = spawn(
        sample_file, "--patient", "Whitfield", "--provider", "Lin", "--date", "2026-11-21"
    )
    answer(child, "Bill to", ENTER)
    answer(child, "Note template", ENTER)  # acupuncture, for an LAc
    answer(child, "Diagnosis 1", "M54.50" + ENTER)
    answer(child, "Diagnosis 2", ENTER)
    answer(child, "Electrical stimulation used", ENTER)  # no: 97810/97811
    answer(child, "Face-to-face minutes", "30" + ENTER)
    answer(child, "re-inserted after the first 15", ENTER)  # yes
    child.expect("units: 97810 1 \\(the first 15 minutes\\) \\+ 97811 1")
    answer(child, "Another service", ENTER)
    answer(child, "TCM pattern", ENTER)
    answer(child, "Tongue", ENTER)
    answer(child, "Pulse", ENTER)
    answer(child, "Points needled", "BL23, BL25, GB30" + ENTER)
    answer(child, "Needle count", "12" + ENTER)
    answer(child, "Needle retention", "20" + ENTER)
    answer(child, "removed and counted", ENTER)  # yes
    for prompt in ("Subjective", "Objective", "Assessment", "Plan"):
        answer(child, prompt, f"{prompt} text." + FINISH)
        if prompt in ("Subjective", "Assessment"):
            answer(child, "Pain", "5" + ENTER)
    answer(child, "Save this session", UP + ENTER)  # save and sign
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0, transcript.text
    data = json.loads(cli_subprocess("--db", sample_file, "--json", "session", "show", "1").stdout)
    assert [(x["code"], x["units"]) for x in data["lines"]] == [("97810", 1), ("97811", 1)]
    assert data["details"] == {
        "points": "BL23, BL25, GB30",
        "needle_count": 12,
        "retention_minutes": 20,
        "estim": False,
        "reinsertion": True,
        "needles_removed": True,
    }
    assert data["status"] == "signed" and data["template"] == "acupuncture"


def test_save_and_sign_on_an_incomplete_note_keeps_it_and_asks_what_is_missing(sample_file):
    child, transcript = spawn(sample_file)
    walk_to_summary(child, objective="", plan="")
    child.send(UP + ENTER)  # "Save and sign" although objective and plan are empty
    child.expect("saved as a draft")
    answer(child, "Objective", FINISH)  # an empty answer is refused at the prompt
    child.expect("required")
    child.send("Hypertonic paraspinals." + FINISH)
    answer(child, "Plan", "Weekly for 4 weeks." + FINISH)
    child.expect("session 1 signed")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0, transcript.text
    data = json.loads(cli_subprocess("--db", sample_file, "--json", "session", "show", "1").stdout)
    assert data["status"] == "signed" and data["objective"] == "Hypertonic paraspinals."
    assert data["subjective"] == "Low back tight after gardening."  # nothing typed was lost


def test_ctrl_c_while_finishing_the_note_keeps_the_draft(sample_file):
    child, transcript = spawn(sample_file)
    walk_to_summary(child, plan="")
    child.send(UP + ENTER)
    answer(child, "Plan", "")
    child.sendcontrol("c")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 1
    assert "kept as a draft: finish it with clinicbill session edit 1" in transcript.text
    data = json.loads(cli_subprocess("--db", sample_file, "--json", "session", "show", "1").stdout)
    assert data["status"] == "draft" and data["lines"] and data["objective"]


def test_the_summary_defaults_to_a_draft_and_warns_of_a_duplicate(sample_file):
    assert cli_subprocess("--db", sample_file, "session", "add", *FLAGS).returncode == 0
    child, transcript = spawn(sample_file)
    walk_to_summary(child, returning=True)
    child.send(ENTER)  # a stray Enter: saved as a draft, never signed
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0, transcript.text
    assert "warning: session 1 already records this patient on 2026-11-20" in transcript.text
    assert "likely duplicate" in transcript.text
    data = json.loads(cli_subprocess("--db", sample_file, "--json", "session", "show", "2").stdout)
    assert data["status"] == "draft"


def test_change_an_answer_at_the_summary_keeps_the_others(sample_file):
    child, transcript = spawn(sample_file)
    walk_to_summary(child)
    child.send(DOWN + ENTER)  # from the draft default to "Change an answer"
    answer(child, "Change which answer", DOWN * 6 + ENTER)  # Services
    answer(child, "97124 Massage therapy.*minutes", CLEAR + "45" + ENTER)
    answer(child, "97140 Manual therapy.*minutes", CLEAR + "0" + ENTER)  # drop it
    answer(child, "Another service", "97183" + ENTER)  # a typo: refused, with the nearest
    child.expect("'97183' is not in the code catalog")
    answer(child, "Service:", UP + ENTER)  # (type again), the last choice
    answer(child, "Another service", ENTER)
    child.expect("Save this session")
    child.send(DOWN + ENTER)
    answer(child, "Change which answer", DOWN * 11 + ENTER)  # Plan, prefilled
    answer(child, "Plan \\(frequency", CLEAR + "Every two weeks." + FINISH)
    child.expect("Save this session")
    child.send(UP + ENTER)  # save and sign
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0, transcript.text
    data = json.loads(cli_subprocess("--db", sample_file, "--json", "session", "show", "1").stdout)
    assert [(x["code"], x["minutes"]) for x in data["lines"]] == [("97124", 45)]
    assert data["plan"] == "Every two weeks." and data["status"] == "signed"
    assert data["diagnoses"] == ["M54.50", "M62.830"]  # the other answers kept
    assert data["subjective"] == "Low back tight after gardening."


def test_session_edit_without_flags_opens_the_prompts_prefilled(sample_file):
    draft = [x for x in FLAGS if x != "--sign"]
    assert cli_subprocess("--db", sample_file, "session", "add", *draft).returncode == 0
    child, transcript = spawn(sample_file, "1", command="edit")
    child.expect("M62.830  Muscle spasm of back")  # the stored session, summarised
    answer(child, "Save this session", DOWN + ENTER)  # Change an answer
    answer(child, "Change which answer", DOWN * 6 + ENTER)  # Services, prefilled
    answer(child, "97124 Massage therapy.*minutes", "")
    child.expect("38")  # the stored minutes
    child.send(CLEAR + "50" + ENTER)
    answer(child, "97140 Manual therapy.*minutes", ENTER)
    answer(child, "Another service", ENTER)
    answer(child, "Save this session", UP + ENTER)  # save and sign
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0, transcript.text
    assert "warning: session" not in transcript.text  # itself is not a duplicate
    data = json.loads(cli_subprocess("--db", sample_file, "--json", "session", "show", "1").stdout)
    assert [(x["code"], x["minutes"]) for x in data["lines"]] == [("97124", 50), ("97140", 15)]
    assert data["status"] == "signed" and data["plan"] == "Weekly for 4 weeks."


def test_a_returning_patient_gets_the_usual_provider_and_the_last_visit(sample_file):
    assert cli_subprocess("--db", sample_file, "session", "add", *FLAGS).returncode == 0
    child, transcript = spawn(sample_file)
    walk_to_summary(child, returning=True)
    child.send(UP + ENTER)  # save and sign
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0, transcript.text
    first, second = (
        json.loads(cli_subprocess("--db", sample_file, "--json", "session", "show", n).stdout)
        for n in ("1", "2")
    )
    assert second["provider_id"] == first["provider_id"]  # Reyes, who saw the patient last
    for key in ("diagnoses", "details", "plan", "template"):
        assert second[key] == first[key], key
    assert [(x["code"], x["minutes"], x["units"]) for x in second["lines"]] == [
        (x["code"], x["minutes"], x["units"]) for x in first["lines"]
    ]
    assert second["status"] == "signed"
