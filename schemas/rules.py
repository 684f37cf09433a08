"""Rules Table Schema cannot state: EDTF dates and their bounds, value bases, PLOVER modes, the
CAMEO-PLOVER crosswalk, ISO codes, archived texts and evidence spans.

Every rule switches on from what datapackage.json declares (a field's `edtf`, `edtfBounds`,
`basisOf`, `codeList`, `subtypeOf`, `iso3166`, `verbatim`, `assertedBy`; a resource's `evidence`,
`archivedTexts`, `crosswalk`), never from a field's name: a package that declares none of them is
checked against the specs alone, and a new table that declares one is checked without new code.
"""

from __future__ import annotations

import calendar
import datetime as dt
import io
import json
import re
import threading
from contextlib import redirect_stdout
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pycountry

from validate.paths import PathRefused
from validate.patterns import fullmatch
from validate import types
from validate.types import INTEGER

from .context import Context, SourceFile
from .rule import Rule, arrow, brief, as_int, cells, column, int64_of, isin, keys_in, once_per_frame, present, python_engine, shown

EVIDENCE = ("source_id", "quote", "char_start", "char_end")  # this package's evidence field names (publish/ reads them)
EVIDENCE_ROLES = ("source", "quote", "start", "end")  # the keys of a resource's "evidence" declaration


@lru_cache(maxsize=1 << 16)  # bounded: a hostile table may hold a million distinct dates
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


# A plain calendar date, month or year (EDTF level 0 without qualifiers): its bounds are the
# calendar's, found without the library, whose parser takes about 50 ms a value on first use
# (pyparsing over the whole level 0-2 grammar). tests/test_hostile.py checks that both agree.
_PLAIN = re.compile(r"(?P<y>[0-9]{4})(?:-(?P<m>0[1-9]|1[0-2])(?:-(?P<d>0[1-9]|[12][0-9]|3[01]))?)?")


def _plain_bounds(value: str) -> tuple[str, str] | None:
    """Bounds of a plain YYYY, YYYY-MM or YYYY-MM-DD, or None for anything else (the library decides)."""
    m = _PLAIN.fullmatch(value)
    if m is None or m.group("y") == "0000":  # year 0 is the library's call (it has no date for it)
        return None
    y = int(m.group("y"))
    if m.group("d"):
        mo, d = int(m.group("m")), int(m.group("d"))
        return (value, value) if d <= calendar.monthrange(y, mo)[1] else None
    if m.group("m"):
        mo = int(m.group("m"))
        return f"{value}-01", f"{value}-{calendar.monthrange(y, mo)[1]:02d}"
    return f"{value}-01-01", f"{value}-12-31"


_QUIET = threading.Lock()


def _single_bounds(value: str) -> tuple[str, str] | None:
    plain = _plain_bounds(value)
    if plain is not None:
        return plain
    if "X" in value and value[:1] != "X":  # unspecified digits of a known millennium: the calendar's bounds too
        try:
            unspecified = _unspecified_digits(value)
        except ValueError:
            unspecified = None
        if unspecified is not None:
            return unspecified
    try:
        # imported here: its grammar takes 0.2 s to build, and a package of plain dates never needs it
        from edtf import parse_edtf, struct_time_to_date

        # the library prints while parsing, which would corrupt --format json; sys.stdout is one
        # for all threads, so tables checked side by side take turns here
        with _QUIET, redirect_stdout(io.StringIO()):
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


def missing_of(fields: list[dict]) -> dict[str, list[str]]:
    """field name -> its missingValues where they are not [""] (the descriptor check resolves each
    field's own, its schema's or the package's list): project rules skip a missing value, as the
    Table Schema rules do, instead of taking only '' for missing."""
    return {f["name"]: f["missingValues"] for f in fields if "missingValues" in f}


def _given(s: pd.Series, missing: list[str] | None) -> pd.Series:
    """The column with each missing value as '' (as is, at no cost, where '' alone is missing)."""
    return s if missing is None else s.where(present(s, missing), "")


