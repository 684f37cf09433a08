"""Validating a whole package: descriptor, tables, cross-table rules, evidence, archived texts, coverage."""

from __future__ import annotations

from pathlib import Path

from schemas import Context, archive_problems, check_table, coverage_problems

from .descriptor import DESCRIPTOR, load
from .paths import DEFAULT_MAX_BYTES
from .problems import Problem, problem, sort_problems
from .reader import read_table
from .retired import retired_resource
from .spreadsheet import SUPERSEDES, damage


def validate_package(root: str | Path = ".", max_bytes: int = DEFAULT_MAX_BYTES) -> list[Problem]:
    """All problems of the package at `root`, grouped by file in package order; empty when valid."""
    root = Path(root)
    desc, problems = load(root, max_bytes)
    if desc is None:
        return sort_problems(problems, [DESCRIPTOR])
    tables = {}
    for res in desc.resources:
        tables[res["name"]], found = read_table(root, res, max_bytes)
        problems += found
    retired = retired_resource(desc.resources)
    ctx = Context(root, {name: (t.frame if t else None) for name, t in tables.items()}, max_bytes, desc.resources,
                  retired["name"] if retired else None)
    for res in desc.resources:
        table = tables[res["name"]]
        if table is not None:
            problems += check_table(res, table.frame, table.lines, ctx)
    problems += archive_problems(ctx, desc)
    problems += coverage_problems(ctx, desc.resources)
    problems = _spreadsheet(problems, desc.resources, tables)
    return sort_problems(problems, [DESCRIPTOR] + [r["path"] for r in desc.resources])


def _spreadsheet(problems: list[Problem], resources: list[dict], tables: dict) -> list[Problem]:
    """Add the cells a spreadsheet damaged, and drop what those cells merely break: the same cell's
    pattern or type error, and references to a code whose zeros were lost."""
    cells, cascades = damage(resources, tables)
    if not cells:
        return problems
    hidden = {(c.path, c.line, c.field): SUPERSEDES[c.code] for c in cells}
    kept = [p for p in problems
            if p.code not in hidden.get((p.path, p.line, p.column), ())
            and not (p.code == "dangling-foreign-key" and (p.path, p.line, p.column) in cascades)]
    return kept + [problem(c.path, c.line, c.field, c.code, c.detail) for c in cells]
