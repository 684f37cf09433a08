"""How a resource's bytes become rows, beyond plain UTF-8 comma-separated CSV: the Table Dialect
(CSV Dialect in v1) and the declared encoding, with the reading properties of a resource checked
here and the rest delegated: gzip, bytes and hash to integrity.py, inline data to inline.py,
`$schema` and `profile` to profiles.py.

What Python's csv module reads exactly is honoured: delimiter, quoteChar, doubleQuote,
escapeChar, skipInitialSpace, header false (the schema's field names are the header),
commentChar, and lineTerminator LF or CRLF (which csv reads alike). Everything else (several
header rows, comment rows by number, a null sequence, a case-insensitive header, multi-part
data, zip archives, other encodings, an unknown profile) is refused with a located
descriptor-error for that resource alone, so nothing is read in a way the descriptor does not
mean, and the other resources are still checked. Every line in a problem is the line of the
(decompressed) file itself: comment lines and multi-line cells keep their numbers.

Kept apart from reader.py, which reads plain CSV fast: reader.read_table hands a resource to
read_table here only when `plain(res)` is false."""

from __future__ import annotations

import codecs
import csv
import io
from dataclasses import replace
from pathlib import Path

from .inline import check_inline, inline_rows, read_inline
from .integrity import GZIP, Unreadable, compressed, gunzip, hash_problem
from .paths import DEFAULT_MAX_BYTES, PathRefused, read_bytes
from .problems import Problem, problem
from .profiles import profile_problem

DESCRIPTOR = "datapackage.json"
# dialect property -> (the types it takes, the csv.reader parameter it becomes, or None)
HONOURED = {"delimiter": (str, "delimiter"), "quoteChar": (str, "quotechar"), "doubleQuote": (bool, "doublequote"),
            "escapeChar": (str, "escapechar"), "skipInitialSpace": (bool, "skipinitialspace"), "header": (bool, None),
            "commentChar": (str, None), "lineTerminator": (str, None)}
DEFAULTS = {"delimiter": ",", "quoteChar": '"', "doubleQuote": True, "skipInitialSpace": False, "header": True,
            "lineTerminator": "\r\n"}
REFUSED = {
    "headerRows": "several header rows (or none given by number) are not read; only one header row, or \"header\": false",
    "headerJoin": "header rows are not joined: only one header row is read",
    "commentRows": "comment rows by number are not skipped; mark comment lines with commentChar instead",
    "nullSequence": "a null sequence is not read as missing (an empty cell is the only missing value)",
    "caseSensitiveHeader": "the header is always compared with the field names exactly (case-sensitively)",
}
IGNORED = {"$schema", "csvddfVersion", "title", "description"}  # metadata: nothing to read differently