def edtf_rules(fields: list[dict]) -> list[Rule]:
    """Fields marked "edtf": valid EDTF; with "edtfBounds": {"start": S, "end": E}, fields S and E
    hold the first and last day the date can denote, S no later than E."""
    rules = []
    names = {f["name"] for f in fields}
    missing = missing_of(fields)
    for fld in fields:
        if not fld.get("edtf"):
            continue
        decl = fld.get("edtfBounds") if isinstance(fld.get("edtfBounds"), dict) else {}
        name, start, end = fld["name"], decl.get("start"), decl.get("end")

        @once_per_frame
        def distinct_bounds(df, name=name) -> tuple[np.ndarray, np.ndarray, list, list]:
            """(codes, valid, first days, last days): row i's value is the codes[i]-th distinct
            one; the parser runs once per distinct value, and once per table for both rules."""
            codes, uniques = types.factorize(column(df, name))
            absent = set(missing.get(name, [""]))
            parsed = [edtf_bounds(v) if v not in absent else ("", "") for v in uniques]
            return (codes, np.array([p is not None for p in parsed], dtype=bool),
                    [p[0] if p else "" for p in parsed], [p[1] if p else "" for p in parsed])

        def bounds(df, name=name, distinct=distinct_bounds) -> tuple[pd.Series, pd.Series, pd.Series]:
            """(valid, first day, last day) per row."""
            codes, valid, firsts, lasts = distinct(df)
            return (pd.Series(valid[codes], index=df.index), pd.Series(np.array(firsts, dtype=object)[codes], index=df.index),
                    pd.Series(np.array(lasts, dtype=object)[codes], index=df.index))

        def parsed(df, distinct=distinct_bounds):
            codes, valid, _, _ = distinct(df)
            return valid[codes]

        rules.append(Rule("invalid-edtf", name, parsed))
        if start in names and end in names:

            def matches(df, d=distinct_bounds, start=start, end=end):
                codes, valid, firsts, lasts = d(df)
                picks = pa.array(codes)
                same = [pc.equal(arrow(_given(column(df, col), missing.get(col))), pa.array(wanted, type=pa.string()).take(picks)).to_numpy(zero_copy_only=False)
                        for col, wanted in ((start, firsts), (end, lasts))]
                return ~valid[codes] | (same[0] & same[1])

            def explain(df, idx, b=bounds, name=name, start=start, end=end):
                _, first, last = b(df.loc[idx])
                return [
                    f"{name} {shown(df.at[i, name])} spans {first[i] or '(open)'}..{last[i] or '(open)'}"
                    f" but {start}..{end} is {df.at[i, start] or '(empty)'}..{df.at[i, end] or '(empty)'}"
                    for i in idx
                ]

            rules.append(Rule("date-bounds-mismatch", start, matches, explain))
            rules.append(Rule(
                "date-order", start,
                lambda df, start=start, end=end: ~(_iso(column(df, start)) & _iso(column(df, end))) | (column(df, start) <= column(df, end)),
                lambda df, idx, start=start, end=end: [f"{start} {df.at[i, start]} is after {end} {df.at[i, end]}" for i in idx],
            ))
    return rules


def _iso(s: pd.Series) -> np.ndarray:
    """Cells holding a real calendar date (others are type errors, reported on their own)."""
    return types.valid({"type": "date"}, s).to_numpy(dtype=bool)


def basis_rules(fields: list[dict]) -> list[Rule]:
    """A field declaring "basisOf": {"field": X, "notStated": N} is the basis of field X: X is empty
    exactly when the basis is N."""
    names = {f["name"] for f in fields}
    missing = missing_of(fields)
    rules = []
    for fld in fields:
        decl = fld.get("basisOf")
        if not isinstance(decl, dict) or decl.get("field") not in names or not isinstance(decl.get("notStated"), str):
            continue
        name, basis, not_stated = decl["field"], fld["name"], decl["notStated"]
        rules.append(Rule(
            "basis-mismatch", basis,
            lambda df, n=name, b=basis, v=not_stated, m=missing.get(name): ~present(column(df, n), m) == (column(df, b) == v).to_numpy(dtype=bool),
            lambda df, idx, n=name, b=basis: [f"{n} is {shown(df.at[i, n])} but {b} is {shown(df.at[i, b])}" for i in idx],
        ))
    return rules


