"""Benchmark data under benchmarks/data/ (git-ignored): the sample database, the seeded
10-year practice, and a second 10-year practice whose last ~10,500 claims are unanswered,
with an 835 answering 10,000 of them.

Seeded databases are cached: the file name carries a key made of the generator version, the
seed and volumes, and fingerprints of the generator's and the schema's source, so a change to
any of them builds a fresh one (and old ones are removed). Building the 10-year practice takes
about a minute; everything else takes seconds.

Also runnable: `python benchmarks/fixtures.py make-835 DB OUT COUNT` writes the 835 (used by
run.py in a child process, so the harness itself never imports the application).
"""

from __future__ import annotations

import hashlib
import shutil
import sqlite3
import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "benchmarks" / "data"
PY = Path(sys.executable)
CLI = PY.parent / "clinicbill"
END = date(2026, 10, 31)  # the seeded history ends here; aging runs as of this day
PRACTICE = dict(years=10, providers=5, seed=1, ready_claims=1000)
# Ten years too, but the claims of the last 300 days are still unanswered (~10,500 of them).
ERA = dict(years=10, providers=5, seed=2, ready_claims=0, unpaid_days=300)
ERA_CLAIMS = 10_000
BIG_ROUNDS = 19  # the big 835: 19 x (pay the 10,000 claims, then reverse them) = 380,000 CLPs


def cli(*args: str) -> list[str]:
    return [str(CLI), *args]


def _fingerprint() -> str:
    """Changes whenever the generator or the schema changes."""
    digest = hashlib.sha256()
    sources = sorted((ROOT / "src" / "clinicbill" / "dev").glob("seed*.py"))
    sources += sorted(
        (ROOT / "src" / "clinicbill" / "store" / "migrations" / "versions").glob("*.py")
    )
    for path in sources:
        digest.update(path.name.encode() + path.read_bytes())
    return digest.hexdigest()[:10]


def _key(kind: str, params: dict) -> str:
    from_src = ROOT / "src" / "clinicbill" / "dev" / "seed.py"
    version = next(
        line.split("=")[1].strip()
        for line in from_src.read_text().splitlines()
        if line.startswith("GENERATOR_VERSION")
    )
    tail = "-".join(f"{k[0]}{v}" for k, v in sorted(params.items()))
    return f"{kind}-v{version}-{tail}-{_fingerprint()}"


def _seed(path: Path, params: dict) -> None:
    """Run `clinicbill dev seed` into a temporary file, then move it into place."""
    DATA.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".building")
    for suffix in ("", "-wal", "-shm"):
        Path(str(tmp) + suffix).unlink(missing_ok=True)
    args = ["--db", str(tmp), "dev", "seed", "--end", END.isoformat()]
    for name, value in params.items():
        args += [f"--{name.replace('_', '-')}", str(value)]
    print(f"  building {path.name} (clinicbill {' '.join(args[2:])}) ...", flush=True)
    result = subprocess.run(cli(*args), capture_output=True, text=True)
    if result.returncode != 0:
        raise SystemExit(f"seeding failed: {result.stderr.strip()}")
    print("  " + result.stdout.strip(), flush=True)
    checkpoint(tmp)
    tmp.replace(path)


def checkpoint(path: Path) -> None:
    """Fold the WAL into the database file so a plain file copy is the whole database."""
    con = sqlite3.connect(path)
    busy, _, _ = con.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
    con.execute("PRAGMA journal_mode = DELETE")  # no -wal/-shm files left beside the copy
    con.close()
    if busy:
        raise SystemExit(f"could not checkpoint {path.name}: the database is busy")


