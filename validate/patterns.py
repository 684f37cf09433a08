"""Patterns from the descriptor, matched with RE2 (the engine behind pyarrow.compute's regex
kernels): time linear in the text whatever the pattern, so a pattern such as ^(a+)+$ cannot hang
validation as Python's backtracking `re` would. A pattern RE2 cannot compile (backreferences,
lookaround, repetitions over 1000) is a descriptor error."""

from __future__ import annotations

import functools

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc


@functools.lru_cache(maxsize=1024)  # a descriptor is loaded several times a command, each pattern checked each time
def pattern_error(pattern: str) -> str | None:
    """Why RE2 cannot use `pattern` as a Table Schema pattern, or None when it can."""
    probe = pa.array([""], type=pa.string())
    try:
        pc.match_substring_regex(probe, pattern)  # alone first: ')|(' would otherwise escape the anchors
        pc.match_substring_regex(probe, anchored(pattern))
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError) as exc:
        return str(exc).removeprefix("Invalid regular expression: ")
    return None


def anchored(pattern: str) -> str:
    """Table Schema patterns match the whole value; RE2's $ (without the m flag) is the end of the text."""
    return f"^(?:{pattern})$"


def as_arrow(s: pd.Series) -> pa.Array | pa.ChunkedArray:
    """A text Series as Arrow text: its own buffers when pandas stores it in Arrow (large_string,
    no copy: a cast to string would copy every column for every rule), else converted."""
    if getattr(s.dtype, "storage", "python") == "python":  # a list converts several times faster than a Python-string Series
        return pa.array(s.to_numpy(dtype=object).tolist(), type=pa.string(), from_pandas=True)
    return pa.array(s, from_pandas=True)


def fullmatch(s: pd.Series, pattern: str) -> np.ndarray:
    """Whether each value matches `pattern` as a whole (missing values do not)."""
    return pc.match_substring_regex(as_arrow(s), anchored(pattern)).fill_null(False).to_numpy(zero_copy_only=False)


def fullmatches(values: list[str], pattern: str) -> list[bool]:
    """Whether each string matches `pattern` as a whole, in linear time; a pattern RE2 cannot use
    matches nothing (it is reported as a descriptor error elsewhere)."""
    try:
        found = pc.match_substring_regex(pa.array(values, type=pa.string()), anchored(pattern))
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return [False] * len(values)
    return [bool(x) for x in found.fill_null(False).to_pylist()]
