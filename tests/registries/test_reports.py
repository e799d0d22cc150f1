"""The report registry's one test (app/report_kinds.py): every report is built through
`build_report` on a practice with a year of history into a well-formed Report, and its command
prints the same report as JSON and CSV."""

from __future__ import annotations

import csv
import io
import json
from datetime import date

import pytest

from clinicbill.app.report_kinds import AS_OF, PERIOD, REPORTS, build_report, report_kind
from clinicbill.domain.errors import ClinicbillError
from clinicbill.domain.reports.table import COUNT, DATE, MONEY, PERCENT, TEXT, Report
from clinicbill.formats.report_csv import report_json
from clinicbill.store.engine import transaction
from tests.conftest import Runner
from tests.registries.conftest import HISTORY_END

END = HISTORY_END
START = date(2026, 1, 1)


def _command_exists(words: tuple[str, ...]) -> bool:
    from typer.main import get_command

    from clinicbill.cli import app

    command = get_command(app)
    for word in words:
        command = getattr(command, "commands", {}).get(word)
        if command is None:
            return False
    return not hasattr(command, "commands")


def _check_report(report, name: str) -> None:
    assert isinstance(report, Report) and report.name == name
    assert report.title and report.sections, name
    for section in report.sections:
        kinds = [c.kind for c in section.columns]
        assert set(kinds) <= {TEXT, MONEY, PERCENT, COUNT, DATE}, (name, section.key)
        for row in (*section.rows, *filter(None, [section.total])):
            assert len(row) == len(section.columns), (name, section.key)
            for cell, kind in zip(row, kinds, strict=True):
                if kind == MONEY and cell is not None:  # cents, never float
                    assert isinstance(cell, int), (name, section.key, cell)


def test_every_report_builds_and_prints_through_its_command(history):
    names = [kind.name for kind in REPORTS]
    assert len(names) == len(set(names))
    run = Runner(history)
    for kind in REPORTS:
        assert kind.takes in (AS_OF, PERIOD), kind.name
        assert _command_exists(kind.command), f"no command `clinicbill {' '.join(kind.command)}`"
        period = {"as_of": END} if kind.takes == AS_OF else {"date_from": START, "date_to": END}
        with transaction(history, "tester") as session:
            report = build_report(session, kind.name, **period)
        _check_report(report, kind.name)
        args = ["--as-of", END.isoformat()] if kind.takes == AS_OF else []
        if kind.takes == PERIOD:
            args = ["--from", START.isoformat(), "--to", END.isoformat()]
        printed = run("--json", *kind.command, *args)
        assert printed.exit_code == 0, (kind.name, printed.output)
        # the command prints the very report the registry builds
        assert json.loads(printed.stdout) == json.loads(report_json(report)), kind.name
        written = run(*kind.command, *args, "--format", "csv", "-o", "-")
        assert written.exit_code == 0, (kind.name, written.output)
        assert list(csv.reader(io.StringIO(written.stdout))), kind.name


def test_an_unknown_report_or_a_missing_period_is_refused(history):
    with pytest.raises(ClinicbillError, match="'ageing' is not a report"):
        report_kind("ageing")
    with transaction(history, "tester") as session, pytest.raises(ClinicbillError) as caught:
        build_report(session, "revenue", date_from=START)
    assert "revenue covers a period" in caught.value.message
