"""Retired ids: every id that a release published and a later change removed stays reserved.

The reviewed table that holds them is the resource the descriptor marks `"retiredKeys": true`
(resource, id, version, reason). `bump` appends the ids a change removes; the validator reports
any table that uses one again (`reused-id`), so an id means one fact forever, in every clone.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import TYPE_CHECKING

from .canonical import canonical_rows, render
from .descriptor import DESCRIPTOR
from .paths import write_atomic

if TYPE_CHECKING:
    from .diff import PackageDiff

MARK = "retiredKeys"


def retired_resource(resources: list[dict]) -> dict | None:
    """The resource declared to hold retired ids, if the package declares one."""
    return next((r for r in resources if isinstance(r, dict) and r.get(MARK) is True), None)


def record_removed(root: Path, d: "PackageDiff", version: str, reason: str = "removed; see CHANGELOG.md") -> list[str]:
    """Append the single-field ids the change removes to the retired table; the paths written."""
    desc = json.loads((root / DESCRIPTOR).read_text(encoding="utf-8"))
    table = retired_resource(desc.get("resources", []))
    if table is None:
        return []
    keyed = {r["name"] for r in desc["resources"] if len(r["schema"].get("primaryKey", [])) == 1}
    removed = [(t.name, key) for t in d.tables if t.name in keyed and t.name != table["name"] for key in t.removed]
    if not removed:
        return []
    path = root / table["path"]
    rows = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8"), newline="")))
    fields = [f["name"] for f in table["schema"]["fields"]]
    header, body = rows[0], rows[1:]
    have = {(r[header.index("resource")], r[header.index("id")]) for r in body}
    new = {"version": version, "reason": reason}
    fresh = [(name, key) for name, key in removed if (name, key) not in have]
    if not fresh:  # running bump again changes nothing, and says so
        return []
    for name, key in fresh:
        values = {"resource": name, "id": key, **new}
        body.append([values.get(f, "") for f in header])
    write_atomic(path, render(canonical_rows(header, body, fields, table["schema"]["primaryKey"])).encode("utf-8"))
    return [table["path"]]
