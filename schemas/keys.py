"""Primary keys, foreign keys and cycles in self-references: the rules pandera cannot state alone."""

from __future__ import annotations

import importlib.util
import json
import unicodedata
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd

from validate import types
from validate.declarations import reference_target

from .rule import SMALL, CellRule, Rule, by_value, cells, column, isin, keys_in, present, python_engine, repeats, shown, sorted_repeats, typed_value, unreadable


def _tuples(df: pd.DataFrame, fields: list[str]) -> pd.Series:
    """One hashable key per row; a single field stays a plain string."""
    if len(fields) == 1:
        return column(df, fields[0])
    return pd.Series(list(zip(*(column(df, f) for f in fields))), index=df.index, dtype=object)


def _repeated(df: pd.DataFrame, key: list[str], typed: dict[str, dict], counted: np.ndarray | None = None) -> np.ndarray:
    """True where a row's key, compared by value (typed_value), equals an earlier counted row's;
    rows not `counted` are neither repeats nor repeated."""
    if counted is not None and not counted.all():
        out = np.zeros(len(df), dtype=bool)
        rows = np.flatnonzero(counted)
        out[rows] = _repeated(df.iloc[rows], key, typed)
        return out
    if python_engine(column(df, key[0])):
        return repeats(zip(*(cells(typed_value(typed.get(f), column(df, f))) for f in key)))
    view = by_value(df, key, typed)
    adjacent = sorted_repeats(view, key)  # a table in key order: repeats are neighbours, no hashing
    return adjacent if adjacent is not None else view.duplicated(keep="first").to_numpy(dtype=bool)


def _key_rule(code: str, key: list[str], lines: np.ndarray, typed: dict[str, dict], counted=None) -> Rule:
    """Rows whose (composite) key repeats an earlier row's, parts compared as values of their
    fields' types (+823 = 0823 = 823 on an integer, 1 = 1.0 on a number); `counted(df)` picks the
    rows that take part (all by default)."""
    def test(df):
        return ~_repeated(df, key, typed, counted(df) if counted else None)

    def detail(df, idx):
        keys = _tuples(df, key)
        rows = np.flatnonzero(counted(df)) if counted else np.arange(len(df))
        part = df.iloc[rows]
        first = pd.Series(lines[rows], index=part.index).groupby(_tuples(by_value(part, key, typed), key)).transform("min")
        return [f"({', '.join(key)}) = {keys[i]!r} is also on line {first[i]}" for i in idx]

    return Rule(code, key[0] if len(key) == 1 else "+".join(key), test, detail)


def primary_key_rule(pk: list[str], lines: np.ndarray, typed: dict[str, dict] | None = None) -> Rule:
    """Rows whose key repeats an earlier row's; `typed` (field name -> field) compares those parts
    by value (see typed_value); a part that is not of its type compares as text."""
    return _key_rule("duplicate-primary-key", pk, lines, typed or {})


def unique_key_rules(schema: dict, lines: np.ndarray, typed: dict[str, dict] | None = None, missing: dict | None = None) -> list[Rule]:
    """Table Schema v2 `uniqueKeys`: each list of fields is unique across the rows, compared by
    value like a primary key. As in SQL's UNIQUE, on which the spec models it, a row with a missing
    (null) part is left out. A key equal to the primary key, or one field that is `unique` itself, is
    checked by that rule alone."""
    typed, missing = typed or {}, missing or {}
    pk = set(schema.get("primaryKey", []))
    unique = {f["name"] for f in schema["fields"] if f.get("constraints", {}).get("unique")}
    rules, seen = [], set()
    for key in schema.get("uniqueKeys", []):
        if set(key) == pk or (len(key) == 1 and key[0] in unique) or tuple(key) in seen:
            continue
        seen.add(tuple(key))

        def counted(df, key=key):
            return np.logical_and.reduce([present(column(df, f), missing.get(f)) for f in key])

        rules.append(_key_rule("duplicate-unique-key", list(key), lines, typed, counted))
    return rules


NUMBERS = frozenset({"integer", "number", "year"})  # one value space: 1 = 1.0, and the year 2024 is the integer 2024


