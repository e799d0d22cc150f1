"""store.files: the one safe-output helper every writer goes through."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from clinicbill.domain.errors import ClinicbillError
from clinicbill.store.files import (
    private_directory,
    private_file,
    reading,
    resolve_output,
    safe_name,
    spreadsheet_cell,
    write_private,
)


def mode_of(path) -> int:
    return stat.S_IMODE(os.lstat(path).st_mode)


@pytest.fixture(params=[0o000, 0o022, 0o277])
def umask(request):
    old = os.umask(request.param)
    yield request.param
    os.umask(old)


def test_files_are_0600_and_directories_0700_whatever_the_umask(tmp_path, umask):
    written = write_private(tmp_path / "a.pdf", b"%PDF-1.4", force=False)
    assert mode_of(written) == 0o600 and written.read_bytes() == b"%PDF-1.4"
    with private_file(tmp_path / "b.csv", force=False, text=True) as fh:
        fh.write("a,b\r\n")
    assert mode_of(tmp_path / "b.csv") == 0o600
    assert (tmp_path / "b.csv").read_bytes() == b"a,b\r\n"  # no newline translation
    os.umask(0o022)  # the folder's own permission to list it is needed to check it
    folder = private_directory(tmp_path / "x" / "y")
    assert mode_of(tmp_path / "x") == 0o700 and mode_of(folder) == 0o700
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.pdf", "b.csv", "x"]  # no temp


def test_an_existing_file_is_kept_without_force_and_replaced_with_it(tmp_path):
    target = tmp_path / "s.pdf"
    target.write_bytes(b"old")
    os.chmod(target, 0o644)
    with pytest.raises(ClinicbillError) as err:
        write_private(target, b"new", force=False)
    assert err.value.message == f"output: {target} already exists"
    assert "--force" in err.value.hint and "-o" in err.value.hint
    assert target.read_bytes() == b"old"
    with pytest.raises(ClinicbillError):
        resolve_output(str(target), "x.pdf", force=False)
    write_private(target, b"new", force=True)
    assert target.read_bytes() == b"new" and mode_of(target) == 0o600
    assert [p.name for p in tmp_path.iterdir()] == ["s.pdf"]


@pytest.mark.parametrize("force", [False, True])
@pytest.mark.parametrize("dangling", [False, True])
def test_a_symlink_is_never_written_through(tmp_path, force, dangling):
    victim = tmp_path / "victim.txt"
    if not dangling:
        victim.write_text("keep me")
    link = tmp_path / "out.pdf"
    link.symlink_to(victim)
    with pytest.raises(ClinicbillError) as err:
        resolve_output(str(link), "x.pdf", force=force)
    assert "symbolic link" in err.value.message
    with pytest.raises(ClinicbillError):
        write_private(link, b"secret", force=force)
    assert link.is_symlink()
    assert victim.exists() != dangling
    if not dangling:
        assert victim.read_text() == "keep me"
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        ["out.pdf"] + ([] if dangling else ["victim.txt"])
    )


def test_a_missing_folder_is_refused_with_its_name(tmp_path):
    with pytest.raises(ClinicbillError) as err:
        resolve_output(str(tmp_path / "no" / "such" / "s.pdf"), "x.pdf")
    assert err.value.message == f"output: the folder {tmp_path / 'no' / 'such'} does not exist"
    assert "mkdir -p" in err.value.hint
    assert not (tmp_path / "no").exists()


def test_a_folder_or_a_device_is_not_a_file(tmp_path):
    into = resolve_output(str(tmp_path), "superbill-P1.pdf")  # a folder: the default name in it
    assert into.path == tmp_path / "superbill-P1.pdf"
    with pytest.raises(ClinicbillError, match="not a regular file"):
        resolve_output("/dev/null", "x.pdf", force=True)
    (tmp_path / "d").mkdir()
    with pytest.raises(ClinicbillError, match="is a folder"):
        write_private(tmp_path / "d", b"x", force=True)


def test_dash_is_standard_output(tmp_path, capfdbinary, monkeypatch):
    monkeypatch.chdir(tmp_path)
    target = resolve_output("-", "claims-1.csv")
    assert target.to_stdout and str(target) == "-" and target.label == "standard output"
    assert target.write("a,b\n") is None
    assert capfdbinary.readouterr().out == b"a,b\n"
    assert list(tmp_path.iterdir()) == []  # no file named "-"


def test_a_failed_write_leaves_nothing_behind(tmp_path):
    with pytest.raises(RuntimeError):
        with private_file(tmp_path / "half.csv", force=False) as fh:
            fh.write(b"first rows")
            raise RuntimeError("interrupted")
    assert list(tmp_path.iterdir()) == []


def test_an_unwritable_folder_is_a_refusal(tmp_path):
    if os.geteuid() == 0:
        pytest.skip("root writes anywhere")
    locked = tmp_path / "locked"
    locked.mkdir(mode=0o500)
    with pytest.raises(ClinicbillError, match="cannot write"):
        write_private(locked / "s.pdf", b"x", force=False)


@settings(max_examples=300, deadline=None)
@given(st.text(min_size=0, max_size=300))
def test_no_generated_name_escapes_its_directory(name):
    """Whatever the data a default name is built from, it stays one file in the folder."""
    cleaned = safe_name(name)
    assert cleaned and cleaned not in (".", "..")
    assert "/" not in cleaned and "\\" not in cleaned and "\x00" not in cleaned
    assert not cleaned.startswith((".", "-")) and ".." not in cleaned
    assert len(cleaned) <= 200 and cleaned.isascii()
    base = Path("/srv/work")
    assert os.path.normpath(base / cleaned).startswith("/srv/work/")
    target = resolve_output(None, f"superbill-{name}-2026-01-06.pdf", directory="/")
    assert target.path.parent == Path("/")


@pytest.mark.parametrize(
    ("account", "expected"),
    [
        ("../../../../outside/e1", "superbill-._._._._outside_e1.pdf"),
        ("P00001", "superbill-P00001.pdf"),
        ("..", "superbill-.pdf"),
    ],
)
def test_safe_name_examples(account, expected):
    assert safe_name(f"superbill-{account}.pdf") == expected


def test_long_names_keep_their_extension():
    cleaned = safe_name("x" * 500 + ".pdf")
    assert len(cleaned) == 200 and cleaned.endswith(".pdf")


@pytest.mark.parametrize(
    ("cell", "safe"),
    [
        ('=HYPERLINK("http://x")', '\'=HYPERLINK("http://x")'),
        ("+1+2", "'+1+2"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tcmd", "'\tcmd"),
        ("\rcmd", "'\rcmd"),
        ("-", "'-"),
        ("-5.00", "-5.00"),  # a plain negative number runs nothing: kept as a number
        ("-500", "-500"),
        ("Chen", "Chen"),
        ("", ""),
        (-500, -500),
        (None, None),
    ],
)
def test_spreadsheet_cells(cell, safe):
    assert spreadsheet_cell(cell) == safe


def test_a_pdf_is_not_printed_on_a_terminal(monkeypatch):
    import io

    class Terminal(io.TextIOWrapper):
        def isatty(self) -> bool:
            return True

    screen = Terminal(io.BytesIO(), encoding="utf-8")
    monkeypatch.setattr("sys.stdout", screen)
    with pytest.raises(ClinicbillError) as err:
        resolve_output("-", "s.pdf").write(b"%PDF-1.4")
    assert "terminal" in err.value.message and "-o FILE" in err.value.hint
    assert screen.buffer.getvalue() == b""
    resolve_output("-", "a.csv").write("a,b\n")  # text is fine on a terminal
    assert screen.buffer.getvalue() == b"a,b\n"


def test_reading_turns_each_open_failure_into_one_refusal_naming_the_path(tmp_path):
    good = tmp_path / "era.835"
    good.write_bytes(b"ISA*")
    with reading(good, "835 file") as p:
        assert p.read_bytes() == b"ISA*"
    cases = [
        (tmp_path / "missing.835", "does not exist", "check the path"),
        (tmp_path, "is a directory", "give an 835 file"),
        (str(tmp_path / "a\0b"), "NUL character", "check the path"),
    ]
    if hasattr(os, "mkfifo"):
        os.mkfifo(tmp_path / "pipe")
        cases.append((tmp_path / "pipe", "not a regular file", "give an 835 file"))
    for path, message, hint in cases:
        with pytest.raises(ClinicbillError, match=message) as caught:
            with reading(path, "835 file") as p:
                p.read_bytes()
        assert caught.value.hint == hint
