"""Inline `data`: an array of arrays whose first is the header, or an array of objects, read as a
table whose rows are located at their lines in datapackage.json (the resource's path becomes
datapackage.json)."""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path

from .paths import DEFAULT_MAX_BYTES, PathRefused, read_bytes
from .problems import Problem, problem

DESCRIPTOR = "datapackage.json"


def check_inline(res: dict, err, conventions: frozenset[str]) -> tuple[list, bool]:
    """Inline `data`: an array of arrays whose first is the header, or an array of objects; its
    rows are checked like a table's, located at their lines in datapackage.json (the resource's
    path becomes datapackage.json)."""
    data = res["data"]
    if "path" in res:
        return err("has both 'path' and 'data'; a resource holds its rows in one of the two", '"data"'), False
    if not isinstance(data, list) or not data or not (all(isinstance(r, list) for r in data) or all(isinstance(r, dict) for r in data)):
        return err("inline 'data' must be a non-empty array of arrays (the first one the header) or an array of objects", '"data"'), False
    if isinstance(data[0], list) and not all(isinstance(h, str) for h in data[0]):
        return err("the first array of inline 'data' is the header: it must hold the field names as strings", '"data"'), False
    for key in ("dialect", "compression", "encoding", "bytes", "hash"):
        if key in res:
            return err(f"'{key}' describes a file, and inline 'data' is none; drop '{key}'", f'"{key}"'), False
    out = []
    if "tablePaths" in conventions:
        out += err("inline 'data' conflicts with conventions.tablePaths, which keeps each table in data/<name>.csv; "
                   "the rows are still checked", '"data"')
    res["path"] = DESCRIPTOR  # where its problems are
    return out, True


def inline_cell(value: object) -> str | None:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (str, int)):
        return str(value)
    if isinstance(value, float):
        return repr(value)
    return None  # an array or object: no cell


def inline_lines(text: str, data: list) -> list[int]:
    """The line in datapackage.json where each element of the inline array starts (in one pass)."""
    import json

    decoder = json.JSONDecoder()
    ws = re.compile(r"[ \t\n\r]*")
    for m in re.finditer(r'"data"[ \t\n\r]*:[ \t\n\r]*\[', text):
        try:
            value, _ = decoder.raw_decode(text, m.end() - 1)
        except ValueError:
            continue
        if value != data:
            continue
        starts, pos = [], ws.match(text, m.end()).end()
        line, counted = text.count("\n", 0, pos) + 1, pos  # counted on from the last element: linear, not quadratic
        for _ in data:
            line, counted = line + text.count("\n", counted, pos), pos
            starts.append(line)
            _, pos = decoder.raw_decode(text, pos)
            pos = ws.match(text, pos).end() + 1  # past the comma
            pos = ws.match(text, pos).end()
        return starts
    return [1] * len(data)


def read_inline(root: Path, res: dict, max_bytes: int = DEFAULT_MAX_BYTES):
    """(Table, problems) of inline data, each row at its line in datapackage.json."""
    from .reader import check_header, table_of, width_problem

    try:
        text = read_bytes(root, DESCRIPTOR, max_bytes).decode("utf-8")
    except (PathRefused, UnicodeDecodeError):
        text = ""
    data, fields = res["data"], [f["name"] for f in res["schema"]["fields"]]
    lines = inline_lines(text, data)
    out: list[Problem] = []
    if isinstance(data[0], list):
        header, rows, lines = data[0], data[1:], lines
        found, usable = check_header(DESCRIPTOR, header, fields, res["schema"].get("fieldsMatch", "exact"))
        out += [replace(p, line=lines[0]) for p in found]
        if not usable:
            return None, out
        lines = lines[1:]
    else:
        header, rows = fields, []
        for row, line in zip(data, lines):
            extra = [k for k in row if k not in fields]
            if extra:
                out.append(problem(DESCRIPTOR, line, extra[0], "extra-cell", f"keys {extra[:5]!r} are not fields of the resource"))
            rows.append([row.get(f) for f in fields])
    n = len(header)
    kept, kept_lines = [], []
    for row, line in zip(rows, lines):
        cells = [inline_cell(v) for v in row]
        if None in cells:
            out.append(problem(DESCRIPTOR, line, header[cells.index(None)] if cells.index(None) < n else cells.index(None) + 1, "type-error",
                               "an inline cell is an array or object; cells are strings, numbers, booleans or null"))
            cells = ["" if c is None else c for c in cells]
        if len(cells) != n:
            out.append(width_problem(DESCRIPTOR, line, len(cells), header))
        kept.append((cells + [""] * n)[:n])
        kept_lines.append(line)
    return table_of(res["name"], DESCRIPTOR, header, fields, kept, kept_lines), out


def inline_rows(res: dict) -> list[list[str]]:
    """Header and rows of inline data as text (for diff)."""
    fields = [f["name"] for f in res["schema"]["fields"]]
    data = res["data"]
    rows = data[1:] if isinstance(data[0], list) else [[r.get(f) for f in fields] for r in data]
    header = data[0] if isinstance(data[0], list) else fields
    return [list(header)] + [[inline_cell(v) or "" for v in (list(r) + [None] * len(header))[: len(header)]] for r in rows]
