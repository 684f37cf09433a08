"""What a spreadsheet does to a CSV on save, recognised and, where only one answer fits, undone.

Three kinds of damage, each decided from what the descriptor declares, never from a field's name:

- lost leading zeros: a digits-only value in a field with a pattern or a single-field foreign key
  (`16`) that fits once zeros are put back (`016`). The candidates are checked against every
  pattern linked to the field (its own, and those of the fields a foreign key joins it to, so a
  vocabulary's codes must fit the pattern of the fields that reference them) and against the
  referenced codes, whose own lost zeros are restored first: when the vocabulary is damaged too,
  the pattern decides.
- locale dates: `10/1/2024` in a field of type date or marked "edtf".
- re-encoding: a file that is not UTF-8 but reads as Windows-1252 (which covers Latin-1's letters).
- mojibake: a UTF-8 file read as Windows-1252 and saved back as UTF-8 (LibreOffice's import dialog
  set to the wrong character set): every curly quote becomes `â€œ`. A text cell is damaged so when
  its characters, written back as the Windows-1252 bytes they came from, are valid UTF-8 that
  differs; real text almost never is (`café` is not: its `é` is no UTF-8 on its own).

A repair is made only when it is unique and loses nothing: exactly one candidate fits. Otherwise the
cell is reported with the choice a person has to make.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

from .declarations import reference_target
from .patterns import as_arrow, fullmatches

DIGITS = re.compile(r"[1-9][0-9]*")  # a spreadsheet strips every leading zero, so what is left starts 1-9
MAX_ZEROS = 8
# Both separators the same, without a backreference: RE2 (Arrow's regex engine) then runs it at scale.
LOCALE_DATE = re.compile(r"[0-9]{1,2}(?:/[0-9]{1,2}/|\.[0-9]{1,2}\.|-[0-9]{1,2}-)[0-9]{4}")
FILE_ENCODING = "Windows-1252"


# -- lost leading zeros -------------------------------------------------------------------------

@dataclass
class Link:
    """What decides a field's values: the patterns linked to it and the codes it references."""

    patterns: list[str] = field(default_factory=list)
    target: tuple[str, str] | None = None  # (resource, field) of a single-field foreign key

    @property
    def active(self) -> bool:
        return bool(self.patterns or self.target)


def links(resources: list[dict]) -> dict[tuple[str, str], Link]:
    """(resource, field) -> Link for every field with a pattern or a single-field foreign key, or
    referenced by one. Patterns flow both ways along a foreign key: a reference must equal a code,
    so both sides must fit both patterns."""
    out: dict[tuple[str, str], Link] = {}
    own: dict[tuple[str, str], str] = {}
    for res in resources:
        for fld in res["schema"]["fields"]:
            pattern = fld.get("constraints", {}).get("pattern")
            if pattern:
                own[(res["name"], fld["name"])] = pattern
                out.setdefault((res["name"], fld["name"]), Link()).patterns.append(pattern)
    from schemas.keys import apart

    fields = {(r["name"], f["name"]): f for r in resources for f in r["schema"]["fields"]}
    for res in resources:
        for fk in res["schema"].get("foreignKeys", []):
            if len(fk["fields"]) != 1:
                continue
            mine = (res["name"], fk["fields"][0])
            theirs = (reference_target(fk, res["name"]), fk["reference"]["fields"][0])
            if apart(fields.get(mine), fields.get(theirs)):
                continue  # no value can match across the two types: restoring zeros would not make it a code
            out.setdefault(mine, Link()).target = theirs
            for a, b in ((mine, theirs), (theirs, mine)):
                if b in own and own[b] not in out.setdefault(a, Link()).patterns:
                    out[a].patterns.append(own[b])
    return out


def fits_all(values: list[str], patterns: list[str]) -> list[bool]:
    """Whether each value fits every pattern, matched with RE2 (linear time: a descriptor's
    pattern such as ([0-9]+)+x must not hang on a long digit string)."""
    out = [True] * len(values)
    for p in patterns:
        out = [a and b for a, b in zip(out, fullmatches(values, p))]
    return out


def fits(value: str, patterns: list[str]) -> bool:
    return fits_all([value], patterns)[0]


def zero_candidates(value: str, patterns: list[str], codes: set[str] | None) -> list[str]:
    """The values `value` may have been before a spreadsheet stripped its leading zeros: each fits
    every pattern and, given the referenced codes, is one of them. Empty when `value` is not
    damage of that kind: not digits, or already fitting."""
    return zero_candidates_many([value], patterns, codes)[0]


