"""Primary keys, foreign keys and cycles in self-references: the rules pandera cannot state alone."""

from __future__ import annotations

import unicodedata
from functools import lru_cache

import numpy as np
import pandas as pd

from .rule import CellRule, Rule, by_value, cells, integer_value, isin, keys_in, present, python_engine, repeats, sorted_repeats


def _tuples(df: pd.DataFrame, fields: list[str]) -> pd.Series:
    """One hashable key per row; a single field stays a plain string."""
    if len(fields) == 1:
        return df[fields[0]]
    return pd.Series(list(zip(*(df[f] for f in fields))), index=df.index, dtype=object)


def primary_key_rule(pk: list[str], lines: np.ndarray, integers=frozenset()) -> Rule:
    """Rows whose key repeats an earlier row's; integer parts compare by value (+823 = 0823 = 823)."""
    def test(df):
        if python_engine(df[pk[0]]):
            return ~repeats(zip(*(cells(integer_value(df[f]) if f in integers else df[f]) for f in pk)))
        keys = by_value(df, pk, integers)
        adjacent = sorted_repeats(keys, pk)
        return ~(adjacent if adjacent is not None else keys.duplicated(keep="first").to_numpy())

    def detail(df, idx):
        keys = _tuples(df, pk)
        first = pd.Series(lines[: len(df)], index=df.index).groupby(_tuples(by_value(df, pk, integers), pk)).transform("min")
        return [f"({', '.join(pk)}) = {keys[i]!r} is also on line {first[i]}" for i in idx]

    return Rule("duplicate-primary-key", pk[0] if len(pk) == 1 else "+".join(pk), test, detail)


def foreign_key_rule(fk: dict, own_name: str, target: pd.DataFrame | None, integers=frozenset(), theirs_integers=frozenset(),
                     missing: dict | None = None) -> Rule | None:
    """Rows whose reference is filled but absent from the target; skipped when the target could not be read."""
    if target is None or not set(fk["reference"]["fields"]) <= set(target.columns):
        return None
    own, theirs = fk["fields"], fk["reference"]["fields"]
    own = [own] if isinstance(own, str) else own
    theirs = [theirs] if isinstance(theirs, str) else theirs
    resource = fk["reference"].get("resource") or own_name
    def filled(df):  # frictionless skips a reference only when every part is empty; so do we
        return np.logical_or.reduce([present(df[f], (missing or {}).get(f)) for f in own])

    def test(df):
        return ~filled(df) | keys_in(by_value(df, own, integers), own, by_value(target, theirs, theirs_integers), theirs)

    def detail(df, idx):
        keys = _tuples(df, own)
        return [f"{'+'.join(own)} {keys[i]!r} matches no {'+'.join(theirs)} of {resource}" for i in idx]

    return Rule("dangling-foreign-key", "+".join(own), test, detail)


def foreign_key_rules(fks: list[dict], own_name: str, frames: dict, integers: dict | None = None,
                      missing: dict | None = None) -> list[Rule | CellRule]:
    """Single-field references as one CellRule over all their columns; composite ones as Rules.
    `integers` maps a resource name to its integer fields, which match by value ('01' is 1);
    `missing` a field to its missingValues where they are not [""] (a missing reference is skipped)."""
    missing = missing or {}
    columns, rules = {}, []
    integers = integers or {}
    for fk in fks:
        resource = fk["reference"].get("resource") or own_name
        target = frames.get(resource)
        if target is None or not set(fk["reference"]["fields"]) <= set(target.columns):
            continue  # the target could not be read (or its header is wrong); its own problems are reported
        if len(fk["fields"]) > 1:
            rules.append(foreign_key_rule(fk, own_name, target, integers.get(own_name, set()), integers.get(resource, set()), missing))
            continue
        field, theirs = fk["fields"][0], fk["reference"]["fields"][0]
        known = integer_value(target[theirs]) if theirs in integers.get(resource, set()) else target[theirs]
        mine = integer_value if field in integers.get(own_name, set()) else (lambda s: s)
        columns[field] = (lambda s, known=known, mine=mine, m=missing.get(field): ~present(s, m) | isin(mine(s), known),
                          lambda v, f=field, t=theirs, r=resource: f"{f} {v!r} is not a {t} in {r}")
    return ([CellRule("dangling-foreign-key", columns)] if columns else []) + rules


