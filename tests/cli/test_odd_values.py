"""Odd values typed at the command line (issue 14, tried again): every one is refused with
one `error:` line naming the field, never `unexpected failure`."""

from __future__ import annotations

import io
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import cli_subprocess


@pytest.mark.parametrize(
    ("args", "field"),
    [
        (("aging", "--as-of", "0001-01-01"), "as-of"),
        (("report", "followup", "--as-of", "0001-01-01"), "as-of"),
        (("report", "visits", "--as-of", "9999-12-31"), "as-of"),
        (("report", "forecast", "--as-of", "9999-12-31"), "as-of"),
        (("audit", "--to", "9999-12-31"), "to"),
        (("statement", "patient", "P00001", "--as-of", "9999-12-31", "-o", "-"), "as-of"),
        (("patient", "add", "--first-name", "A", "--last-name", "B", "--dob", "1899-12-31",
          "--sex", "F"), "dob"),
    ],
)  # fmt: skip
def test_a_date_past_what_the_calendar_arithmetic_holds_is_refused(sample_run, args, field):
    result = sample_run(*args)
    assert result.exit_code == 1, result.output
    assert "unexpected failure" not in result.output
    assert f"error: {field}: " in result.output
    assert "is out of range" in result.output
    assert "hint: give a date from 1900-01-01 to 2999-12-31" in result.output


def test_the_edges_of_the_date_range_are_accepted(sample_run):
    assert sample_run("aging", "--as-of", "1900-01-01").exit_code == 0
    result = sample_run("report", "forecast", "--as-of", "2999-12-31")
    assert result.exit_code == 0, result.output
    assert "2999-12-31" in result.output


def test_year_one_in_a_real_process_is_one_refusal_line(sample_db):
    proc = cli_subprocess("--db", sample_db, "report", "visits", "--as-of", "0001-01-01")
    assert proc.returncode == 1
    assert proc.stderr.splitlines()[0] == "error: as-of: 0001-01-01 is out of range"
    assert "Traceback" not in proc.stderr + proc.stdout


HUGE = "99999999999999999999"  # past SQLite's 64-bit integers


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("session", "show", HUGE), f"error: session: no session with id {HUGE}"),
        (("receipt", HUGE, "-o", "-"), f"error: payment: no payment with id {HUGE}"),
        (("case", "show", HUGE), f"error: case: no case with id {HUGE}"),
        (("era", "show", HUGE), f"error: remittance: no remittance with id {HUGE}"),
        (("claim", "mark", HUGE, "paid"), f"error: claim: no claim '{HUGE}'"),
        (("audit", "--limit", HUGE), "error: input: a number is out of range"),
        (("aging", "--no-response-days", "2147483648"), "error: input: a number is out of range"),
        (("claim", "status-request", "--older-than", HUGE, "-o", "-"),
         "error: input: a number is out of range"),
    ],
)  # fmt: skip
def test_an_id_or_count_no_column_holds_is_refused_not_a_crash(sample_run, args, message):
    result = sample_run(*args)
    assert result.exit_code == 1, result.output
    assert "unexpected failure" not in result.output
    assert result.output.startswith(message), result.output
    assert "hint: " in result.output


def test_a_huge_id_in_a_real_process_is_one_refusal_line(sample_db):
    proc = cli_subprocess("--db", sample_db, "session", "note", HUGE, "-o", "-")
    assert proc.returncode == 1
    assert proc.stderr.splitlines()[0] == f"error: session: no session with id {HUGE}"
    assert "Traceback" not in proc.stderr + proc.stdout


def test_signing_an_incomplete_note_at_entry_points_at_nothing_that_was_rolled_back(sample_run):
    result = sample_run(
        "session", "add", "--patient", "P00001", "--provider", "Reyes", "--dx", "M54.50",
        "--line", "97124:minutes=38", "--subjective", "tight", "--sign",
    )  # fmt: skip
    assert result.exit_code == 1, result.output
    assert result.output.startswith(
        "error: sign: the note is incomplete (missing --objective, --assessment, --plan);"
        " nothing was saved"
    )
    assert "session edit" not in result.output  # the hint named a session id rolled back
    assert "leave out --sign" in result.output
    assert sample_run("session", "list").output.strip() == "no sessions"


LONG = "x" * 100_000  # SQLite refuses a LIKE pattern over 50,000 bytes


@pytest.mark.parametrize(
    ("args", "field"),
    [
        (("patient", "show", LONG), "patient"),
        (("patient", "find", LONG), "patient"),
        (("payment", "add", LONG, "5", "--method", "cash"), "patient"),
        (("session", "list", "--provider", LONG), "provider"),
        (("policy", "add", "P00001", "--payer", LONG, "--member-id", "Z1"), "payer"),
    ],
)
def test_a_reference_no_record_could_have_is_refused_naming_the_field(sample_run, args, field):
    result = sample_run(*args)
    assert result.exit_code == 1
    assert result.output.startswith(f"error: {field}: the value given is 100000 characters long")
    assert "at most 200 characters" in result.output


def test_export_ledger_never_opens_a_fifo_even_with_force(sample_db, tmp_path):
    """It wrote through its own open(O_TRUNC) path: `--force` onto a FIFO hung for a reader."""
    fifo = tmp_path / "books.csv"
    os.mkfifo(fifo)
    args = ("export", "ledger", "--format", "csv", "--from", "2026-01-01", "--to", "2026-12-31")
    proc = cli_subprocess("--db", sample_db, *args, "-o", str(fifo), "--force", timeout=30)
    assert proc.returncode == 1
    assert proc.stderr.splitlines()[0] == f"error: output: {fifo} is not a regular file"