def zero_candidates_many(values: list[str], patterns: list[str], codes: set[str] | None) -> list[list[str]]:
    """zero_candidates of each value, with one RE2 call per pattern for all of them (a call per
    value made a 100,000-row table of numeric codes take seconds)."""
    out: list[list[str]] = [[] for _ in values]
    if not (patterns or codes is not None):
        return out
    digits = [i for i, v in enumerate(values) if DIGITS.fullmatch(v)]
    fit = fits_all([values[i] for i in digits], patterns)
    suspects = [i for i, ok in zip(digits, fit) if not (ok and (codes is None or values[i] in codes))]
    padded = ["0" * k + values[i] for i in suspects for k in range(1, MAX_ZEROS + 1)]
    fit = fits_all(padded, patterns)
    for j, i in enumerate(suspects):
        block = range(j * MAX_ZEROS, (j + 1) * MAX_ZEROS)
        out[i] = [padded[b] for b in block if fit[b] and (codes is None or padded[b] in codes)]
    return out


def restored_codes(values, patterns: list[str]) -> set[str]:
    """What a vocabulary's codes may have been: a code that lost its zeros stands for every value
    its linked patterns allow it to have been (one, when the pattern decides); others as they are."""
    values = list(values)
    found = zero_candidates_many(values, patterns, None) if patterns else [[] for _ in values]
    out = set()
    for v, candidates in zip(values, found):
        out.update(candidates or [v])
    return out


# -- locale dates -------------------------------------------------------------------------------

def date_candidates(value: str) -> list[tuple[str, str]]:
    """(ISO date, reading) for each calendar date a locale-formatted value can be: month first
    and/or day first. Empty when the value is not in a locale format."""
    if not LOCALE_DATE.fullmatch(value):
        return []
    a, b, year = map(int, re.split("[/.-]", value))
    out: list[tuple[str, str]] = []
    for month, day, reading in ((a, b, "month first"), (b, a, "day first")):
        try:
            iso = date(year, month, day).isoformat()
        except ValueError:
            continue
        if iso not in [c for c, _ in out]:
            out.append((iso, reading))
    return out


def is_date_field(fld: dict) -> bool:
    """A field of ISO dates: type date in its default format (a declared format pattern such as
    %d/%m/%Y makes a locale date the field's own form), or marked "edtf"."""
    return (fld.get("type") == "date" and fld.get("format", "default") == "default") or bool(fld.get("edtf"))


# -- re-encoding --------------------------------------------------------------------------------

def cp1252_text(raw: bytes) -> tuple[str, bool] | None:
    """(text, lossless) when `raw` is not UTF-8 but every byte reads as Windows-1252; None otherwise.
    Not lossless when the file also holds valid multi-byte UTF-8: then it mixes two encodings and
    decoding it all as Windows-1252 would garble the UTF-8 part."""
    try:
        raw.decode("utf-8")
        return None
    except UnicodeDecodeError:
        pass
    try:
        text = raw.decode("cp1252")
    except UnicodeDecodeError:
        return None
    mixed = any(ord(c) > 127 for c in raw.decode("utf-8", errors="ignore"))
    return text, not mixed


# -- mojibake -----------------------------------------------------------------------------------

# Bytes Windows-1252 leaves undefined come back as C1 controls (Python, ftfy's "sloppy" codec) or, from
# LibreOffice, as the private-use characters U+F100 + the byte (U+F19D for 0x9D): each stands for the byte.
_UNDEFINED = {0x81, 0x8D, 0x8F, 0x90, 0x9D}
# A UTF-8 lead byte read as Windows-1252 (Â..ô), followed by a continuation byte (0x80..0xBF) so read.
MOJIBAKE_HINT = "[\u00c2-\u00f4][\u0080-\u00bf\u0152\u0153\u0160\u0161\u0178\u017d\u017e\u0192\u02c6\u02dc\u2013\u2014\u2018-\u201e\u2020-\u2022\u2026\u2030\u2039\u203a\u20ac\u2122\uf181-\uf19d]"


hint = re.compile(MOJIBAKE_HINT).search  # one character class: linear in Python's re too


def unmojibake(value: str) -> str | None:
    """The text `value` was before a UTF-8 file was read as Windows-1252 and saved as UTF-8, or
    None when it is not such damage."""
    out = bytearray()
    for ch in value:
        code = ord(ch)
        if code < 0x80:
            out.append(code)
        elif code in _UNDEFINED or (code - 0xF100) in _UNDEFINED:
            out.append(code & 0xFF)
        else:
            try:
                out += ch.encode("cp1252")
            except UnicodeEncodeError:
                return None
    try:
        text = out.decode("utf-8")
    except UnicodeDecodeError:
        return None
    return text if text != value else None


