"""Validating a whole package: descriptor, tables, cross-table rules, evidence, coverage."""

from __future__ import annotations

from pathlib import Path

from schemas import Context, check_table, coverage_problems

from .descriptor import DESCRIPTOR, load
from .paths import DEFAULT_MAX_BYTES
from .problems import Problem, sort_problems
from .reader import read_table


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
    ctx = Context(root, {name: (t.frame if t else None) for name, t in tables.items()}, max_bytes, desc.resources)
    for res in desc.resources:
        table = tables[res["name"]]
        if table is not None:
            problems += check_table(res, table.frame, table.lines, ctx)
    problems += coverage_problems(ctx, desc.resources)
    return sort_problems(problems, [DESCRIPTOR] + [r["path"] for r in desc.resources])
