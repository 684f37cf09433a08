"""Archived reference texts that tables are derived from (a resource's `derivedFrom`): each must be
readable inside the package and have the SHA-256 the descriptor records, like the sources' texts."""

from __future__ import annotations

from validate.descriptor import DESCRIPTOR
from validate.paths import PathRefused
from validate.problems import Problem, problem

from .context import Context


def archive_problems(ctx: Context, desc) -> list[Problem]:
    out = []
    for res in desc.resources:
        spec = res.get("derivedFrom")
        if spec is None:
            continue
        where = ('"resources"', f'"name": "{res["name"]}"', '"derivedFrom"')
        got = ctx.source_file(spec["path"])
        if isinstance(got, PathRefused):
            out.append(problem(DESCRIPTOR, *desc.locate(*where, '"path"'), got.code, got.detail))
        elif got.sha256 != spec["sha256"]:
            out.append(problem(DESCRIPTOR, *desc.locate(*where, '"sha256"'), "source-hash-mismatch",
                               f"{spec['path']} has SHA-256 {got.sha256}, not {spec['sha256']}"))
        elif got.text is None:
            out.append(problem(DESCRIPTOR, *desc.locate(*where, '"path"'), "encoding-error", f"{spec['path']} is not UTF-8"))
    return out
