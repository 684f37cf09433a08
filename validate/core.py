"""Validating a whole package: descriptor, tables, cross-table rules, evidence, archived texts, coverage."""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Callable

from schemas import Context, aligned, archive_problems, check_table, coverage_problems
from schemas.rule import forget_columns

from . import arrow_read, staged
from .declarations import FILE_CODES
from .descriptor import DESCRIPTOR, load
from .integrity import integrity_problems
from .paths import DEFAULT_MAX_BYTES, file_size
from .problems import Problem, problem, sort_problems
from .reader import Table, read_table
from .retired import retired_resource
from .spreadsheet import SUPERSEDES, damage, links, sheet_of


def validate_package(root: str | Path = ".", max_bytes: int = DEFAULT_MAX_BYTES) -> list[Problem]:
    """All problems of the package at `root`, grouped by file in package order; empty when valid."""
    root = Path(root)
    desc, problems = load(root, max_bytes, partial=True)  # a refused field or resource leaves the rest checked
    if desc is None:
        return sort_problems(problems, [DESCRIPTOR])
    undeclared = frozenset().union(*(codes for key, codes in FILE_CODES.items() if key not in desc.conventions))
    tables: dict = {}
    columns: dict[str, list[str]] = {}  # the columns each table was read with, before any was cut

    def take(resources: list[dict], results: list[tuple]) -> None:
        for res, (table, found) in zip(resources, results):
            tables[res["name"]] = table
            if table is not None:
                columns[res["name"]] = list(table.frame.columns)
            problems.extend(p for p in found if p.code not in undeclared)

    sizes = [file_size(root, res.get("path")) if "data" not in res else 0 for res in desc.resources]
    known: dict = {}  # the spreadsheet sheets of tables checked before the others were read
    rest_read = None
    while (first := staged.largest(desc.resources, sizes, set(tables))) is not None:
        needed = [r for r in desc.resources if r["name"] not in tables and r["name"] in staged.depends_on(first, desc.resources)] + [first]
        take(needed, [read_table(root, r, max_bytes) for r in needed])
        _release()
        rest = [r for r in desc.resources if r["name"] not in tables]
        # the last table checked on its own is checked while the rest are read (Arrow's parse
        # leaves the GIL to the rules): those fit beside it, as they fit together
        last = staged.largest(desc.resources, sizes, set(tables)) is None
        found, rest_read = _check_first(root, desc, first, tables, columns, known, max_bytes,
                                        (lambda rest=rest: (rest, read_tables(root, rest, max_bytes))) if last else None)
        problems += found
        if rest_read is not None:
            take(*rest_read)
        _release()  # the cut columns, now that nothing refers to them
        if rest_read is not None:
            break
    rest = [r for r in desc.resources if r["name"] not in tables]
    take(rest, read_tables(root, rest, max_bytes))
    if known:
        _release()
    resources = _aligned(desc.resources, columns)
    ctx = _context(root, desc, resources, tables, max_bytes)
    found, (coverage, damaged) = check_tables([r for r in resources if r["name"] not in known], tables, ctx,
                                              lambda: coverage_problems(ctx, resources), lambda: damage(resources, tables, known))
    problems += found
    problems += integrity_problems(root, desc, max_bytes)
    problems += archive_problems(ctx, desc)
    problems += coverage
    problems = _spreadsheet(problems, *damaged)
    return sort_problems(problems, [DESCRIPTOR] + [r["path"] for r in desc.resources])


def _aligned(resources: list[dict], columns: dict[str, list[str]]) -> list[dict]:
    # a table whose header lacks some fields is checked for the fields it has
    return [aligned(r, columns[r["name"]]) if r["name"] in columns else r for r in resources]


def _context(root: Path, desc, resources: list[dict], tables: dict, max_bytes: int, frames: dict | None = None) -> Context:
    retired = retired_resource(resources)
    frames = {name: (t.frame if t else None) for name, t in tables.items()} if frames is None else frames
    return Context(root, frames, max_bytes, resources, retired["name"] if retired else None, desc.conventions,
                   len(desc.resources) == len(desc.data["resources"]))


def _check_first(root: Path, desc, first: dict, tables: dict, columns: dict, known: dict, max_bytes: int,
                 beside: Callable[[], object] | None = None) -> tuple[list[Problem], object]:
    """The problems of `first`, checked with only the tables it needs read, after which its frame
    keeps only the fields the rest of the validation reads (staged.kept_fields) and its sheet is
    put in `known`; and the result of `beside` (work that changes nothing here), done meanwhile.
    Nothing is checked when `first` could not be read or asks for a table not read."""
    table = tables[first["name"]]
    if table is None:
        return [], beside() if beside else None
    resources = _aligned(desc.resources, columns)
    res = next(r for r in resources if r["name"] == first["name"])
    pending = {r["name"] for r in resources} - set(tables)
    ctx = _context(root, desc, resources, tables, max_bytes,
                   staged.Frames({name: (t.frame if t else None) for name, t in tables.items()}, pending))
    linked = links(resources)
    looked_at = [r for r in resources if r["name"] not in known and tables.get(r["name"]) is not None
                 and (r["name"] == res["name"] or r["name"] in staged.depends_on(res, resources))]
    with ThreadPoolExecutor(2) as pool:  # the sheets beside the rules, as the usual path does
        sheets_done = pool.submit(lambda: {r["name"]: sheet_of(r, tables[r["name"]], linked, tables) for r in looked_at})
        other = pool.submit(beside) if beside else None
        try:
            ctx.texts()
            found = check_table(res, table.frame, table.lines, ctx)
        except staged.NotRead:
            return [], other and other.result()  # checked with the others instead
        except RuntimeError:  # a rule's own error: the usual path reports it, with every table read
            return [], other and other.result()
        finally:
            sheets = sheets_done.result() | {name: known[name] for name in known}
        more = other and other.result()
    known[res["name"]] = sheets[res["name"]]
    kept = staged.kept_fields(res, resources, {name for name, sheet in sheets.items() if sheet is not None})
    tables[res["name"]] = Table(table.name, table.path, table.frame[kept], table.lines)
    return found, more


def _trim() -> None:
    """glibc's malloc_trim where there is one: numpy's arrays of a large table's checks come from
    the C heap, which keeps what they freed (200-300 MB after the events table at 1M)."""
    try:
        import ctypes

        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):
        pass


def _release() -> None:
    """Give back to the system the memory Arrow's pool freed: a table's parse leaves 100-300 MB
    that mimalloc would keep for later allocations of other sizes."""
    import pyarrow as pa

    pa.default_memory_pool().release_unused()
    _trim()


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
        try:
            return check_table(res, t.frame, t.lines, ctx)
        finally:
            forget_columns(t.frame)
            _release()

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
