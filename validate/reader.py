"""Reading one CSV resource strictly: every byte-level or structural fault becomes a located problem.

Cells stay text (no value is turned into a number or a missing value here); an empty
cell is the empty string. Each row keeps the line it starts on in the file, so
problems found later point at the right line even after multi-line cells.
"""

from __future__ import annotations

import csv
import io
import threading
from collections import Counter, OrderedDict
from dataclasses import dataclass
from itertools import repeat
from pathlib import Path

import numpy as np
import pandas as pd

from . import arrow_read
from .canonical import canonical_rows, column_order, differing_lines, render
from .paths import DEFAULT_MAX_BYTES, PathRefused, read_bytes
from .problems import Problem, position, problem
from .spreadsheet import FILE_ENCODING, cp1252_text

csv.field_size_limit(DEFAULT_MAX_BYTES)
# Text cells as pandas strings: Python storage for small tables, where the per-call overhead of
# Arrow dominates, and Arrow storage for large ones, where its vectorised kernels win by far.
TEXT = pd.StringDtype(storage="python", na_value=np.nan)
ARROW_TEXT = pd.StringDtype(storage="pyarrow", na_value=np.nan)
ARROW_FROM_ROWS = 5_000


def text_dtype(rows: int) -> pd.StringDtype:
    return ARROW_TEXT if rows >= ARROW_FROM_ROWS else TEXT


@dataclass
class Table:
    name: str
    path: str
    frame: pd.DataFrame  # one str column per field, RangeIndex
    lines: np.ndarray  # lines[i] is the file line where row i starts

    def line(self, index) -> np.ndarray:
        return self.lines[np.asarray(index, dtype=np.int64)]


def decode(raw: bytes, path: str, bom: bool = False) -> tuple[str | None, list[Problem]]:
    """UTF-8 text with LF line endings, and the problems met on the way; None when it cannot be read.
    With `bom` (the resource declares encoding utf-8-sig) a leading byte-order mark is the
    declared encoding's, not a problem of the file."""
    out: list[Problem] = []
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        return None, [problem(path, 1, 1, "encoding-error", "the file starts with a UTF-16 byte-order mark")]
    if raw.startswith(b"\xef\xbb\xbf"):
        if not bom:
            out.append(problem(path, 1, 1, "bom", "the file starts with the UTF-8 byte-order mark EF BB BF"))
        raw = raw[3:]
    nul = raw.find(b"\x00")
    if nul >= 0:
        return None, out + [problem(path, *position(raw, nul), "nul-byte", f"NUL byte at offset {nul}")]
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        where = position(raw, exc.start)
        legacy = cp1252_text(raw)
        if legacy is None:
            return None, out + [problem(path, *where, "encoding-error", f"byte {raw[exc.start]:#04x} at offset {exc.start} is not UTF-8")]
        text, lossless = legacy
        char = bytes([raw[exc.start]]).decode("cp1252")
        if not lossless:
            return None, out + [problem(path, *where, "spreadsheet-encoding",
                                        f"byte {raw[exc.start]:#04x} at offset {exc.start} is {FILE_ENCODING} {char!r}, but the file also holds "
                                        f"UTF-8: it mixes two encodings; re-type the characters from here in a UTF-8 editor")]
        out.append(problem(path, *where, "spreadsheet-encoding",
                           f"byte {raw[exc.start]:#04x} at offset {exc.start} is not UTF-8; the whole file reads as {FILE_ENCODING} ({char!r} here)"))
    cr = text.find("\r")
    if cr >= 0:
        line, col = position(text, cr)
        # reported, not rewritten: csv reads CRLF rows, and a CR inside a quoted cell is data
        out.append(problem(path, line, col, "line-ending", "carriage return (CR) found; the canonical form uses LF only"))
    if text and not text.endswith("\n"):
        out.append(problem(path, text.count("\n") + 1, 1, "missing-final-newline", "the last line has no newline"))
    return text, out


def syntax_problem(text: str, path: str, exc: csv.Error) -> Problem:
    """Locate a csv.Error at the line where the failing record starts (the error path, so a loop is fine)."""
    reader = csv.reader(io.StringIO(text), strict=True)
    start = 1
    try:
        for _ in reader:
            start = reader.line_num + 1
    except csv.Error:
        pass
    return problem(path, start, 1, "csv-syntax", f"{exc} in the record starting here (an unclosed quote swallows the rest of the file)")


