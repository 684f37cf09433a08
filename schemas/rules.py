"""Rules Table Schema cannot state: EDTF dates and their bounds, value bases, PLOVER modes, the
CAMEO-PLOVER crosswalk, ISO codes, archived texts and evidence spans.

Rules attach by field names and descriptor properties, so a new table with evidence
columns or an EDTF field is checked without new code.
"""

from __future__ import annotations

import calendar
import datetime as dt
import io
import re
from contextlib import redirect_stdout
from functools import lru_cache

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pycountry
from edtf import parse_edtf, struct_time_to_date

from validate.paths import PathRefused

from .context import Context, SourceFile
from .rule import Rule, as_int, isin, keys_in, present

EVIDENCE = ("source_id", "quote", "char_start", "char_end")
NOT_STATED = "not-stated"
INTEGER = r"[+-]?[0-9]+"


@lru_cache(maxsize=None)
def edtf_bounds(value: str) -> tuple[str, str] | None:
    """The first and last day an EDTF string can denote, in ISO form ('' where that end is open
    or unknown: never an invented bound), or None when it is not valid EDTF. A qualified date
    (? ~ %) is widened to the library's fuzzy bounds; the library's own gaps are filled here:
    an interval with an unknown end ('2025-04/', '/2025'), sets of dates and ranges
    ('[2025-04..2026]', '{2024, 2025}') and level-2 unspecified digits inside a component
    ('2024-1X', '2024-10-1X')."""
    try:
        if len(value) > 1 and value[0] + value[-1] in ("[]", "{}"):
            return _set_bounds(value[1:-1])
        if value.endswith("/") and value.count("/") == 1:  # unknown end: no bound on that side
            first = _single_bounds(value[:-1])
            return None if first is None or first[0] == "" else (first[0], "")
        if value.startswith("/") and value.count("/") == 1:
            last = _single_bounds(value[1:])
            return None if last is None or last[1] == "" else ("", last[1])
        got = _single_bounds(value)
    except Exception:  # the parser raises several exception types on bad input (see REFERENCE.md)
        return None
    if got is not None and all(got) and got[0] > got[1]:  # a reversed interval ('2024/2023') denotes no day
        return None
    return got


# Seasons that run into the next year: winter (24), northern winter (28), southern summer (30).
# The library bounds them by December alone; meteorological winter runs to the end of February.
_YEAR_END_SEASON = re.compile(r"(?P<y>[0-9]{4})-(?:24|28|30)")


def _single_bounds(value: str) -> tuple[str, str] | None:
    try:
        with redirect_stdout(io.StringIO()):  # the library prints while parsing, which would corrupt --format json
            parsed = parse_edtf(value)
            fuzzy = parsed.lower_fuzzy(), parsed.upper_fuzzy()
        # the library returns an infinite float for an open end
        out = tuple(struct_time_to_date(t).isoformat() if not isinstance(t, float) else "" for t in fuzzy)
        season = _YEAR_END_SEASON.fullmatch(value)
        if season:
            year = int(season.group("y")) + 1
            out = (out[0], max(out[1], dt.date(year, 2, calendar.monthrange(year, 2)[1]).isoformat()))
        return out
    except Exception:
        return _unspecified_digits(value)


_DIGITS = re.compile(r"(?P<y>[0-9X]{4})(?:-(?P<m>[0-9X]{2})(?:-(?P<d>[0-9X]{2}))?)?")


def _unspecified_digits(value: str) -> tuple[str, str] | None:
    """Bounds of a date with X for unspecified digits anywhere (EDTF level 2), or None."""
    m = _DIGITS.fullmatch(value)
    if m is None or "X" not in value:
        return None
    y, mo, d = m.group("y"), m.group("m") or "XX", m.group("d") or "XX"

    def span(part: str, low: int, high: int) -> tuple[int, int]:
        return max(int(part.replace("X", "0")), low), min(int(part.replace("X", "9")), high)

    y0, y1 = span(y, 0, 9999)
    m0, m1 = span(mo, 1, 12)
    d0, d1 = span(d, 1, 31)
    if m0 > m1 or d0 > min(d1, calendar.monthrange(y0, m0)[1]):
        return None
    first = dt.date(y0, m0, d0)
    d1 = min(d1, calendar.monthrange(y1, m1)[1])
    last = dt.date(y1, m1, d1)
    return (first.isoformat(), last.isoformat()) if first <= last else None