def _cached(kind: str, params: dict) -> Path:
    """The cached database for these parameters, built once even when two bench runs start
    together (a lock per kind); other versions of it are removed."""
    import fcntl

    key = _key(kind, params)
    path = DATA / f"{key}.db"
    DATA.mkdir(parents=True, exist_ok=True)
    with open(DATA / f".{kind}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not path.exists():
            for stale in DATA.glob(f"{kind}-*"):
                if not stale.name.startswith(key):
                    stale.unlink()
            _seed(path, params)
    return path


def sample_db() -> Path:
    """The sample practice (`init --sample`), built fresh for every bench run."""
    DATA.mkdir(parents=True, exist_ok=True)
    path = DATA / "sample.db"
    for suffix in ("", "-wal", "-shm"):
        Path(str(path) + suffix).unlink(missing_ok=True)
    subprocess.run(cli("--db", str(path), "init", "--sample"), check=True, capture_output=True)
    checkpoint(path)
    return path


def practice_db() -> Path:
    """The seeded 10-year, 5-practitioner practice (~300,000 service lines)."""
    return _cached("practice", PRACTICE)


def audited_practice_db() -> Path:
    """The 10-year practice with an audit image of every row, as if each had been written
    through clinicbill (`dev seed` skips the audit log for speed): the ~2.5 million audit rows
    that `audit --verify` reads in a real practice's tenth year. Built once beside the
    practice database (its name starts with the practice's key, so it goes stale with it)."""
    import fcntl

    source = practice_db()
    path = source.with_name(source.stem + "-audited.db")
    with open(DATA / ".practice-audited.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not path.exists():
            tmp = copy_of(source, path.with_suffix(".building"))
            print(f"  building {path.name} (an audit image of every seeded row) ...", flush=True)
            subprocess.run([str(PY), __file__, "audit-backfill", str(tmp)], check=True)
            checkpoint(tmp)
            tmp.replace(path)
    return path


def audit_backfill(db: Path, chunk: int = 20_000) -> None:
    """Append an insert image to the audit log for every row that has none, with the same
    functions and the same hash chain as clinicbill's own audited bulk writes."""
    from sqlalchemy import select
    from sqlmodel import SQLModel

    from clinicbill.store.audit import NOT_AUDITED, _append, _jsonable, row_json
    from clinicbill.store.engine import transaction
    from clinicbill.store.models import AuditLog, load_all

    load_all()
    with transaction(f"sqlite:///{db}", "seed") as session:
        conn = session.connection()
        for name in sorted(set(SQLModel.metadata.tables) - NOT_AUDITED):
            table = SQLModel.metadata.tables[name]
            logged = set(
                conn.execute(select(AuditLog.entity_id).where(AuditLog.entity == name)).scalars()
            )
            last = 0
            while True:
                rows = (
                    conn.execute(
                        select(table).where(table.c.id > last).order_by(table.c.id).limit(chunk)
                    )
                    .mappings()
                    .all()
                )
                if not rows:
                    break
                last = rows[-1]["id"]
                entries = [
                    {
                        "user": "seed",
                        "action": "insert",
                        "entity": name,
                        "entity_id": row["id"],
                        "patient_id": row["id"] if name == "patient" else row.get("patient_id"),
                        "before": None,
                        "after": row_json({k: _jsonable(v) for k, v in row.items()}),
                    }
                    for row in rows
                    if row["id"] not in logged
                ]
                if entries:
                    _append(session, entries)


def era_fixture() -> tuple[Path, Path | None, str]:
    """A 10-year practice with ~10,500 unanswered claims, and an 835 answering 10,000 of
    them; the 835 is None (with the reason) while the 835 writer cannot be imported."""
    db = _cached("era", ERA)
    out = db.with_suffix(".835")
    return db, *_generated(out, "make-835", str(db), str(out), str(ERA_CLAIMS))


def era_big_fixture() -> tuple[Path, Path | None, str]:
    """The era database and a ~100 MB 835 of 380,000 claims built from the 10,000-claim one:
    38 transactions in one interchange, alternately paying the 10,000 claims (the 10,000-claim
    835's own transaction) and reversing those payments (CLP02 22, every amount negated), each
    under its own trace number. Every claim of every transaction matches and posts."""
    db, small, reason = era_fixture()
    if small is None:
        return db, None, reason
    out = db.with_suffix(".big.835")
    return db, *_generated(out, "make-big-835", str(small), str(out), str(BIG_ROUNDS))


def _generated(out: Path, *command: str) -> tuple[Path | None, str]:
    """`out`, written by this script's `command` in a child process unless it exists; or
    None and the child's last error line."""
    if out.exists():
        return out, ""
    result = subprocess.run([str(PY), __file__, *command], capture_output=True, text=True)
    if result.returncode != 0:
        lines = result.stderr.strip().splitlines() or ["(no message)"]
        return None, lines[-1][:200]
    return out, ""


def make_big_835(small: Path, out: Path, rounds: int) -> None:
    """See era_big_fixture. Written transaction by transaction (the generator's memory holds
    one 10,000-claim transaction, not the file)."""
    from clinicbill.formats.x12_835 import read_835
    from clinicbill.formats.x12_835_write import advice_for, reversal_of, write_835

    text = small.read_text()
    lines = text.split("~\n")
    start = next(i for i, line in enumerate(lines) if line.startswith("ST*835*"))
    end = next(i for i, line in enumerate(lines) if line.startswith("SE*"))
    header, pay_body, trailer = lines[:start], lines[start + 1 : end], lines[end + 1 :]
    (advice,) = read_835(small).advices
    reversed_ = advice_for(
        [reversal_of(c) for c in advice.claims],
        trace_number="REVERSAL",
        payment_date=advice.payment_date,
    )
    rev_lines = write_835([reversed_]).split("~\n")
    rev_body = rev_lines[rev_lines.index("ST*835*0001") + 1 : -4]
    count = 0
    tmp = out.with_suffix(".building")
    with open(tmp, "w") as fh:
        fh.write("~\n".join(header) + "~\n")
        for n in range(rounds):
            for kind, body in (("P", pay_body), ("R", rev_body)):
                count += 1
                trace = f"BIG{kind}{n + 1:04d}"
                st = f"{count:04d}"
                fh.write(f"ST*835*{st}~\n")
                fh.write(
                    "~\n".join(
                        f"TRN*1*{trace}*{advice.payer_identifier}" if x.startswith("TRN*") else x
                        for x in body
                    )
                    + "~\n"
                )
                fh.write(f"SE*{len(body) + 2}*{st}~\n")
        for line in trailer:
            if line.startswith("GE*"):
                line = f"GE*{count}*" + line.split("*")[2]
            if line:
                fh.write(line + "~\n")
    tmp.replace(out)


def era_rows(db: Path, remittance: Path, work: Path) -> Path:
    """See make_era_rows; built in a child process, so the harness never holds the rows (a
    child it starts inherits its peak RSS: the rows would show in every later figure)."""
    out, reason = _generated(work / "era-rows.pickle", "era-rows", str(db), str(remittance),
                             str(work))  # fmt: skip
    if out is None:
        raise SystemExit(f"era rows not built: {reason}")
    return out


def make_era_rows(db: Path, remittance: Path, work: Path) -> Path:
    """The rows `era import` writes for the 10,000-claim 835, as (SQL, parameter rows) pairs
    for sqlite3's executemany (the floor of the import: the same rows, raw): found by
    importing into a scratch copy and taking every row added (and the claims changed); built
    in each bench run's scratch directory, so it is always what this code writes."""
    import pickle

    out = work / "era-rows.pickle"
    if out.exists():
        return out

    scratch = copy_of(db, work / "rows.db")
    con = sqlite3.connect(scratch)
    tables = [r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
    # table and column names below come from the scratch database's own schema
    last = {t: con.execute(f'SELECT max(rowid) FROM "{t}"').fetchone()[0] or 0 for t in tables}  # noqa: S608
    con.close()
    result = subprocess.run(
        cli("--db", str(scratch), "era", "import", str(remittance)), capture_output=True, text=True
    )
    if result.returncode != 0:
        raise SystemExit(f"era import failed: {result.stderr.strip()[-200:]}")
    con = sqlite3.connect(scratch)
    batches = []
    for table in tables:
        cols = [r[1] for r in con.execute(f'PRAGMA table_info("{table}")')]
        query = f'SELECT * FROM "{table}" WHERE rowid > ?'  # noqa: S608
        rows = con.execute(query, (last[table],)).fetchall()
        if rows:
            marks = ", ".join("?" * len(cols))
            names = ", ".join(f'"{c}"' for c in cols)
            insert = f'INSERT INTO "{table}" ({names}) VALUES ({marks})'  # noqa: S608
            batches.append((insert, rows))
    changed = con.execute(
        "SELECT status, payer_claim_control_number, id FROM claim WHERE id IN"
        " (SELECT claim_id FROM claimstatusevent WHERE rowid > ?)",
        (last["claimstatusevent"],),
    ).fetchall()
    batches.append(("UPDATE claim SET status = ?, payer_claim_control_number = ? WHERE id = ?",
                    changed))  # fmt: skip
    con.close()
    tmp = out.with_suffix(".building")
    tmp.write_bytes(pickle.dumps(batches))
    tmp.replace(out)
    return out


def copy_of(source: Path, target: Path) -> Path:
    """A private copy for a command that writes (export, import): every run starts equal."""
    for suffix in ("", "-wal", "-shm"):
        Path(str(target) + suffix).unlink(missing_ok=True)
    shutil.copyfile(source, target)
    target.chmod(0o600)  # as clinicbill creates it (a looser mode makes it print a warning)
    return target


def last_session(db: Path) -> tuple[str, int]:
    """(account number, session id) of the newest signed session: a one-visit superbill."""
    con = sqlite3.connect(db)
    row = con.execute(
        "SELECT p.account_number, e.id FROM encounter e JOIN patient p ON p.id = e.patient_id "
        "WHERE e.status = 'signed' ORDER BY e.service_date DESC, e.id DESC LIMIT 1"
    ).fetchone()
    con.close()
    return row[0], row[1]


def make_835(db: Path, out: Path, count: int) -> None:
    """Play the payers: one 835 answering `count` of the unanswered claims (mixed outcomes)."""
    from sqlalchemy import select

    from clinicbill.formats.x12_835_write import Outcome, remittance_835_for_claims
    from clinicbill.store.engine import transaction
    from clinicbill.store.models import Claim

    outcomes = (
        Outcome(allowed_percent=80, coinsurance_percent=20),
        Outcome(allowed_percent=85, copay_cents=2500),
        Outcome(allowed_percent=80, deductible_cents=5000),
        Outcome(kind="denied", denial_group="CO", denial_reason="50"),
        Outcome(allowed_percent=90, deny_lines=(2,)),
    )
    weights = (14, 3, 1, 1, 1)  # of 20
    cycle = [o for o, w in zip(outcomes, weights, strict=True) for _ in range(w)]
    with transaction(f"sqlite:///{db}", "bench") as session:
        ids = session.execute(
            select(Claim.id)
            .where(Claim.status.in_(("submitted", "accepted")))
            .order_by(Claim.id)
            .limit(count)
        ).scalars()
        plan = {cid: cycle[n % len(cycle)] for n, cid in enumerate(ids)}
        if len(plan) < count:
            raise SystemExit(f"only {len(plan)} unanswered claims in {db.name}")
        text, _ = remittance_835_for_claims(
            session, plan, trace_number="BENCH0001", payment_date=END - timedelta(days=1)
        )
        session.rollback()
    out.write_text(text)


if __name__ == "__main__":
    if len(sys.argv) == 5 and sys.argv[1] == "make-835":
        make_835(Path(sys.argv[2]), Path(sys.argv[3]), int(sys.argv[4]))
    elif len(sys.argv) == 3 and sys.argv[1] == "audit-backfill":
        audit_backfill(Path(sys.argv[2]))
    elif len(sys.argv) == 5 and sys.argv[1] == "era-rows":
        make_era_rows(Path(sys.argv[2]), Path(sys.argv[3]), Path(sys.argv[4]))
    elif len(sys.argv) == 5 and sys.argv[1] == "make-big-835":
        make_big_835(Path(sys.argv[2]), Path(sys.argv[3]), int(sys.argv[4]))
    else:
        raise SystemExit(
            "usage: python benchmarks/fixtures.py make-835 DB OUT COUNT"
            " | make-big-835 SMALL_835 OUT ROUNDS | era-rows DB 835 WORK_DIR | audit-backfill DB"
        )
