"""Benchmark: our full validation beside the cost of reading the same files with Arrow, beside
`frictionless validate`, and on the same package with its events table in random order.

Each run is a fresh process, one after another (never concurrently), timed by wall clock, with
its peak resident set size read from the kernel (wait4's ru_maxrss). The targets the ratios are
read against are the speed issue's: validation at most 7x Arrow's read and 0.05x frictionless,
a shuffled table at most 1.5x the sorted one (and reported as not-canonical only), 10x the rows
at most 10.5x the time, peak memory at most 1 GB; and the package itself validated within 0.15 s
of CPU of importing the libraries (medians of alternating runs, CPU from wait4's rusage)."""

from __future__ import annotations

import json
import os
import platform
import random
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

# The floor: every table of the package read by Arrow's CSV reader, every column as a string.
ARROW_READ = """
import json, sys
from pathlib import Path
import pyarrow as pa, pyarrow.csv as csv
root = Path(sys.argv[1])
for res in json.loads((root / "datapackage.json").read_text())["resources"]:
    names = [f["name"] for f in res["schema"]["fields"]]
    csv.read_csv(root / res["path"], parse_options=csv.ParseOptions(newlines_in_values=True),
                 convert_options=csv.ConvertOptions(column_types={n: pa.string() for n in names}))
"""
SHUFFLED = "events"  # the table put in random order for the row-order case
TARGETS = {"arrow": 7.0, "frictionless": 0.05, "shuffled": 1.5, "growth": 1.05, "peak_mb": 1024, "above_imports": 0.15}
# What a validation of the real package is compared with: importing the libraries it uses.
IMPORTS = "import pandas, pandera.pandas, pyarrow.compute, pycountry, numpy, csv, json"
REAL = 0  # the `events` of the runs on the package itself (not a synthetic one)
REAL_RUNS = 7


@dataclass
class Run:
    tool: str
    events: int
    rows: int
    seconds: float
    peak_mb: float
    exit_code: int
    codes: tuple[str, ...] = ()  # the problem codes reported (our validator only)
    cpu: float = 0.0  # user + system seconds


def measure(argv: list[str], cwd: Path) -> tuple[float, float, int, str, float]:
    """(wall seconds, peak RSS in MB, exit code, standard output, CPU seconds) of one process."""
    with tempfile.TemporaryFile() as out:
        start = time.perf_counter()
        proc = subprocess.Popen(argv, cwd=cwd, stdout=out, stderr=subprocess.DEVNULL)
        _, status, usage = os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - start
        out.seek(0)
        text = out.read().decode("utf-8", "replace")
    return seconds, usage.ru_maxrss / 1024, os.waitstatus_to_exitcode(status), text, usage.ru_utime + usage.ru_stime


