"""Table Schema's field types read from text: every type of Table Schema v1 and v2 and their formats.

`parse(fld, values)` reads a list of distinct cell texts into typed values (INVALID where a text
is not of the field's type, format and options), in a batch, so that a column is read one distinct
value at a time (`distinct`) and any regular expression runs over the whole batch in RE2
(pyarrow.compute: linear time). The lexical forms follow frictionless-py 5.21, which reads these
types with the same libraries (dateutil's isoparse, isodate, validators, rfc3986, json, base64);
where it is laxer than the specs (surrounding spaces in numbers, a one-digit month), the specs
win, and docs/table-schema.md lists the difference. The descriptor check (validate/descriptor.py)
refuses what cannot be read here before any cell is, so the options below are well-formed.
"""

from __future__ import annotations

import base64
import functools
import json
import math
from datetime import date, datetime, time, timedelta, timezone
from decimal import Decimal

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from .patterns import as_arrow, fullmatch

INVALID = object()  # a text that is not a value of the field's type

NUMBER = r"(?:[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][+-]?[0-9]+)?|NaN|INF|-INF)"
INTEGER = r"[+-]?[0-9]+"
TRUE_VALUES = ["true", "True", "TRUE", "1"]
FALSE_VALUES = ["false", "False", "FALSE", "0"]
FORMATS = {"string": {"default", "email", "uri", "uuid", "binary"}, "geopoint": {"default", "array", "object"},
           "geojson": {"default", "topojson"}}
PATTERN_TYPES = {"date", "time", "datetime"}  # format: "default", "any" or a strftime pattern
ITEM_TYPES = {"string", "integer", "number", "boolean", "date", "datetime", "time"}  # v2 list itemType
# strptime directives a format pattern may use: each becomes a bounded group of the stdlib's own
# fixed regex, so no pattern from a descriptor can make strptime backtrack.
DIRECTIVES = set("aAbBdfHIjmMpSyYzZ%")
GEOJSON_TYPES = {"Point", "MultiPoint", "LineString", "MultiLineString", "Polygon", "MultiPolygon", "GeometryCollection",
                 "Feature", "FeatureCollection"}
TOPOJSON_TYPES = GEOJSON_TYPES - {"Feature", "FeatureCollection"} | {"Topology"}
TYPES = {"string", "integer", "number", "boolean", "date", "year", "datetime", "time", "yearmonth", "duration", "geopoint",
         "geojson", "object", "array", "list", "any"}


def format_error(type_: str, fmt: object) -> str | None:
    """Why `fmt` is not a format this validator reads for `type_`, or None."""
    if fmt == "default" or fmt is None:
        return None
    text = repr(fmt)
    shown = text if len(text) <= 100 else f"{text[:80]}... ({len(text)} characters)"
    if not isinstance(fmt, str):
        return f"has format {shown}, which is not a string"
    if type_ in FORMATS:
        return None if fmt in FORMATS[type_] else f"has format {shown}; {type_} formats: {', '.join(sorted(FORMATS[type_]))}"
    if type_ in PATTERN_TYPES:
        if fmt == "any":
            return None
        seen, i = set(), 0
        while i < len(fmt):
            if fmt[i] == "%":
                d = fmt[i + 1: i + 2]
                if d not in DIRECTIVES:
                    return f"has format {shown}, whose directive %{d} is not one of %{' %'.join(sorted(DIRECTIVES))}"
                if d in seen and d != "%":
                    return f"has format {shown}, which repeats %{d}"
                seen.add(d)
                i += 2
            else:
                i += 1
        return None if seen - {"%"} else f"has format {shown}, which is neither 'default', 'any' nor a strptime pattern"
    return f"has format {shown}, but type {type_!r} has no formats"


NUMBER_OPTIONS = {"integer": {"bareNumber", "groupChar"}, "number": {"bareNumber", "groupChar", "decimalChar"}}