def apart(mine: dict | None, theirs: dict | None) -> str | None:
    """Why no value of the field `mine` can equal one of `theirs`, or None when some may: both
    declare a type, neither `any` (values of no one type, compared by their text), and the types
    share no value (integer, number and year are all numbers). Table Schema compares logical
    values: the string '823' is not the integer 823, nor the date 2024-01-01 a datetime."""
    a, b = (mine or {}).get("type"), (theirs or {}).get("type")
    if a is None or b is None or "any" in (a, b) or a == b or {a, b} <= NUMBERS:
        return None
    return f"{mine['name']} is {_a(a)} field and {theirs['name']} {_a(b)} one, whose values are never equal; give both fields one type"


def _a(word: str) -> str:
    return ("an " if word[0] in "aeiou" else "a ") + word


def foreign_key_rule(fk: dict, own_name: str, target: pd.DataFrame | None, typed: dict | None = None, theirs_typed: dict | None = None,
                     missing: dict | None = None, declared: tuple[dict, dict] = ({}, {})) -> Rule | None:
    """Rows whose reference is filled but absent from the target; skipped when the target could not
    be read. `declared` (own fields, the target's fields, by name) finds parts whose types are apart:
    a row with such a part filled matches nothing."""
    if target is None or not set(fk["reference"]["fields"]) <= set(target.columns):
        return None
    own, theirs = fk["fields"], fk["reference"]["fields"]
    own = [own] if isinstance(own, str) else own
    theirs = [theirs] if isinstance(theirs, str) else theirs
    typed, theirs_typed, missing = typed or {}, theirs_typed or {}, missing or {}
    resource = reference_target(fk, own_name)
    why = {f: w for f, t in zip(own, theirs) if (w := apart(declared[0].get(f), declared[1].get(t)))}

    def filled(df):  # frictionless skips a reference only when every part is empty; so do we
        return np.logical_or.reduce([present(column(df, f), missing.get(f)) for f in own])

    def test(df):
        found = keys_in(by_value(df, own, typed), own, by_value(target, theirs, theirs_typed), theirs)
        if why:
            found &= ~np.logical_or.reduce([present(column(df, f), missing.get(f)) for f in why])
        return ~filled(df) | unreadable(df, own, typed, missing) | found

    def detail(df, idx):
        keys = _tuples(df, own)
        return [f"{'+'.join(own)} {keys[i]!r} matches no {'+'.join(theirs)} of {resource}" + "".join(f"; {w}" for w in why.values())
                for i in idx]

    return Rule("dangling-foreign-key", "+".join(own), test, detail)


def foreign_key_rules(fks: list[dict], own_name: str, frames: dict, typed: dict | None = None,
                      missing: dict | None = None, declared: dict | None = None) -> list[Rule | CellRule]:
    """Single-field references as CellRules over their columns (a field's second reference in a
    second one); composite ones as Rules.
    `typed` maps a resource name to its typed fields (name -> field), which match by value ('01' is
    1 between integers, '1.0' is 1 between numbers); a cell not of its type is the type rule's alone;
    `missing` a field to its missingValues where they are not [""] (a missing reference is skipped);
    `declared` a resource name to all its fields (name -> field): a reference between fields whose
    types are apart (see apart) matches nothing, as in frictionless-py."""
    missing, declared = missing or {}, declared or {}
    columns: list[dict] = []
    rules = []
    typed = typed or {}
    mine_typed = typed.get(own_name, {})
    for fk in fks:
        resource = reference_target(fk, own_name)
        target = frames.get(resource)
        if target is None or not set(fk["reference"]["fields"]) <= set(target.columns):
            continue  # the target could not be read (or its header is wrong); its own problems are reported
        pair = (declared.get(own_name, {}), declared.get(resource, {}))
        if len(fk["fields"]) > 1:
            rules.append(foreign_key_rule(fk, own_name, target, mine_typed, typed.get(resource, {}), missing, pair))
            continue
        field, theirs = fk["fields"][0], fk["reference"]["fields"][0]
        # a small target's column is shared by every table referencing it (and so is its value set)
        ref = column(target, theirs) if len(target) < SMALL else target[theirs]
        known = typed_value(typed.get(resource, {}).get(theirs), ref)
        fld = mine_typed.get(field)
        why = apart(pair[0].get(field), pair[1].get(theirs))

        def test(s, known=known, fld=fld, m=missing.get(field), why=why):
            ok = ~present(s, m) if why else ~present(s, m) | isin(typed_value(fld, s), known)
            return ok if fld is None else ok | (present(s, m) & ~types.valid(fld, s).to_numpy(dtype=bool))

        # a field with a second reference gets a second CellRule: one dict entry would drop the first
        free = next((c for c in columns if field not in c), None)
        if free is None:
            columns.append(free := {})
        free[field] = (test, lambda v, f=field, t=theirs, r=resource, why=why: f"{f} {shown(v)} is not {'an' if t[:1] in 'aeiou' else 'a'} {t} in {r}" + (f": {why}" if why else ""))
    return [CellRule("dangling-foreign-key", c) for c in columns] + rules


