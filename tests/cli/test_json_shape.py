"""One money representation in all JSON (issue 15): a decimal string such as "135.50" under a
plain key, integer cents under a `*_cents` key; never "$135.50". Checked over the JSON of every
list, show and report command, on the database the demo leaves behind (a whole billing cycle)."""

from __future__ import annotations

import json
import re

import pytest

from clinicbill.domain.money import json_money
from tests.conftest import cli_subprocess

COMMANDS = [
    ("patient", "list"), ("patient", "show", "P00001"), ("policy", "list"),
    ("payer", "list"), ("payer", "show", "1"), ("provider", "list"), ("fee", "list"),
    ("practice", "show"), ("verify", "list", "1"), ("referral", "list"), ("auth", "list"),
    ("session", "list"), ("session", "show", "1"), ("claim", "list"), ("claim", "show", "1"),
    ("claim", "check", "1"), ("era", "list"), ("era", "show", "1"), ("payment", "list"),
    ("balance", "P00001"), ("package", "list"), ("estimate", "list"),
    ("report", "followup"), ("report", "revenue"), ("report", "denials"),
    ("report", "underpaid"), ("report", "visits"), ("aging",), ("aging", "--by", "patient"),
    ("audit", "--limit", "5"),
]  # fmt: skip
DOLLARS = re.compile(r"^-?\$")


def _problems(data, key="", where=""):
    if isinstance(data, dict):
        for k, v in data.items():
            yield from _problems(v, str(k), f"{where}.{k}")
    elif isinstance(data, list):
        for i, v in enumerate(data):
            yield from _problems(v, key, f"{where}[{i}]")
    elif isinstance(data, str) and DOLLARS.match(data):
        yield f"{where}: {data!r} (a money string with a dollar sign)"
    elif key.endswith("_cents") and data is not None and not isinstance(data, int):
        yield f"{where}: {data!r} (a *_cents key holds integer cents)"


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory):
    target = tmp_path_factory.mktemp("demo")
    out = cli_subprocess("demo", "--dir", str(target), timeout=180)
    assert out.returncode == 0, out.stderr[-2000:]
    return str(target / "clinicbill-demo.db")


@pytest.mark.parametrize("args", COMMANDS, ids=lambda a: " ".join(a))
def test_json_money_has_one_form(demo_db, args):
    from typer.testing import CliRunner

    from clinicbill.cli import app

    result = CliRunner().invoke(app, ["--db", demo_db, "--json", *args])
    assert result.exit_code in (0, 1), result.output  # claim check exits 1 on a finding
    data = json.loads(result.stdout)
    assert list(_problems(data)) == []


def test_json_money_normaliser():
    assert json_money({"paid": "$1,234.50", "paid_cents": "$163.52", "n": 3}) == {
        "paid": "1234.50",
        "paid_cents": 16352,
        "n": 3,
    }
    assert json_money(["-$3.00", "$0.00", "note: $5.00", "12.50"]) == [
        "-3.00", "0.00", "note: $5.00", "12.50",
    ]  # fmt: skip


def test_prepaid_package_credit_is_not_called_an_unapplied_payment(sample_run):
    run = sample_run
    assert run("package", "add", "P00006", "--name", "10 massages", "--price", "850",
               "--visits", "10", "--method", "card").exit_code == 0  # fmt: skip
    assert run("payment", "add", "P00002", "40", "--method", "cash").exit_code == 0
    report = json.loads(run("aging", "--by", "patient", "--format", "json").stdout)
    kinds = {(r["account"], r["kind"], r["amount"]) for r in report["sections"]["credits"]["rows"]}
    assert kinds == {
        ("P00006", "prepaid package", "850.00"),
        ("P00002", "unapplied payment", "40.00"),
    }
    text = run("aging").stdout
    assert "prepaid packages" in text and "net of credits" not in text
    assert (
        "open balances less credits -$890.00 (patients' money held exceeds what is owed)"
        in " ".join(text.split())
    )


def test_demo_verification_agrees_with_its_remittance(demo_db):
    """issue 15: the demo's benefits call (coinsurance 20%, no copay) matches its 835."""
    from typer.testing import CliRunner

    from clinicbill.cli import app

    def run(*args):
        return json.loads(CliRunner().invoke(app, ["--db", demo_db, "--json", *args]).stdout)

    note_id = run("verify", "list", "1")["visits"]["verification_id"]
    note = run("verify", "show", str(note_id))
    assert note["coinsurance_pct"] == 20 and note["copay_cents"] in (0, None)
    chen = next(c for c in run("claim", "list") if c["patient"].startswith("Chen"))
    shown = run("claim", "show", str(chen["id"]))
    posted = [e for e in shown["postings"] if e["kind"] == "patient_responsibility"]
    assert posted and {(e["group"], e["reason"]) for e in posted} == {("PR", "2")}
