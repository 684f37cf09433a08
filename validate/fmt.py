"""Rewriting tables into canonical form: lossless, idempotent, and all-or-nothing.

The formatted package is validated in a scratch copy before any file of the real package is
replaced, and each replacement is an atomic rename: a failing or interrupted run leaves every
file either as it was or fully formatted.
"""

from __future__ import annotations

import csv
import io
import shutil
from pathlib import Path

from .canonical import canonical_rows, differing_lines, render
from .core import validate_package
from .descriptor import DESCRIPTOR, load
from .paths import DEFAULT_MAX_BYTES, PathRefused, read_bytes, scratch_directory, write_all_atomic
from .problems import Problem, problem, sort_problems
from .reader import header_problem, syntax_problem, decode

FIXED_BY_FMT = {"bom", "line-ending", "missing-final-newline", "not-canonical", "header-mismatch"}


def _plan_table(root: Path, res: dict, max_bytes: int) -> tuple[str | None, str | None, list[Problem]]:
    """(current text, canonical text, problems fmt cannot fix) for one resource."""
    path = res["path"]
    fields = [f["name"] for f in res["schema"]["fields"]]
    try:
        raw = read_bytes(root, path, max_bytes)
    except PathRefused as exc:
        return None, None, [problem(path, 1, 1, exc.code, exc.detail)]
    text, found = decode(raw, path)
    unfixable = [p for p in found if p.code not in FIXED_BY_FMT]
    if text is None or unfixable:
        return None, None, unfixable
    if not text:
        return None, None, [problem(path, 1, 1, "empty-file", f"expected the header {','.join(fields)}")]
    try:
        rows = list(csv.reader(io.StringIO(text, newline=""), strict=True))
    except csv.Error as exc:
        return None, None, [syntax_problem(text, path, exc)]
    header = rows[0]
    if sorted(header) != sorted(fields) or len(set(header)) != len(header):
        return None, None, [header_problem(path, header, fields)]  # only a reordered header is fixable
    for i, row in enumerate(rows[1:], start=2):
        if len(row) != len(fields):
            return None, None, [problem(path, i, 1, "extra-cell" if len(row) > len(fields) else ("blank-row" if not row else "missing-cell"),
                                        f"row {i} has {len(row)} cells where the header has {len(fields)}; fmt only reorders and re-quotes")]
    canonical = render(canonical_rows(header, rows[1:], fields, res["schema"]["primaryKey"]))
    return raw.decode("utf-8-sig"), canonical, []


def plan(root: Path, max_bytes: int = DEFAULT_MAX_BYTES) -> tuple[dict[str, tuple[str, str]], list[Problem]]:
    """path -> (current text, canonical text) for every table that would change, or the problems
    that stop formatting (anything but layout)."""
    desc, problems = load(root, max_bytes)
    if desc is None:
        return {}, problems
    changes: dict[str, tuple[str, str]] = {}
    for res in desc.resources:
        current, canonical, found = _plan_table(root, res, max_bytes)
        problems += found
        if canonical is not None and current != canonical:
            changes[res["path"]] = (current, canonical)
    return changes, sort_problems(problems, [DESCRIPTOR] + [r["path"] for r in desc.resources])


def check(root: Path, max_bytes: int = DEFAULT_MAX_BYTES) -> list[Problem]:
    """One not-canonical problem per differing block of each file; nothing is written."""
    changes, problems = plan(root, max_bytes)
    for path, (current, canonical) in changes.items():
        for line, count in differing_lines(current.replace("\r\n", "\n"), canonical) or [(1, 1)]:
            problems.append(problem(path, line, 1, "not-canonical", f"{count} line{'s' * (count != 1)} from here differ from the canonical form"))
    return problems


def apply(root: Path, max_bytes: int = DEFAULT_MAX_BYTES) -> tuple[list[str], list[Problem]]:
    """Format every table; returns the paths written, or the problems that stopped it (nothing written)."""
    changes, problems = plan(root, max_bytes)
    if problems:
        return [], problems
    with scratch_directory("fmt") as scratch:
        shutil.copy2(root / DESCRIPTOR, scratch / DESCRIPTOR)
        shutil.copytree(root / "data", scratch / "data", symlinks=True)
        for path, (_, canonical) in changes.items():
            (scratch / path).write_text(canonical, encoding="utf-8", newline="")
        problems = validate_package(scratch, max_bytes)
    if problems:
        return [], problems
    write_all_atomic({root / path: canonical for path, (_, canonical) in changes.items()})
    return sorted(changes), []