def _set_bounds(inner: str) -> tuple[str, str] | None:
    """Bounds of the members of a set: dates and ranges 'a..b' (an open side stays open)."""
    lows, highs = [], []
    for member in (m.strip() for m in inner.split(",")):
        if ".." in member:
            a, _, b = member.partition("..")
            if not a and not b:  # '..' alone names no date at all ('[..]')
                return None
            first = _single_bounds(a) if a else ("", "")
            last = _single_bounds(b) if b else ("", "")
            if first is None or last is None or (a and b and first[0] > last[1]):
                return None
            lows.append(first[0])
            highs.append(last[1])
        else:
            got = _single_bounds(member)
            if got is None or "/" in member:
                return None
            lows.append(got[0])
            highs.append(got[1])
    if not lows:
        return None
    return ("" if "" in lows else min(lows)), ("" if "" in highs else max(highs))


def edtf_rules(fields: list[dict]) -> list[Rule]:
    rules = []
    names = {f["name"] for f in fields}
    for fld in fields:
        if not fld.get("edtf"):
            continue
        name, start, end = fld["name"], f"{fld['name']}_start", f"{fld['name']}_end"

        def bounds(df, name=name) -> tuple[pd.Series, pd.Series, pd.Series]:
            """(valid, first day, last day) per row; the parser runs once per distinct value."""
            values = df[name].to_numpy(dtype=object)
            codes, uniques = pd.factorize(values)
            parsed = [edtf_bounds(v) if v else ("", "") for v in uniques]
            valid = np.array([p is not None for p in parsed], dtype=bool)
            firsts = np.array([p[0] if p else "" for p in parsed], dtype=object)
            lasts = np.array([p[1] if p else "" for p in parsed], dtype=object)
            return tuple(pd.Series(a[codes], index=df.index) for a in (valid, firsts, lasts))

        rules.append(Rule("invalid-edtf", name, lambda df, b=bounds: b(df)[0]))
        if {start, end} <= names:

            def matches(df, b=bounds, start=start, end=end):
                ok, want_start, want_end = b(df)
                return ~ok | ((df[start].to_numpy(dtype=object) == want_start) & (df[end].to_numpy(dtype=object) == want_end))

            def explain(df, idx, b=bounds, name=name, start=start, end=end):
                _, first, last = b(df.loc[idx])
                return [
                    f"{name} {df.at[i, name]!r} spans {first[i] or '(open)'}..{last[i] or '(open)'}"
                    f" but {start}..{end} is {df.at[i, start] or '(empty)'}..{df.at[i, end] or '(empty)'}"
                    for i in idx
                ]

            rules.append(Rule("date-bounds-mismatch", start, matches, explain))
            rules.append(Rule(
                "date-order", start,
                lambda df, start=start, end=end: ~(_iso(df[start]) & _iso(df[end])) | (df[start] <= df[end]),
                lambda df, idx, start=start, end=end: [f"{start} {df.at[i, start]} is after {end} {df.at[i, end]}" for i in idx],
            ))
    return rules


