"""`era import` as a use case: 835 files posted in one unit of work, each read as a stream.

Memory does not grow with a file: every file is read three times, each a stream
(formats/x12_835.py), and never held whole:
1. the file-level checks and its SHA-256 (a file imported before posts nothing);
2. a full parse that keeps no claims: every refusal happens here, before anything is
   written, and it gives each remittance's header, PLB, warnings and payer (the payer of the
   claims it answers, looked up 500 claims at a time);
3. the parse again, each claim handed to domain/remittance/posting.py's RemittancePosting as it is
   read, in batches of BATCH claims (a batch is planned, then written with executemany).
   Files up to KEEP_BYTES in all keep pass 2's claims instead (the same records, from the
   same bytes: pass 2 checked their SHA-256), so a small file is parsed once, not twice.
Files are read and checked in the order given (a bad one refuses the whole command, as
before); then they are posted. The caller commits, or rolls back on any refusal.
"""

from __future__ import annotations

import gc
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from sqlalchemy import select

from clinicbill.domain.remittance.payer_checks import RemittancePayer
from clinicbill.domain.remittance.posting import (
    BATCH,
    AdviceOutcome,
    ClaimOutcome,
    RemittancePosting,
)
from clinicbill.domain.remittance.remit import ClaimPayment, RemittanceAdvice
from clinicbill.formats.x12_835 import Sink, check_835, stream_835
from clinicbill.store.models import Remittance

SHOW_CLAIMS = 50  # a tally keeps this many claims to show (see ClaimTally)
# Files read in pass 2 keep their claims for pass 3 while their sizes add up to at most this
# (a 2.7 MB, 10,000-claim file's records take ~50 MB); larger ones are parsed again.
KEEP_BYTES = 4 * 1024 * 1024


class ClaimTally:
    """What a report shows of a remittance's claims without keeping them all: counts, the
    first SHOW_CLAIMS + 1 claims, the first SHOW_CLAIMS not posted, statuses and notes."""

    def __init__(self, limit: int = SHOW_CLAIMS):
        self.limit = limit
        self.count = self.posted = self.not_posted = 0
        self.first: list[ClaimOutcome] = []
        self.unposted: list[ClaimOutcome] = []
        self.statuses: Counter = Counter()
        self.notes: Counter = Counter()

    def add(self, outcomes) -> None:
        for c in outcomes:
            self.count += 1
            if len(self.first) <= self.limit:
                self.first.append(c)
            if c.posted:
                self.posted += 1
                if c.new_status:
                    self.statuses[c.new_status] += 1
                for note in c.notes:
                    self.notes[note.split(": ", 1)[-1]] += 1
            else:
                self.not_posted += 1
                if len(self.unposted) < self.limit:
                    self.unposted.append(c)


@dataclass
class FileReport:
    """One file: imported before (when), or its remittances with a tally each."""

    file: str
    already_imported: datetime | None = None
    outcomes: list[AdviceOutcome] = field(default_factory=list)
    tallies: list[ClaimTally] = field(default_factory=list)

    @property
    def posted(self) -> int:
        return sum(t.posted for t in self.tallies) if self.tallies else 0

    @property
    def not_posted(self) -> int:
        return sum(t.not_posted for t in self.tallies) if self.tallies else 0

    @property
    def summary(self) -> str:
        if self.already_imported is not None:
            return f"already imported {self.already_imported:%Y-%m-%d}; nothing posted"
        duplicates = sum(1 for o in self.outcomes if o.duplicate)
        text = f"{self.posted} claim(s) posted"
        if self.not_posted:
            text += f", {self.not_posted} not posted"
        if duplicates:
            text += f"; {duplicates} remittance(s) posted before (same trace)"
        return text


@dataclass
class _Checked:
    path: Path
    name: str
    sha256: str
    advices: list[RemittanceAdvice] = field(default_factory=list)
    payers: list[int | None] = field(default_factory=list)
    claims: int = 0
    earlier: datetime | None = None
    kept: list[list[ClaimPayment]] | None = None  # pass 2's claims, remittance by remittance


def import_835(
    session,
    files: list[str],
    *,
    keep_claims: bool = False,
    progress: Callable[[int, int], None] | None = None,
    reading: Callable[[], None] | None = None,
) -> list[FileReport]:
    """Read and check every file (a refusal is a ClinicbillError: nothing was posted), then
    post them. `keep_claims` keeps every claim's outcome on the AdviceOutcome (for --json);
    otherwise each remittance gets a ClaimTally. `progress(done, total)` counts two units per
    claim; `reading()` is called when reading ends and posting starts."""
    checked = _read(session, files)
    if reading:
        reading()
    total = 2 * sum(c.claims for c in checked if c.earlier is None)
    done = [0]

    def tick(n: int) -> None:
        done[0] += n
        if progress:
            progress(done[0], total)

    reports = []
    for item in checked:
        if item.earlier is not None:
            reports.append(FileReport(item.name, already_imported=item.earlier))
            continue
        poster = _Poster(session, item, keep_claims, tick)
        if item.kept is None:
            stream_835(item.path, poster, item.name, sha256=item.sha256)
        else:
            _replay(item, poster)
        reports.append(FileReport(item.name, outcomes=poster.outcomes, tallies=poster.tallies))
    return reports