def parse(text: str, path: str, name: str, fields: list[str], primary_key: list[str] | None = None,
          match: str = "exact") -> tuple[Table | None, list[Problem]]:
    """Rows of a decoded CSV checked against the schema's field names (as its `fieldsMatch` says),
    and, given the primary key, against the canonical form. A header that differs from the fields
    is reported, and the table keeps the columns of the fields it names (found by name), so their
    rows are still checked."""
    if not text:
        return None, [problem(path, 1, 1, "empty-file", f"expected the header {','.join(fields)}")]
    try:
        rows = list(csv.reader(io.StringIO(text), strict=True))
    except csv.Error as exc:
        return None, [syntax_problem(text, path, exc)]
    header, out = rows[0], []
    found, usable = check_header(path, header, fields, match)
    out += found
    if not usable:
        return None, out  # a repeated or wholly foreign header aligns nothing reliably
    # Row i starts after every line the earlier records used: one each, plus their embedded newlines.
    newlines = np.fromiter(map(str.count, map("\x1f".join, rows), repeat("\n")), dtype=np.int64, count=len(rows))
    starts = 1 + np.concatenate(([0], np.cumsum(newlines + 1)[:-1]))
    widths = np.fromiter(map(len, rows), dtype=np.int64, count=len(rows))
    n = len(header)
    for i in np.flatnonzero(widths != n):
        if widths[i] == 0:
            out.append(problem(path, starts[i], 1, "blank-row", "empty line inside the table"))
        else:
            out.append(width_problem(path, int(starts[i]), int(widths[i]), header))
    if primary_key and not out and text.endswith("\n") and "\r" not in text:  # the header fits the fields (fieldsMatch)
        out += _canonical_problem(text, path, rows, column_order(header, fields), primary_key)
    # Ragged rows are kept, cut or padded to the header, so their keys still count as references.
    good = np.flatnonzero(widths > 0)
    good = good[good > 0]
    kept = [(rows[i] + [""] * n)[:n] for i in good] if out else rows[1:]
    return table_of(name, path, header, fields, kept, starts[good]), out


def width_problem(path: str, line: int, width: int, header: list[str]) -> Problem | None:
    """extra-cell or missing-cell for a row of `width` cells under `header`, or None when it fits."""
    n = len(header)
    if width > n:
        return problem(path, line, n + 1, "extra-cell", f"{width} cells where the header has {n}")
    if width < n:
        return problem(path, line, header[width], "missing-cell", f"{width} cells where the header has {n}")
    return None


def table_of(name: str, path: str, header: list[str], fields: list[str], rows: list[list[str]], lines) -> Table:
    """The Table of rows as wide as `header`: the columns of the fields the header names, as text
    in the storage their number of rows calls for, each row at its line."""
    columns = dict(zip(header, zip(*rows))) if rows else {h: () for h in header}
    dtype = text_dtype(len(rows))
    # arrays, not Series, and no copy: a frame built from Series aligns and copies each (4x the cost)
    frame = pd.DataFrame({f: pd.array(columns[f], dtype=dtype) for f in fields if f in columns}, copy=False)
    return Table(name, path, frame, np.asarray(lines, dtype=np.int64))


def _canonical_problem(text: str, path: str, rows: list[list[str]], fields: list[str], primary_key: list[str]) -> list[Problem]:
    canonical = render(canonical_rows(rows[0], rows[1:], fields, primary_key))
    if canonical == text:
        return []
    blocks = differing_lines(text, canonical)
    first = blocks[0][0] if blocks else 1
    lines = sum(n for _, n in blocks)
    return [problem(path, first, 1, "not-canonical",
                    f"{lines} line{'s' * (lines != 1)} in {len(blocks)} block{'s' * (len(blocks) != 1)} differ from the canonical form "
                    f"(rows sorted by {', '.join(primary_key)}, minimal quoting)")]


FAST_SLICE_ROWS = 100_000