def check_resource(res: dict, err, conventions: frozenset[str]) -> tuple[list, bool]:
    """Problems of the reading properties of one resource, and whether it can still be read.
    `err(detail, *needles)` locates a problem at a property of the resource. A property that
    would make the rows read wrongly refuses the resource; a malformed `bytes` or `hash` is
    reported and dropped; a conflict with the project's conventions is reported and the table
    is still read as its dialect says."""
    out: list = []
    for key in ("$schema", "profile"):
        if key in res and (why := profile_problem("resource", res[key])) is not None:
            out += err(why, f'"{key}"')
    schema = res.get("schema")
    if isinstance(schema, dict):
        for key in ("$schema", "profile"):
            if key in schema and (why := profile_problem("schema", schema[key])) is not None:
                out += err(why, '"schema"', f'"{key}"')
    if "data" in res:
        found, readable = check_inline(res, err, conventions)
        return out + found, readable
    path = res.get("path")
    if isinstance(path, list):
        if len(path) != 1:
            return out + err(f"'path' lists {len(path)} files; multi-part data (files read as one table) is not supported: "
                             "join them into one CSV file", '"path"'), False
        res["path"] = path = path[0]  # one part is the file itself
    encoding = res.get("encoding", "utf-8")
    try:
        known = codecs.lookup(encoding).name if isinstance(encoding, str) else None
    except (LookupError, ValueError):  # ValueError: a NUL in the name
        known = None
    if known not in ("utf-8", "utf-8-sig"):
        return out + err(f"encoding {encoding!r} is not supported: tables are read as UTF-8 only; save the file as UTF-8 "
                         "and drop 'encoding' (or write \"utf-8\")", '"encoding"'), False
    if known == "utf-8-sig" and "canonicalForm" in conventions:
        out += err(f"encoding {encoding!r} (UTF-8 with a byte-order mark) conflicts with conventions.canonicalForm, whose canonical form "
                   "has no BOM; the table is read as its encoding says and its BOM is not reported again: drop 'encoding' (or write "
                   "\"utf-8\") and run make fmt, or drop the convention", '"encoding"')
    compression = res.get("compression")
    zipped = compression is None and isinstance(path, str) and path.lower().endswith(".zip")
    if (compression is not None and compression not in GZIP) or zipped:
        what = compression if compression is not None else "zip"
        return out + err(f"compression {what!r} is not supported; only gzip ('gz') is decompressed: store the table as CSV or .csv.gz",
                         '"compression"' if compression is not None else '"path"'), False
    if "bytes" in res and (not isinstance(res["bytes"], int) or isinstance(res["bytes"], bool) or res["bytes"] < 0):
        out += err(f"bytes {res['bytes']!r} must be a non-negative integer (the file's size); the size is not checked", '"bytes"')
        res.pop("bytes")
    if "hash" in res and (why := hash_problem(res["hash"])) is not None:
        out += err(f"hash {str(res['hash'])[:80]!r} {why}; the hash is not checked", '"hash"')
        res.pop("hash")
    if "dialect" not in res:
        return out, True
    dialect = res["dialect"]
    if isinstance(dialect, str):
        return out + err("a dialect given as a path or URL is not read; write the dialect inline as an object", '"dialect"'), False
    if not isinstance(dialect, dict):
        return out + err(f"dialect must be an object, not {type(dialect).__name__}", '"dialect"'), False
    for key, value in dialect.items():
        if key in IGNORED:
            if key == "$schema" and (why := profile_problem("dialect", value)) is not None:
                out += err(why, '"dialect"', '"$schema"')
            continue
        why = _dialect_problem(key, value)
        if why is not None:
            return out + err(f"dialect {key} {why}; the table is not read", '"dialect"', f'"{key}"'), False
    settings = effective(res)
    chars = [c for c in (settings.get("delimiter", ","), settings.get("quotechar", '"'), settings.get("escapechar")) if c]
    if len(set(chars)) < len(chars):
        return out + err("dialect delimiter, quoteChar and escapeChar must be three different characters; the table is not read", '"dialect"'), False
    if settings and "canonicalForm" in conventions:
        out += err(f"dialect {_describe(settings)} conflicts with conventions.canonicalForm, whose canonical form is comma-separated, "
                   "double-quoted CSV with one header row; the table is read as the dialect says and not checked for canonical form: "
                   "drop the dialect (run make fmt) or the convention", '"dialect"')
    terminator = dialect.get("lineTerminator")
    if terminator is not None and terminator != "\n" and "lineEndings" in conventions:
        out += err(f"dialect lineTerminator {terminator!r} conflicts with conventions.lineEndings 'lf'; drop one of the two", '"dialect"', '"lineTerminator"')
    return out, True


def _dialect_problem(key: str, value: object) -> str | None:
    if key in REFUSED:
        if key == "headerRows" and value == [1]:
            return None
        if key == "caseSensitiveHeader" and value is True:
            return None
        if key == "headerJoin" and isinstance(value, str):
            return None  # one header row: nothing to join
        return f"{value!r} is not supported: {REFUSED[key]}"
    if key not in HONOURED:
        return f"is not a Table Dialect property this validator reads (it reads {', '.join(HONOURED)})"
    kind = HONOURED[key][0]
    if not isinstance(value, kind) or (kind is str and isinstance(value, bool)):
        return f"{value!r} must be a {'boolean' if kind is bool else 'string'}"
    if key == "lineTerminator":
        return None if value in ("\n", "\r\n") else f"{value!r} is not supported: csv reads LF or CRLF line ends only"
    if kind is str and (len(value) != 1 or value in "\r\n"):
        return f"{value!r} must be one character other than CR or LF"
    return None


def bom_declared(res: dict) -> bool:
    """Whether the resource declares utf-8-sig, UTF-8 that starts with a byte-order mark."""
    encoding = res.get("encoding")
    try:
        return isinstance(encoding, str) and codecs.lookup(encoding).name == "utf-8-sig"
    except (LookupError, ValueError):
        return False


def effective(res: dict) -> dict:
    """The csv.reader parameters, header and comment settings of a resource that differ from plain
    CSV; empty for a resource read as plain CSV."""
    dialect = res.get("dialect")
    if not isinstance(dialect, dict):
        return {}
    out = {}
    for key, value in dialect.items():
        if key not in HONOURED or key == "lineTerminator" or DEFAULTS.get(key, None) == value:
            continue
        param = HONOURED[key][1]
        out[param or key] = value
    return out


def _describe(settings: dict) -> str:
    return ", ".join(f"{k}={v!r}" for k, v in settings.items())


def plain(res: dict) -> bool:
    """Whether the resource is plain CSV, read by reader.py's fast path."""
    return not (effective(res) or compressed(res) or "data" in res)