def mode_rules(ctx: Context, fields: list[dict]) -> list[Rule]:
    """A field declaring "subtypeOf": {"field": T, "reference": {"resource": R, "fields": [t, s]}}
    refines field T: where it is filled, the pair (T, this field) is a row (t, s) of resource R."""
    names = {f["name"] for f in fields}
    rules = []
    for fld in fields:
        decl = fld.get("subtypeOf")
        if not isinstance(decl, dict) or decl.get("field") not in names:
            continue
        mode, type_ = fld["name"], decl["field"]
        ref = decl["reference"]
        modes = ctx.frame(ref["resource"])
        if modes is None or not set(ref["fields"]) <= set(modes.columns):
            continue  # the reference table could not be read; its own problems are reported

        def test(df, mode=mode, type_=type_, modes=modes, theirs=ref["fields"], m=missing_of(fields).get(mode)):
            return ~present(column(df, mode), m) | keys_in(df, [type_, mode], modes, theirs)

        def detail(df, idx, mode=mode, type_=type_):
            return [f"{mode} {shown(df.at[i, mode])} is not a mode of {shown(df.at[i, type_])}" for i in idx]

        rules.append(Rule("mode-type-mismatch", mode, test, detail))
    return rules


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
    if ref is None or (dev_decl and dev is None) or not set(own) <= set(res_fields(res)):
        return []  # an unreadable table is reported on its own
    if not set(ref_fields) <= set(ref.columns) or (dev_decl and not set(dev_decl["fields"]) <= set(dev.columns)):
        return []  # a table whose header does not match is reported on its own
    key = own[0]
    missing = missing_of(res["schema"]["fields"]).get(key)

    def test(df):
        ok = ~present(column(df, key), missing) | keys_in(df, own, ref, ref_fields)
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


@lru_cache(maxsize=None)
def iso_codes(standard: str, field: str) -> frozenset[str]:
    """One field of every entry of one of pycountry's ISO databases ("3166-1", "3166-2", "639-3"),
    read from its JSON file when a rule first needs it: building pycountry's objects for the same
    25,000 entries costs about 0.15 s of every run, parsing the files about 0.03 s."""
    path = Path(pycountry.DATABASE_DIR) / f"iso{standard}.json"
    return frozenset(e[field] for e in json.loads(path.read_text(encoding="utf-8"))[standard] if field in e)


CODE_LISTS = {"iso3166-1-alpha-3": ("unknown-country", lambda: iso_codes("3166-1", "alpha_3")),
              "iso639-1": ("unknown-language", lambda: iso_codes("639-3", "alpha_2"))}


def code_rules(fields: list[dict]) -> list[Rule]:
    """A field declaring "codeList": L holds codes of that list where it is filled (emptiness is the
    field's `required` constraint): "iso3166-1-alpha-3" countries, "iso639-1" languages."""
    rules = []
    for fld in fields:
        if fld.get("codeList") not in CODE_LISTS:
            continue
        code, known = CODE_LISTS[fld["codeList"]]
        rules.append(Rule(code, fld["name"], lambda df, n=fld["name"], k=known, m=fld.get("missingValues"): ~present(column(df, n), m) | isin(column(df, n), k())))
    return rules


def res_fields(res: dict) -> list[str]:
    return [f["name"] for f in res["schema"]["fields"]]


def texts_decl(res: dict) -> dict | None:
    """A resource's "archivedTexts" declaration, {"id", "path", "sha256"} fields, or None."""
    decl = res.get("archivedTexts")
    return decl if isinstance(decl, dict) and {decl.get(k) for k in ("id", "path", "sha256")} <= set(res_fields(res)) else None


def evidence_decl(res: dict) -> tuple[str, str, str, str] | None:
    """(source, quote, start, end) field names of a resource's "evidence" declaration, or None."""
    decl = res.get("evidence")
    if not isinstance(decl, dict):
        return None
    names = tuple(decl.get(k) for k in EVIDENCE_ROLES)
    return names if set(names) <= set(res_fields(res)) else None