def skeleton(text: str) -> str:
    """What a code looks like: NFKC (fullwidth and compatibility forms), case folded, and each
    character replaced by one representative of its class in Unicode's confusables data (UTS #39
    confusables.txt, as shipped by confusable-homoglyphs), so 'CONSULT', 'Consult', 'CОNSULT'
    (Cyrillic О) and 'ＣＯＮＳＵＬＴ' share one skeleton. Limitation: the library keeps
    single-character look-alikes only, not UTS #39's multi-character prototypes ('rn' for 'm')."""
    text = unicodedata.normalize("NFKC", text).casefold()
    for _ in range(4):  # a representative may itself fold or map further (Cyrillic О -> O -> o -> ...)
        mapped = "".join(_representative(c) for c in text).casefold()
        if mapped == text:
            break
        text = mapped
    return text


@lru_cache(maxsize=None)
def _representative(char: str) -> str:
    """The smallest code point among `char` and its single-character homoglyphs."""
    from confusable_homoglyphs.confusables import confusables_data

    alike = [h["c"] for h in confusables_data.get(char, ()) if len(h["c"]) == 1]
    return min([char, *alike])


def confusable_rule(pk: list[str], lines: np.ndarray) -> Rule:
    """In a vocabulary (a resource marked "vocabulary": true), a code whose skeleton equals an
    earlier, different code's: readers and reviewers cannot tell the two apart."""
    def skeletons(df):
        return pd.Series(["\x00".join(skeleton(v) for v in key) for key in zip(*(df[f] for f in pk))], index=df.index)

    def test(df):
        looks = skeletons(df)
        exact = _tuples(df, pk)
        return ~(looks.duplicated(keep="first") & ~exact.duplicated(keep="first"))

    def detail(df, idx):
        looks, keys = skeletons(df), _tuples(df, pk)
        first = {}
        for i in df.index:
            first.setdefault(looks[i], i)
        return [f"({', '.join(pk)}) = {keys[i]!r} looks like {keys[first[looks[i]]]!r} on line {lines[first[looks[i]]]}" for i in idx]

    return Rule("confusable-code", pk[0] if len(pk) == 1 else "+".join(pk), test, detail)


def cycle_rules(fks: list[dict], own_name: str) -> list[Rule]:
    """A single-field self-reference declaring "acyclic": true: every chain of parents ends."""
    return [cycle_rule(fk) for fk in fks
            if fk.get("acyclic") is True and len(fk["fields"]) == 1 and (fk["reference"].get("resource") or own_name) == own_name]


def cycle_rule(fk: dict) -> Rule:
    """Rows whose chain of parents never ends, found by pointer doubling (log2 n vector steps, not n)."""
    child, parent_key = fk["fields"][0], fk["reference"]["fields"][0]

    def ancestors_far(df):
        parent = pd.Series(df[child].to_numpy(), index=df[parent_key].to_numpy())
        parent = parent[~parent.index.duplicated() & present(parent)]
        far = df[child].where(present(df[child]))
        jump = parent  # jump[x] = ancestor of x at distance 2**k
        for _ in range(int(np.ceil(np.log2(len(df) + 1))) + 1):
            far = far.map(jump)
            jump = jump.map(jump).dropna()
        return far

    def test(df):
        return ancestors_far(df).isna()

    def detail(df, idx):
        return [f"{child} {df.at[i, child]!r} leads back into a loop of parents" for i in idx]

    return Rule("parent-cycle", child, test, detail)


def retired_rule(pk: list[str], own_name: str, retired: pd.DataFrame | None) -> list[Rule]:
    """A released id that a later change removed is never used again, by any row of its table."""
    if retired is None or len(pk) != 1 or not {"resource", "id"} <= set(retired.columns):
        return []
    mine = retired[retired["resource"] == own_name]
    if not len(mine):
        return []
    when = dict(zip(mine["id"], mine["version"] if "version" in mine.columns else [""] * len(mine)))

    def test(df):
        return ~isin(df[pk[0]], mine["id"])

    def detail(df, idx):
        return [f"{pk[0]} {df.at[i, pk[0]]!r} was retired in version {when[df.at[i, pk[0]]]}; ids are never reused" for i in idx]

    return [Rule("reused-id", pk[0], test, detail)]
