"""`clinicbill demo`: an end-to-end walk-through on a throwaway database.

Each step is an ordinary clinicbill command run against the demo database, so the demo shows
exactly what a person would type. Each command module adds its own steps in its DEMO_STEPS,
and they run in the order of DEMO_SECTIONS (the order of the billing cycle); a section
`module:NAME` runs that module's list NAME instead.

A step is (heading, args) or (heading, callable) where the callable takes the demo directory
(a Path) and returns the args (so a step can first write an input file, e.g. an 835).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

# (heading, arguments). `{dir}` in an argument is the demo directory.
DEMO_STEPS: list = [
    ("Set up the sample practice", ["init", "--sample"]),
    ("The practice", ["practice", "show"]),
    ("Rendering providers", ["provider", "list"]),
    ("Payers and their rule profiles", ["payer", "list"]),
    ("Fee schedule", ["fee", "list"]),
    ("Patients", ["patient", "list"]),
    ("Policies (a dependent child, a spouse's plan, a Medicare + secondary)", ["policy", "list"]),
    ("A patient with primary and secondary coverage", ["patient", "show", "Alvarez"]),
]

DEMO_SECTIONS = [
    "clinicbill.cli.demo",  # set-up (above)
    "clinicbill.cli.coverage",  # verification call, referral, authorization
    "clinicbill.cli.sessions",  # a massage and an acupuncture session
    "clinicbill.cli.coverage:DEMO_STEPS_AFTER_SESSIONS",  # visits remaining after them
    "clinicbill.cli.claims",  # create, check, fix, export 837P + CMS-1500
    "clinicbill.cli.clearinghouse_demo",  # submit over SFTP, acknowledgements, eligibility
    "clinicbill.cli.era",  # post a generated 835, patient payment, balances
    "clinicbill.cli.documents",  # superbill, statement, receipt, estimate
    "clinicbill.cli.reports",  # aging
    "clinicbill.cli.audit",  # the audit trail and its hash chain
    "clinicbill.cli.db",  # integrity check, backup, export-all
]


def demo_day(offset: int = 0, *, years: int = 0, month_day: str | None = None) -> str:
    """A date in a demo step, from today (the demo runs on any day): `offset` days away, or
    `month_day` (MM-DD) of this year + `years`."""
    from datetime import date, timedelta

    today = date.today()
    if month_day:
        return f"{today.year + years}-{month_day}"
    return (today + timedelta(days=offset)).isoformat()


def all_steps() -> list:
    import importlib

    steps = []
    for section in DEMO_SECTIONS:
        module, _, attribute = section.partition(":")
        steps.extend(getattr(importlib.import_module(module), attribute or "DEMO_STEPS", []))
    return steps


def demo(
    dir: Annotated[
        str | None,
        typer.Option("--dir", help="Where the demo writes (default: a new temporary directory)."),
    ] = None,
) -> None:
    """Walk through the whole billing cycle on a throwaway database and print each file.

    Example: clinicbill demo --dir demo-output
    """
    import tempfile

    from clinicbill.app.demo import demo_directory
    from clinicbill.cli import app
    from clinicbill.cli.context import STATE
    from clinicbill.domain.errors import ClinicbillError

    target = Path(dir) if dir else Path(tempfile.mkdtemp(prefix="clinicbill-demo-"))
    demo_directory(target)
    db_path = target / "clinicbill-demo.db"
    if db_path.exists():
        for suffix in ("", "-wal", "-shm"):
            Path(str(db_path) + suffix).unlink(missing_ok=True)
    typer.echo(f"demo directory: {target}")
    typer.echo(f"database: {db_path}")
    user = STATE.user or "demo"
    for heading, step in all_steps():
        args = step(target) if callable(step) else step
        args = [a.replace("{dir}", str(target)) for a in args]
        _forget_earlier_output(target, args)
        typer.echo(f"\n== {heading}\n$ clinicbill {' '.join(args)}")
        code = app(["--db", str(db_path), "--user", user, *args], standalone_mode=False)
        if code not in (None, 0):
            raise ClinicbillError(f"demo: step '{heading}' failed", "see the message above")
    typer.echo(f"\ndemo finished; everything it wrote is in {target}")


def _forget_earlier_output(target: Path, args: list[str]) -> None:
    """A demo run again in the same directory replaces its own files (-o in that directory),
    so the steps need no --force (which on `claim export` would also skip the scrubber)."""
    for option, value in zip(args, args[1:], strict=False):
        path = Path(value)
        if option in ("-o", "--output") and path.parent == target and not path.is_symlink():
            path.unlink(missing_ok=True)


def register(app: typer.Typer) -> None:
    app.command("demo")(demo)