def test_export_ledger_into_a_folder_writes_the_default_name_there(sample_run, tmp_path):
    args = ("export", "ledger", "--format", "csv", "--from", "2026-01-01", "--to", "2026-12-31")
    result = sample_run(*args, "-o", str(tmp_path))
    assert result.exit_code == 0, result.output
    written = tmp_path / "books-2026-01-01-2026-12-31.csv"
    assert written.read_text().startswith("date,entry,kind,narration,account,debit,credit")
    assert stat.S_IMODE(written.stat().st_mode) == 0o600
    again = sample_run(*args, "-o", str(tmp_path))
    assert again.exit_code == 1
    assert f"error: output: {written} already exists" in again.output


def test_the_failure_log_is_never_written_through_a_link_at_its_name(tmp_path, capsys):
    """A link planted at the log's name (to a file the attacker reads, or one to be
    clobbered) is not followed: the failure line is still printed, without a log path."""
    from clinicbill.cli.render import log_path, print_unexpected

    victim = tmp_path / "victim.txt"
    victim.write_text("keep\n")
    path = log_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.symlink_to(victim)
    try:
        raise RuntimeError("boom")
    except RuntimeError as exc:
        print_unexpected(exc)
    assert victim.read_text() == "keep\n"
    assert capsys.readouterr().err == "error: unexpected failure (RuntimeError)\n"


@pytest.mark.parametrize(
    ("command", "what"),
    [
        (("era", "import"), "835 file"),
        (("ack", "import"), "acknowledgement file"),
        (("eligibility", "import"), "eligibility response (271)"),
    ],
)
def test_a_file_we_read_that_has_no_end_is_refused_before_reading(
    sample_db, tmp_path, command, what
):
    """/dev/zero was read until the machine ran out of memory; a FIFO waited for a writer."""
    fifo = tmp_path / "inbound.x12"
    os.mkfifo(fifo)
    for source, name in (("/dev/zero", "zero"), (str(fifo), "inbound.x12")):
        proc = cli_subprocess("--db", sample_db, *command, source, timeout=30)
        assert proc.returncode == 1, proc.stderr
        assert proc.stderr.splitlines() == [
            f"error: {name}: is not a regular file (a device, pipe or socket)",
            f"hint: give an {what}",
        ]


@pytest.mark.parametrize(
    "name", ["pk\x1b[2J\x1b]0;pwned\x07", "pk\x9b31m", "pk\x7f", "p\x0bk"], ids=repr
)
def test_an_escape_sequence_never_reaches_the_database_or_the_terminal(sample_run, name):
    """`package add --name` had no text check: ESC [2J cleared the screen of whoever listed
    the packages. The one guard in the unit of work refuses it whatever the command."""
    args = ("package", "add", "P00001", "--name", name, "--price", "10", "--visits", "2")
    result = sample_run(*args, "--method", "cash")
    assert result.exit_code == 1
    assert "contains control characters; nothing was saved" in result.output
    assert "\x1b" not in result.output and "\x9b" not in result.output
    listed = sample_run("package", "list", "P00001", "--json")
    assert "pk" not in listed.output


def test_plain_unicode_and_a_typed_backslash_are_kept(sample_run):
    for name in ("Café Ω 名", "ok\\x1b"):
        args = ("package", "add", "P00001", "--name", name, "--price", "10", "--visits", "2")
        result = sample_run(*args, "--method", "cash")
        assert result.exit_code == 0, result.output
        assert name in result.output


def test_statement_year_dash_is_standard_output_not_a_file_named_dash(sample_db, tmp_path):
    work = tmp_path / "work"
    work.mkdir()
    proc = subprocess.run(
        [str(Path(sys.executable).parent / "clinicbill"), "--db", sample_db, "statement",
         "year", "P00001", "--year", "2026", "-o", "-"],
        cwd=work, capture_output=True, timeout=60,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith(b"%PDF-")
    assert proc.stderr.decode().startswith("wrote - (paid $")
    assert list(work.iterdir()) == []  # no file named "-"
    text = pdf_text(proc.stdout)
    assert "HSA/FSA summary" in text or "HSA/FSA-eligible" in text


def test_statement_year_into_a_folder_uses_its_own_name(sample_run, tmp_path):
    result = sample_run("statement", "year", "P00001", "--year", "2026", "-o", str(tmp_path))
    assert result.exit_code == 0, result.output
    written = tmp_path / "hsa-summary-P00001-2026.pdf"
    assert written.read_bytes().startswith(b"%PDF-")
    assert stat.S_IMODE(written.stat().st_mode) == 0o600


def pdf_text(data: bytes) -> str:
    from pypdf import PdfReader

    return "\n".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(data)).pages)


def test_dev_remittance_for_a_claim_never_billed_is_refused_by_id(sample_run):
    result = sample_run("dev", "remittance", "424242", "-o", "-")
    assert result.exit_code == 1
    assert result.output.startswith("error: claims: 424242 is not a billed claim")


@pytest.mark.parametrize("command", [("ack", "import"), ("eligibility", "import")])
@pytest.mark.parametrize("content", ["", "ISA*00*junk~"])
def test_a_broken_acknowledgement_or_271_is_not_called_an_835(
    sample_run, tmp_path, command, content
):
    """The 999/277CA/271 readers share the 835 reader's tokenizer; their refusals name no 835."""
    path = tmp_path / "broken.x12"
    path.write_text(content)
    result = sample_run(*command, str(path))
    assert result.exit_code == 1
    assert "835" not in result.stderr
    assert (
        "hint: the file is malformed: ask the clearinghouse for a corrected copy" in result.stderr
    )
