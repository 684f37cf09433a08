"""Rules: vectorised tests over a table, each with a stable problem code.

A `Rule` tests whole rows and reports one field. A `CellRule` applies one code to many
columns at once (every required field, every text field...) and reports each failing cell
under its own field: one pandera check per code and table instead of one per field keeps
validation about as fast as importing the libraries.
"""

from __future__ import annotations

import hashlib
import json
import re
import weakref
from dataclasses import dataclass
from typing import Callable, Iterable

import numpy as np
import pandas as pd
import pandera.pandas as pdr
import pyarrow as pa
import pyarrow.compute as pc

from validate import types
from validate.patterns import as_arrow
from validate.reader import ARROW_FROM_ROWS, value_offsets
from validate.types import integer

Test = Callable[[pd.DataFrame], "pd.Series | np.ndarray"]  # True where the row satisfies the rule
Detail = Callable[[pd.DataFrame, pd.Index], Iterable[str]]
CellTest = Callable[[pd.Series], pd.Series]
Message = Callable[[str], str]
Failure = tuple[int, str, str]  # (row index, field, detail)


def _as_check(test: Test, name: str, failed: dict | None = None, key: object = None) -> pdr.Check:
    """The rule as a pandera check; where it fails, `failed[key]` is True where the row passes."""
    def project_rule(df: pd.DataFrame) -> bool:
        # pandera dispatches on the function's __name__, so a test named like a built-in
        # check (in_range, isin, ...) would silently run pandera's version instead
        ok = _bools(test(df))
        if ok.shape != (len(df),):  # a verdict per row or none: a bug in the rule, reported as one
            raise ValueError(f"rule {name} answered {ok.shape} verdicts for {len(df)} rows")
        if ok.all():
            return True
        if failed is not None:
            failed[key] = ok  # the rows, for check_table to locate each problem
        # a bool, not the Series: pandera would copy every column of the failing rows into its
        # failure cases and reshape them, 11 ms of each failing check, for rows known here
        return False

    # ignore_na=False: cells are never null (an empty cell is ''), and each rule decides what a
    # missing value means; pandera's default would scan the frame for nulls once per check.
    return pdr.Check(project_rule, name=name, ignore_na=False)


@dataclass(frozen=True)
class Rule:
    code: str
    field: str
    test: Test  # True where the row satisfies the rule
    detail: Detail | None = None  # explains each failing row; default: the offending value

    @property
    def name(self) -> str:
        return f"{self.code}@{self.field}"

    @property
    def fields(self) -> tuple[str, ...]:
        return tuple(self.field.split("+"))

    def check(self, failed: dict | None = None, key: object = None) -> pdr.Check:
        return _as_check(self.test, self.name, failed, key)

    def failures(self, frame: pd.DataFrame, index: pd.Index) -> list[Failure]:
        if self.detail is not None:
            details = list(self.detail(frame, index))
        elif self.field in frame.columns:
            details = [f"{self.field} is {shown(v)}" for v in frame.loc[index, self.field]]
        else:
            details = [f"row fails {self.code}"] * len(index)
        return [(i, self.field, d) for i, d in zip(index, details)]


@dataclass(frozen=True)
class CellRule:
    code: str
    columns: dict[str, tuple[CellTest, Message]]  # field -> (True where the cell is fine, message for a bad value)

    @property
    def name(self) -> str:
        return f"{self.code}@{'+'.join(self.columns)}"

    @property
    def fields(self) -> tuple[str, ...]:
        return tuple(self.columns)

    def verdicts(self, df: pd.DataFrame) -> dict[str, np.ndarray]:
        """field -> True where its cell is fine."""
        return {f: _bools(test(column(df, f))) for f, (test, _) in self.columns.items()}

    def test(self, df: pd.DataFrame) -> np.ndarray:
        return np.logical_and.reduce(list(self.verdicts(df).values()))

    def check(self, failed: dict | None = None, key: object = None) -> pdr.Check:
        return _as_check(self.test, self.name, failed, key)

    def failures(self, frame: pd.DataFrame, index: pd.Index) -> list[Failure]:
        rows = frame.loc[index]
        ok = self.verdicts(rows)
        out = []
        for f, (_, message) in self.columns.items():
            bad = rows.index[~ok[f]]
            values = list(rows.loc[bad, f])
            out += [(i, f, d) for i, d in zip(bad, messages(message, values))]
        return out