def read_canonical_fast(raw: bytes, path: str, name: str, fields: list[str], primary_key: list[str],
                        parsed=None) -> tuple[Table, list[Problem]] | None:
    """A large table read by Arrow's CSV reader (`parsed`: its result for `raw`, when
    arrow_read.prefetch started it), or None to fall back to the strict reader.

    Arrow is lenient (it accepts an unclosed quote at the end, a blank line), so its result is
    trusted only when rendering the parsed rows in canonical quoting, in the file's row order,
    gives back the file byte for byte: that rendering maps one-to-one to rows, so the parse cannot
    have been wrong. Rows out of key order are then the one problem (not-canonical), found by
    Arrow's sort, so any row order costs about what the sorted one does. A file Arrow cannot read
    or that is quoted otherwise goes through the strict reader, which locates the problem."""
    import pyarrow as pa
    import pyarrow.compute as pc

    header = (",".join(fields) + "\n").encode()
    if len(fields) < 2 or not raw.startswith(header) or not raw.endswith(b"\n") or b"\r" in raw or b"\x00" in raw:
        return None
    table = arrow_read.parse(raw, fields) if parsed is None else parsed
    if table is None:
        return None
    if table.column_names != fields or table.num_rows == 0:
        return None
    # Render canonical lines a slice at a time and compare each with the file's bytes (memcmp),
    # so the transient copies stay small however large the table.
    whole, pos = pa.py_buffer(raw), len(header)
    quote, comma, newline, nothing = (pa.scalar(c, type=pa.large_string()) for c in ('"', ",", "\n", ""))
    for first in range(0, table.num_rows, FAST_SLICE_ROWS):
        cells = []
        for col in table.slice(first, FAST_SLICE_ROWS).columns:
            col = col.combine_chunks()
            special = _needs_quotes(col)
            if special is not None:  # only the few cells that need quotes are quoted, then put in place
                quoted = pc.binary_join_element_wise(quote, pc.replace_substring(col.filter(special), '"', '""'), quote, nothing)
                col = pc.replace_with_mask(col, pa.array(special), quoted)
            cells.append(col)
        cells[-1] = pc.binary_join_element_wise(cells[-1], newline, nothing)  # the newline on the last column: one pass over every byte, not two
        lines = pc.binary_join_element_wise(*cells, comma)
        offsets = value_offsets(lines)
        size = int(offsets[-1] - offsets[0])
        if pos + size > len(raw) or not lines.buffers()[2].slice(int(offsets[0]), size).equals(whole.slice(pos, size)):
            return None
        pos += size
    if pos != len(raw):
        return None
    if raw.count(b"\n") == table.num_rows + 1:  # no cell holds a newline: row i is on line i + 2
        starts = np.arange(2, table.num_rows + 2)
    else:
        newlines = sum(_newlines(col.combine_chunks()) for col in table.columns)
        starts = 2 + np.concatenate(([0], np.cumsum(newlines + 1)[:-1]))
    frame = table.to_pandas(types_mapper=lambda t: ARROW_TEXT if t == pa.large_string() else None)  # pandas' own storage: no copy
    starts = starts.astype(np.int64)
    out = [] if _sorted(table, primary_key, pc) else [_order_problem(table, path, primary_key, starts, pc)]
    return Table(name, path, frame, starts), out


def value_offsets(col) -> np.ndarray:
    """The len(col) + 1 byte offsets of a string or large_string array's values, without a copy."""
    import pyarrow as pa

    width = np.int64 if pa.types.is_large_string(col.type) else np.int32
    return np.frombuffer(col.buffers()[1], dtype=width)[col.offset: col.offset + len(col) + 1]


def _needs_quotes(col) -> np.ndarray | None:
    """Which cells of a string array minimal quoting quotes (they hold a comma, a quote or a
    newline; the file has no CR), or None when none does: one scan of the array's bytes."""
    data = col.buffers()[2]
    offsets = value_offsets(col)
    if data is None or offsets[-1] == offsets[0]:
        return None
    text = np.frombuffer(data, dtype=np.uint8)[offsets[0]: offsets[-1]]
    hits = np.flatnonzero((text == ord(",")) | (text == ord('"')) | (text == ord("\n")))
    if not len(hits):
        return None
    special = np.zeros(len(col), dtype=bool)
    special[np.searchsorted(offsets, hits + offsets[0], side="right") - 1] = True
    return special


def _newlines(col) -> np.ndarray:
    """The number of newlines in each cell of a string array."""
    offsets = value_offsets(col)
    if col.buffers()[2] is None:
        return np.zeros(len(col), dtype=np.int64)
    text = np.frombuffer(col.buffers()[2], dtype=np.uint8)[offsets[0]: offsets[-1]]
    hits = np.flatnonzero(text == ord("\n")) + offsets[0]
    return np.bincount(np.searchsorted(offsets, hits, side="right") - 1, minlength=len(col))


