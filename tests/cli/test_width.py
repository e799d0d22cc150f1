"""Every report and list read at 80 and 120 columns (COLUMNS set, standard output a pipe) on a
one-year seeded database: every row label is there and no amount is cut."""

from __future__ import annotations

import json
import re

import pytest

from tests.conftest import cli_subprocess

COMMANDS = [
    ["aging"],
    ["report", "followup"],
    ["report", "revenue"],
    ["report", "denials"],
    ["report", "underpaid"],
    ["report", "visits"],
    ["session", "list"],
    ["patient", "list"],
    ["claim", "list"],
    ["era", "list"],
    ["payment", "list"],
    ["payer", "list"],
    ["provider", "list"],
]
MONEY = re.compile(r"\$[0-9,]*\.?[0-9]*")


@pytest.fixture(scope="module")
def seeded(tmp_path_factory) -> str:
    db = str(tmp_path_factory.mktemp("width") / "seeded.db")
    out = cli_subprocess(
        "--db", db, "dev", "seed", "--years", "1", "--providers", "2", "--lines-per-year", "2000"
    )
    assert out.returncode == 0, out.stderr
    return db


@pytest.mark.parametrize("columns", [80, 120])
@pytest.mark.parametrize("command", COMMANDS, ids=" ".join)
def test_every_table_reads_at_the_width(seeded, command, columns):
    out = cli_subprocess("--db", seeded, *command, env={"COLUMNS": str(columns)})
    assert out.returncode == 0, out.stderr
    assert "…" not in out.stdout  # nothing cut: neither a name nor an amount
    for amount in MONEY.findall(out.stdout):  # every amount whole: $1,234.56
        assert re.fullmatch(r"\$\d{1,3}(,\d{3})*\.\d\d", amount), amount
    for line in out.stdout.splitlines():  # a table never runs past the edge
        if line[:1] in "┏┃┡│├└":
            assert len(line) <= columns, line


def _amounts(text: str) -> set[str]:
    return set(re.findall(r"\$\d{1,3}(?:,\d{3})*\.\d\d", text))


@pytest.mark.parametrize("columns", [80, 120])
def test_aging_keeps_every_payer_and_every_amount(seeded, columns):
    payers = [
        p["name"]
        for p in json.loads(cli_subprocess("--db", seeded, "--json", "payer", "list").stdout)
    ]
    wide = cli_subprocess("--db", seeded, "aging", env={"COLUMNS": "250"}).stdout
    out = cli_subprocess("--db", seeded, "aging", env={"COLUMNS": str(columns)}).stdout
    flat = " ".join(out.split())  # a name wrapped in its cell is still there word by word
    shown = [name for name in payers if name in wide]
    assert len(shown) >= 3  # the seeded payers with open balances
    for name in shown:
        assert all(word in flat for word in name.split()), name
    assert _amounts(wide) == _amounts(out)  # every amount, totals included, whole