def real_package(root: Path, runs: int = REAL_RUNS) -> list[Run]:
    """The package at `root` validated, and the libraries imported alone, in alternating processes:
    the run of each whose CPU is the median."""
    found: dict[str, list[Run]] = {"imports": [], "validate": []}
    rows = total_rows(root)
    for _ in range(runs):
        for tool, argv in (("imports", [sys.executable, "-c", IMPORTS]), ("validate", [sys.executable, "-m", "validate", str(root), "--format", "json"])):
            seconds, peak, code, output, cpu = measure(argv, root)
            found[tool].append(Run(f"real-{tool}", REAL, rows, seconds, peak, code, problem_codes(output) if tool == "validate" else (), cpu))
    return [sorted(r, key=lambda run: run.cpu)[len(r) // 2] for r in found.values()]


def warm(package: Path) -> int:
    """Read every file of `package` once, so that the run timed next finds them in the page cache:
    the shuffled copy, read first by its own run, paid the disk the sorted package's runs had paid
    already (on a machine reclaiming page cache its validation ran at twice its CPU time). The bytes read."""
    read = 0
    for path in sorted(p for p in package.rglob("*") if p.is_file()):
        with open(path, "rb") as fh:
            while chunk := fh.read(1 << 24):
                read += len(chunk)
    return read


def total_rows(package: Path) -> int:
    return sum(p.read_bytes().count(b"\n") - 1 for p in (package / "data").glob("*.csv"))


def shuffled_path(package: Path) -> Path:
    return package.with_name(package.name + "-shuffled")


def shuffled_copy(package: Path, seed: int) -> Path:
    """The package with its events table's rows (not its header) in random order, made once."""
    out = shuffled_path(package)
    if not out.exists():
        scratch = Path(tempfile.mkdtemp(prefix=".shuffling-", dir=package.parent))
        shutil.copytree(package, scratch, dirs_exist_ok=True)
        table = scratch / "data" / f"{SHUFFLED}.csv"
        # synthetic rows hold no line breaks inside cells, so lines are rows
        header, *rows = table.read_bytes().split(b"\n")[:-1]
        random.Random(seed).shuffle(rows)
        table.write_bytes(b"\n".join([header, *rows]) + b"\n")
        scratch.rename(out)
    return out


def problem_codes(output: str) -> tuple[str, ...]:
    try:
        return tuple(sorted({p["code"] for p in json.loads(output)["problems"]}))
    except (ValueError, TypeError, KeyError):
        return ("unreadable-output",)


def bench(root: Path, sizes: list[int], work: Path, seed: int = 0, frictionless: bool = True, real_runs: int = REAL_RUNS) -> list[Run]:
    runs = []
    work.mkdir(parents=True, exist_ok=True)
    for events in sizes:
        package = work / f"synth-{events}-{seed}"
        if not package.exists():
            # in a child process: a big parent would pass its peak RSS on to every measured child
            subprocess.run([sys.executable, "-m", "validate", "synth", str(package), "--rows", str(events), "--seed", str(seed),
                            "--from", str(root)], check=True, stdout=subprocess.DEVNULL)
        shuffled = shuffled_path(package)
        if not shuffled.exists():  # in a child process too: the shuffle holds the events table's rows
            subprocess.run([sys.executable, "-c", "import sys; from pathlib import Path; from validate.bench import shuffled_copy; "
                            "shuffled_copy(Path(sys.argv[1]), int(sys.argv[2]))", str(package), str(seed)],
                           check=True, cwd=Path(__file__).resolve().parent.parent)
        rows = total_rows(package)
        options = ["--format", "json", "--max-bytes", str(1 << 40)]  # the default limit refuses a 1M-event table
        tools = [("arrow-read", [sys.executable, "-c", ARROW_READ, str(package)], root),
                 ("validate", [sys.executable, "-m", "validate", str(package), *options], root),
                 ("validate-shuffled", [sys.executable, "-m", "validate", str(shuffled), *options], root)]
        if frictionless:
            tools.append(("frictionless", [str(Path(sys.executable).with_name("frictionless")), "validate", "datapackage.json"], package))
        for tool, argv, cwd in tools:
            warm(shuffled if tool == "validate-shuffled" else package)
            seconds, peak, code, output, cpu = measure(argv, cwd)
            runs.append(Run(tool, events, rows, seconds, peak, code, problem_codes(output) if tool.startswith("validate") else (), cpu))
    return runs + (real_package(root, real_runs) if real_runs else [])


def ratios(runs: list[Run]) -> list[tuple[str, int, float, float]]:
    """(what, events, measured, target) for each size: validate / Arrow read, validate /
    frictionless, shuffled / sorted, peak MB; and the time growth per 10x rows between sizes
    (as time ratio / rows ratio, so 1.05 is 10.5x the time for 10x the rows)."""
    by = {(r.tool, r.events): r for r in runs}
    out = []
    sizes = sorted({r.events for r in runs} - {REAL})
    for n in sizes:
        ours = by[("validate", n)]
        for what, other, target in (("validate / Arrow read", "arrow-read", TARGETS["arrow"]),
                                    ("validate / frictionless", "frictionless", TARGETS["frictionless"]),
                                    ("shuffled / sorted", None, TARGETS["shuffled"])):
            base = by.get((other, n)) if other else ours
            mine = by[("validate-shuffled", n)] if other is None else ours
            if base is not None:
                out.append((what, n, mine.seconds / base.seconds, target))
        out.append(("peak RSS MB", n, ours.peak_mb, TARGETS["peak_mb"]))
    for small, large in zip(sizes, sizes[1:]):
        a, b = by[("validate", small)], by[("validate", large)]
        out.append((f"growth {small:,} -> {large:,} (time ratio / rows ratio)", large, (b.seconds / a.seconds) / (b.rows / a.rows), TARGETS["growth"]))
    if ("real-validate", REAL) in by and ("real-imports", REAL) in by:
        out.append(("real package: CPU s above importing the libraries", REAL, by[("real-validate", REAL)].cpu - by[("real-imports", REAL)].cpu,
                    TARGETS["above_imports"]))
    return out


def report(runs: list[Run]) -> str:
    lines = [f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}", "",
             "| events | rows (all tables) | run | wall s | CPU s | rows/s | peak RSS MB | exit | problem codes |",
             "|---:|---:|---|---:|---:|---:|---:|---:|---|"]
    for r in runs:
        lines.append(f"| {_events(r.events)} | {r.rows:,} | {r.tool} | {r.seconds:.2f} | {r.cpu:.2f} | {r.rows / r.seconds:,.0f} | {r.peak_mb:,.0f} | {r.exit_code} "
                     f"| {', '.join(r.codes)} |")
    lines += ["", "| ratio | events | measured | target | met |", "|---|---:|---:|---:|---|"]
    for what, n, value, target in ratios(runs):
        lines.append(f"| {what} | {_events(n)} | {value:,.2f} | {target:,.2f} | {'yes' if value <= target else 'no'} |")
    shuffled = [r for r in runs if r.tool == "validate-shuffled"]
    if shuffled:
        only = all(r.codes == ("not-canonical",) for r in shuffled)
        lines += ["", f"shuffled {SHUFFLED} reported as not-canonical only: {'yes' if only else 'no'}"]
    return "\n".join(lines) + "\n"


def _events(n: int) -> str:
    return "package" if n == REAL else f"{n:,}"