def _order_problem(table, path: str, primary_key: list[str], starts: np.ndarray, pc) -> Problem:
    """not-canonical for rows that are canonical but out of key order, at the first misplaced row."""
    order = pc.sort_indices(table, sort_keys=[(k, "ascending") for k in primary_key]).to_numpy()
    misplaced = np.flatnonzero(order != np.arange(len(order)))
    return problem(path, int(starts[misplaced[0]]), 1, "not-canonical",
                   f"{len(misplaced)} of {len(order)} rows are out of place from here: the canonical form sorts rows by "
                   f"{', '.join(primary_key)}")


def _sorted(table, keys: list[str], pc) -> bool:
    """Whether rows are in ascending key order: adjacent rows compared column by column, O(n)."""
    if table.num_rows < 2:
        return True
    equal_so_far = np.ones(table.num_rows - 1, dtype=bool)
    for key in keys:
        col = table.column(key)
        prev, nxt = col.slice(0, table.num_rows - 1), col.slice(1)
        less = pc.less(prev, nxt).to_numpy(zero_copy_only=False)
        greater = pc.greater(prev, nxt).to_numpy(zero_copy_only=False)
        if (equal_so_far & greater).any():
            return False
        equal_so_far &= ~less & ~greater
    return True


FIELDS_MATCH = {  # Table Schema v2 fieldsMatch: whether a header's labels (as a set) fit the fields
    "equal": (lambda have, want: have == want, "the same fields in any order"),
    "subset": (lambda have, want: want <= have, "every field, in any order, and any other columns"),
    "superset": (lambda have, want: have <= want, "only fields, in any order, not necessarily all"),
    "partial": (lambda have, want: bool(have & want), "at least one field"),
}


def check_header(path: str, header: list[str], fields: list[str], match: str = "exact") -> tuple[list[Problem], bool]:
    """(problems, whether the columns can be aligned by name) of a header read against the fields
    as the schema's `fieldsMatch` says: "exact" (the default) the fields in order; the others map
    columns by name. A repeated label, or one with no field among them, aligns nothing reliably."""
    usable = len(set(header)) == len(header) and bool(set(header) & set(fields))
    if match not in FIELDS_MATCH:
        return ([] if header == fields else [header_problem(path, header, fields)]), usable
    fits, wanted = FIELDS_MATCH[match]
    if usable and fits(set(header), set(fields)):
        return [], True
    return [header_problem(path, header, fields, (match, wanted))], usable


def header_columns(path: str, header: list[str], fields: list[str], match: str = "exact") -> tuple[list[str] | None, Problem | None]:
    """(columns, None) for a header that fmt, workbook and import-workbook can rewrite, its columns
    in canonical order (canonical.column_order), or (None, the header-mismatch that stops them).
    Under "exact" a header of the fields in any order, which they put in schema order; under the
    other fieldsMatch modes every header the validator accepts, whose columns they all keep."""
    if match in FIELDS_MATCH:
        found, _ = check_header(path, header, fields, match)
        return (None, found[0]) if found else (column_order(header, fields), None)
    if sorted(header) != sorted(fields) or len(set(header)) != len(header):
        return None, header_problem(path, header, fields)
    return list(fields), None


def header_problem(path: str, header: list[str], fields: list[str], match: tuple[str, str] | None = None) -> Problem:
    """Linear in the header's width (a hostile file may hold 100,000 columns): counts and sets,
    never list.count or `in` over the header per column."""
    counts = Counter(header)
    wanted = set(fields)
    dup = sorted(h for h, n in counts.items() if n > 1)
    missing = [f for f in fields if f not in counts]
    extra = [h for h in header if h not in wanted]
    parts = []
    if dup:
        parts.append(f"repeated {_some(dup)}")
    if missing:
        parts.append(f"missing {missing}")
    if extra:
        parts.append(f"unexpected {_some(extra)}")
    if not parts:
        parts.append("same fields in another order")
    col = next((i + 1 for i, (h, f) in enumerate(zip(header, fields)) if h != f), min(len(header), len(fields)) + 1)
    shown = ",".join(header) if len(header) <= 2 * len(fields) + 20 else ",".join(header[: 2 * len(fields) + 20]) + f",... ({len(header)} columns)"
    expected = f"expected {','.join(fields)!r}" if match is None else f"fieldsMatch {match[0]!r} expects {match[1]} of {','.join(fields)!r}"
    return problem(path, 1, col, "header-mismatch", f"header {shown!r}: {'; '.join(parts)}; {expected}")