def _mojibake_cells(resources: list[dict], sheets: dict[str, Sheet]) -> list[Cell]:
    out = []
    for res in resources:
        sheet = sheets.get(res["name"])
        if sheet is None:
            continue
        for fld in res["schema"]["fields"]:
            if fld.get("type", "string") != "string":
                continue
            for value, line in zip(sheet.column(fld["name"]), sheet.lines):
                fixed = unmojibake(value) if hint(value) else None
                if fixed is not None:
                    detail = (f"{fld['name']} reads {value[:60]!r}: UTF-8 text that a spreadsheet read as Windows-1252 and saved "
                              f"again; it was {fixed[:60]!r}")
                    out.append(Cell(res["path"], line, fld["name"], value, fixed, "mojibake", detail))
    return out


# -- repairs of whole tables --------------------------------------------------------------------

@dataclass
class Cell:
    path: str
    line: int
    field: str
    old: str
    new: str | None  # None: refused
    code: str
    detail: str
    choices: tuple[str, ...] = ()

    def format(self) -> str:
        return f"{self.path}:{self.line}:{self.field}: {self.field} {self.old!r} -> {self.new!r}"


@dataclass
class Sheet:
    """One table being repaired: rows in schema order (header excluded) and the line of each row;
    `columns` names the rows' columns where they are not the schema's fields (a header that
    fieldsMatch lets lack fields or name others, in canonical.column_order)."""

    res: dict
    rows: list[list[str]]
    lines: list[int]
    columns: list[str] | None = None

    @property
    def fields(self) -> list[str]:
        return self.columns if self.columns is not None else [f["name"] for f in self.res["schema"]["fields"]]

    def column(self, name: str) -> list[str]:
        i = self.fields.index(name)
        return [r[i] for r in self.rows]


def plan_cells(resources: list[dict], sheets: dict[str, Sheet], values=None) -> list[Cell]:
    """Every cell damaged by a spreadsheet, with its repair or None where no unique repair exists.
    `values(resource, field)` gives a whole column of a referenced table (default: from `sheets`),
    so that `sheets` may hold only the rows worth a look."""
    if values is None:
        def values(resource, name):
            sheet = sheets.get(resource)
            return sheet.column(name) if sheet is not None and name in sheet.fields else None
    cells = _zero_cells(resources, sheets, values) + _date_cells(resources, sheets) + _mojibake_cells(resources, sheets)
    # a missing value of its field ("0", "01/01/1900" declared in missingValues) is not damage
    missing = {(r.get("path"), f["name"]): set(f["missingValues"]) for r in resources for f in r["schema"]["fields"] if "missingValues" in f}
    return [c for c in cells if c.old not in missing.get((c.path, c.field), ())] if missing else cells


def _zero_cells(resources: list[dict], sheets: dict[str, Sheet], values) -> list[Cell]:
    out = []
    linked = links(resources)
    cache: dict[tuple[str, str], set[str] | None] = {}

    def codes_of(target):
        if target not in cache:
            column = values(*target)
            cache[target] = None if column is None else restored_codes(column, linked.get(target, Link()).patterns)
        return cache[target]
    for res in resources:
        sheet = sheets.get(res["name"])
        if sheet is None:
            continue
        for i, name in enumerate(sheet.fields):
            link = linked.get((res["name"], name))
            if link is None or not link.active:
                continue
            codes = codes_of(link.target) if link.target else None
            column = [row[i] for row in sheet.rows]
            for value, line, found in zip(column, sheet.lines, zero_candidates_many(column, link.patterns, codes)):
                if not found:
                    continue
                what = " and ".join(filter(None, [
                    f"fits {' and '.join(repr(p) for p in link.patterns)}" if link.patterns else "",
                    f"is a {link.target[1]} in {link.target[0]}" if codes is not None else "",
                ]))
                if len(found) == 1:
                    detail = f"{name} is {value!r}; {found[0]!r} {what}: a spreadsheet dropped its leading zero"
                    out.append(Cell(res["path"], line, name, value, found[0], "lost-leading-zeros", detail, tuple(found)))
                else:
                    detail = f"{name} is {value!r}; each of {', '.join(map(repr, found))} {what}: choose the one that was meant"
                    out.append(Cell(res["path"], line, name, value, None, "lost-leading-zeros", detail, tuple(found)))
    return out


