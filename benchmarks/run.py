"""`make bench`: clinicbill's speed against the floors measured in the same run (SPEC §5).

Every figure is the median wall time of whole `clinicbill` processes (after a warm-up), next
to the median of its floor process, run alternately with it:

    clinicbill --help                    vs  python -c "import typer"           <= 1.5x
    patient list (sample database)       vs  python -c "import sqlmodel"        <= 1.3x
    superbill, one visit (10-year db)    vs  python -c "import sqlmodel"        <= 1.6x
    aging (10-year db, ~300,000 lines)   vs  import sqlmodel + the same aggregate as one raw
                                             SQL query (benchmarks/aging_floor.sql)  <= 2x,
                                             peak memory < 200 MB
    claim export --format 837p, 1,000 claims                                    < 5 s
    835 reader, 10,000 claims (read_835)  vs  split the text on its separators  <= 3x
    era import of a 10,000-claim 835      vs  the reader + sqlite3 executemany
                                              of the rows the import writes     <= 5x, < 10 s
    era import of a ~100 MB 835 (380,000 claims)                                < 190 s
                                              (2,000 claims/s), peak memory < 400 MB
    audit --verify, 10-year db with every row in the audit log                  < 30 s

Peak memory is the child's own ru_maxrss (os.wait4). Results go to benchmarks/results.json.
The reader and its floor run with the garbage collector off, as the `clinicbill` process does.

Usage: python benchmarks/run.py [--runs N] [--quick] [--only WORD] [--no-save]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
from datetime import UTC, datetime
from functools import cached_property
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import fixtures  # noqa: E402
from fixtures import PY, cli  # noqa: E402
from measure import Measurement  # noqa: E402

RESULTS = fixtures.ROOT / "benchmarks" / "results.json"
AGING_FLOOR_SQL = fixtures.ROOT / "benchmarks" / "aging_floor.sql"
AGING_FLOOR = (
    "import sys, sqlite3, sqlmodel\n"
    "con = sqlite3.connect(sys.argv[1])\n"
    "rows = con.execute(open(sys.argv[2]).read(), {'as_of': sys.argv[3]}).fetchall()\n"
    "assert rows\n"
)
NO_GC = "import gc, sys\ngc.disable()\n"
SPLIT_FLOOR = NO_GC + (
    "text = open(sys.argv[1], encoding='utf-8').read()\n"
    "segments = [s.split('*') for s in text.split('~')]\n"
)
READER = NO_GC + "from clinicbill.formats.x12_835 import read_835\nread_835(sys.argv[1])\n"
IMPORT_FLOOR = NO_GC + (
    "import pickle, sqlite3\n"
    "from clinicbill.formats.x12_835 import read_835\n"
    "read_835(sys.argv[2])\n"
    "con = sqlite3.connect(sys.argv[1])\n"
    "for sql, rows in pickle.loads(open(sys.argv[3], 'rb').read()):\n"
    "    con.executemany(sql, rows)\n"
    "con.commit()\n"
)


class Data:
    """Benchmark data, prepared on first use: a filtered run builds only what it measures."""

    def __init__(self, work: Path):
        self.work = work

    @cached_property
    def sample(self) -> Path:
        return fixtures.sample_db()

    @cached_property
    def practice(self) -> Path:
        return fixtures.practice_db()

    @cached_property
    def audited(self) -> Path:
        return fixtures.audited_practice_db()

    @cached_property
    def visit(self) -> tuple[str, int]:
        return fixtures.last_session(self.practice)

    @cached_property
    def era(self) -> tuple[Path, Path | None, str]:
        return fixtures.era_fixture()

    def export_claims(self) -> list[str]:
        db = fixtures.copy_of(self.practice, self.work / "export.db")
        out = self.work / "claims.837"
        out.unlink(missing_ok=True)
        return cli("--db", str(db), "claim", "export", "--ready", "--force", "--format", "837p",
                   "-o", str(out))  # fmt: skip

    @cached_property
    def era_big(self) -> tuple[Path, Path | None, str]:
        return fixtures.era_big_fixture()

    def import_835(self) -> list[str]:
        source, remittance, _ = self.era
        db = fixtures.copy_of(source, self.work / "era.db")
        return cli("--db", str(db), "era", "import", str(remittance))

    def import_floor(self) -> list[str]:
        """The reader, then the same rows written with sqlite3's executemany."""
        source, remittance, _ = self.era
        rows = fixtures.era_rows(source, remittance, self.work)
        db = fixtures.copy_of(source, self.work / "era-floor.db")
        return [str(PY), "-c", IMPORT_FLOOR, str(db), str(remittance), str(rows)]

    def import_big(self) -> list[str]:
        source, remittance, _ = self.era_big
        db = fixtures.copy_of(source, self.work / "era-big.db")
        return cli("--db", str(db), "era", "import", str(remittance))