def source_rules(ctx: Context, res: dict) -> list[Rule]:
    """A resource declaring "archivedTexts": {"id": I, "path": P, "sha256": H} lists archived texts:
    each row's file P is readable inside the package and has SHA-256 H; with "pathTemplate" (such as
    "data/sources/{id}.txt"), P is the template with the row's I in place of {id}."""
    decl = texts_decl(res)
    if decl is None:
        return []
    sid, path, sha = decl["id"], decl["path"], decl["sha256"]
    template = decl.get("pathTemplate")

    def refused(code):
        def test(df):
            got = column(df, path).map(ctx.source_file)
            return ~got.map(lambda r: isinstance(r, PathRefused) and r.code == code).astype(bool)

        def detail(df, idx):
            return [ctx.source_file(df.at[i, path]).detail for i in idx]

        return Rule(code, path, test, detail)

    def digest(df):
        return column(df, path).map(lambda p: r.sha256 if isinstance(r := ctx.source_file(p), SourceFile) else None)

    def not_utf8(df):
        return ~column(df, path).map(lambda p: isinstance(r := ctx.source_file(p), SourceFile) and r.text is None).astype(bool)

    rules = []
    if isinstance(template, str) and template.count("{id}") == 1:
        before, after = template.split("{id}")
        rules.append(Rule("text-path-mismatch", path, lambda df: column(df, path) == before + column(df, sid) + after,
                          lambda df, idx: [f"{path} is {shown(df.at[i, path])}, expected {before + df.at[i, sid] + after!r}" for i in idx]))
    return rules + [
        refused("unsafe-path"), refused("missing-file"), refused("file-too-large"),
        Rule("encoding-error", path, not_utf8, lambda df, idx: [f"{df.at[i, path]} is not UTF-8" for i in idx]),
        Rule("source-hash-mismatch", sha, lambda df: digest(df).isna() | (digest(df) == column(df, sha)),
             lambda df, idx: [f"{df.at[i, path]} has SHA-256 {digest(df.loc[[i]]).iloc[0]}, not {df.at[i, sha]}" for i in idx]),
    ]


def evidence_rules(ctx: Context, res: dict) -> list[Rule]:
    """A resource declaring "evidence": {"source": S, "quote": Q, "start": A, "end": B} cites the
    archived texts: text[A:B] == Q in the text of source S."""
    decl = evidence_decl(res)
    if decl is None:
        return []
    src, quote, cs, ce = decl
    missing = missing_of(res["schema"]["fields"])

    @once_per_frame
    def spans(df):
        """(texts, start, end, known, inside) with numpy arrays by position: start and end are 0
        where unknown; known where both are integers, neither is missing and the source's text is
        known. Both evidence rules ask for the same table's spans: computed once per table."""
        return _given_spans(df)

    def _given_spans(df):
        texts, start, end, known, inside = _spans(df)
        if missing.keys() & {src, cs, ce, quote}:  # a missing source, offset or quote leaves the span unknown
            given = np.logical_and.reduce([present(column(df, f), missing.get(f)) for f in (src, cs, ce, quote)])
            known, inside = known & given, inside & given
        return texts, start, end, known, inside

    def _spans(df):
        texts = ctx.texts()
        lengths = {sid: len(t) for sid, t in texts.items()}
        if python_engine(column(df, cs)):
            return (texts, *_spans_small(cells(column(df, src)), cells(column(df, cs)), cells(column(df, ce)), lengths))
        start, end = as_int(column(df, cs)), as_int(column(df, ce))
        at = pc.index_in(arrow(column(df, src)), value_set=pa.array(list(lengths), type=pa.string())).fill_null(-1).to_numpy(zero_copy_only=False)
        length = np.append(np.fromiter(lengths.values(), dtype=np.int64, count=len(lengths)), -1)[at]
        # an integer too wide for 64 bits is known (and outside any text), not skipped as a type error
        known = fullmatch(column(df, cs), INTEGER) & fullmatch(column(df, ce), INTEGER) & (at >= 0)
        a, b = start.to_numpy(dtype=np.int64, na_value=0), end.to_numpy(dtype=np.int64, na_value=0)
        inside = known & ~start.isna().to_numpy() & ~end.isna().to_numpy() & (a >= 0) & (a < b) & (b <= length)
        return texts, a, b, known, inside

    def in_range(df):
        _, _, _, known, inside = spans(df)
        return ~known | inside

    def matches(df):
        texts, starts_all, ends_all, _, inside = spans(df)
        ok = np.ones(len(df), dtype=bool)
        where = np.flatnonzero(inside & present(column(df, quote), missing.get(quote)))  # an empty quote is a missing-value alone
        codes_all, uniques = types.factorize(column(df, src))  # Arrow's dictionary: no Python string per source cell
        codes = codes_all[where]
        order = np.argsort(codes, kind="stable")
        groups = np.split(where[order], np.cumsum(np.bincount(codes, minlength=len(uniques)))[:-1])
        # Python strings one source at a time: all at once, 1M events' quotes took 90 MB
        quotes_of = (lambda rows, q=column(df, quote).to_numpy(): q[rows].tolist()) if python_engine(column(df, quote)) else \
            (lambda rows, q=arrow(column(df, quote)): q.take(pa.array(rows)).to_pylist())
        for sid, rows in zip(uniques, groups):
            if not len(rows):  # a source no row with a span inside its text cites
                continue
            quotes = quotes_of(rows)
            s, e = starts_all[rows], ends_all[rows]
            same = np.fromiter(map(texts[sid].startswith, quotes, s.tolist()), dtype=bool, count=len(quotes))
            ok[rows] = same & (e - s == np.fromiter(map(len, quotes), dtype=np.int64, count=len(quotes)))
        return ok

    def explain(df, idx):
        texts, start, end, _, _ = spans(df)
        out = []
        for i, at_row in zip(idx, df.index.get_indexer(idx)):
            text, said = texts[df.at[i, src]], df.at[i, quote]
            at = text[int(start[at_row]):int(end[at_row])]
            found = text.find(said)
            hint = f"; the quote occurs at {found}..{found + len(said)}" if found >= 0 else "; the quote occurs nowhere in the text"
            out.append(f"text at {start[at_row]}..{end[at_row]} is {at[:60]!r}, quote is {said[:60]!r}{hint}")
        return out

    return [
        Rule("evidence-out-of-range", ce, in_range,
             lambda df, idx: [f"span {brief(df.at[i, cs])}..{brief(df.at[i, ce])} is not inside the text of {brief(df.at[i, src])}" for i in idx]),
        Rule("evidence-mismatch", quote, matches, explain),
    ]