def _date_cells(resources: list[dict], sheets: dict[str, Sheet]) -> list[Cell]:
    out = []
    for res in resources:
        sheet = sheets.get(res["name"])
        if sheet is None:
            continue
        fields = res["schema"]["fields"]
        names = sheet.fields
        dated = [f for f in fields if is_date_field(f)]
        if not dated:
            continue
        # a spreadsheet writes every date of a file in one locale: a date that can only be read one
        # way tells how to read the others
        readings = {r for f in dated for v in sheet.column(f["name"]) if len(c := date_candidates(v)) == 1 and v != c[0][0]
                    for _, r in c}
        convention = next(iter(readings)) if len(readings) == 1 else None
        found: dict[tuple[int, str], tuple[str, list[tuple[str, str]]]] = {}
        for f in dated:
            for idx, value in enumerate(sheet.column(f["name"])):
                cands = date_candidates(value)
                if cands:
                    found[(idx, f["name"])] = (value, cands)

        def resolved(idx: int, name: str) -> str | None:
            """The repaired ISO value of a cell, or its own value when it is not damaged."""
            if (idx, name) not in found:
                return sheet.rows[idx][names.index(name)]
            _, cands = found[(idx, name)]
            if len(cands) == 1:
                return cands[0][0]
            chosen = [iso for iso, r in cands if r == convention]
            return chosen[0] if len(chosen) == 1 else None

        for (idx, name), (value, cands) in found.items():
            line = sheet.lines[idx]
            fld = next(f for f in fields if f["name"] == name)
            new = resolved(idx, name)
            if new is None:
                choice = " or ".join(f"{iso} ({r})" for iso, r in cands)
                detail = f"{name} is {value!r}, a spreadsheet's locale date: it is {choice}; write the one that was meant"
            elif fld.get("edtf"):
                # EDTF keeps the precision the source supports; a spreadsheet turns 2024-10 into a day.
                # The row's own bounds tell whether the date was one day.
                bounds = [f"{name}_start", f"{name}_end"]
                if all(b in names for b in bounds) and all(resolved(idx, b) == new for b in bounds):
                    detail = f"{name} is {value!r}, a spreadsheet's locale date for {new}"
                else:
                    detail = (f"{name} is {value!r}, a spreadsheet's locale date; it may have been {new}, {new[:7]} or {new[:4]}: "
                              "write the EDTF date at the precision the source gives")
                    new = None
            else:
                detail = f"{name} is {value!r}, a spreadsheet's locale date for {new}"
            out.append(Cell(res["path"], line, name, value, new, "locale-date", detail))
    return out


# -- the validator's view -----------------------------------------------------------------------

# A cell a spreadsheet damaged is reported once, as that damage, not also as what it breaks.
SUPERSEDES = {
    "lost-leading-zeros": {"pattern-mismatch", "dangling-foreign-key", "crosswalk-mismatch"},
    "locale-date": {"type-error", "invalid-edtf", "pattern-mismatch", "date-bounds-mismatch"},
    "mojibake": {"evidence-mismatch", "invisible-character", "verbatim-mismatch"},
}