def plain(fld: dict) -> bool:
    """Whether a number or integer field is read in Table Schema's default lexical form."""
    return not {"bareNumber", "groupChar", "decimalChar"} & set(fld)


def options_error(fld: dict) -> str | None:
    """Why the field's trueValues, falseValues, bareNumber, groupChar or decimalChar cannot be read, or None."""
    type_ = fld.get("type", "string")
    for key in ("trueValues", "falseValues"):
        if key in fld and (type_ != "boolean" or not isinstance(fld[key], list) or not all(isinstance(v, str) for v in fld[key])):
            return f"has {key} {fld[key]!r}, which only a boolean field has, as a list of strings"
    for key in ("bareNumber", "groupChar", "decimalChar"):
        if key not in fld:
            continue
        if key not in NUMBER_OPTIONS.get(type_, ()):
            return f"has {key}, which a {type_} field does not have"
        if key == "bareNumber" and not isinstance(fld[key], bool):
            return f"has bareNumber {fld[key]!r}, which is not true or false"
        if key != "bareNumber" and (not isinstance(fld[key], str) or not fld[key]):
            return f"has {key} {fld[key]!r}, which is not a non-empty string"
    if fld.get("decimalChar", ".") == fld.get("groupChar"):
        return "has the same decimalChar and groupChar"
    return None


def _strings(values) -> pa.Array:
    return pa.array(values, type=pa.string())


def _matches(values: list[str], pattern: str) -> np.ndarray:
    return pc.match_substring_regex(_strings(values), f"^(?:{pattern})$").fill_null(False).to_numpy(zero_copy_only=False)


def _numeric_text(fld: dict, values: list[str]) -> list[str]:
    """Number or integer texts with the field's decimalChar, groupChar and bareNumber undone, as
    frictionless does: non-bare numbers lose leading characters other than '-' and digits and
    trailing non-digits; a '.' beside another decimalChar makes the value invalid (here: 'x')."""
    arr = _strings(values)
    if fld.get("bareNumber", True) is False:
        arr = pc.replace_substring_regex(arr, r"^[^-0-9]*", "")
        arr = pc.replace_substring_regex(arr, r"[^0-9]*$", "")
    if fld.get("groupChar"):
        arr = pc.replace_substring(arr, fld["groupChar"], "")
    decimal = fld.get("decimalChar", ".")
    if fld.get("type") == "number" and decimal != ".":
        arr = pc.if_else(pc.match_substring(arr, "."), "x", pc.replace_substring(arr, decimal, "."))
    return arr.to_pylist()


def _lexical(fld: dict, values: list[str], pattern: str, convert) -> list:
    texts = values if plain(fld) else _numeric_text(fld, values)
    ok = _matches(texts, pattern)
    return [convert(t) if good else INVALID for t, good in zip(texts, ok)]


@functools.total_ordering
class WideInt:
    """An integer written with more digits than Python converts from text (4300: int() refuses
    more, and converting is quadratic in the digits). It is farther from zero than any bound a
    descriptor can state (those are ints Python converted), equal only to the same integer, and
    compared exactly with another wide one; its repr is its canonical digits, as an int's is."""

    __slots__ = ("negative", "digits")

    def __init__(self, text: str):
        self.negative = text.startswith("-")
        self.digits = text.lstrip("+-").lstrip("0") or "0"

    def __eq__(self, other):
        return isinstance(other, WideInt) and (self.negative, self.digits) == (other.negative, other.digits)

    def __hash__(self):
        return hash((WideInt, self.negative, self.digits))

    def __lt__(self, other):
        if isinstance(other, WideInt):
            if self.negative != other.negative:
                return self.negative
            mine, theirs = (len(self.digits), self.digits), (len(other.digits), other.digits)
            return mine > theirs if self.negative else mine < theirs
        if isinstance(other, (int, float)) and not isinstance(other, bool):
            if isinstance(other, float) and math.isinf(other):
                return other > 0
            return self.negative
        return NotImplemented

    def __repr__(self):
        return ("-" if self.negative else "") + self.digits