def read_table(root: Path, res: dict, max_bytes: int = DEFAULT_MAX_BYTES):
    """(Table or None, problems) of a resource that is not plain CSV."""
    from .reader import decode, parse

    if "data" in res:
        return read_inline(root, res, max_bytes)
    path = res["path"]
    try:
        raw = read_bytes(root, path, max_bytes)
        if compressed(res):
            raw = gunzip(raw, max_bytes)
    except (PathRefused, Unreadable) as exc:
        return None, [problem(path, 1, 1, exc.code, exc.detail)]
    text, out = decode(raw, path, bom_declared(res))
    if text is None:
        return None, out
    fields = [f["name"] for f in res["schema"]["fields"]]
    settings = effective(res)
    match = res["schema"].get("fieldsMatch", "exact")
    if not settings:
        table, more = parse(text, path, res["name"], fields, res["schema"]["primaryKey"], match)
    else:
        table, more = parse_dialect(text, path, res["name"], fields, settings, match)
    return table, out + more


class _Lines:
    """The file's lines for csv.reader, skipping comment lines between records and remembering
    the line each record starts on."""

    def __init__(self, text: str, comment: str | None):
        self.lines = io.StringIO(text)
        self.comment = comment
        self.number = 0  # lines handed out or skipped so far
        self.start = 0  # the line the current record starts on
        self.fresh = True

    def __iter__(self):
        return self

    def __next__(self) -> str:
        while True:
            line = self.lines.readline()
            if not line:
                raise StopIteration
            self.number += 1
            if self.fresh and self.comment and line.startswith(self.comment):
                continue
            if self.fresh:
                self.start, self.fresh = self.number, False
            return line


def parse_dialect(text: str, path: str, name: str, fields: list[str], settings: dict, match: str = "exact"):
    """Rows of a decoded table read with its dialect (the header checked as `fieldsMatch` says);
    each row keeps the line it starts on."""
    from .reader import check_header, table_of, width_problem

    params = {k: v for k, v in settings.items() if k not in ("header", "commentChar")}
    lines = _Lines(text, settings.get("commentChar"))
    reader = csv.reader(lines, strict=True, **params)
    rows, starts = [], []
    while True:
        lines.fresh = True
        try:
            row = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            return None, [problem(path, lines.start or 1, 1, "csv-syntax", f"{exc} in the record starting here (dialect {_describe(settings)})")]
        rows.append(row)
        starts.append(lines.start)
    header_given = settings.get("header", True)
    out: list[Problem] = []
    if header_given:
        if not rows:
            return None, [problem(path, 1, 1, "empty-file", f"expected the header {settings.get('delimiter', ',').join(fields)}")]
        header, rows, header_line, starts = rows[0], rows[1:], starts[0], starts[1:]
        found, usable = check_header(path, header, fields, match)
        out += [replace(p, line=header_line) for p in found]
        if not usable:
            return None, out
    else:
        header = fields
    n = len(header)
    kept, kept_lines = [], []
    for row, line in zip(rows, starts):
        if len(row) == 0:
            out.append(problem(path, line, 1, "blank-row", "empty line inside the table"))
            continue
        if len(row) != n:
            out.append(width_problem(path, line, len(row), header))
        kept.append((row + [""] * n)[:n])
        kept_lines.append(line)
    return table_of(name, path, header, fields, kept, kept_lines), out


def rows_of(raw: bytes, res: dict, limit: int = DEFAULT_MAX_BYTES) -> list[list[str]] | None:
    """Header and rows of a table that is not plain CSV (for diff), or None when it cannot be read."""
    if "data" in res:
        return inline_rows(res)
    try:
        if compressed(res):
            raw = gunzip(raw, limit)
        text = raw.decode("utf-8-sig")
    except (Unreadable, UnicodeDecodeError):
        return None
    settings = effective(res)
    fields = [f["name"] for f in res["schema"]["fields"]]
    table, _ = parse_dialect(text, res["path"], res["name"], fields, settings or {"delimiter": ","})
    if table is None:
        return None
    return [list(table.frame.columns)] + table.frame.to_numpy().tolist()


def not_plain_problems(desc, command: str, inline_only: bool = False) -> list[Problem]:
    """A located refusal for each resource a command that writes plain CSV cannot round-trip
    (with `inline_only`, each resource whose rows are no file, for the commands that ship files)."""
    out = []
    for res in desc.resources:
        if plain(res) or (inline_only and "data" not in res):
            continue
        if "data" in res:
            needle, how = '"data"', "inline data"
            why = "its rows are in no file it can ship" if inline_only else "it cannot write rows into datapackage.json"
        else:
            needle = '"dialect"' if effective(res) else ('"compression"' if "compression" in res else '"path"')
            how = "its dialect" if effective(res) else "gzip compression"
            why = "it would rewrite the file in another form"
        out.append(problem(DESCRIPTOR, *desc.locate('"resources"', f'"name": "{res["name"]}"', needle), "descriptor-error",
                           f"resource {res['name']!r} is read through {how}; {command} "
                           + ("ships each table as its file" if inline_only else "reads and writes plain comma-separated UTF-8 CSV files only")
                           + f", and {why}; move the rows to a CSV file"))
    return out
