"""The canonical form of a table, so that a one-cell correction is a one-line diff.

UTF-8 without BOM, LF line endings, the header in schema order, rows sorted by primary key
(code-point order of the key's text), a cell quoted only when it holds a comma, a double
quote, LF or CR, and a final newline. Formatting only reorders and re-quotes: every value
survives byte for byte.
"""

from __future__ import annotations

import csv
import difflib
import io
from operator import itemgetter


def _quoted(value: str) -> str:
    if any(c in value for c in ',"\n\r'):
        return '"' + value.replace('"', '""') + '"'
    return value


def render(rows: list[list[str]]) -> str:
    """CSV text of `rows` in canonical quoting."""
    if any("\r" in cell for row in rows for cell in row):
        # csv.writer leaves a bare CR unquoted when the terminator is LF, which would split the row
        # a row of one empty cell is written '""', as csv.writer does, or it would read back as a blank line
        return "".join((",".join(map(_quoted, row)) if row != [""] else '""') + "\n" for row in rows)
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n", quoting=csv.QUOTE_MINIMAL).writerows(rows)
    return buf.getvalue()


def canonical_rows(header: list[str], rows: list[list[str]], fields: list[str], primary_key: list[str]) -> list[list[str]]:
    """Header and rows with columns in schema order and rows sorted by primary key.
    `header` must hold the schema's fields in some order; every row must be as wide as it."""
    if header != fields:
        order = itemgetter(*[header.index(f) for f in fields])
        rows = [list(order(r)) if len(fields) > 1 else [order(r)] for r in rows]
    key = itemgetter(*[fields.index(k) for k in primary_key])
    return [list(fields)] + sorted(rows, key=key)  # sorted() is stable: equal keys keep their order


def differing_lines(current: str, canonical: str) -> list[tuple[int, int]]:
    """(first line, number of lines) of each block of `current` that differs from `canonical`."""
    a, b = current.split("\n"), canonical.split("\n")
    blocks = []
    for tag, i1, i2, _, _ in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if tag != "equal":
            blocks.append((i1 + 1, max(i2 - i1, 1)))
    return blocks