def integer(text: str) -> int | WideInt:
    """The integer a text of [+-]?[0-9]+ writes, exactly: a WideInt beyond Python's digit limit."""
    try:
        return int(text)
    except ValueError:  # over sys.get_int_max_str_digits(), refused before any conversion
        wide = WideInt(text)
        return wide if len(wide.digits) > 4000 else int(("-" if wide.negative else "") + wide.digits)  # leading zeros


def _float(text: str) -> float:
    return float({"INF": "inf", "-INF": "-inf"}.get(text, text))


def _each(values: list[str], read) -> list:
    out = []
    for v in values:
        try:
            out.append(read(v))
        except Exception:  # noqa: BLE001 - any failure of a reader means "not of this type"
            out.append(INVALID)
    return out


def _when(read, test):
    def checked(v):
        value = read(v)
        if not test(value):
            raise ValueError(v)
        return value

    return checked


def _temporal(type_: str, fmt: str):
    from dateutil import parser  # frictionless reads these with dateutil too

    if fmt == "any":
        return {"date": lambda v: parser.parse(v).date(), "time": lambda v: parser.parse(v).timetz(),
                "datetime": parser.parse}[type_]
    if fmt not in ("default", None):
        return {"date": lambda v: datetime.strptime(v, fmt).date(), "time": lambda v: datetime.strptime(v, fmt).timetz(),
                "datetime": lambda v: datetime.strptime(v, fmt)}[type_]
    if type_ == "time":
        def read_time(v):
            if len(v) < 8 or v[5] != ":":
                raise ValueError(v)
            return parser.isoparse(f"2000-01-01T{v}").timetz()
        return read_time

    def read_datetime(v):
        if len(v) < 19 or v[16] != ":":
            raise ValueError(v)
        return parser.isoparse(v)
    return read_datetime


def _uri(v: str) -> str:
    import rfc3986
    from rfc3986 import validators

    validator = validators.Validator().require_presence_of("scheme")
    validator.validate(rfc3986.uri_reference(v))
    return v


def _string(fmt: str):
    if fmt == "email":
        import validators
        return _when(lambda v: v, lambda v: validators.email(v) is True)
    if fmt == "uuid":
        import validators
        return _when(lambda v: v, lambda v: validators.uuid(v) is True)
    if fmt == "uri":
        return _uri
    if fmt == "binary":
        return _when(lambda v: v, lambda v: base64.b64decode(v) is not None)
    return None


def _geopoint(fmt: str):
    def read(v):
        if fmt == "array":
            lon, lat = json.loads(v)
        elif fmt == "object":
            obj = json.loads(v)
            if len(obj) != 2:
                raise ValueError(v)
            lon, lat = obj["lon"], obj["lat"]
        else:
            lon, lat = (part.strip() for part in v.split(","))
        lon, lat = Decimal(lon), Decimal(lat)
        if not (-180 <= lon <= 180 and -90 <= lat <= 90):
            raise ValueError(v)
        return (lon, lat)

    return read


def _refuse_constant(token: str):
    raise ValueError(f"{token} is not JSON")


def _loads(text: str):
    """JSON as RFC 8259 writes it: Python's json would also read NaN, Infinity and -Infinity."""
    return json.loads(text, parse_constant=_refuse_constant)


def _json(kind):
    return _when(_loads, lambda v: isinstance(v, kind))


def _geojson(fmt: str):
    kinds = TOPOJSON_TYPES if fmt == "topojson" else GEOJSON_TYPES
    return _when(_loads, lambda v: isinstance(v, dict) and isinstance(v.get("type"), str) and v["type"] in kinds)


def _yearmonth(v: str) -> tuple[int, int]:
    return (int(v[:4]), int(v[5:]))


