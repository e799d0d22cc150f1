"""Hostile files given to commands: junk, truncated, huge, not-a-file. A clean refusal, exit 1,
nothing posted; the same through a real subprocess."""

from __future__ import annotations

import os
import random

import pytest

from tests.conftest import cli_subprocess
from tests.store.helpers import fingerprint

ISA = (
    "ISA*00*          *00*          *ZZ*PAYER          *ZZ*CLINIC         *260301*1200*^*00501*"
    "000000001*0*P*:~"
)


def _junk_files(tmp_path):
    rng = random.Random(835)
    files = {
        "binary": bytes(rng.randrange(256) for _ in range(4096)),
        "empty": b"",
        "nul-bytes": b"\x00" * 2048,
        "truncated-isa": ISA[:60].encode(),
        "isa-only": ISA.encode(),
        "isa-then-garbage": ISA.encode() + os.urandom(2000),
        "utf16": ISA.encode("utf-16"),
        "sql": b"'; DROP TABLE claim; --",
        "deep-loop": (ISA + "GS*HP*A*B*20260301*1200*1*X*005010X221A1~ST*835*0001~"
                      + "LX*1~" * 20000).encode(),
    }  # fmt: skip
    paths = {}
    for name, data in files.items():
        path = tmp_path / f"{name}.835"
        path.write_bytes(data)
        paths[name] = path
    return paths


def test_era_import_refuses_every_junk_file_and_posts_nothing(sample_run, sample_db, tmp_path):
    before = fingerprint(sample_db)
    for name, path in _junk_files(tmp_path).items():
        result = sample_run("era", "import", str(path))
        assert result.exit_code == 1, (name, result.output)
        assert result.stderr.startswith("error: "), (name, result.stderr)
        assert "unexpected failure" not in result.stderr, (name, result.stderr)
        assert fingerprint(sample_db) == before, name


def test_era_import_of_a_directory_or_missing_file(sample_run, tmp_path):
    for target in (tmp_path, tmp_path / "missing.835"):
        result = sample_run("era", "import", str(target))
        assert result.exit_code == 1, result.output
        assert result.stderr.startswith("error: ")


def test_era_import_of_a_huge_file_is_refused_quickly(sample_run, sample_db, tmp_path):
    huge = tmp_path / "huge.835"
    with open(huge, "wb") as fh:  # sparse: 150 MB on paper, nothing on disk
        fh.write(ISA.encode())
        fh.seek(150 * 1024 * 1024)
        fh.write(b"SVC*HC:97124*90*0**1~")
    before = fingerprint(sample_db)
    result = sample_run("era", "import", str(huge))
    assert result.exit_code == 1, result.output[:300]
    assert "unexpected failure" not in result.stderr
    assert fingerprint(sample_db) == before


@pytest.mark.parametrize("name", ["binary", "truncated-isa"])
def test_era_import_junk_subprocess(sample_db, tmp_path, name):
    path = _junk_files(tmp_path)[name]
    result = cli_subprocess("--db", sample_db, "era", "import", str(path))
    assert result.returncode == 1
    assert result.stderr.startswith("error: ") and "Traceback" not in result.stderr


def test_restore_and_export_refuse_odd_paths(sample_run, tmp_path):
    for args in (
        ["db", "restore", str(tmp_path)],
        ["db", "restore", "/dev/null"],
        ["db", "backup", str(tmp_path / "no" / "such" / "dir" / "b.db")],
        ["export-all", "/dev/null"],
    ):
        result = sample_run(*args)
        assert result.exit_code == 1, (args, result.output)
        assert result.stderr.startswith("error: ") and "unexpected" not in result.stderr
