"""Rules that Table Schema states for fields: type, constraints, and text hygiene."""

from __future__ import annotations

import json
import math
import operator
import re
import unicodedata

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from validate import types
from validate.patterns import fullmatch

from .rule import INT64, CellRule, Rule, arrow, cells, column, edge_bytes, int_cells, isin, per_value, python_engine, shown, typed_value, wide_ints
from .rule import present as filled

TRUE_FALSE = ["true", "True", "TRUE", "1", "false", "False", "FALSE", "0"]
NUMBER = types.NUMBER
# Characters a reader cannot see or that reorder text, by Unicode general category: format (Cf:
# zero-width, bidirectional, soft hyphen, tags, BOM), control (Cc), private use (Co), surrogate
# (Cs), unassigned (Cn), line and paragraph separators (Zl, Zp). Tab and LF stay allowed in text.
INVISIBLE_CATEGORIES = frozenset({"Cf", "Cc", "Co", "Cs", "Cn", "Zl", "Zp"})
ALLOWED_CONTROLS = frozenset("\t\n")
# Unicode's Default_Ignorable_Code_Point (DerivedCoreProperties.txt): characters a renderer
# draws as nothing. It is derived there as Other_Default_Ignorable_Code_Point + Cf +
# Variation_Selector - White_Space - FFF9..FFFB - 13430..1343F - Prepended_Concatenation_Mark.
# unicodedata gives Cf (flagged whole above) but not the two binary properties, so those come
# from PropList.txt (Unicode 15.1/16.0; stable, the Unicode Standard adds to them rarely):
# Other_Default_Ignorable_Code_Point and Variation_Selector. None of them is White_Space.
# Among them: U+034F COMBINING GRAPHEME JOINER, U+115F/1160 and U+3164/FFA0 HANGUL FILLERs,
# U+17B4/17B5 Khmer inherent vowels, variation selectors U+FE00..FE0F, U+E0100..E01EF.
OTHER_DEFAULT_IGNORABLE = ((0x034F, 0x034F), (0x115F, 0x1160), (0x17B4, 0x17B5), (0x2065, 0x2065), (0x3164, 0x3164), (0xFFA0, 0xFFA0),
                           (0xFFF0, 0xFFF8), (0xE0000, 0xE0000), (0xE0002, 0xE001F), (0xE0080, 0xE00FF), (0xE01F0, 0xE0FFF))
VARIATION_SELECTOR = ((0x180B, 0x180D), (0x180F, 0x180F), (0xFE00, 0xFE0F), (0xE0100, 0xE01EF))
_IGNORABLE = re.compile("[" + "".join(f"{re.escape(chr(a))}-{re.escape(chr(b))}" for a, b in OTHER_DEFAULT_IGNORABLE + VARIATION_SELECTOR) + "]")
# Only cells holding anything but printable ASCII can hold an invisible character; among those, a
# value Python calls printable (no Other and no Separator but space) is fine, and only the rest
# are looked at character by character.


def invisible_at(value: str) -> int:
    """Index of the first invisible character of `value` (by general category, or default
    ignorable by Unicode although Python calls it printable), or -1."""
    ignorable = _IGNORABLE.search(value)
    if value.isprintable():
        return ignorable.start() if ignorable else -1
    category = unicodedata.category
    end = ignorable.start() if ignorable else len(value)
    return next((i for i, c in enumerate(value[:end]) if category(c) in INVISIBLE_CATEGORIES and c not in ALLOWED_CONTROLS), ignorable.start() if ignorable else -1)


def _visible(value: str) -> bool:
    return (value.isascii() and value.isprintable()) or invisible_at(value) < 0


def no_invisible(s: pd.Series) -> np.ndarray:
    if python_engine(s):
        return np.fromiter(map(_visible, cells(s)), dtype=bool, count=len(s))
    # Arrow picks the few cells with anything but printable ASCII; each distinct one is looked at in Python
    ok = pc.ascii_is_printable(arrow(s)).fill_null(True).to_numpy(zero_copy_only=False)
    flagged = np.flatnonzero(~ok)
    if len(flagged):
        values = cells(s.iloc[flagged])
        verdict = {v: _visible(v) for v in set(values)}
        ok[flagged] = [verdict[v] for v in values]
    return ok


def valid_type(fld: dict, s: pd.Series) -> pd.Series:
    """Whether each cell is a value of the field's type, format and options (validate/types.py)."""
    if fld.get("type") == "boolean" and not {"trueValues", "falseValues"} & set(fld):
        return isin(s, TRUE_FALSE)
    return types.valid(fld, s)


OPERATORS = {"minimum": operator.ge, "maximum": operator.le, "exclusiveMinimum": operator.gt, "exclusiveMaximum": operator.lt}