def shown(value: str, limit: int = 200) -> str:
    """repr of a cell, cut in the middle beyond `limit` characters (a 100,000-digit number is
    named by its ends and its length, not printed whole)."""
    if len(value) <= limit:
        return repr(value)
    return f"{value[: limit // 2]!r}...{value[-limit // 2:]!r} ({len(value)} characters)"


def brief(value: str, limit: int = 40) -> str:
    """A cell as it is when short, else as `shown` cuts it: for messages that print a value bare."""
    return value if len(value) <= limit else shown(value, limit)


def messages(message: Message, values: list) -> list[str]:
    """The message of each bad value, computed once per distinct value, and for all of them in
    one call where the message has a `batch` (a message that re-runs vectorised tests on one
    value costs a pandas call per cell: 20,000 cells out of range took minutes)."""
    distinct = list(dict.fromkeys(values))
    batch = getattr(message, "batch", None)
    texts = batch(distinct) if batch is not None else [message(v) for v in distinct]
    by_value = dict(zip(distinct, texts))
    return [by_value[v] for v in values]


def _bools(result) -> np.ndarray:
    """A check's result as a plain numpy bool array, missing counted as failing."""
    if isinstance(result, pd.Series):
        return result.to_numpy(dtype=bool, na_value=False)
    return np.asarray(result, dtype=bool)


# Below this many cells a plain Python loop beats any vectorised call: a pandas or Arrow call
# costs tens of microseconds before it touches a cell, a loop about 0.1 us per cell. The reader
# stores tables that small as Python strings (reader.TEXT) and larger ones in Arrow, and the cell
# tests below follow the storage: Python loops over Python strings, Arrow kernels over Arrow strings.
SMALL = ARROW_FROM_ROWS


def python_engine(s: pd.Series) -> bool:
    return getattr(s.dtype, "storage", "python") == "python"


arrow = as_arrow  # the name the rules use


# Verdicts of cell tests that depend on the cell and its field's declaration alone (type, format,
# constraints), remembered per value for Python-stored (small) tables: the pandas and Arrow calls
# behind each test cost more than a small column's cells, and every validation in one process (the
# test suite checks copies of the package a thousand times) reads the same ids and codes again.
MEMO_VALUES = 1 << 16  # values remembered for all tests together; beyond, all is forgotten
MEMO_KEYS = 1 << 12  # declarations remembered; beyond, all is forgotten
MEMO_CHARS = 200  # a longer value is tested each time it is met, not remembered
_memos: dict[str, dict] = {}
_memo_size = [0]


def per_value(test: CellTest, *depends: object) -> CellTest:
    """`test`, remembering its verdict of each value of a small column under the SHA-256 of
    `depends` as JSON (which must name everything the verdict depends on besides the value, e.g.
    the rule's code and the field's declaration; a 100,000-code enum is kept as 64 characters),
    computed when a small column first needs it."""
    key: list[str] = []

    def remembered(s: pd.Series) -> np.ndarray:
        if not python_engine(s):
            return test(s)
        if not key:
            key.append(hashlib.sha256(json.dumps(depends, sort_keys=True, default=repr).encode()).hexdigest())
        memo = _memos.get(key[0], {})
        values = cells(s)
        todo = [v for v in dict.fromkeys(values) if v not in memo]
        fresh = dict(zip(todo, _bools(test(pd.Series(todo, dtype=s.dtype))))) if todo else {}
        ok = np.fromiter((fresh[v] if v in fresh else memo[v] for v in values), dtype=bool, count=len(values))
        kept = {v: verdict for v, verdict in fresh.items() if isinstance(v, str) and len(v) <= MEMO_CHARS}
        if _memo_size[0] + len(kept) > MEMO_VALUES or len(_memos) >= MEMO_KEYS:
            _memos.clear()
            _memo_size[0] = 0
        _memos.setdefault(key[0], {}).update(kept)
        _memo_size[0] += len(kept)
        return ok

    return remembered