def _read(session, files: list[str]) -> list[_Checked]:
    """Passes 1 and 2 for each file in turn; a file given twice is read once."""
    checked: list[_Checked] = []
    seen: set[str] = set()
    room = KEEP_BYTES
    for name in files:
        path, short, sha256 = check_835(name)
        if sha256 in seen:
            continue
        seen.add(sha256)
        item = _Checked(path, short, sha256)
        earlier = session.execute(
            select(Remittance.imported_at).where(Remittance.file_sha256 == sha256).limit(1)
        ).first()
        if earlier is not None:
            item.earlier = earlier.imported_at
        else:
            size = path.stat().st_size
            keep = size <= room
            payers = _Payers(session, keep)
            parsed = stream_835(path, payers, short, sha256=sha256)
            item.advices, item.payers, item.claims, item.kept = (
                list(parsed.advices),
                payers.found,
                parsed.claim_count,
                payers.kept,
            )
            if keep:
                room -= size
        checked.append(item)
    return checked


class _Payers(Sink):
    """Pass 2's sink: the payer of each remittance's claims (domain RemittancePayer); with
    `keep`, the claims too, a list per remittance (`kept`)."""

    def __init__(self, session, keep: bool = False):
        self.session = session
        self.payer: RemittancePayer | None = None
        self.found: list[int | None] = []
        self.kept: list[list[ClaimPayment]] | None = [] if keep else None
        self.claims: list[ClaimPayment] = []

    def header(self, advice: RemittanceAdvice) -> None:
        self.payer = RemittancePayer(self.session, advice)

    def claim(self, claim: ClaimPayment) -> None:
        self.payer.add((claim.patient_control_number,))
        if self.kept is not None:
            self.claims.append(claim)

    def advice(self, advice: RemittanceAdvice) -> None:
        self.found.append(self.payer.found() if self.payer is not None else None)
        self.payer = None
        if self.kept is not None:
            self.kept.append(self.claims)
            self.claims = []


def _replay(item: _Checked, poster: _Poster) -> None:
    """Pass 3 from pass 2's claims: the poster gets what reading the file again would give
    it, in the same order (each remittance's claims, then the remittance)."""
    kept, item.kept = item.kept, None
    for advice, claims in zip(item.advices, kept, strict=True):
        for claim in claims:
            poster.claim(claim)
        claims.clear()  # posted: not kept to the end of the command
        poster.advice(advice)


class _Poster(Sink):
    """Pass 3's sink: claims posted in batches as they are read, remittance by remittance."""

    def __init__(self, session, item: _Checked, keep_claims: bool, tick):
        # With the collector off (the clinicbill process, cli/__init__.py), what is alive now
        # (the modules, the models, the checked files) lives to the end of the command: frozen,
        # so the young-generation collection after each batch (_post) does not walk its
        # ~200,000 objects the first time (~0.15 s). A process collecting as usual is left so.
        if not gc.isenabled():
            gc.freeze()
        self.session = session
        self.item = item
        self.keep_claims = keep_claims
        self.tick = tick
        self.index = 0  # the remittance being read
        self.posting: RemittancePosting | None = None
        self.batch: list[ClaimPayment] = []
        self.outcomes: list[AdviceOutcome] = []
        self.tallies: list[ClaimTally] = []

    def _start(self) -> RemittancePosting:
        if self.posting is None:
            tally = ClaimTally()
            self.tallies.append(tally)
            self.posting = RemittancePosting(
                self.session,
                self.item.advices[self.index],
                file_sha256=self.item.sha256,
                payer_id=self.item.payers[self.index],
                on_claims=None if self.keep_claims else tally.add,
            )
        return self.posting

    def claim(self, claim: ClaimPayment) -> None:
        posting = self._start()
        if posting.duplicate is not None:
            self.tick(2)
            return
        self.batch.append(claim)
        if len(self.batch) >= BATCH:
            self._post(posting)

    def _post(self, posting: RemittancePosting) -> None:
        posting.post(self.batch, self.tick)
        self.batch = []
        # The clinicbill process runs with the cyclic garbage collector off (cli/__init__.py):
        # each batch leaves ~2,000 objects in reference cycles (SQL expression objects), which
        # would add up to ~100 MB over 380,000 claims. A young-generation collection here
        # frees them and costs about a millisecond (it walks only what was made since).
        gc.collect(0)

    def advice(self, advice: RemittanceAdvice) -> None:
        posting = self._start()
        if posting.duplicate is not None:
            outcome = posting.duplicate
        else:
            if self.batch:
                self._post(posting)
            outcome = posting.finish()
            if self.keep_claims:
                self.tallies[-1].add(outcome.claims)
        self.outcomes.append(outcome)
        self.posting = None
        self.index += 1
