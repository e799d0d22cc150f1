"""The root `clinicbill` app: global options, command groups, one place that renders errors.

Command modules import only typer at module level; everything heavy is imported inside the
command function, so `clinicbill --help` stays fast (tests/cli/test_startup.py).
"""

from __future__ import annotations

import importlib
from typing import Annotated

import typer
from typer.core import TyperGroup

from clinicbill.cli.context import STATE
from clinicbill.domain.errors import ClinicbillError

# Each module defines register(app). Order is the order of `clinicbill --help`.
COMMAND_MODULES: list[str] = [
    "clinicbill.cli.setup",
    "clinicbill.cli.patients",
    "clinicbill.cli.coverage",
    "clinicbill.cli.authorizations",
    "clinicbill.cli.eligibility",
    "clinicbill.cli.sessions",
    "clinicbill.cli.cases",
    "clinicbill.cli.codes",
    "clinicbill.cli.claims",
    "clinicbill.cli.claims_export",
    "clinicbill.cli.claims_show",
    "clinicbill.cli.claims_status",
    "clinicbill.cli.claims_submit",
    "clinicbill.cli.claims_decide",
    "clinicbill.cli.acks",
    "clinicbill.cli.clearinghouse",
    "clinicbill.cli.era",
    "clinicbill.cli.packages",
    "clinicbill.cli.documents",
    "clinicbill.cli.reports",
    "clinicbill.cli.membership",
    "clinicbill.cli.billing_run",
    "clinicbill.cli.payment_plans",
    "clinicbill.cli.fee_tiers",
    "clinicbill.cli.export_ledger",
    "clinicbill.cli.insured_estimates",
    "clinicbill.cli.statement_year",
    "clinicbill.cli.db",
    "clinicbill.cli.audit",
    "clinicbill.cli.demo",
    "clinicbill.cli.dev",
]


# `clinicbill --help` lists the commands by when they are used, the three daily ones first.
HELP_SECTIONS = (
    ("Daily", ("session", "superbill", "aging")),
    (
        "Front desk",
        ("patient", "policy", "verify", "eligibility", "referral", "auth", "case", "abn",
         "estimate"),
    ),
    ("Claims", ("claim", "codes", "clearinghouse", "inbox", "ack")),
    (
        "Money",
        ("era", "payment", "balance", "adjust", "refund", "package", "membership", "billing",
         "statement", "receipt"),
    ),
    ("Reports", ("report",)),
    ("Set-up", ("init", "practice", "provider", "payer", "fee", "demo")),
    ("Data", ("db", "export-all", "export", "audit")),
)  # fmt: skip


class ClinicbillGroup(TyperGroup):
    """Turns refusals into `error:`/`hint:` lines and exit 1; never shows a traceback.

    Its subcommands are built on first use (cli/lazy.py): start-up builds only the command
    that runs, and `--help` lists the others from their help text.
    """

    def __init__(self, **attrs):
        from clinicbill.cli.lazy import LazyCommands

        super().__init__(**attrs)
        self.commands = LazyCommands(COMMANDS, app)

    def list_commands(self, ctx) -> list[str]:
        return list(self.commands)

    def format_commands(self, ctx, formatter) -> None:
        from clinicbill.cli.lazy import format_commands

        format_commands(self, ctx, formatter, HELP_SECTIONS)

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except (typer.Exit, typer.Abort):
            raise
        except BrokenPipeError:  # the reader of stdout went away (`| head -1`): quiet exit 141
            from clinicbill.cli.render import reader_gone

            reader_gone()
        except ClinicbillError as exc:
            from clinicbill.cli.render import print_refusal

            print_refusal(exc)
            raise typer.Exit(exc.exit_code) from None
        except KeyboardInterrupt:
            typer.echo("cancelled: nothing was written", err=True)
            raise typer.Exit(1) from None
        except Exception as exc:
            if hasattr(exc, "exit_code") and hasattr(exc, "show"):
                raise  # Typer's usage errors (exit 2) render themselves
            from clinicbill.cli.render import print_refusal, print_unexpected

            refusal = _known_failure(exc)
            if refusal is not None:  # a full disk, a lock held too long, a damaged file
                print_refusal(refusal)
                raise typer.Exit(1) from None
            print_unexpected(exc)
            raise typer.Exit(1) from None


def _known_failure(exc: Exception) -> ClinicbillError | None:
    """A database or disk failure told plainly (store/refusals.py), else None."""
    try:
        from clinicbill.app.database import known_failure

        return known_failure(exc, STATE.db)
    except Exception:  # telling it failed too: the unexpected-failure line and the log
        return None


app = typer.Typer(
    cls=ClinicbillGroup,
    name="clinicbill",
    help="Billing for massage therapy and acupuncture practices: from benefit check to paid claim.",
    rich_markup_mode=None,
    pretty_exceptions_enable=False,
    no_args_is_help=True,
    add_completion=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _version(value: bool) -> None:
    if value:
        from clinicbill import __version__

        typer.echo(f"clinicbill {__version__}")
        raise typer.Exit()


@app.callback()
def root(
    db: Annotated[
        str | None,
        typer.Option(
            "--db",
            metavar="PATH|URL",
            help="Database path or SQLAlchemy URL (env CLINICBILL_DB).",
        ),
    ] = None,
    json: Annotated[bool, typer.Option("--json", help="Machine-readable output.")] = False,
    user: Annotated[
        str | None,
        typer.Option(
            "--user", metavar="NAME", help="Who is acting, for the audit log (env CLINICBILL_USER)."
        ),
    ] = None,
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Show version.")
    ] = False,
) -> None:
    """Global options apply to every command."""
    STATE.db = db
    STATE.json = json
    STATE.user = user


# The command modules register here; the root group builds from it lazily (cli/lazy.py).
COMMANDS = typer.Typer()
for _module in COMMAND_MODULES:
    importlib.import_module(_module).register(COMMANDS)


def main() -> None:
    """The `clinicbill` process. It is short-lived, so the cyclic garbage collector stays off:
    the ~100,000 objects that importing SQLAlchemy, pydantic and reportlab creates would
    otherwise be traversed again and again while the command starts and once more at exit
    (about a fifth of a one-visit superbill's time, and of an 835 import's). Reference counting
    still frees everything acyclic, which is nearly all of it; `make bench` records peak memory.
    """
    import gc

    gc.disable()
    try:
        app()
    finally:
        _release()


def _release() -> None:
    """Close pooled database connections (SQLite checkpoints its WAL on close), then keep the
    interpreter's exit from walking every object for cycles: nothing is left to collect."""
    import gc
    import sys

    engine = sys.modules.get("clinicbill.store.engine")
    if engine is not None:
        engine.dispose_all()
    gc.freeze()