def once_per_object(compute: Callable) -> Callable:
    """compute(obj), computed once per live object (rule.column gives every rule of a table the
    same Series, so the rules reading one column share the work); each entry is held weakly and
    dropped with its object. The arrays computed are made read-only, since every caller shares them."""
    memo: dict[int, tuple[weakref.ref, object]] = {}

    def cached(obj):
        key = id(obj)
        hit = memo.get(key)
        if hit is None or hit[0]() is not obj:
            value = compute(obj)
            for part in value if isinstance(value, tuple) else (value,):
                if isinstance(part, np.ndarray):
                    part.flags.writeable = False
            ref = weakref.ref(obj, lambda r, key=key: memo.get(key, (None,))[0] is r and memo.pop(key, None))
            hit = memo[key] = (ref, value)
        return hit[1]

    return cached


def column(df: pd.DataFrame, name: str) -> pd.Series:
    """df[name], built once per frame: pandas builds a new Series on every access (40 us), and a
    small package's rules read the same few hundred columns some 2,000 times."""
    built = _columns_of(df)
    found = built.get(name)
    if found is None:
        found = built[name] = df[name]
    return found


@once_per_object
def _columns_of(df: pd.DataFrame) -> dict[str, pd.Series]:
    return {}


def forget_columns(df: pd.DataFrame) -> None:
    """Drop the Series `column` built for `df`, and with them what once_per_object computed from
    them (edge bytes, integer cells): a large table checked keeps its frame for the other tables'
    rules, which need few of its columns (at 1M events these arrays held 250 MB to the end)."""
    _columns_of(df).clear()


def once_per_frame(compute: Callable[[pd.DataFrame], object]) -> Callable[[pd.DataFrame], object]:
    """compute(df), computed again only for another frame: two rules of one table share it. The
    frame is held weakly: a strong reference would keep every checked frame alive (pandera's schema
    registry points back at the rules)."""
    memo: dict = {}

    def cached(df: pd.DataFrame):
        if memo.get("df", lambda: None)() is not df:
            memo.update(df=weakref.ref(df), value=compute(df))
        return memo["value"]

    return cached


