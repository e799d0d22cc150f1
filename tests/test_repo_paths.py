"""The suite stands on the repository alone: no test reads a path outside it, and a fresh
`git clone` with nothing beside it collects every test and passes the ones that read the
public X12 samples (issue 14 §1: tests once read the team's shared folder beside the repo)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import OUTSIDE_REPO, ROOT, SAMPLES, ReadOutsideRepo

TESTS = ROOT / "tests"
PARENTS = re.compile(r"Path\(__file__\)(?:\.resolve\(\))?\.parents\[(\d+)\]")
LEAVING = [
    re.compile(r"\bROOT\s*\.\s*parents?\b"),  # the repository's parent directory
    re.compile(r"""ROOT\s*/\s*["']\.\.["']"""),
    re.compile(r"""["'](?:\.\./)+shared\b"""),  # the shared folder one or more levels up
    re.compile(r"""["']/work/"""),  # an absolute path on the machine that wrote the test
]


def _test_sources():
    for path in sorted(TESTS.rglob("*.py")):
        if path != Path(__file__).resolve():
            yield path, path.read_text()


def test_no_test_source_builds_a_path_outside_the_repository():
    found = []
    for path, source in _test_sources():
        rel = path.relative_to(ROOT)
        depth = len(rel.parts) - 1  # parents[depth] is the repository root
        for match in PARENTS.finditer(source):
            if int(match.group(1)) > depth:
                found.append(f"{rel}: {match.group(0)}")
        for pattern in LEAVING:
            found.extend(f"{rel}: {m.group(0)}" for m in pattern.finditer(source))
    assert not found, "test paths leaving the repository:\n" + "\n".join(found)


def test_the_static_scan_catches_the_old_samples_path(tmp_path):
    folder = '"' + "shared" + '"'  # the old samples path, spelled as the tests once had it
    old = f'SAMPLES = ROOT.parent / {folder} / "samples" / "x12"'
    assert any(pattern.search(old) for pattern in LEAVING)
    assert PARENTS.search("Path(__file__).resolve().parents[3]")


def test_samples_are_in_the_repository_and_named_in_their_readme():
    assert SAMPLES.resolve().is_relative_to(ROOT)
    readme = (SAMPLES / "README.md").read_text()
    files = sorted(p.name for p in SAMPLES.iterdir() if p.name != "README.md")
    assert len(files) == 16  # 8 public samples, 8 hand-written acknowledgement fixtures
    for name in files:
        assert f"`{name}`" in readme, f"{name} is not described in tests/data/x12/README.md"
        assert (SAMPLES / name).read_bytes().startswith(b"ISA")
    assert "Apache-2.0" in readme and "BSD-style" in readme and "no LICENSE file" in readme


def test_the_runtime_guard_refuses_a_read_beside_the_repository():
    beside = ROOT.parent / "beside-the-repository" / "hdi__835-minimal.dat"
    try:
        with pytest.raises(ReadOutsideRepo):
            open(beside, "rb")  # noqa: SIM115 - refused before anything is opened
        with pytest.raises(ReadOutsideRepo):
            os.listdir(ROOT / ".." / "beside-the-repository")
        assert len(OUTSIDE_REPO) == 2
    finally:
        OUTSIDE_REPO.clear()  # this test's own reads are the expected ones
    with open(SAMPLES / "hdi__835-minimal.dat", "rb") as inside:
        assert inside.read(3) == b"ISA"


@pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")
def test_a_fresh_clone_with_nothing_beside_it_collects_and_reads_its_samples(tmp_path):
    """The committed tree (HEAD), cloned where nothing lies beside it. In CI this runs on every
    push; locally it checks the last commit, not uncommitted edits."""
    if subprocess.run(["git", "-C", str(ROOT), "rev-parse"], capture_output=True).returncode:
        pytest.skip("not a git checkout")
    clone = tmp_path / "lonely" / "clinicbill"
    subprocess.run(["git", "clone", "-q", str(ROOT), str(clone)], check=True, timeout=120)
    assert sorted(p.name for p in clone.parent.iterdir()) == ["clinicbill"]
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
    pytest_cmd = [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-qq", "-p", "no:xdist"]
    collected = subprocess.run(
        [*pytest_cmd, "--collect-only"], cwd=clone, env=env, capture_output=True, text=True
    )
    assert collected.returncode == 0, collected.stdout[-3000:] + collected.stderr[-2000:]
    assert "error" not in collected.stdout.lower()
    per_file = [int(n) for n in re.findall(r"^tests/\S+\.py: (\d+)$", collected.stdout, re.M)]
    assert sum(per_file) > 500, collected.stdout[-3000:]
    samples = subprocess.run(
        [*pytest_cmd, "tests/formats/test_835_parse.py"],
        cwd=clone,
        env=env,
        capture_output=True,
        text=True,
    )
    assert samples.returncode == 0, samples.stdout[-3000:]
    assert samples.stdout.count(".") >= 20 and "F" not in samples.stdout, samples.stdout[-3000:]
