"""Benchmark: our full validation against `frictionless validate` on the same synthetic packages.

Each run is a fresh process, one after another (never concurrently), timed by wall clock, with
its peak resident set size read from the kernel (wait4's ru_maxrss)."""

from __future__ import annotations

import os
import platform
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path



@dataclass
class Run:
    tool: str
    events: int
    rows: int
    seconds: float
    peak_mb: float
    exit_code: int


def measure(argv: list[str], cwd: Path) -> tuple[float, float, int]:
    """(wall seconds, peak RSS in MB, exit code) of one process."""
    start = time.perf_counter()
    proc = subprocess.Popen(argv, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    return seconds, usage.ru_maxrss / 1024, proc.returncode


def total_rows(package: Path) -> int:
    return sum(p.read_bytes().count(b"\n") - 1 for p in (package / "data").glob("*.csv"))


def bench(root: Path, sizes: list[int], work: Path, seed: int = 0) -> list[Run]:
    frictionless = str(Path(sys.executable).with_name("frictionless"))
    runs = []
    for events in sizes:
        package = work / f"synth-{events}-{seed}"
        if not package.exists():
            # in a child process: a big parent would pass its peak RSS on to every measured child
            subprocess.run([sys.executable, "-m", "validate", "synth", str(package), "--rows", str(events), "--seed", str(seed),
                            "--from", str(root)], check=True, stdout=subprocess.DEVNULL)
        rows = total_rows(package)
        for tool, argv in (("validate", [sys.executable, "-m", "validate", str(package), "--max-bytes", str(1 << 40)]),
                           ("frictionless", [frictionless, "validate", "datapackage.json"])):
            seconds, peak, code = measure(argv, package if tool == "frictionless" else root)
            runs.append(Run(tool, events, rows, seconds, peak, code))
    return runs


def report(runs: list[Run]) -> str:
    lines = [f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}", "",
             "| events | rows (all tables) | tool | wall s | rows/s | peak RSS MB | exit | time ratio (validate / frictionless) |",
             "|---:|---:|---|---:|---:|---:|---:|---:|"]
    by = {(r.tool, r.events): r for r in runs}
    for r in runs:
        other = by.get(("frictionless", r.events))
        ratio = f"{r.seconds / other.seconds:.2f}" if r.tool == "validate" and other else ""
        lines.append(f"| {r.events:,} | {r.rows:,} | {r.tool} | {r.seconds:.2f} | {r.rows / r.seconds:,.0f} | {r.peak_mb:,.0f} | {r.exit_code} | {ratio} |")
    return "\n".join(lines) + "\n"