def _iso(s: pd.Series) -> pd.Series:
    """Cells holding a real calendar date (others are type errors, reported on their own)."""
    return pd.to_datetime(s.where(s.str.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")), format="%Y-%m-%d", errors="coerce").notna()


def basis_rules(fields: list[dict]) -> list[Rule]:
    """A field X with a companion X_basis: X is empty exactly when its basis is not-stated."""
    names = {f["name"] for f in fields}
    rules = []
    for name in sorted(n for n in names if f"{n}_basis" in names):
        basis = f"{name}_basis"
        rules.append(Rule(
            "basis-mismatch", basis,
            lambda df, n=name, b=basis: (df[n] == "") == (df[b] == NOT_STATED),
            lambda df, idx, n=name, b=basis: [f"{n} is {df.at[i, n]!r} but {b} is {df.at[i, b]!r}" for i in idx],
        ))
    return rules


def mode_rule(ctx: Context, names: set[str]) -> list[Rule]:
    modes = ctx.frame("event_modes")
    if modes is None or not {"event_type", "event_mode"} <= names:
        return []
    def test(df):
        return ~present(df["event_mode"]) | keys_in(df, ["event_type", "event_mode"], modes, ["event_type", "event_mode"])

    def detail(df, idx):
        return [f"event_mode {df.at[i, 'event_mode']!r} is not a mode of {df.at[i, 'event_type']!r}" for i in idx]

    return [Rule("mode-type-mismatch", "event_mode", test, detail)]


def crosswalk_rule(ctx: Context, res: dict) -> list[Rule]:
    """Declared by a resource's "crosswalk": each row's (code, type, mode) fields equal the reference
    table's row for that code, or are listed in the declared deviations table. A code the reference
    lacks (CAMEO 01x, 02x) must therefore be listed as a deviation; an empty code is not checked."""
    decl = res.get("crosswalk")
    if decl is None:
        return []
    own, ref_name, ref_fields = decl["fields"], decl["reference"]["resource"], decl["reference"]["fields"]
    dev_decl = decl.get("deviations")
    ref = ctx.frame(ref_name)
    dev = ctx.frame(dev_decl["resource"]) if dev_decl else None
    if ref is None or (dev_decl and dev is None):
        return []  # an unreadable table is reported on its own
    key = own[0]

    def test(df):
        ok = ~present(df[key]) | keys_in(df, own, ref, ref_fields)
        return ok | keys_in(df, own, dev, dev_decl["fields"]) if dev_decl else ok

    def detail(df, idx):
        mapped = {row[0]: row[1:] for row in zip(*(ref[f] for f in ref_fields))}
        show = lambda values: ", ".join(v or "(none)" for v in values)  # noqa: E731
        where = f" and {dev_decl['resource']} lists no deviation for it" if dev_decl else ""
        out = []
        for i in idx:
            code, got = df.at[i, key], [df.at[i, f] for f in own[1:]]
            says = f"maps {key} {code!r} to {show(mapped[code])}" if code in mapped else f"has no {key} {code!r}"
            out.append(f"{ref_name} {says}, but the row has {show(got)}{where}")
        return out

    return [Rule("crosswalk-mismatch", key, test, detail)]


ALPHA3 = frozenset(c.alpha_3 for c in pycountry.countries)
ALPHA2_LANGUAGES = frozenset(lang.alpha_2 for lang in pycountry.languages if hasattr(lang, "alpha_2"))


def code_rules(names: set[str]) -> list[Rule]:
    rules = []
    if "country" in names:
        rules.append(Rule("unknown-country", "country", lambda df: ~present(df["country"]) | isin(df["country"], ALPHA3)))
    if "language" in names:
        rules.append(Rule("unknown-language", "language", lambda df: isin(df["language"], ALPHA2_LANGUAGES)))
    return rules


def source_rules(ctx: Context, names: set[str]) -> list[Rule]:
    """The archived text behind each sources row: where it lives, that it is readable, and its hash."""
    if not {"source_id", "text_path", "text_sha256"} <= names:
        return []

    def refused(code):
        def test(df):
            got = df["text_path"].map(ctx.source_file)
            return ~got.map(lambda r: isinstance(r, PathRefused) and r.code == code).astype(bool)

        def detail(df, idx):
            return [ctx.source_file(df.at[i, "text_path"]).detail for i in idx]

        return Rule(code, "text_path", test, detail)

    def digest(df):
        return df["text_path"].map(lambda p: r.sha256 if isinstance(r := ctx.source_file(p), SourceFile) else None)

    def not_utf8(df):
        return ~df["text_path"].map(lambda p: isinstance(r := ctx.source_file(p), SourceFile) and r.text is None).astype(bool)

    return [
        Rule("text-path-mismatch", "text_path", lambda df: df["text_path"] == "data/sources/" + df["source_id"] + ".txt",
             lambda df, idx: [f"text_path is {df.at[i, 'text_path']!r}, expected 'data/sources/{df.at[i, 'source_id']}.txt'" for i in idx]),
        refused("unsafe-path"), refused("missing-file"), refused("file-too-large"),
        Rule("encoding-error", "text_path", not_utf8, lambda df, idx: [f"{df.at[i, 'text_path']} is not UTF-8" for i in idx]),
        Rule("source-hash-mismatch", "text_sha256", lambda df: digest(df).isna() | (digest(df) == df["text_sha256"]),
             lambda df, idx: [f"{df.at[i, 'text_path']} has SHA-256 {digest(df.loc[[i]]).iloc[0]}, not {df.at[i, 'text_sha256']}" for i in idx]),
    ]


def evidence_rules(ctx: Context, names: set[str]) -> list[Rule]:
    """text[char_start:char_end] == quote, against the archived text of the row's source."""
    if not set(EVIDENCE) <= names:
        return []

    def spans(df):
        texts = ctx.texts()
        start, end = as_int(df["char_start"]), as_int(df["char_end"])
        length = df["source_id"].map({sid: len(t) for sid, t in texts.items()}).astype("Float64")
        # an integer too wide for 64 bits is known (and outside any text), not skipped as a type error
        integer = df["char_start"].str.fullmatch(INTEGER) & df["char_end"].str.fullmatch(INTEGER)
        known = integer.astype(bool) & length.notna()
        inside = known & (start >= 0) & (start < end) & (end <= length)
        return texts, start, end, known.astype(bool), inside.fillna(False).astype(bool)

    def in_range(df):
        _, _, _, known, inside = spans(df)
        return ~known | inside

    def matches(df):
        texts, start, end, _, inside = spans(df)
        ok = pd.Series(True, index=df.index)
        where = np.flatnonzero(inside.to_numpy())
        codes, uniques = pd.factorize(df["source_id"].to_numpy()[where])
        order = np.argsort(codes, kind="stable")
        groups = np.split(where[order], np.cumsum(np.bincount(codes, minlength=len(uniques)))[:-1])
        quotes_all, starts_all, ends_all = df["quote"].to_numpy(), start.to_numpy(), end.to_numpy()
        for sid, rows in zip(uniques, groups):
            quotes = quotes_all[rows].tolist()
            s, e = starts_all[rows].astype(np.int64), ends_all[rows].astype(np.int64)
            same = np.fromiter(map(texts[sid].startswith, quotes, s.tolist()), dtype=bool, count=len(quotes))
            ok.iloc[rows] = same & (e - s == np.fromiter(map(len, quotes), dtype=np.int64, count=len(quotes)))
        return ok

    def explain(df, idx):
        texts, start, end, _, _ = spans(df)
        out = []
        for i in idx:
            text, quote = texts[df.at[i, "source_id"]], df.at[i, "quote"]
            at = text[int(start[i]):int(end[i])]
            found = text.find(quote)
            hint = f"; the quote occurs at {found}..{found + len(quote)}" if found >= 0 else "; the quote occurs nowhere in the text"
            out.append(f"text at {start[i]}..{end[i]} is {at[:60]!r}, quote is {quote[:60]!r}{hint}")
        return out

    return [
        Rule("evidence-out-of-range", "char_end", in_range,
             lambda df, idx: [f"span {df.at[i, 'char_start']}..{df.at[i, 'char_end']} is not inside the text of {df.at[i, 'source_id']}" for i in idx]),
        Rule("evidence-mismatch", "quote", matches, explain),
    ]


def verbatim_rules(ctx: Context, fields: list[dict]) -> list[Rule]:
    """Fields marked "verbatim": each value (or each "; "-separated part) occurs in the source text:
    of the row's own source where the table has source_id, else of any source."""
    rules = []
    for fld in fields:
        if not fld.get("verbatim"):
            continue
        name = fld["name"]

        def missing_parts(df, name=name):
            texts = ctx.texts()
            lists = pc.split_pattern(pa.array(df[name], type=pa.string()), "; ")
            parts = pd.Series(lists.flatten().to_numpy(zero_copy_only=False), index=df.index[pc.list_parent_indices(lists).to_numpy()])
            parts = parts[parts != ""]
            sids = df["source_id"].loc[parts.index] if "source_id" in df.columns else pd.Series("", index=parts.index)
            pairs = pd.DataFrame({"part": parts.to_numpy(), "sid": sids.to_numpy()})
            unique = pairs.drop_duplicates()  # far fewer distinct (place, source) pairs than rows
            # a row whose source is unknown is reported by its foreign key; without source_id, any text will do
            verdict = [any(p in t for t in texts.values()) if not sid else (sid not in texts or p in texts[sid])
                       for p, sid in zip(unique["part"], unique["sid"])]
            found = pairs.merge(unique.assign(ok=verdict), on=["part", "sid"], how="left")["ok"].to_numpy(dtype=bool)
            return parts[~found]

        def test(df, missing_parts=missing_parts):
            if not ctx.texts():
                return pd.Series(True, index=df.index)  # the texts are unreadable and reported as such
            return pd.Series(~df.index.isin(missing_parts(df).index), index=df.index)

        def detail(df, idx, missing_parts=missing_parts, name=name):
            bad = missing_parts(df)
            return [f"{name} part {bad.loc[[i]].iloc[0]!r} does not occur in the source text" for i in idx]

        rules.append(Rule("not-verbatim", name, test, detail))
    return rules


def attribution_rules(fields: list[dict]) -> list[Rule]:
    """A field declaring "assertedBy": {"attribution": A, "narration": N} names who asserts a fact:
    it is empty exactly when field A says the source narrates the fact itself (value N)."""
    names = {f["name"] for f in fields}
    rules = []
    for fld in fields:
        decl = fld.get("assertedBy")
        if not isinstance(decl, dict) or decl.get("attribution") not in names or not isinstance(decl.get("narration"), str):
            continue
        name, attribution, narration = fld["name"], decl["attribution"], decl["narration"]
        rules.append(Rule(
            "attribution-mismatch", name,
            lambda df, n=name, a=attribution, v=narration: (df[n] == "") == (df[a] == v),
            lambda df, idx, n=name, a=attribution, v=narration: [
                f"{n} is {df.at[i, n]!r} but {a} is {df.at[i, a]!r}; {n} is empty exactly when {a} is {v!r}" for i in idx],
        ))
    return rules


PLACE_CODES = ALPHA3 | frozenset(s.code for s in pycountry.subdivisions)


def place_code_rules(fields: list[dict]) -> list[Rule]:
    """Fields declaring "iso3166": true hold "; "-separated ISO 3166-1 alpha-3 or ISO 3166-2 codes."""
    rules = []
    for fld in fields:
        if fld.get("iso3166") is not True:
            continue
        name = fld["name"]

        def unknown(values: pd.Series) -> pd.Series:
            codes, uniques = pd.factorize(values.to_numpy(dtype=object))
            bad = np.empty(len(uniques), dtype=object)
            bad[:] = [tuple(p for p in v.split("; ") if p not in PLACE_CODES) if v else () for v in uniques]
            return pd.Series(bad[codes] if len(codes) else [], index=values.index, dtype=object)

        rules.append(Rule(
            "unknown-place-code", name,
            lambda df, n=name: unknown(df[n]).map(len) == 0,
            lambda df, idx, n=name: [f"{n} {df.at[i, n]!r}: {', '.join(unknown(df.loc[[i], n]).iloc[0])} is not an ISO 3166-1 alpha-3 or ISO 3166-2 code" for i in idx],
        ))
    return rules