@lru_cache(maxsize=1 << 16)  # vocabularies repeat their codes on every run; bounded for a hostile one
def skeleton(text: str) -> str:
    """What a code looks like, whatever its case: NFKC (fullwidth and compatibility forms), case
    folded, and each character replaced by one representative of its class in Unicode's
    confusables data (UTS #39 confusables.txt, as shipped by confusable-homoglyphs), so 'CONSULT',
    'Consult', 'CОNSULT' (Cyrillic О) and 'ＣＯＮＳＵＬＴ' share one skeleton. Limitation: the
    library keeps single-character look-alikes only, not UTS #39's multi-character prototypes
    ('rn' for 'm')."""
    return _mapped(unicodedata.normalize("NFKC", text).casefold(), fold=True)


@lru_cache(maxsize=1 << 16)
def written_skeleton(text: str) -> str:
    """What a code looks like as written: look-alikes mapped before case folding. Folding first
    loses a capital that looks like a Latin one while its small letter does not (Greek Ε folds to
    ε, which looks like no e), so 'AGRΕE' has the skeleton of 'AGREE' here and not in `skeleton`;
    mapping first alone would part 'CONSULT' from 'Consult' (capital O looks like zero, small o
    does not). A code is confusable when either skeleton matches."""
    return _mapped(unicodedata.normalize("NFKC", text), fold=False).casefold()


def _mapped(text: str, fold: bool) -> str:
    for _ in range(4):  # a representative may itself fold or map further (Cyrillic О -> O -> o -> ...)
        mapped = "".join(_representative(c) for c in text)
        mapped = mapped.casefold() if fold else mapped
        if mapped == text:
            break
        text = mapped
    return text


@lru_cache(maxsize=None)
def _representative(char: str) -> str:
    """The smallest code point among `char` and its single-character homoglyphs."""
    alike = [h["c"] for h in _confusables().get(char, ()) if len(h["c"]) == 1]
    return min([char, *alike])


@lru_cache(maxsize=1)
def _confusables() -> dict:
    """confusable-homoglyphs' data file, read as its `confusables` module reads it, without
    importing that module: it also loads the Unicode script data and urllib (for its downloader),
    about half of the 40 ms the homoglyphs took of every run."""
    package = importlib.util.find_spec("confusable_homoglyphs")
    return json.loads((Path(package.submodule_search_locations[0]) / "confusables.json").read_text(encoding="utf-8"))


def _shown_key(key) -> str:
    return f"({', '.join(map(shown, key))})" if isinstance(key, tuple) else shown(key)


def confusable_rule(pk: list[str], lines: np.ndarray) -> Rule:
    """In a vocabulary (a resource marked "vocabulary": true), a code that looks like an earlier,
    different code (either skeleton equal): readers and reviewers cannot tell the two apart."""
    def codes(df) -> list[tuple]:
        return list(zip(*(cells(column(df, f)) for f in pk)))

    def shapes(df, shape) -> list[tuple]:
        return [tuple(map(shape, key)) for key in codes(df)]

    def test(df):  # Python sets: one pass over the codes, no pandas call per table
        looks = repeats(shapes(df, skeleton)) | repeats(shapes(df, written_skeleton))
        return ~(looks & ~repeats(codes(df)))

    def detail(df, idx):
        keys = _tuples(df, pk)
        firsts = []
        for shape in (skeleton, written_skeleton):
            looks, first = dict(zip(df.index, shapes(df, shape))), {}
            for i in df.index:
                first.setdefault(looks[i], i)
            firsts.append({i: first[looks[i]] for i in idx})
        earlier = [min((f[i] for f in firsts if f[i] != i), default=i) for i in idx]
        return [f"({', '.join(pk)}) = {_shown_key(keys[i])} looks like {_shown_key(keys[j])} on line {lines[j]}" for i, j in zip(idx, earlier)]

    return Rule("confusable-code", pk[0] if len(pk) == 1 else "+".join(pk), test, detail)


