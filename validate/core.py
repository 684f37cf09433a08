"""Validating a whole package: descriptor, tables, cross-table rules, evidence, archived texts, coverage."""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
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
    read = _Read(root, desc, max_bytes, problems)
    sizes = [file_size(root, res.get("path")) if "data" not in res else 0 for res in desc.resources]
    while (first := staged.largest(desc.resources, sizes, set(read.tables))) is not None:
        read.staging = True
        read.take([r for r in desc.resources if r["name"] not in read.tables and r["name"] in staged.depends_on(first, desc.resources)] + [first])
        rest = [r for r in desc.resources if r["name"] not in read.tables]
        # the last table checked on its own is checked while the rest are read (Arrow's parse
        # leaves the GIL to the rules): those fit beside it, as they fit together
        last = staged.largest(desc.resources, sizes, set(read.tables)) is None
        rest_read = _check_staged(read, first, (lambda: read_tables(root, rest, max_bytes)) if last else None)
        _release()  # the columns cut
        if last:
            read.took(rest, rest_read)
            break
    read.take([r for r in desc.resources if r["name"] not in read.tables], together=True)
    resources = read.resources()
    ctx = read.context(resources)
    found, (coverage, damaged) = check_tables([r for r in resources if r["name"] not in read.checked], read.tables, ctx,
                                              lambda: coverage_problems(ctx, resources), lambda: damage(resources, read.tables, read.sheets))
    problems += found
    problems += integrity_problems(root, desc, max_bytes)
    problems += archive_problems(ctx, desc)
    problems += coverage
    problems = _spreadsheet(problems, *damaged)
    return sort_problems(problems, [DESCRIPTOR] + [r["path"] for r in desc.resources])


@dataclass
class _Read:
    """What validate_package has read so far, and what it found."""

    root: Path
    desc: object
    max_bytes: int
    problems: list[Problem]
    tables: dict = field(default_factory=dict)  # name -> Table or None
    columns: dict = field(default_factory=dict)  # the columns each table was read with, before any was cut
    sheets: dict = field(default_factory=dict)  # the spreadsheet sheets of tables checked on their own (name -> Sheet or None)
    checked: set = field(default_factory=set)  # the tables checked before the rest were read
    files: dict = field(default_factory=dict)  # the archived texts read, for every Context
    staging: bool = False  # whether tables are checked on their own before the rest are read

    def take(self, resources: list[dict], together: bool = False) -> None:
        self.took(resources, read_tables(self.root, resources, self.max_bytes) if together
                  else [read_table(self.root, r, self.max_bytes) for r in resources])

    def took(self, resources: list[dict], results: list[tuple]) -> None:
        undeclared = frozenset().union(*(codes for key, codes in FILE_CODES.items() if key not in self.desc.conventions))
        for res, (table, found) in zip(resources, results):
            self.tables[res["name"]] = table
            if table is not None:
                self.columns[res["name"]] = list(table.frame.columns)
            self.problems.extend(p for p in found if p.code not in undeclared)
        if self.staging:  # what the reads left behind, before a large table's checks
            _release()

    def resources(self) -> list[dict]:
        # a table whose header lacks some fields is checked for the fields it has
        return [aligned(r, self.columns[r["name"]]) if r["name"] in self.columns else r for r in self.desc.resources]

    def context(self, resources: list[dict], staging: bool = False) -> Context:
        """The Context of the tables read; `staging`: asking for a table not read raises NotRead."""
        retired = retired_resource(resources)
        frames = {name: (t.frame if t else None) for name, t in self.tables.items()}
        if staging:
            frames = staged.Frames(frames, {r["name"] for r in resources} - set(self.tables))
        return Context(self.root, frames, self.max_bytes, resources, retired["name"] if retired else None, self.desc.conventions,
                       len(self.desc.resources) == len(self.desc.data["resources"]), _files=self.files)


def _check_staged(read: _Read, first: dict, beside: Callable[[], object] | None = None) -> object:
    """Check `first` with only the tables it needs read, then cut its frame to the fields the rest
    of the validation reads (staged.kept_fields) and keep its sheet; meanwhile check the other
    tables read and not checked yet, each unless it asks for a table not read; and return the
    result of `beside` (work that changes nothing here), done meanwhile too. A table that asks
    for one not read, or whose rule fails, is left to be checked with the rest."""
    table = read.tables[first["name"]]
    resources = read.resources()
    ctx = read.context(resources, staging=True)
    try:
        ctx.texts()  # read once here, not raced for by two tables' rules
    except staged.NotRead:
        table = None
    if table is None:
        return beside() if beside else None
    res = next(r for r in resources if r["name"] == first["name"])
    linked = links(resources)
    mine = staged.depends_on(res, resources) | {res["name"]}
    looked_at = [r for r in resources if r["name"] in mine and r["name"] not in read.sheets and read.tables.get(r["name"]) is not None]
    early = [r for r in resources if r["name"] not in read.checked | {res["name"]} and read.tables.get(r["name"]) is not None]

    def check(r: dict) -> list[Problem] | None:
        t = read.tables[r["name"]]
        try:
            return check_table(r, t.frame, t.lines, ctx)
        except (staged.NotRead, RuntimeError):  # the usual path checks it again, and reports a rule's own error
            return None
        finally:
            forget_columns(t.frame)

    with ThreadPoolExecutor(2) as pool:  # the sheets and the other tables beside its rules, as the usual path does
        sheets = pool.submit(lambda: {r["name"]: sheet_of(r, read.tables[r["name"]], linked, read.tables) for r in looked_at})
        others = pool.submit(lambda: {r["name"]: check(r) for r in early})
        more = pool.submit(beside) if beside else None
        found = check(res)
        sheets, others, more = sheets.result() | read.sheets, others.result(), more and more.result()
    for name, got in others.items():
        if got is not None:
            read.checked.add(name)
            read.problems += got
    if found is not None:
        read.checked.add(res["name"])
        read.problems += found
        read.sheets[res["name"]] = sheets[res["name"]]
        kept = staged.kept_fields(res, resources, {name for name, sheet in sheets.items() if sheet is not None})
        read.tables[res["name"]] = Table(table.name, table.path, table.frame[kept], table.lines)
    return more


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