def _bounded(fld: dict, s: pd.Series, key: str) -> pd.Series | np.ndarray:
    """Whether each value of the field's type satisfies the bound `key`, compared as values of the
    type (dates as dates, numbers as numbers); cells not of the type are type errors, not here."""
    op, bound = OPERATORS[key], types.constraint_value(fld, fld["constraints"][key])  # "-99.99" is a number bound too
    if fld.get("type") == "integer" and types.plain(fld):
        ints, known = int_cells(s)
        ok = ~known | op(ints, bound)
        for i, v in wide_ints(s).items():  # integers wider than 64 bits, compared exactly
            ok[i] = op(v, bound)
        return ok
    codes, parsed = types.distinct(fld, s)

    def holds(value) -> bool:
        if value is types.INVALID:
            return True
        if isinstance(value, float) and math.isnan(value):  # NaN is within no bound (as frictionless finds)
            return False
        try:
            return bool(op(value, bound))
        except TypeError:  # e.g. a datetime with an offset against one without: no order between them
            return True

    verdict = np.fromiter((holds(p) for p in parsed), dtype=bool, count=len(parsed))
    return pd.Series(verdict[codes] if len(codes) else np.zeros(0, dtype=bool), index=s.index)


def _sized(fld: dict, s: pd.Series, key: str) -> pd.Series:
    """minLength/maxLength: characters of a string, items of an array or list, keys of an object."""
    op, bound = (operator.ge if key == "minLength" else operator.le), fld["constraints"][key]
    if fld.get("type", "string") == "string":
        return op(s.str.len(), bound)
    codes, parsed = types.distinct(fld, s)
    verdict = np.fromiter((p is types.INVALID or op(len(p), bound) for p in parsed), dtype=bool, count=len(parsed))
    return pd.Series(verdict[codes] if len(codes) else np.zeros(0, dtype=bool), index=s.index)


def _in_enum(fld: dict, s: pd.Series) -> pd.Series:
    """Whether each value is one of the enum's, compared as values of the field's type (a number
    enum [1] holds '1.0', an integer enum [0] holds '-0'); text fields compare text."""
    allowed = fld["constraints"]["enum"]
    if fld.get("type", "string") in ("string", "any") and fld.get("format", "default") == "default":
        return isin(s, allowed)
    keys = {types.sortable(types.constraint_value(fld, v)) for v in allowed}
    codes, parsed = types.distinct(fld, s)
    verdict = np.fromiter((p is types.INVALID or types.sortable(p) in keys for p in parsed), dtype=bool, count=len(parsed))
    return pd.Series(verdict[codes] if len(codes) else np.zeros(0, dtype=bool), index=s.index)


def _fits_int64(s: pd.Series) -> np.ndarray:
    """Every export format (Parquet, SQLite, Stata, Arrow) stores integers in 64 bits."""
    ok = np.ones(len(s), dtype=bool)
    for i, v in wide_ints(s).items():
        ok[i] = INT64[0] <= v <= INT64[1]
    return ok


def _invisible(name: str, value: str) -> str:
    at = invisible_at(value)
    char = value[at]
    return f"{name} has U+{ord(char):04X} ({unicodedata.category(char)} {unicodedata.name(char, 'unnamed')}) at character {at}"


# Spreadsheets evaluate cells starting with these (OWASP CSV injection).
FORMULA_CHARS = tuple("=+-@\t\r")
# Byte lookup tables: whether a first byte starts a formula; whether a first or last byte is ASCII
# whitespace as str.strip() sees it, or part of a non-ASCII character (looked at in Python)
_FORMULA_BYTE = np.array([chr(b) in FORMULA_CHARS for b in range(256)])
_EDGE_SUSPECT = np.array([b >= 0x80 or chr(b).isspace() for b in range(256)])


def _stripped(s: pd.Series) -> np.ndarray:
    if python_engine(s):
        return np.fromiter((v == v.strip() for v in cells(s)), dtype=bool, count=len(s))
    # only a cell that starts or ends with ASCII whitespace or a non-ASCII byte can be unstripped
    first, last = edge_bytes(s)
    ok = ~(_EDGE_SUSPECT[first] | _EDGE_SUSPECT[last])
    suspects = np.flatnonzero(~ok)
    ok[suspects] = [v == v.strip() for v in cells(s.iloc[suspects])]
    return ok


def _no_formula(s: pd.Series) -> np.ndarray:
    if python_engine(s):
        return np.fromiter((not v.startswith(FORMULA_CHARS) for v in cells(s)), dtype=bool, count=len(s))
    first, _ = edge_bytes(s)
    return ~_FORMULA_BYTE[first]