def _list(fld: dict, values: list[str]) -> list:
    delimiter = fld.get("delimiter", ",")
    items = [v.split(delimiter) for v in values]
    flat = [i for parts in items for i in parts]
    item_field = {"name": fld.get("name", ""), "type": fld.get("itemType", "string")}
    read = parse(item_field, list(dict.fromkeys(flat)))
    by_text = dict(zip(dict.fromkeys(flat), read))
    out = []
    for parts in items:
        typed = [by_text[p] for p in parts]
        out.append(INVALID if any(t is INVALID for t in typed) else typed)
    return out


def parse(fld: dict, values: list[str]) -> list:
    """The typed value of each text in `values` for field `fld` (INVALID where it has none)."""
    type_, fmt = fld.get("type", "string"), fld.get("format", "default")
    if not values:
        return []
    if type_ == "integer":
        return _lexical(fld, values, INTEGER, integer)
    if type_ == "number":
        return _lexical(fld, values, NUMBER, _float)
    if type_ == "year":
        return [int(v) if ok else INVALID for v, ok in zip(values, _matches(values, "[0-9]{4}"))]
    if type_ == "yearmonth":
        return [_yearmonth(v) if ok else INVALID for v, ok in zip(values, _matches(values, "[0-9]{4}-(0[1-9]|1[0-2])"))]
    if type_ == "boolean":
        # a text in both lists is false, as frictionless reads it
        truth = {v: True for v in fld.get("trueValues", TRUE_VALUES)} | {v: False for v in fld.get("falseValues", FALSE_VALUES)}
        return [truth.get(v, INVALID) for v in values]
    if type_ == "date" and fmt in ("default", None):
        shaped = _matches(values, "[0-9]{4}-[0-9]{2}-[0-9]{2}")  # the spec's form: 2024-2-1 is not a date
        return [o if ok else INVALID for o, ok in zip(_each([v if ok else "" for v, ok in zip(values, shaped)],
                                                             lambda v: datetime.strptime(v, "%Y-%m-%d").date()), shaped)]
    if type_ in PATTERN_TYPES:
        return _each(values, _temporal(type_, fmt))
    if type_ == "duration":
        import isodate
        return _each(values, isodate.parse_duration)
    if type_ == "string":
        read = _string(fmt)
        return list(values) if read is None else _each(values, read)
    if type_ == "geopoint":
        return _each(values, _geopoint(fmt))
    if type_ == "geojson":
        return _each(values, _geojson(fmt))
    if type_ == "object":
        return _each(values, _json(dict))
    if type_ == "array":
        return _each(values, _json(list))
    if type_ == "list":
        return _list(fld, values)
    return list(values)  # any


def factorize(s: pd.Series) -> tuple[np.ndarray, list[str]]:
    """(codes, distinct texts in order of first appearance): s's i-th cell is uniques[codes[i]].
    Arrow's dictionary encoding for a large column: no Python string per cell."""
    if getattr(s.dtype, "storage", "python") == "python":
        codes, uniques = pd.factorize(s.to_numpy(dtype=object, na_value=""))
        return codes, [str(u) for u in uniques]
    col = as_arrow(s)
    col = col.combine_chunks() if isinstance(col, pa.ChunkedArray) else col
    encoded = col.fill_null("").dictionary_encode()
    return encoded.indices.to_numpy(zero_copy_only=False), encoded.dictionary.to_pylist()


def distinct(fld: dict, s: pd.Series) -> tuple[np.ndarray, list]:
    """(codes, typed values of the distinct texts): s's i-th cell has the value parsed[codes[i]]."""
    codes, uniques = factorize(s)
    return codes, parse(fld, uniques)


def valid(fld: dict, s: pd.Series) -> pd.Series:
    """Whether each cell is a value of the field's type (missing values are judged elsewhere)."""
    type_ = fld.get("type", "string")
    if type_ in ("any", "string") and fld.get("format", "default") == "default":
        return pd.Series(True, index=s.index)
    if type_ in ("integer", "number") and plain(fld):
        return pd.Series(fullmatch(s, INTEGER if type_ == "integer" else NUMBER), index=s.index)
    codes, parsed = distinct(fld, s)
    good = np.fromiter((p is not INVALID for p in parsed), dtype=bool, count=len(parsed))
    return pd.Series(good[codes] if len(codes) else np.zeros(0, dtype=bool), index=s.index)