_INTEGER_CELL = re.compile(INTEGER)


def _spans_small(sources, starts, ends, lengths: dict[str, int]) -> tuple[np.ndarray, ...]:
    """spans() of a small table as a loop: the same verdicts as the vectorised path (an integer
    of any width is known; one beyond 64 bits is outside every text)."""
    n = len(sources)
    start, end = np.zeros(n, dtype=np.int64), np.zeros(n, dtype=np.int64)
    known, inside = np.zeros(n, dtype=bool), np.zeros(n, dtype=bool)
    for i, (sid, a, b) in enumerate(zip(sources, starts, ends)):
        length = lengths.get(sid)
        if length is None or not (_INTEGER_CELL.fullmatch(a) and _INTEGER_CELL.fullmatch(b)):
            continue
        known[i] = True
        if len(a.lstrip("+-0")) > 18 or len(b.lstrip("+-0")) > 18:
            continue  # wider than 64 bits: outside any text
        start[i], end[i] = int64_of(a), int64_of(b)  # int() refuses over 4,300 digits, even leading zeros
        inside[i] = 0 <= start[i] < end[i] <= length
    return start, end, known, inside


def _found(part: str, sid: str, texts: dict[str, str]) -> bool:
    # a row whose source is unknown is reported by its foreign key; without source_id, any text will do
    return any(part in t for t in texts.values()) if not sid else (sid not in texts or part in texts[sid])


def _missing_parts_small(df: pd.DataFrame, name: str, src: str | None, texts: dict[str, str]) -> pd.Series:
    """missing_parts of a small table as a loop, each distinct (part, source) searched once."""
    verdict: dict[tuple[str, str], bool] = {}
    rows, parts = [], []
    sids = cells(column(df, src)) if src else [""] * len(df)
    for i, value, sid in zip(df.index, cells(column(df, name)), sids):
        for part in value.split("; "):
            if part and not verdict.setdefault((part, sid), _found(part, sid, texts)):
                rows.append(i)
                parts.append(part)
    return pd.Series(parts, index=pd.Index(rows, dtype=df.index.dtype), dtype=object)