def cycle_rules(fks: list[dict], own_name: str, typed: dict[str, dict] | None = None, missing: dict | None = None,
                declared: dict | None = None) -> list[Rule]:
    """A single-field self-reference declaring "acyclic": true: every chain of parents ends; none
    between fields whose types are apart (`declared`: the fields by name), where no reference
    matches (the foreign key rule reports each)."""
    declared = declared or {}
    return [cycle_rule(fk, typed or {}, missing or {}) for fk in fks
            if fk.get("acyclic") is True and len(fk["fields"]) == 1 and reference_target(fk, own_name) == own_name
            and not apart(declared.get(fk["fields"][0]), declared.get(fk["reference"]["fields"][0]))]


def cycle_rule(fk: dict, typed: dict[str, dict] | None = None, missing: dict | None = None) -> Rule:
    """Rows whose chain of parents never ends, found by pointer doubling (log2 n vector steps, not n);
    parents and ids compare by value (typed_value), a missing parent ends the chain."""
    child, parent_key = fk["fields"][0], fk["reference"]["fields"][0]
    typed, missing = typed or {}, missing or {}

    def ancestors_far(df):
        kids = typed_value(typed.get(child), column(df, child)).where(present(column(df, child), missing.get(child)))
        ids = typed_value(typed.get(parent_key), column(df, parent_key))
        parent = pd.Series(kids.to_numpy(), index=ids.to_numpy())
        parent = parent[~parent.index.duplicated() & parent.notna().to_numpy()]
        far = kids
        jump = parent  # jump[x] = ancestor of x at distance 2**k
        for _ in range(int(np.ceil(np.log2(len(df) + 1))) + 1):
            far = far.map(jump)
            jump = jump.map(jump).dropna()
        return far

    def test(df):
        if python_engine(column(df, child)):  # a small table: a walk along each chain, once per id
            kids = cells(typed_value(typed.get(child), column(df, child)))
            ids = cells(typed_value(typed.get(parent_key), column(df, parent_key)))
            return endless_chains(kids, ids, present(column(df, child), missing.get(child)))
        return ancestors_far(df).isna()

    def detail(df, idx):
        return [f"{child} {shown(df.at[i, child])} leads back into a loop of parents" for i in idx]

    return Rule("parent-cycle", child, test, detail)


def endless_chains(kids, ids, given: np.ndarray) -> np.ndarray:
    """True where the chain of parents from row i's parent (kids[i], where `given`) ends: at a
    missing parent or an id no row has. Each id's parent is its first row's, as in ancestors_far."""
    parent, seen = {}, set()
    for i, k, g in zip(ids, kids, given):
        if i not in seen:
            seen.add(i)
            if g:
                parent[i] = k
    ends: dict = {}

    def terminates(x) -> bool:
        path, on_path = [], set()
        while x in parent and x not in ends and x not in on_path:
            on_path.add(x)
            path.append(x)
            x = parent[x]
        result = ends[x] if x in ends else x not in on_path
        ends.update(dict.fromkeys(path, result))
        return result

    return np.fromiter((not g or terminates(k) for k, g in zip(kids, given)), dtype=bool, count=len(kids))


def retired_ids(retired: pd.DataFrame | None) -> dict[str, dict[str, str]] | None:
    """resource name -> {retired id: the version that retired it}, or None when the table of
    retired ids cannot be read or lacks the columns resource and id."""
    if retired is None or not {"resource", "id"} <= set(retired.columns):
        return None
    out: dict[str, dict[str, str]] = {}
    versions = retired["version"] if "version" in retired.columns else [""] * len(retired)
    for resource, rid, version in zip(retired["resource"], retired["id"], versions):
        out.setdefault(resource, {})[rid] = version
    return out


def retired_rule(pk: list[str], own_name: str, retired: dict[str, dict[str, str]] | None) -> list[Rule]:
    """A released id that a later change removed is never used again, by any row of its table.
    `retired` is retired_ids of the package's table of retired ids."""
    if retired is None or len(pk) != 1 or not retired.get(own_name):
        return []
    when = retired[own_name]
    ids = list(when)

    def test(df):
        return ~isin(column(df, pk[0]), ids)

    def detail(df, idx):
        return [f"{pk[0]} {df.at[i, pk[0]]!r} was retired in version {when[df.at[i, pk[0]]]}; ids are never reused" for i in idx]

    return [Rule("reused-id", pk[0], test, detail)]