def measurements(data: Data) -> list[Measurement]:
    as_of = fixtures.END.isoformat()
    typer_floor = [str(PY), "-c", "import typer"]
    sqlmodel_floor = [str(PY), "-c", "import sqlmodel"]
    return [
        Measurement(
            "clinicbill --help",
            lambda: cli("--help"),
            lambda: typer_floor,
            "python -c 'import typer'",
            max_ratio=1.5,
            runs=11,
        ),
        Measurement(
            "patient list (sample db)",
            lambda: cli("--db", str(data.sample), "patient", "list"),
            lambda: sqlmodel_floor,
            "python -c 'import sqlmodel'",
            max_ratio=1.3,
            runs=11,
        ),
        Measurement(
            "superbill, one visit (10-year db)",
            lambda: cli(
                "--db",
                str(data.practice),
                "superbill",
                data.visit[0],
                "--session",
                str(data.visit[1]),
                "-o",
                str(data.work / "superbill.pdf"),
                "--force",  # every run after the first replaces the same PDF
            ),  # fmt: skip
            lambda: sqlmodel_floor,
            "python -c 'import sqlmodel'",
            max_ratio=1.6,
            runs=7,
        ),
        Measurement(
            "aging (10-year db, 300k lines)",
            lambda: cli("--db", str(data.practice), "aging", "--as-of", as_of),
            lambda: [str(PY), "-c", AGING_FLOOR, str(data.practice), str(AGING_FLOOR_SQL), as_of],
            "import sqlmodel + raw SQL aggregate",
            max_ratio=2.0,
            max_rss_mb=200,
            runs=7,
        ),
        Measurement(
            "claim export 837p, 1,000 claims",
            data.export_claims,
            max_seconds=5,
            runs=3,
            note="a fresh copy of the 10-year db per run (1,000 claims ready)",
        ),
        Measurement(
            "835 reader, 10,000 claims",
            lambda: [str(PY), "-c", READER, str(data.era[1])],
            lambda: [str(PY), "-c", SPLIT_FLOOR, str(data.era[1])],
            "split the text on ~ then *",
            max_ratio=3.0,
            runs=11,
            note="read_835 of the 10,000-claim 835 (2.7 MB) in a process of its own",
            prepare=lambda: data.era[2] and f"835 not built: {data.era[2]}",
        ),
        Measurement(
            "era import, 10,000-claim 835",
            data.import_835,
            data.import_floor,
            "the reader + sqlite3 executemany of the same rows",
            max_ratio=5.0,
            max_seconds=10,
            runs=3,
            note="a fresh copy of a 10-year db with ~10,500 unanswered claims per run",
            prepare=lambda: data.era[2] and f"835 not built: {data.era[2]}",
            count=fixtures.ERA_CLAIMS,
            unit="claims",
        ),
        Measurement(
            "era import, 100 MB 835 (380k claims)",
            data.import_big,
            max_seconds=380_000 / 2_000,
            max_rss_mb=400,
            runs=1,
            warmup=False,
            note="19 x (pay the 10,000 claims, reverse them): every claim posts; a fresh copy",
            prepare=lambda: data.era_big[2] and f"835 not built: {data.era_big[2]}",
            count=2 * fixtures.BIG_ROUNDS * fixtures.ERA_CLAIMS,
            unit="claims",
        ),
        Measurement(
            "audit --verify (10-year db, 2.3M audit rows)",
            lambda: cli("--db", str(data.audited), "audit", "--verify"),
            max_seconds=30,
            runs=3,
            note="the hash chain, then every row against its image; the 10-year db with an "
            "audit image of every seeded row (built once, ~10 min)",
        ),
    ]