def _hinted(column) -> "np.ndarray":
    """Cells that may be mojibake; only non-ASCII cells can be, and Arrow finds those far faster
    than the regular expression would scan every cell."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc

    text = as_arrow(column)
    other = np.flatnonzero(~pc.string_is_ascii(text).fill_null(True).to_numpy(zero_copy_only=False))
    mask = np.zeros(len(text), dtype=bool)
    if len(other):
        mask[other] = [hint(v) is not None for v in text.take(pa.array(other)).to_pylist()]
    return mask


def _digits_only(column) -> "np.ndarray":
    """DIGITS.fullmatch for each cell, by two Arrow kernels that need no regular expression (RE2
    took 40-90 ms per million cells, these 10-15)."""
    import pyarrow.compute as pc

    text = as_arrow(column)
    return pc.and_(pc.ascii_is_decimal(text), pc.invert(pc.starts_with(text, "0"))).fill_null(False).to_numpy(zero_copy_only=False)


def _small_suspect(value: str, digits: bool, date: bool, text: bool) -> bool:
    """suspect_rows' verdict on one cell: DIGITS and LOCALE_DATE match ASCII text only, and only
    non-ASCII text can be mojibake, so each cell needs at most one regular expression."""
    if value.isascii():
        return (digits and value.isdigit() and value[:1] != "0") or (date and value[:1].isdigit() and LOCALE_DATE.fullmatch(value) is not None)
    return text and hint(value) is not None


def suspect_rows(res: dict, frame, linked: dict, column=lambda resource, name: None) -> "np.ndarray":
    """Indices of rows with a digits-only value in a linked field or a locale date in a date field:
    a vectorised filter, so that only these rows are looked at one by one. `column(resource, name)`
    gives a referenced column (or None): a digits-only value that fits every linked pattern and is
    among the referenced values is intact (a numeric code such as CAMEO's 190), not a suspect."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc

    from .patterns import fullmatch

    mask = np.zeros(len(frame), dtype=bool)
    for fld in res["schema"]["fields"]:
        name = fld["name"]
        link = linked.get((res["name"], name))
        col = frame[name]
        if getattr(col.dtype, "storage", "python") == "python":  # a small table: a loop beats any vectorised call
            tests = (link is not None and link.active, is_date_field(fld), fld.get("type", "string") == "string")
            if any(tests):
                mask |= np.fromiter((_small_suspect(v, *tests) for v in col.to_numpy(dtype=object)), dtype=bool, count=len(frame))
            continue
        if link is not None and link.active:
            digits = np.flatnonzero(_digits_only(col))
            if len(digits):  # patterns and membership only for the digits-only cells, usually few
                values = col.iloc[digits]
                intact = np.ones(len(digits), dtype=bool)
                for p in link.patterns:
                    try:
                        intact &= fullmatch(values, p)
                    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):  # a pattern RE2 refuses is a descriptor error
                        intact[:] = False
                target = column(*link.target) if link.target else None
                if target is not None:
                    intact &= pc.is_in(as_arrow(values), value_set=as_arrow(target)).fill_null(False).to_numpy(zero_copy_only=False)
                elif link.target:
                    intact[:] = False  # the referenced table could not be read: every digits-only value is looked at
                mask[digits[~intact]] = True
        if is_date_field(fld):
            mask |= fullmatch(col, LOCALE_DATE.pattern)
        if fld.get("type", "string") == "string":
            mask |= _hinted(col)
    return np.flatnonzero(mask)


def frame_column(tables: dict, resource: str, name: str):
    table = tables.get(resource)
    return table.frame[name] if table is not None and name in table.frame.columns else None


def sheet_of(res: dict, table, linked: dict, tables: dict) -> Sheet | None:
    """The suspect rows of one read table (see suspect_rows) as a Sheet, or None when it has none."""
    idx = suspect_rows(res, table.frame, linked, lambda resource, name: frame_column(tables, resource, name))
    if not len(idx):
        return None
    sub = table.frame.iloc[idx]
    return Sheet(res, sub.to_numpy(dtype=object).tolist(), table.lines[idx].tolist())


def damage(resources: list[dict], tables: dict, known: dict | None = None) -> tuple[list[Cell], set[tuple[str, int, str]]]:
    """Spreadsheet damage in read tables (name -> reader.Table or None), and the (path, line, field)
    of intact references that only dangle because the code they name lost its zeros. `known`
    holds the sheet_of of tables already looked at whole (name -> Sheet or None), whose frames
    may since have been cut to fewer columns."""
    linked = links(resources)
    known = known or {}
    sheets = {}
    for res in resources:
        table = tables.get(res["name"])
        if table is None:
            continue
        sheet = known[res["name"]] if res["name"] in known else sheet_of(res, table, linked, tables)
        if sheet is not None:
            sheets[res["name"]] = sheet

    def values(resource, name):
        table = tables.get(resource)
        return table.frame[name].tolist() if table is not None and name in table.frame.columns else None

    cells = plan_cells(resources, sheets, values)
    cascades: set[tuple[str, int, str]] = set()
    restored = {}
    by_path = {r["path"]: r["name"] for r in resources}
    for c in cells:
        if c.code == "lost-leading-zeros":
            restored.setdefault((by_path[c.path], c.field), set()).update(c.choices)
    if restored:
        for res in resources:
            table = tables.get(res["name"])
            if table is None:
                continue
            for (mine, theirs) in ((k, v.target) for k, v in linked.items() if k[0] == res["name"] and v.target in restored):
                hit = table.frame[mine[1]].isin(restored[theirs]).to_numpy(dtype=bool)
                cascades |= {(res["path"], int(line), mine[1]) for line in table.lines[hit]}
    return cells, cascades