def typed(fld: dict, s: pd.Series) -> pd.Series:
    """Each cell's typed value (an object Series; INVALID where it has none)."""
    codes, parsed = distinct(fld, s)
    values = np.empty(len(parsed), dtype=object)
    values[:] = parsed
    return pd.Series(values[codes] if len(codes) else [], index=s.index, dtype=object)


def key(value):
    """A hashable stand-in for a typed value, equal where the values are (JSON by its canonical text)."""
    if isinstance(value, (dict, list)):
        return json.dumps(value, sort_keys=True, default=str)
    try:
        hash(value)
    except TypeError:
        return repr(value)
    return value



ORDERED = {"integer", "number", "year", "yearmonth", "date", "time", "datetime"}  # minimum, maximum, exclusive*
SIZED = {"string", "array", "list", "object"}  # minLength, maxLength


def constraint_value(fld: dict, value: object) -> object:
    """A constraint's value (a bound, an enum item) as a value of the field's type: text is read
    as a cell is, with the field's format; JSON numbers, booleans, objects and arrays stand for
    themselves where the type holds them. INVALID where it is none of the field's values."""
    type_ = fld.get("type", "string")
    if isinstance(value, str):
        return parse(fld, [value])[0]
    if isinstance(value, bool):
        return value if type_ == "boolean" else INVALID
    if isinstance(value, int) and type_ == "number":
        try:
            return float(value)  # cells are read as floats: enum [1] holds 1.0
        except OverflowError:
            return value  # a bound too wide for a float compares exactly as an int
    if isinstance(value, int) and type_ in ("integer", "year"):
        return value
    if isinstance(value, float) and type_ in ("integer", "year"):
        return int(value) if value.is_integer() else INVALID
    if isinstance(value, float) and type_ == "number":
        return value
    if (isinstance(value, dict) and type_ in ("object", "geojson")) or (isinstance(value, list) and type_ in ("array", "list")):
        return value
    return INVALID


_MICROSECOND = timedelta(microseconds=1)


def sortable(value) -> str:
    """A text standing for a typed value, equal exactly where the values are equal (for keys,
    uniqueness and grouping: texts never fail to compare, as mixed Python values would)."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # -0.0 equals 0, and a whole number the integer it is (1.0 = 1, as a key of a number field referencing an integer one)
    if isinstance(value, tuple) and all(isinstance(v, Decimal) for v in value):  # a geopoint: 1.0 is 1, -0 is 0
        value = tuple(Decimal(0) if v == 0 else v.normalize() for v in value)
    if isinstance(value, datetime) and value.utcoffset() is not None:
        try:
            value = value.astimezone(timezone.utc)  # 15:00-03:00 is 18:00Z
        except OverflowError:  # 0001-01-01T00:00+05:00 is before year 1 in UTC: the instant in microseconds
            return f"instant:{(value.replace(tzinfo=None) - datetime.min - value.utcoffset()) // _MICROSECOND}"
    elif isinstance(value, time) and value.utcoffset() is not None:
        value = (datetime.combine(date(2000, 1, 1), value) - value.utcoffset()).time().replace(tzinfo=timezone.utc)
    return repr(key(value))


def value_keys(fld: dict, s: pd.Series) -> pd.Series:
    """Each cell as a text equal exactly where the typed values are ('1.0', '1e0' and '1' for a
    number, 'yes' and 'true' for a boolean whose trueValues hold both); a cell that is not of the
    type keeps its own text (prefixed, so it equals no value, only the same text)."""
    codes, uniques = factorize(s)
    parsed = parse(fld, uniques)
    out = np.array([f"\x00{u}" if p is INVALID else sortable(p) for u, p in zip(uniques, parsed)], dtype=object)
    return pd.Series(out[codes] if len(codes) else [], index=s.index, dtype=object)