def verbatim_rules(ctx: Context, res: dict) -> list[Rule]:
    """Fields marked "verbatim": each value (or each "; "-separated part) occurs in an archived text:
    the row's own source where the resource declares its evidence (or is the archivedTexts list
    itself), else any archived text."""
    fields = res["schema"]["fields"]
    own = evidence_decl(res)
    src = own[0] if own else (texts_decl(res) or {}).get("id")
    rules = []
    for fld in fields:
        if not fld.get("verbatim"):
            continue
        name = fld["name"]

        def missing_parts(df, name=name, absent=fld.get("missingValues")):
            texts = ctx.texts()
            if absent is not None:  # a missing value is no text to find
                # the two columns read, not the whole frame: events at 1M copied 20 columns (+110 MB)
                df = df.loc[present(column(df, name), absent), list(dict.fromkeys(filter(None, (name, src))))]
            if python_engine(column(df, name)):
                return _missing_parts_small(df, name, src, texts)
            lists = pc.split_pattern(arrow(column(df, name)), "; ")
            parts, rows = pc.list_flatten(lists), pc.list_parent_indices(lists)
            filled = pc.not_equal(parts, "")
            parts, rows = parts.filter(filled), rows.filter(filled).to_numpy(zero_copy_only=False)
            # each distinct (part, source) pair is searched once: far fewer of them than rows
            part_codes = parts.dictionary_encode()
            sid_codes = (arrow(column(df, src)).take(pa.array(rows)) if src else pa.array([""] * len(rows), type=pa.string())).dictionary_encode()
            n_sids = max(len(sid_codes.dictionary), 1)
            pair = part_codes.indices.to_numpy().astype(np.int64) * n_sids + sid_codes.indices.to_numpy()
            unique, inverse = np.unique(pair, return_inverse=True)
            names, sids = part_codes.dictionary.to_pylist(), sid_codes.dictionary.to_pylist()
            verdict = np.array([_found(names[c // n_sids], sids[c % n_sids], texts) for c in unique.tolist()], dtype=bool)
            bad = np.flatnonzero(~verdict[inverse])
            return pd.Series(parts.take(pa.array(bad)).to_pylist(), index=df.index[rows[bad]], dtype=object)

        def test(df, missing_parts=missing_parts):
            if not ctx.texts():
                return pd.Series(True, index=df.index)  # the texts are unreadable and reported as such
            return pd.Series(~df.index.isin(missing_parts(df).index), index=df.index)

        def detail(df, idx, missing_parts=missing_parts, name=name):
            bad = missing_parts(df)
            return [f"{name} part {shown(bad.loc[[i]].iloc[0])} does not occur in the source text" for i in idx]

        rules.append(Rule("not-verbatim", name, test, detail))
    return rules


def attribution_rules(fields: list[dict]) -> list[Rule]:
    """A field declaring "assertedBy": {"attribution": A, "narration": N} names who asserts a fact:
    it is empty exactly when field A says the source narrates the fact itself (value N)."""
    names = {f["name"] for f in fields}
    missing = missing_of(fields)
    rules = []
    for fld in fields:
        decl = fld.get("assertedBy")
        if not isinstance(decl, dict) or decl.get("attribution") not in names or not isinstance(decl.get("narration"), str):
            continue
        name, attribution, narration = fld["name"], decl["attribution"], decl["narration"]
        rules.append(Rule(
            "attribution-mismatch", name,
            lambda df, n=name, a=attribution, v=narration, m=missing.get(name): ~present(column(df, n), m) == (column(df, a) == v).to_numpy(dtype=bool),
            lambda df, idx, n=name, a=attribution, v=narration: [
                f"{n} is {shown(df.at[i, n])} but {a} is {shown(df.at[i, a])}; {n} is empty exactly when {a} is {v!r}" for i in idx],
        ))
    return rules


@lru_cache(maxsize=None)
def place_codes() -> frozenset[str]:
    return iso_codes("3166-1", "alpha_3") | iso_codes("3166-2", "code")


def place_code_rules(fields: list[dict]) -> list[Rule]:
    """Fields declaring "iso3166": true hold "; "-separated ISO 3166-1 alpha-3 or ISO 3166-2 codes."""
    rules = []
    for fld in fields:
        if fld.get("iso3166") is not True:
            continue
        name = fld["name"]

        def unknown(values: pd.Series, absent=frozenset(fld.get("missingValues", [""]))) -> tuple[np.ndarray, list[tuple]]:
            """(codes, the unknown parts of each distinct value): the i-th cell's are parts[codes[i]].
            Distinct values by Arrow's dictionary encoding: a million cells made a million Python strings."""
            codes, uniques = types.factorize(values)
            known = place_codes()
            return codes, [tuple(p for p in v.split("; ") if p not in known) if v not in absent else () for v in uniques]

        def test(df, n=name):
            codes, parts = unknown(column(df, n))
            fine = np.fromiter((not p for p in parts), dtype=bool, count=len(parts))
            return fine[codes] if len(codes) else np.zeros(0, dtype=bool)

        def detail(df, idx, n=name):
            codes, parts = unknown(df.loc[idx, n])
            return [f"{n} {shown(df.at[i, n])}: {', '.join(parts[c])} is not an ISO 3166-1 alpha-3 or ISO 3166-2 code" for i, c in zip(idx, codes)]

        rules.append(Rule("unknown-place-code", name, test, detail))
    return rules
