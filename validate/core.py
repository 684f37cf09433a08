"""Validating a whole package: descriptor, tables, cross-table rules, evidence, archived texts, coverage."""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Callable

from schemas import Context, aligned, archive_problems, check_table, coverage_problems

from . import arrow_read
from .declarations import FILE_CODES
from .descriptor import DESCRIPTOR, load
from .integrity import integrity_problems
from .paths import DEFAULT_MAX_BYTES, file_size
from .problems import Problem, problem, sort_problems
from .reader import read_table
from .retired import retired_resource
from .spreadsheet import SUPERSEDES, damage


def validate_package(root: str | Path = ".", max_bytes: int = DEFAULT_MAX_BYTES) -> list[Problem]:
    """All problems of the package at `root`, grouped by file in package order; empty when valid."""
    root = Path(root)
    desc, problems = load(root, max_bytes, partial=True)  # a refused field or resource leaves the rest checked
    if desc is None:
        return sort_problems(problems, [DESCRIPTOR])
    undeclared = frozenset().union(*(codes for key, codes in FILE_CODES.items() if key not in desc.conventions))
    tables = {}
    for res, (table, found) in zip(desc.resources, read_tables(root, desc.resources, max_bytes)):
        tables[res["name"]] = table
        problems += [p for p in found if p.code not in undeclared]
    # a table whose header lacks some fields is checked for the fields it has
    resources = [aligned(r, list(tables[r["name"]].frame.columns)) if tables[r["name"]] else r for r in desc.resources]
    retired = retired_resource(resources)
    ctx = Context(root, {name: (t.frame if t else None) for name, t in tables.items()}, max_bytes, resources,
                  retired["name"] if retired else None, desc.conventions, len(desc.resources) == len(desc.data["resources"]))
    found, (coverage, damaged) = check_tables(resources, tables, ctx, lambda: coverage_problems(ctx, resources), lambda: damage(resources, tables))
    problems += found
    problems += integrity_problems(root, desc, max_bytes)
    problems += archive_problems(ctx, desc)
    problems += coverage
    problems = _spreadsheet(problems, *damaged)
    return sort_problems(problems, [DESCRIPTOR] + [r["path"] for r in desc.resources])


# From this many bytes of tables, all but the largest are read two at a time: Arrow's parse and the
# canonical-form comparison release the GIL; below it, threads cost more than they save.
PARALLEL_FROM_BYTES = 32 << 20


def _workers() -> int:
    return min(2, os.cpu_count() or 1)


def read_tables(root: Path, resources: list[dict], max_bytes: int) -> list[tuple]:
    """read_table of every resource, in resource order."""
    sizes = [file_size(root, res.get("path")) if "data" not in res else 0 for res in resources]
    if _workers() < 2 or sum(sizes) < PARALLEL_FROM_BYTES:
        return [read_table(root, res, max_bytes) for res in resources]
    largest = max(range(len(resources)), key=sizes.__getitem__)
    rest = [i for i in range(len(resources)) if i != largest]
    out = {}
    if not arrow_read.pending(root, resources[largest].get("path")):
        # the largest table alone and first, while little else is held: its parse beside another
        # table's raised the peak memory at 1M events by 200 MB
        out[largest] = read_table(root, resources[largest], max_bytes)
    else:  # parsed since before the libraries imported: one worker waits for it, the other reads the rest
        rest.insert(0, largest)
    with ThreadPoolExecutor(_workers()) as pool:
        out |= dict(zip(rest, pool.map(lambda i: read_table(root, resources[i], max_bytes), rest)))
    return [out[i] for i in range(len(resources))]


# From this many rows in all, tables are checked two at a time: the rules spend their time in
# Arrow and numpy kernels, which release the GIL, and tables are independent of each other.
PARALLEL_FROM_ROWS = 200_000


def check_tables(resources: list[dict], tables: dict, ctx: Context, *also: Callable[[], object]) -> tuple[list[Problem], list]:
    """The problems of every read table, in resource order, and the result of each of `also`
    (package-wide work that reads the tables and changes nothing), done beside the tables' checks."""
    todo = [(res, tables[res["name"]]) for res in resources if tables[res["name"]] is not None]
    if _workers() < 2 or sum(len(t.frame) for _, t in todo) < PARALLEL_FROM_ROWS:
        return [p for res, t in todo for p in check_table(res, t.frame, t.lines, ctx)], [work() for work in also]
    ctx.texts()  # read once here, not raced for by two tables' rules

    def check(i: int) -> list[Problem]:
        res, t = todo[i]
        return check_table(res, t.frame, t.lines, ctx)

    # the largest table first, then the package-wide work, then the other tables largest first
    # (one after the other, coverage and spreadsheet damage added 2 s to the 6 s of checks at 1M events)
    largest_first = sorted(range(len(todo)), key=lambda i: -todo[i][1].frame.size)
    with ThreadPoolExecutor(_workers()) as pool:  # a pool runs its work in the order submitted
        checks = {largest_first[0]: pool.submit(check, largest_first[0])}
        extra = [pool.submit(work) for work in also]
        checks |= {i: pool.submit(check, i) for i in largest_first[1:]}
        return [p for i in range(len(todo)) for p in checks[i].result()], [f.result() for f in extra]


def _spreadsheet(problems: list[Problem], cells: list, cascades: set) -> list[Problem]:
    """Add the cells a spreadsheet damaged, and drop what those cells merely break: the same cell's
    pattern or type error, and references to a code whose zeros were lost."""
    if not cells:
        return problems
    hidden = {(c.path, c.line, c.field): SUPERSEDES[c.code] for c in cells}
    kept = [p for p in problems
            if p.code not in hidden.get((p.path, p.line, p.column), ())
            and not (p.code == "dangling-foreign-key" and (p.path, p.line, p.column) in cascades)]
    return kept + [problem(c.path, c.line, c.field, c.code, c.detail) for c in cells]