@once_per_object  # the whitespace and formula rules both read them
def edge_bytes(s: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """The first and the last UTF-8 byte of each cell of an Arrow text column (0 for an empty
    cell), read from the column's buffers: no copy of the text and no per-cell call."""
    col = arrow(s)
    if isinstance(col, pa.ChunkedArray):
        col = col.chunk(0) if col.num_chunks == 1 else col.combine_chunks()
    offsets = value_offsets(col)
    data = np.frombuffer(col.buffers()[2], dtype=np.uint8) if col.buffers()[2] is not None else np.zeros(0, dtype=np.uint8)
    data = data if len(data) else np.zeros(1, dtype=np.uint8)
    starts, ends = offsets[:-1], offsets[1:]
    filled = ends > starts  # an empty cell's offset may be the end of the data: clipped, then zeroed
    return (np.where(filled, np.take(data, starts, mode="clip"), 0).astype(np.uint8),
            np.where(filled, np.take(data, ends - 1, mode="clip"), 0).astype(np.uint8))


def cells(s: pd.Series) -> np.ndarray:
    return s.to_numpy(dtype=object)


def isin(s: pd.Series, values) -> np.ndarray:
    """Whether each cell is among `values`: a Python set for a small column and value list;
    Arrow's hash kernel otherwise (pandas' Arrow-string isin iterates in Python)."""
    if not len(s):  # Arrow would hash every value first: 0.3 s for an empty column against a million keys
        return np.zeros(0, dtype=bool)
    if python_engine(s) and len(values) < SMALL:
        known = _value_set(values) if isinstance(values, pd.Series) else set(values)
        return np.fromiter(map(known.__contains__, cells(s)), dtype=bool, count=len(s))
    values = values if isinstance(values, pd.Series) else list(values)
    # no pc.unique first: is_in's hash set absorbs repeats, and the extra pass cost more than it saved
    found = pc.is_in(arrow(s), value_set=arrow(values) if isinstance(values, pd.Series) else pa.array(values, type=pa.string()))
    return found.fill_null(False).to_numpy(zero_copy_only=False)


@once_per_object
def _value_set(s: pd.Series) -> frozenset:
    """The values of a referenced column, once per column: each table referencing it asks again."""
    return frozenset(cells(s))


def keys_in(df: pd.DataFrame, fields: list[str], other: pd.DataFrame, other_fields: list[str]) -> np.ndarray:
    """Whether each row's (composite) key occurs among `other`'s keys."""
    if len(fields) == 1:
        return isin(column(df, fields[0]), other[other_fields[0]])
    if len(df) * len(fields) < SMALL and len(other) * len(fields) < SMALL:
        known = set(zip(*(cells(other[f]) for f in other_fields)))
        return np.fromiter(map(known.__contains__, zip(*(cells(column(df, f)) for f in fields))), dtype=bool, count=len(df))
    mine, theirs = [column(df, f) for f in fields], [other[f] for f in other_fields]
    if all(pd.api.types.is_string_dtype(s.dtype) for s in mine + theirs):
        return _codes_in(mine, theirs)
    mine = pd.MultiIndex.from_frame(df[fields])
    theirs = pd.MultiIndex.from_frame(other[other_fields].set_axis(fields, axis=1))
    return mine.isin(theirs)


def _codes_in(mine: list[pd.Series], theirs: list[pd.Series]) -> np.ndarray:
    """keys_in for text columns through integer codes: each of the rows' fields factorized (Arrow's
    dictionary), the other side's values looked up among its codes, and the codes of a row
    combined field by field. A MultiIndex of 1M rows took 0.13 s to build and 0.1 s to look up."""
    n = len(mine[0])
    key = okey = None
    for a, b in zip(mine, theirs):
        codes, uniques = pd.factorize(a)
        ocodes = pd.Index(uniques).get_indexer(b.to_numpy(dtype=object))  # -1: a value no row holds
        if key is None:
            key, okey = codes.astype(np.int64), ocodes.astype(np.int64)
            continue
        # one more code than values, so that the other side's -1 combines into no row's key; and
        # the combined keys factorized again, below n + len(b): no overflow however many fields
        width = len(uniques) + 1
        both, _ = pd.factorize(np.concatenate([key * width + codes, okey * width + ocodes]))
        key, okey = both[:n], both[n:]
    return np.isin(key, okey)


def repeats(keys: Iterable) -> np.ndarray:
    """True where a key equals an earlier one (DataFrame.duplicated(keep="first") as a loop)."""
    seen: set = set()
    out = []
    for k in keys:
        out.append(k in seen)
        seen.add(k)
    return np.array(out, dtype=bool)


def sorted_repeats(df: pd.DataFrame, fields: list[str]) -> np.ndarray | None:
    """True where a row's key equals the row before's, when the rows are in ascending key order
    (as canonical tables are), so equal keys are adjacent: one comparison per row instead of a
    hash of every key. None when the rows are not in key order."""
    n = len(df)
    if n < 2:
        return np.zeros(n, dtype=bool)
    equal = np.ones(n - 1, dtype=bool)
    for f in fields:
        col = arrow(column(df, f))
        prev, nxt = col.slice(0, n - 1), col.slice(1)
        if pc.any(pc.and_(pa.array(equal), pc.greater(prev, nxt))).as_py():
            return None
        equal &= pc.equal(prev, nxt).to_numpy(zero_copy_only=False)
    return np.concatenate(([False], equal))


def present(s: pd.Series, missing: list[str] | None = None) -> np.ndarray:
    """Whether each cell holds a value: not one of the field's missingValues (by default [""];
    an empty cell is the empty string, never null)."""
    if missing is not None:
        return ~isin(s, missing) if missing else np.ones(len(s), dtype=bool)
    if python_engine(s):
        return cells(s) != ""
    return pc.not_equal(arrow(s), "").fill_null(False).to_numpy(zero_copy_only=False)


INT64 = (-(2**63), 2**63 - 1)


# Each regex below is applied by Python's re to cells of any length, so none may backtrack: a
# "0*" before "[0-9]+" let re try every split of a run of zeros, and a 40,000-character cell of
# zeros ending in a letter took 30 s in an integer field.
_INT64_TEXT = re.compile(r"[+-]?0*[0-9]{1,18}")  # at most 18 tries per start: linear
_WIDE_TEXT = re.compile(r"[+-]?[0-9]{19,}")


def int64_of(text: str) -> int:
    """The value of an integer text of at most 18 significant digits; its zeros are dropped first, as int() refuses a
    text of over 4,300 digits even when most of them are leading zeros."""
    return (-1 if text[0] == "-" else 1) * int(text.lstrip("+-").lstrip("0") or "0")


@once_per_object
def int_cells(s: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """(values, ok): each cell as an int64 where it is an integer within the signed 64-bit range
    (ok), 0 elsewhere (type errors and integers too wide for 64 bits are reported by their own
    rules). A leading '+' is a sign. A small column is a Python loop, a large one Arrow kernels."""
    if python_engine(s):
        values = cells(s)
        ok = np.fromiter((_INT64_TEXT.fullmatch(v) is not None for v in values), dtype=bool, count=len(values))
        return np.fromiter((int64_of(v) if k else 0 for v, k in zip(values, ok)), dtype=np.int64, count=len(values)), ok
    text = arrow(s)
    # digits after an optional sign, by two kernels with no regex (RE2 took 0.4 s of every 1M-event
    # run); a value of over 18 digits may still be one within 64 bits if it has leading zeros
    signed = pc.or_(pc.starts_with(text, "+"), pc.starts_with(text, "-"))
    has_sign = pc.any(signed).as_py()
    body = pc.if_else(signed, pc.utf8_slice_codeunits(text, 1), text) if has_sign else text
    digits_only = pc.ascii_is_decimal(body).fill_null(False)
    ok = pc.and_(digits_only, pc.less_equal(pc.binary_length(body), 18)).to_numpy(zero_copy_only=False)
    long = np.flatnonzero(digits_only.to_numpy(zero_copy_only=False) & ~ok)
    if len(long):  # rare: only these few go through the regex
        ok[long] = pc.match_substring_regex(text.take(pa.array(long)), f"^{_INT64_TEXT.pattern}$").to_numpy(zero_copy_only=False)
    digits = pc.if_else(pa.array(ok), body, "0")  # the sign is put back below
    ints = pc.cast(digits, pa.int64()).to_numpy(zero_copy_only=False)
    if has_sign:
        ints = np.where(pc.starts_with(text, "-").fill_null(False).to_numpy(zero_copy_only=False), -ints, ints)
    return ints, ok


def as_int(s: pd.Series) -> pd.Series:
    """int_cells as a nullable integer Series: NA where the cell is no 64-bit integer."""
    ints, ok = int_cells(s)
    return pd.Series(pd.arrays.IntegerArray(ints, ~ok), index=s.index)


def wide_ints(s: pd.Series) -> dict[int, int]:
    """position -> exact Python int of each integer cell that int_cells leaves out for its width
    (19 or more digits); rare, so a Python loop over those cells alone is fine."""
    if python_engine(s):
        return {i: integer(v) for i, v in enumerate(cells(s)) if len(v) >= 19 and _WIDE_TEXT.fullmatch(v)}
    if not len(s) or (pc.max(pc.binary_length(arrow(s))).as_py() or 0) < 19:
        return {}  # no cell is long enough: one pass, no regex
    wide = np.flatnonzero(pc.match_substring_regex(arrow(s), f"^{_WIDE_TEXT.pattern}$").fill_null(False).to_numpy(zero_copy_only=False))
    return {int(i): integer(v) for i, v in zip(wide, cells(s.iloc[wide]))}


_INTEGER_TEXT = re.compile(r"([+-]?)([0-9]+)")


def _integer_text(value: str) -> str:
    m = _INTEGER_TEXT.fullmatch(value)
    if m is None:
        return value
    digits = m.group(2).lstrip("0") or "0"
    return ("-" if m.group(1) == "-" and digits != "0" else "") + digits


def integer_value(s: pd.Series) -> pd.Series:
    """Integer cells in one canonical decimal form ('+823', '0823' and '823' all become '823';
    '-0' becomes '0'), other cells as they are: Table Schema compares keys by value, so two
    spellings of one integer are the same key (frictionless reports 01 and 1 as duplicates)."""
    if python_engine(s):
        return pd.Series([_integer_text(v) for v in cells(s)], index=s.index, dtype=s.dtype)
    text = arrow(s)
    integer = pc.match_substring_regex(text, r"^[+-]?[0-9]+$")
    canon = pc.replace_substring_regex(text, r"^\+", "")
    canon = pc.replace_substring_regex(canon, r"^(-?)0+([0-9])", r"\1\2")
    canon = pc.replace_substring_regex(canon, r"^-0$", "0")
    out = pc.if_else(pc.fill_null(integer, False), canon, text)
    return pd.Series(out.to_numpy(zero_copy_only=False), index=s.index).astype(s.dtype)


def textual(fld: dict) -> bool:
    """Whether the field's values are its texts (string and any): its keys compare text as it is."""
    return fld.get("type", "string") in ("string", "any")


def typed_fields(fields: list[dict]) -> dict[str, dict]:
    """name -> field of each field whose keys compare values of its type rather than text."""
    return {f["name"]: f for f in fields if not textual(f)}


def typed_value(fld: dict | None, s: pd.Series) -> pd.Series:
    """Each cell as a text equal exactly where the values of the field's type are, for keys, unique
    and references (Table Schema compares logical values): integers in canonical decimal form
    (integer_value, in the column's own engine), other types by their value (validate/types.py
    value_keys: 1 = 1.0 = 1e0, -0 = 0, 2024-01-01T00:00:00Z = ...+00:00, booleans by trueValues
    and falseValues). A text field, or None, is the column itself: it costs nothing. A cell that is
    not of its type keeps its text (the type rule reports it), so it equals only the same text."""
    if fld is None or textual(fld):
        return s
    if fld.get("type") == "integer" and types.plain(fld):
        return integer_value(s)
    return types.value_keys(fld, s)


def by_value(df: pd.DataFrame, fields: list[str], typed: dict[str, dict]) -> pd.DataFrame:
    """`df[fields]` with the typed fields among them compared by value (see typed_value)."""
    view = df[list(fields)].copy()
    for f in fields:
        if f in typed:
            view[f] = typed_value(typed[f], view[f])
    return view


def unreadable(df: pd.DataFrame, fields: list[str], typed: dict[str, dict], missing: dict | None = None) -> np.ndarray:
    """Rows where a typed field among `fields` holds a value (not missing) that is not of its type:
    the type rule reports the cell, so a reference through it is not also reported as dangling."""
    out = np.zeros(len(df), dtype=bool)
    for f in fields:
        if f in typed:
            out |= present(column(df, f), (missing or {}).get(f)) & ~types.valid(typed[f], column(df, f)).to_numpy(dtype=bool)
    return out
