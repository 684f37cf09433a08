"""Rewriting tables into canonical form: lossless, idempotent, and all-or-nothing.

What a spreadsheet did on save is undone on the way where exactly one repair fits (see
spreadsheet.py): lost leading zeros, locale dates, a file re-encoded as Windows-1252. Each
repaired cell is listed; a cell with more than one possible repair stops fmt, naming the choice.
A table read through a Table Dialect or gzip (validate/dialect.py, validate/integrity.py) is not plain CSV, so it has
no canonical form: fmt leaves it as it is.

The formatted package is validated in a scratch copy before any file of the real package is
replaced, and each replacement is an atomic rename: a failing or interrupted run leaves every
file either as it was or fully formatted.
"""

from __future__ import annotations

import csv
import io
import os
import shutil
import stat
from pathlib import Path

from schemas import aligned

from . import dialect
from .canonical import canonical_rows, differing_lines, render
from .core import validate_package
from .descriptor import DESCRIPTOR, load
from .paths import DEFAULT_MAX_BYTES, PathRefused, read_bytes, scratch_directory, write_all_atomic
from .problems import Problem, problem, sort_problems
from .reader import decode, header_columns, syntax_problem
from .spreadsheet import FILE_ENCODING, Sheet, plan_cells

FIXED_BY_FMT = {"bom", "line-ending", "missing-final-newline", "not-canonical", "header-mismatch", "spreadsheet-encoding"}


def _read(root: Path, res: dict, max_bytes: int) -> tuple[bytes | None, Sheet | None, list[str], list[Problem]]:
    """(current bytes, rows in schema order, repair notes, problems fmt cannot fix) for one resource.
    A file that reads as Windows-1252 and nothing else (decode says so) is taken as that text."""
    path = res["path"]
    fields = [f["name"] for f in res["schema"]["fields"]]
    try:
        raw = read_bytes(root, path, max_bytes)
    except PathRefused as exc:
        return None, None, [], [problem(path, 1, 1, exc.code, exc.detail)]
    text, found = decode(raw, path)
    unfixable = [p for p in found if p.code not in FIXED_BY_FMT]
    if text is None or unfixable:
        return None, None, [], unfixable if text is not None else found  # unreadable: every reason counts
    notes = [f"{p.path}:{p.line}:{p.column}: encoding {FILE_ENCODING} -> UTF-8" for p in found if p.code == "spreadsheet-encoding"]
    if not text:
        return None, None, [], [problem(path, 1, 1, "empty-file", f"expected the header {','.join(fields)}")]
    try:
        rows = list(csv.reader(io.StringIO(text, newline=""), strict=True))
    except csv.Error as exc:
        return None, None, [], [syntax_problem(text, path, exc)]
    header = rows[0]
    columns, mismatch = header_columns(path, header, fields, res["schema"].get("fieldsMatch", "exact"))
    if mismatch is not None:
        return None, None, [], [mismatch]  # under "exact" only a reordered header is fixable
    lines, line = [], 2 + sum(c.count("\n") for c in header)
    for i, row in enumerate(rows[1:], start=2):
        if len(row) != len(header):
            return None, None, [], [problem(path, line, 1, "extra-cell" if len(row) > len(header) else ("blank-row" if not row else "missing-cell"),
                                            f"row {i} has {len(row)} cells where the header has {len(header)}; fmt only reorders and re-quotes")]
        lines.append(line)
        line += 1 + sum(c.count("\n") for c in row)
    at = {h: i for i, h in enumerate(header)}
    order = [at[c] for c in columns]  # columns in canonical order; rows keep their place (and line) for now
    return raw, Sheet(res, [[r[i] for i in order] for r in rows[1:]], lines, columns), notes, []