def _fmt_s(value: float | None) -> str:
    if value is None:
        return "-"
    return f"{value * 1000:.0f} ms" if value < 1 else f"{value:.2f} s"


def table(items: list[Measurement]) -> str:
    head = ("measurement", "median", "floor", "ratio", "budget", "CPU ratio", "peak RSS", "result")
    rows = [head]
    for m in items:
        rows.append(
            (
                m.name,
                _fmt_s(m.median) + (f" ({m.rate:,.0f} {m.unit}/s)" if m.rate else ""),
                _fmt_s(m.floor_median),
                f"{m.ratio:.2f}x" if m.ratio is not None else "-",
                m.budget,
                f"{m.cpu_ratio:.2f}x" if m.cpu_ratio is not None else "-",
                f"{m.peak_rss_mb:.0f} MB" if m.peak_rss_mb is not None else "-",
                m.status,
            )
        )
    widths = [max(len(r[i]) for r in rows) for i in range(len(head))]
    lines = ["| " + " | ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)) + " |"
             for r in rows]  # fmt: skip
    lines.insert(1, "|" + "|".join("-" * (w + 2) for w in widths) + "|")
    notes = [f"- {m.name}: {m.unavailable}" for m in items if m.unavailable]
    return "\n".join(lines + (["", "not measured:"] + notes if notes else []))


def _portable(result: dict, work: Path) -> dict:
    """Command lines without this checkout's or this run's directories."""
    if result["command"]:
        result["command"] = (
            result["command"].replace(str(work), "$TMP").replace(str(fixtures.ROOT) + "/", "")
        )
    return result


GIT_STATUS = ["git", "-C", str(fixtures.ROOT), "status", "--porcelain", "--untracked-files=no"]


def machine() -> dict:
    commit = subprocess.run(
        ["git", "-C", str(fixtures.ROOT), "rev-parse", "--short", "HEAD"],
        capture_output=True,
        text=True,
    ).stdout.strip()
    dirty = subprocess.run(
        # the previous run's results.json is not a change to what is measured
        [*GIT_STATUS, "--", ".", ":!benchmarks/results.json"],
        capture_output=True,
        text=True,
    ).stdout.strip()
    return {
        "python": platform.python_version(),
        "platform": platform.platform(),
        "cpus": os.cpu_count(),
        "load_average": [round(x, 2) for x in os.getloadavg()],
        "commit": commit + ("+uncommitted changes" if dirty else ""),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, help="timed runs per measurement (after a warm-up)")
    parser.add_argument("--quick", action="store_true", help="3 runs each")
    parser.add_argument("--only", help="only measurements whose name contains this")
    parser.add_argument("--no-save", action="store_true", help="do not write results.json")
    args = parser.parse_args()
    started = datetime.now(UTC)
    env = {**os.environ, "CLINICBILL_USER": "bench"}
    # Bytecode is cached, as in an installed copy (the floors' packages have theirs), in a
    # directory of the bench's own so the source tree stays untouched.
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env["PYTHONPYCACHEPREFIX"] = str(fixtures.DATA / "pycache")
    runs = 3 if args.quick else args.runs
    with tempfile.TemporaryDirectory(prefix="clinicbill-bench-") as tmp:
        work = Path(tmp)
        env["HOME"] = str(work)  # the ICD cache and logs of the runs stay in the scratch dir
        items = measurements(Data(work))
        if args.only:
            items = [m for m in items if args.only.lower() in m.name.lower()]
        print("preparing data (cached under benchmarks/data/) ...", flush=True)
        for m in items:
            m.runs = runs or m.runs
            m.unavailable = m.prepare() or None
            if m.unavailable is None:
                print(f"measuring {m.name} ({m.runs} runs) ...", flush=True)
                m.measure(work, env)
    report = table(items)
    print("\n" + report)
    if not args.no_save:
        data = {
            "started": started.isoformat(timespec="seconds"),
            "machine": machine(),
            "results": [_portable(m.as_dict(), work) for m in items],
            "table": report,
        }
        RESULTS.write_text(json.dumps(data, indent=2) + "\n")
        print(f"\nwrote {RESULTS.relative_to(fixtures.ROOT)}")
    return 0 if all(m.status == "pass" for m in items) else 1


if __name__ == "__main__":
    raise SystemExit(main())
