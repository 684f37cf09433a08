"""The canonical form of a table, so that a one-cell correction is a one-line diff.

UTF-8 without BOM, LF line endings, the header in schema order, rows sorted by primary key
(code-point order of the key's text), a cell quoted only when it holds a comma, a double
quote, LF or CR, and a final newline. Formatting only reorders and re-quotes: every value
survives byte for byte. Where the schema's `fieldsMatch` (Table Schema v2) lets a header lack
fields or name other columns, the header keeps exactly its columns: the fields it names in schema
order, then the others in the file's order (column_order).
"""

from __future__ import annotations

import csv
import io
from bisect import bisect_left
from collections import Counter
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


def column_order(header: list[str], fields: list[str]) -> list[str]:
    """The canonical order of a header's (distinct) columns: the schema's fields it names, in schema
    order, then the columns no field names, in the file's order. For a header of exactly the
    fields, the fields; applied to its own result, the same order (fmt is idempotent)."""
    named, known = set(header), set(fields)
    return [f for f in fields if f in named] + [h for h in header if h not in known]


def canonical_rows(header: list[str], rows: list[list[str]], fields: list[str], primary_key: list[str]) -> list[list[str]]:
    """Header and rows with columns in the order `fields` (the schema's, or a column_order) and
    rows sorted by the primary key's parts among them (a part the header lacks is missing in
    every row, so it orders nothing). `header` must hold the same columns in some order; every
    row must be as wide as it."""
    primary_key = [k for k in primary_key if k in set(fields)]
    if header != fields:
        at = {h: i for i, h in enumerate(header)}
        order = itemgetter(*[at[f] for f in fields])
        rows = [list(order(r)) if len(fields) > 1 else [order(r)] for r in rows]
    if not primary_key:  # a table without a key keeps its row order
        return [list(fields)] + [list(r) for r in rows]
    key = itemgetter(*[fields.index(k) for k in primary_key])
    return [list(fields)] + sorted(rows, key=key)  # sorted() is stable: equal keys keep their order


def differing_lines(current: str, canonical: str) -> list[tuple[int, int]]:
    """(first line, number of lines) of each block of `current` that differs from `canonical`.

    Patience-style, O(n log n) whatever the row order: lines occurring once in each text are
    anchors, the longest run of anchors in the same order in both is kept, and the stretches
    between kept anchors (less their equal ends) are the differing blocks. difflib's matcher,
    used before, is quadratic: 100,000 rows with each adjacent pair swapped took minutes."""
    a, b = current.split("\n"), canonical.split("\n")
    last = max(len(a) - (current.endswith("\n")), 1)  # a block the canonical form adds at the end is located at the last line
    count_a, count_b = Counter(a), Counter(b)
    in_b = {line: j for j, line in enumerate(b) if count_b[line] == 1}
    pairs = [(i, in_b[line]) for i, line in enumerate(a) if count_a[line] == 1 and line in in_b]
    blocks = []
    i0 = j0 = 0
    for i1, j1 in _increasing(pairs) + [(len(a), len(b))]:
        while i0 < i1 and j0 < j1 and a[i0] == b[j0]:
            i0, j0 = i0 + 1, j0 + 1
        e1, f1 = i1, j1
        while e1 > i0 and f1 > j0 and a[e1 - 1] == b[f1 - 1]:
            e1, f1 = e1 - 1, f1 - 1
        if i0 < e1 or j0 < f1:
            blocks.append((min(i0 + 1, last), max(e1 - i0, 1)))
        i0, j0 = i1 + 1, j1 + 1
    return blocks


def _increasing(pairs: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """The longest subsequence of `pairs` (sorted by first item) whose second items increase."""
    tails: list[int] = []  # tails[k]: smallest last second item of an increasing run of length k + 1
    ends: list[int] = []  # index in pairs of that last pair
    before = [-1] * len(pairs)
    for k, (_, j) in enumerate(pairs):
        at = bisect_left(tails, j)
        before[k] = ends[at - 1] if at else -1
        if at == len(tails):
            tails.append(j)
            ends.append(k)
        else:
            tails[at], ends[at] = j, k
    out, k = [], ends[-1] if ends else -1
    while k >= 0:
        out.append(pairs[k])
        k = before[k]
    return out[::-1]