def _some(names: list[str], limit: int = 20) -> str:
    return repr(names) if len(names) <= limit else f"{names[:limit]!r} and {len(names) - limit} more"


def read_table_whole(root: Path, res: dict, max_bytes: int = DEFAULT_MAX_BYTES) -> tuple[Table | None, list[Problem]]:
    """read_table with a column for every field: one the header does not name (fieldsMatch
    "superset" or "partial" allow that) is all missing (the field's first missing value, '' by
    default), as a reader of the package sees it. For what is made from a valid package
    (publish/); the checks see only the columns read."""
    table, problems = read_table(root, res, max_bytes)
    if table is not None:
        absent = {f["name"]: (f.get("missingValues") or [""])[0] for f in res["schema"]["fields"] if f["name"] not in table.frame.columns}
        if absent:
            n = len(table.frame)
            frame = table.frame.assign(**{name: pd.Series([missing] * n, dtype=text_dtype(n)) for name, missing in absent.items()})
            table = Table(table.name, table.path, frame[[f["name"] for f in res["schema"]["fields"]]], table.lines)
    return table, problems


def read_table(root: Path, res: dict, max_bytes: int = DEFAULT_MAX_BYTES) -> tuple[Table | None, list[Problem]]:
    from . import dialect

    if not dialect.plain(res):  # a Table Dialect or gzip: read apart, so the plain path stays as fast
        return dialect.read_table(root, res, max_bytes)
    path = res["path"]
    fields = [f["name"] for f in res["schema"]["fields"]]
    raw, parsed = arrow_read.take(root, path, fields, max_bytes) or (None, None)
    try:
        raw = read_bytes(root, path, max_bytes) if raw is None else raw
    except PathRefused as exc:
        return None, [problem(path, 1, 1, exc.code, exc.detail)]
    if len(raw) >= arrow_read.FAST_FROM_BYTES:
        fast = read_canonical_fast(raw, path, res["name"], fields, res["schema"]["primaryKey"], parsed)
        if fast is not None:
            return fast
    return read_small(raw, path, res["name"], fields, res["schema"]["primaryKey"], res["schema"].get("fieldsMatch", "exact"),
                      dialect.bom_declared(res))


# The small tables read lately, by their bytes and how they were read: a process that reads the
# same file again parses it once (docs --check reads each table three times, and the test suite
# validates copies of one package hundreds of times per process). A result depends on nothing but
# its key, so no entry can be stale; each caller gets its own frame (pandas' copy-on-write keeps
# the shared columns safe) and read-only line numbers. Bounded by the bytes held.
_READ: OrderedDict = OrderedDict()
_READ_BYTES = [0]
READ_CACHE_BYTES = 16 << 20
_READ_LOCK = threading.Lock()


def read_small(raw: bytes, path: str, name: str, fields: list[str], primary_key: list[str] | None, match: str,
               bom: bool) -> tuple[Table | None, list[Problem]]:
    """decode and parse of a table's bytes, as read_table reads a file below arrow_read.FAST_FROM_BYTES."""
    key = (raw, path, name, tuple(fields), tuple(primary_key or ()), match, bom)
    with _READ_LOCK:
        hit = _READ.get(key)
        if hit is not None:
            _READ.move_to_end(key)
    if hit is None:
        text, out = decode(raw, path, bom)
        table, more = parse(text, path, name, fields, primary_key, match) if text is not None else (None, [])
        if table is not None:
            table.lines.flags.writeable = False
        hit = (table, tuple(out + more))
        with _READ_LOCK:
            _READ[key] = hit
            _READ_BYTES[0] += len(raw)
            while _READ_BYTES[0] > READ_CACHE_BYTES and _READ:
                _READ_BYTES[0] -= len(_READ.popitem(last=False)[0][0])
    table, problems = hit
    return (None if table is None else Table(table.name, table.path, table.frame.copy(deep=False), table.lines)), list(problems)