def _field_cells(fld: dict, primary_key: list[str], hygiene: bool) -> dict[str, tuple]:
    """code -> (cell test, message) for one field."""
    name, type_ = fld["name"], fld.get("type", "string")
    cons = fld.get("constraints", {})
    out: dict[str, tuple] = {}
    missing = fld.get("missingValues")  # set by the descriptor check only where not [""]

    def present(s: pd.Series) -> pd.Series:
        return filled(s, missing)

    def add(code, test, message):
        out[code] = (test, message)

    def add_remembered(code, test, message):  # tests that make pandas and Arrow calls: remembered per value
        add(code, per_value(test, code, fld), message)  # the field's declaration is all they depend on, besides the cell

    if cons.get("required") or name in primary_key:
        add("missing-value", present, lambda v: f"{name} is empty" if v == "" else f"{name} is {v!r}, one of its missingValues")
    fmt = fld.get("format", "default")
    if type_ not in ("string", "any") or fmt != "default":  # "any": also a field the descriptor check refused, left unchecked
        kind = type_ if fmt == "default" else f"{type_} (format {fmt!r})"
        add_remembered("type-error", lambda s: ~present(s) | valid_type(fld, s), lambda v: f"{name} is {shown(v)}, not a valid {kind}")
    if "pattern" in cons:
        pattern, example = cons["pattern"], fld.get("example", "")
        add_remembered("pattern-mismatch", lambda s: ~present(s) | fullmatch(s, pattern), lambda v: f"{name} is {shown(v)}, which does not match {pattern!r} (example: {example!r})")
    if "enum" in cons:
        enum, listed = cons["enum"], 20  # a 1M-code enum is named by its first codes and its length
        allowed = ", ".join((v if isinstance(v, str) else json.dumps(v))[:100] for v in enum[:listed])
        allowed += f" and {len(enum) - listed:,} more (the field's enum in datapackage.json)" if len(enum) > listed else ""
        add_remembered("not-in-vocabulary", lambda s: ~present(s) | _in_enum(fld, s), lambda v: f"{name} is {shown(v)}; allowed: {allowed}")
    limits = []
    if type_ == "integer":
        limits.append((_fits_int64, "the 64-bit integer range"))
    for key in OPERATORS:
        if key in cons:
            limits.append((lambda s, k=key: ~present(s) | _bounded(fld, s, k), f"{key} {cons[key]}"))
    for key in ("minLength", "maxLength"):
        if key in cons:
            limits.append((lambda s, k=key: ~present(s) | _sized(fld, s, k), f"{key} {cons[key]}"))
    if limits:
        tests = [t for t, _ in limits]

        def outside(values: list[str]) -> list[str]:
            s = pd.Series(values, dtype="string")
            broken = [(d, ~np.asarray(t(s), dtype=bool)) for t, d in limits]
            return [f"{name} is {shown(v)}, outside {' and '.join(d for d, bad in broken if bad[i])}" for i, v in enumerate(values)]

        message = lambda v: outside([v])[0]  # noqa: E731
        message.batch = outside
        add_remembered("out-of-range", lambda s: np.logical_and.reduce([np.asarray(t(s), dtype=bool) for t in tests]), message)
    if not hygiene:  # text hygiene is a project convention, declared by "conventions": {"textHygiene": true}
        return out
    def unless_missing(test):  # a missing value ("-", "N/A") is no text to judge; '' passes every test anyway
        return test if missing is None else (lambda s: ~present(s) | test(s))

    if type_ == "string":
        add("whitespace", unless_missing(_stripped), lambda v: f"{name} is {shown(v)}")
        add("formula-injection", unless_missing(_no_formula), lambda v: f"{name} starts with {v[:1]!r}: {v[:40]!r}")
    add("invisible-character", unless_missing(no_invisible), lambda v: _invisible(name, v))
    return out


def field_rules(fields: list[dict], primary_key: list[str], lines: np.ndarray, hygiene: bool = False) -> list[CellRule | Rule]:
    """One CellRule per code over every field it applies to, plus duplicate-value per unique field;
    with `hygiene`, the text-hygiene rules too (whitespace, formula prefixes, invisible characters)."""
    by_code: dict[str, dict] = {}
    for fld in fields:
        for code, pair in _field_cells(fld, primary_key, hygiene).items():
            by_code.setdefault(code, {})[fld["name"]] = pair
    rules: list[CellRule | Rule] = [CellRule(code, columns) for code, columns in by_code.items()]
    for fld in fields:
        name = fld["name"]
        if fld.get("constraints", {}).get("unique") and primary_key != [name]:  # a one-field key is checked as a key

            # +7, 07 and 7 are one integer, 1.0 and 1 one number, 2024-01-01T00:00:00Z and ...+00:00 one datetime
            value = (lambda s, fld=fld: typed_value(fld, s))

            def first_line(df, idx, name=name, value=value):
                s = column(df, name)
                first = pd.Series(lines[: len(s)], index=s.index).groupby(value(s)).transform("min")
                return [f"{name} {shown(v)} is also on line {first[i]}" for i, v in zip(idx, s.loc[idx])]

            rules.append(Rule("duplicate-value", name, lambda df, name=name, value=value, fld=fld:
                              ~(filled(column(df, name), fld.get("missingValues")) & value(column(df, name)).duplicated(keep="first")),
                              first_line))
    return rules
