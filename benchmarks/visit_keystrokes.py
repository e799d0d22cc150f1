"""`make bench`, the daily loop: a returning patient's usual massage visit typed at a real
terminal (pexpect), counting the prompts answered and the keys pressed.

The goal (issue 16): at most 10 prompts, and under 60 seconds for a practised user. The
script measures what it can measure: the prompts, the keys (an arrow or Enter is one key;
text is one key per character) and the wall time the tool itself needs for the whole visit
(from the command to its last line, answers sent as soon as each prompt shows). A person's
time is the tool's time plus reading and typing; the line 'typing at 5 keys/s' is that
arithmetic, not a measurement.

Usage: python benchmarks/visit_keystrokes.py [--runs N]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pexpect

CLI = str(Path(sys.executable).parent / "clinicbill")
DOWN, UP, ENTER = "\x1b[B", "\x1b[A", "\r"
GOAL_PROMPTS, GOAL_SECONDS = 10, 60.0
FIRST_VISIT = [
    "session", "add", "--patient", "P00001", "--provider", "Reyes", "--date", "2026-11-20",
    "--dx", "M54.50", "--dx", "M62.830", "--line", "97124:minutes=38",
    "--line", "97140:minutes=15:mod=59:ptr=1,2", "--template", "massage",
    "--detail", "areas=low back", "--detail", "techniques=Swedish", "--detail", "pressure=firm",
    "--subjective", "Low back tight.", "--objective", "Hypertonic paraspinals.",
    "--assessment", "Flexion improved.", "--plan", "Weekly for 4 weeks.",
    "--pain-before", "6", "--pain-after", "3", "--sign",
]  # fmt: skip
# The returning visit: (prompt shown, keys typed). Text answers finish with Enter on an
# empty line; everything else the tool remembers: the provider (the default), the policy of
# the last visit (said, not asked), the last visit's diagnoses, services and plan.
RETURNING_VISIT = [
    ("Patient", "Chen" + ENTER),
    ("Provider", ENTER),  # who saw her last
    ("Date of service", ENTER),  # today
    ("Same as last visit", ENTER),  # diagnoses, services with minutes, details, plan
    ("Subjective", "Still tight after work." + ENTER + ENTER),
    ("Pain before", "5" + ENTER),
    ("Objective", "Hypertonic paraspinals." + ENTER + ENTER),
    ("Assessment", "Softer; flexion better." + ENTER + ENTER),
    ("Pain after", "2" + ENTER),
    ("Save this session", UP + ENTER),  # save and sign
]


def keys(text: str) -> int:
    """Keys pressed: an escape sequence (arrow) is one key."""
    return len(text) - 2 * text.count("\x1b[")


def one_visit(db: str) -> tuple[int, int, float]:
    """(prompts answered, keys, seconds) for the returning visit."""
    start = time.perf_counter()
    child = pexpect.spawn(
        CLI,
        ["--db", db, "session", "add"],
        encoding="utf-8",
        timeout=60,
        dimensions=(50, 120),
        env={**os.environ, "PROMPT_TOOLKIT_NO_CPR": "1"},
    )
    prompts = pressed = 0
    for prompt, typed in RETURNING_VISIT:
        child.expect(prompt)
        child.send(typed)
        prompts, pressed = prompts + 1, pressed + keys(typed)
    child.expect("added \\(signed\\)")
    child.expect(pexpect.EOF)
    child.close()
    if child.exitstatus != 0:
        raise SystemExit(f"session add exited {child.exitstatus}")
    return prompts, pressed, time.perf_counter() - start


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    times = []
    with tempfile.TemporaryDirectory() as work:
        for run in range(args.runs):
            db = str(Path(work) / f"visit-{run}.db")
            for command in (["init", "--sample"], FIRST_VISIT):
                subprocess.run([CLI, "--db", db, *command], check=True, capture_output=True)
            prompts, pressed, seconds = one_visit(db)
            times.append(seconds)
    tool = statistics.median(times)
    typing = pressed / 5
    print("returning patient's usual massage visit (session add at a terminal)")
    print(f"  prompts answered   {prompts:>6}   (goal <= {GOAL_PROMPTS})")
    print(f"  keys pressed       {pressed:>6}")
    print(f"  tool time          {tool:>6.1f} s (median of {args.runs} runs)")
    total = tool + typing
    print(f"  + typing at 5 keys/s {typing:>4.1f} s = {total:.1f} s (goal < {GOAL_SECONDS:.0f} s)")
    within = prompts <= GOAL_PROMPTS and total < GOAL_SECONDS
    print("  within the goal" if within else "  OVER the goal")
    return 0


if __name__ == "__main__":
    sys.exit(main())
