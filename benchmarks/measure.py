"""Whole-process timing: wall time and peak memory of a child process, medians of many runs.

Each measurement runs its command and its floor alternately (floor, command, floor, command
...) after one warm-up of each, so a machine that gets busier or quieter during the run shifts
both sides alike; the figure reported is the median of each side.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path


@dataclass
class Run:
    seconds: float  # wall time
    cpu_seconds: float  # user + system time of the process (steadier on a busy machine)
    peak_rss_mb: float
    exit_code: int
    stderr: str = ""


def run_process(argv: list[str], cwd: Path, env: dict | None = None) -> Run:
    """Run one process to completion; its own wall time and peak RSS (os.wait4 rusage)."""
    with tempfile.TemporaryFile() as err:
        started = time.perf_counter()
        proc = subprocess.Popen(
            argv, cwd=cwd, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=err
        )
        _, status, usage = os.wait4(proc.pid, 0)
        elapsed = time.perf_counter() - started
        proc.returncode = os.waitstatus_to_exitcode(status)
        err.seek(0)
        text = err.read().decode(errors="replace")
    cpu = usage.ru_utime + usage.ru_stime
    return Run(elapsed, cpu, usage.ru_maxrss / 1024, proc.returncode, text[-2000:])


@dataclass
class Measurement:
    """A command (argv, or a function returning argv after per-run set-up) against a floor."""

    name: str
    command: Callable[[], list[str]]
    floor: Callable[[], list[str]] | None = None
    floor_label: str = ""
    max_ratio: float | None = None  # budget relative to the floor
    max_seconds: float | None = None  # absolute budget
    max_rss_mb: float | None = None
    runs: int = 7
    note: str = ""
    prepare: Callable[[], str | None] = lambda: None  # builds data; returns why not measurable
    warmup: bool = True  # a run of each side before the timed ones (not for minutes-long runs)
    count: int | None = None  # items the command handles (claims): a rate is shown
    unit: str = ""
    command_runs: list[Run] = field(default_factory=list)
    floor_runs: list[Run] = field(default_factory=list)
    unavailable: str | None = None  # why it could not be measured
    shown: str = ""  # the command line of the last run, for the results file

    def measure(self, cwd: Path, env: dict) -> None:
        sides = (
            [("floor", self.floor), ("command", self.command)]
            if self.floor
            else [("command", self.command)]
        )
        for side, make in sides if self.warmup else ():
            # warm-up: page cache, .pyc files, the ICD index cache
            argv = make()
            if side == "command":
                self.shown = " ".join(argv)
            result = run_process(argv, cwd, env)
            if result.exit_code != 0:
                self.unavailable = f"exit {result.exit_code}: {_last_line(result.stderr)}"
                return
        for _ in range(self.runs):
            for side, make in sides:
                argv = make()
                if side == "command":
                    self.shown = " ".join(argv)
                result = run_process(argv, cwd, env)
                if result.exit_code != 0:
                    self.unavailable = f"exit {result.exit_code}: {_last_line(result.stderr)}"
                    return
                (self.floor_runs if side == "floor" else self.command_runs).append(result)

    # -- figures ---------------------------------------------------------------------------

    @property
    def median(self) -> float | None:
        return (
            statistics.median(r.seconds for r in self.command_runs) if self.command_runs else None
        )

    @property
    def floor_median(self) -> float | None:
        return statistics.median(r.seconds for r in self.floor_runs) if self.floor_runs else None

    @property
    def ratio(self) -> float | None:
        if self.median is None or not self.floor_median:
            return None
        return self.median / self.floor_median

    @property
    def cpu_ratio(self) -> float | None:
        if not self.command_runs or not self.floor_runs:
            return None
        command = statistics.median(r.cpu_seconds for r in self.command_runs)
        floor = statistics.median(r.cpu_seconds for r in self.floor_runs)
        return command / floor if floor else None

    @property
    def peak_rss_mb(self) -> float | None:
        return max((r.peak_rss_mb for r in self.command_runs), default=None)

    @property
    def rate(self) -> float | None:
        """Items per second of wall time (median run)."""
        return self.count / self.median if self.count and self.median else None

    @property
    def budget(self) -> str:
        parts = []
        if self.max_ratio is not None:
            parts.append(f"<= {self.max_ratio:g}x")
        if self.max_seconds is not None:
            parts.append(f"< {self.max_seconds:g} s")
        if self.max_rss_mb is not None:
            parts.append(f"< {self.max_rss_mb:g} MB")
        return ", ".join(parts)

    @property
    def status(self) -> str:
        if self.unavailable is not None or self.median is None:
            return "not measured"
        ok = True
        if self.max_ratio is not None:
            ok &= self.ratio is not None and self.ratio <= self.max_ratio
        if self.max_seconds is not None:
            ok &= self.median < self.max_seconds
        if self.max_rss_mb is not None:
            ok &= (self.peak_rss_mb or 0) < self.max_rss_mb
        return "pass" if ok else "FAIL"

    def as_dict(self) -> dict:
        def secs(runs):
            return [round(r.seconds, 4) for r in runs]

        return {
            "name": self.name,
            "command": self.shown or None,
            "floor": self.floor_label or None,
            "median_s": _round(self.median),
            "floor_median_s": _round(self.floor_median),
            "ratio": _round(self.ratio, 3),
            "cpu_ratio": _round(self.cpu_ratio, 3),
            "peak_rss_mb": _round(self.peak_rss_mb, 1),
            "per_second": _round(self.rate, 1),
            "unit": self.unit or None,
            "budget": self.budget,
            "status": self.status,
            "runs_s": secs(self.command_runs),
            "floor_runs_s": secs(self.floor_runs),
            "cpu_runs_s": [round(r.cpu_seconds, 4) for r in self.command_runs],
            "floor_cpu_runs_s": [round(r.cpu_seconds, 4) for r in self.floor_runs],
            "note": self.unavailable or self.note or None,
        }


def _round(value, digits: int = 4):
    return None if value is None else round(value, digits)


def _last_line(text: str) -> str:
    lines = [line for line in text.strip().splitlines() if line.strip()]
    return lines[-1][:200] if lines else "(no message)"