def plan(root: Path, max_bytes: int = DEFAULT_MAX_BYTES) -> tuple[dict[str, tuple[str, str]], list[str], list[Problem]]:
    """path -> (current text, canonical text) for every table that would change, the notes of the
    spreadsheet damage repaired on the way (path:line:column: field old -> new), and the problems
    that stop formatting: anything but layout and damage with exactly one repair."""
    desc, problems = load(root, max_bytes)
    if desc is None:
        return {}, [], problems
    read: dict[str, tuple[bytes, Sheet]] = {}
    notes: list[str] = []
    plain = [res for res in desc.resources if dialect.plain(res)]  # a dialect or gzip table is left as it is
    for res in plain:
        raw, sheet, repaired, found = _read(root, res, max_bytes)
        problems += found
        notes += repaired
        if sheet is not None:
            read[res["name"]] = (raw, sheet)
    order = [DESCRIPTOR] + [r["path"] for r in desc.resources]
    # the repairs see each table's fields as far as its header names them, as the validator does
    resources = [aligned(r, read[r["name"]][1].fields) if r["name"] in read else r for r in desc.resources]
    cells = plan_cells(resources, {name: sheet for name, (_, sheet) in read.items()})
    for c in cells:
        if c.new is None:
            problems.append(Problem(c.path, c.line, c.field, c.code, f"{c.detail}; fmt repairs a cell only where one value fits, so a person must"))
    if problems:
        return {}, [], sort_problems(problems, order)
    changes: dict[str, tuple[str, str]] = {}
    for res in plain:
        raw, sheet = read[res["name"]]
        fixes = {(c.line, c.field): c.new for c in cells if c.path == res["path"]}
        fields = sheet.fields
        for row, line in zip(sheet.rows, sheet.lines):
            for name in fields:
                if (line, name) in fixes:
                    row[fields.index(name)] = fixes[(line, name)]
        canonical = render(canonical_rows(fields, sheet.rows, fields, res["schema"]["primaryKey"]))
        if raw != canonical.encode("utf-8"):
            current = raw.decode("utf-8-sig") if _utf8(raw) else raw.decode("cp1252")
            changes[res["path"]] = (current, canonical)
    rank = {p: i for i, p in enumerate(order)}
    notes += [c.format() for c in sorted(cells, key=lambda c: (rank[c.path], c.line, c.field))]
    return changes, notes, []


def _utf8(raw: bytes) -> bool:
    try:
        raw.decode("utf-8")
        return True
    except UnicodeDecodeError:
        return False


def check(root: Path, max_bytes: int = DEFAULT_MAX_BYTES) -> list[Problem]:
    """One not-canonical problem per differing block of each file; nothing is written."""
    changes, _, problems = plan(root, max_bytes)
    for path, (current, canonical) in changes.items():
        for line, count in differing_lines(current.replace("\r\n", "\n"), canonical) or [(1, 1)]:
            problems.append(problem(path, line, 1, "not-canonical", f"{count} line{'s' * (count != 1)} from here differ from the canonical form"))
    return problems


def _copy_file(src: str, dst: str) -> None:
    """copy2, except that a FIFO, socket or device is not opened (a FIFO would block, copytree
    would raise): the scratch copy gets an empty FIFO in its place, so the validator reports the
    same path as not a regular file."""
    if stat.S_ISREG(os.lstat(src).st_mode) or os.path.islink(src):
        shutil.copy2(src, dst)
    else:
        os.mkfifo(dst)


def apply(root: Path, max_bytes: int = DEFAULT_MAX_BYTES) -> tuple[list[str], list[Problem], list[str]]:
    """Format every table; returns the paths written and the repaired cells, or the problems that
    stopped it (nothing written)."""
    changes, notes, problems = plan(root, max_bytes)
    if problems:
        return [], problems, []
    with scratch_directory("fmt") as scratch:
        shutil.copy2(root / DESCRIPTOR, scratch / DESCRIPTOR)
        if (root / "data").is_dir():
            shutil.copytree(root / "data", scratch / "data", symlinks=True, copy_function=_copy_file)
        desc, _ = load(root, max_bytes)
        for res in desc.resources if desc is not None else []:  # tables outside data/ (a third-party layout)
            if os.path.lexists(root / res["path"]) and not os.path.lexists(scratch / res["path"]):
                (scratch / res["path"]).parent.mkdir(parents=True, exist_ok=True)
                _copy_file(root / res["path"], scratch / res["path"])
        for path, (_, canonical) in changes.items():
            (scratch / path).write_text(canonical, encoding="utf-8", newline="")
        problems = validate_package(scratch, max_bytes)
    if problems:
        return [], problems, []
    write_all_atomic({root / path: canonical for path, (_, canonical) in changes.items()})
    return sorted(changes), [], notes
