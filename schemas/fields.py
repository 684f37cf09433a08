"""Rules that Table Schema states for one field: type, constraints, and text hygiene."""

from __future__ import annotations

import numpy as np
import pandas as pd

from .rule import Rule, as_int, present

TRUE_FALSE = ["true", "True", "TRUE", "1", "false", "False", "FALSE", "0"]
# Spreadsheets evaluate cells starting with these (OWASP CSV injection).
FORMULA_START = r"[=+\-@\t\r]"
# Zero-width and bidirectional controls (U+200B..U+200F, U+202A..U+202E, U+2066..U+2069), BOM, C0/C1 controls but tab/LF.
INVISIBLE = "[\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff\x00-\x08\x0b-\x1f\x7f-\x9f]"


def _valid_type(type_: str, s: pd.Series) -> pd.Series:
    if type_ == "integer":
        return s.str.fullmatch(r"[+-]?[0-9]+")
    if type_ == "number":
        return pd.to_numeric(s, errors="coerce").notna() | s.isin(["NaN", "INF", "-INF"])
    if type_ == "boolean":
        return s.isin(TRUE_FALSE)
    if type_ == "date":
        shaped = s.str.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
        return shaped & pd.to_datetime(s.where(shaped), format="%Y-%m-%d", errors="coerce").notna()
    if type_ == "year":
        return s.str.fullmatch(r"[0-9]{4}")
    return pd.Series(True, index=s.index)


def _bounded(type_: str, s: pd.Series, bound, above: bool) -> pd.Series:
    values = as_int(s) if type_ == "integer" else pd.to_numeric(s, errors="coerce")
    ok = values >= bound if above else values <= bound
    return ok.fillna(True).astype(bool)


def field_rules(fld: dict, primary_key: list[str], lines: np.ndarray) -> list[Rule]:
    name = fld["name"]
    type_ = fld.get("type", "string")
    cons = fld.get("constraints", {})
    rules: list[Rule] = []

    def add(code, test, detail=None):
        rules.append(Rule(code, name, lambda df, test=test: test(df[name]), detail))

    if cons.get("required") or name in primary_key:
        add("missing-value", present, lambda df, idx: [f"{name} is empty"] * len(idx))
    add("type-error", lambda s: ~present(s) | _valid_type(type_, s),
        lambda df, idx: [f"{name} is {v!r}, not a valid {type_}" for v in df.loc[idx, name]])
    if "pattern" in cons:
        pattern = cons["pattern"]
        add("pattern-mismatch", lambda s: ~present(s) | s.str.fullmatch(pattern),
            lambda df, idx: [f"{name} is {v!r}, which does not match {pattern!r} (example: {fld.get('example', '')!r})" for v in df.loc[idx, name]])
    if "enum" in cons:
        allowed = cons["enum"]
        add("not-in-vocabulary", lambda s: ~present(s) | s.isin(allowed),
            lambda df, idx: [f"{name} is {v!r}; allowed: {', '.join(allowed)}" for v in df.loc[idx, name]])
    for key, above in (("minimum", True), ("maximum", False)):
        if key in cons:
            bound = cons[key]
            add("out-of-range", lambda s, b=bound, a=above: _bounded(type_, s, b, a),
                lambda df, idx, k=key, b=bound: [f"{name} is {v!r}, below the {k} {b}" if k == "minimum" else f"{name} is {v!r}, above the {k} {b}" for v in df.loc[idx, name]])
    for key, above in (("minLength", True), ("maxLength", False)):
        if key in cons:
            bound = cons[key]
            add("out-of-range", lambda s, b=bound, a=above: ~present(s) | ((s.str.len() >= b) if a else (s.str.len() <= b)),
                lambda df, idx, k=key, b=bound: [f"{name} has {len(v)} characters; {k} is {b}" for v in df.loc[idx, name]])
    if cons.get("unique") and primary_key != [name]:  # a one-field key is checked as a key
        def first_line(df, idx):
            s = df[name]
            first = pd.Series(lines[: len(s)], index=s.index).groupby(s).transform("min")
            return [f"{name} {v!r} is also on line {first[i]}" for i, v in zip(idx, s.loc[idx])]

        add("duplicate-value", lambda s: ~(present(s) & s.duplicated(keep="first")), first_line)
    if type_ == "string":
        add("whitespace", lambda s: s == s.str.strip(),
            lambda df, idx: [f"{name} is {v!r}" for v in df.loc[idx, name]])
        add("formula-injection", lambda s: ~s.str.match(FORMULA_START),
            lambda df, idx: [f"{name} starts with {v[:1]!r}: {v[:40]!r}" for v in df.loc[idx, name]])
    add("invisible-character", lambda s: ~s.str.contains(INVISIBLE, regex=True),
        lambda df, idx: [_invisible(name, v) for v in df.loc[idx, name]])
    return rules


def _invisible(name: str, value: str) -> str:
    import re

    m = re.search(INVISIBLE, value)
    return f"{name} has U+{ord(m.group()):04X} at character {m.start()}" if m else f"{name} has an invisible character"
