"""Small tables are checked by Python loops, large ones by Arrow kernels (schemas/rule.py, SMALL):
for any text, both engines give every cell the same verdict, so a table's problems do not depend
on its size."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from schemas.fields import _no_formula, _stripped, no_invisible
from schemas.rule import SMALL, int_cells, integer_value, isin, keys_in, present
from validate.reader import ARROW_TEXT, TEXT

# Text at the edges: whitespace of every kind, formula starts, controls, format characters,
# private use, surrogates' neighbours, astral characters.
EDGES = " \t\n\r\x0b\x0c\x1c\x1d\x1e\x1f\x85\xa0\u1680\u2000\u200b\u2028\u2029\u202f\u205f\u3000\ufeff\u061c\u00ad\ue000\U000e0041=+-@aé"
TEXTS = st.lists(st.text(alphabet=st.sampled_from(EDGES) | st.characters(codec="utf-8"), max_size=8), min_size=1, max_size=30)
CELL_TESTS = [present, _stripped, _no_formula, no_invisible]


def both(values: list[str]) -> tuple[pd.Series, pd.Series]:
    return pd.Series(values, dtype=TEXT), pd.Series(values, dtype=ARROW_TEXT)


@pytest.mark.parametrize("test", CELL_TESTS, ids=lambda t: t.__name__)
@settings(max_examples=150)
@given(values=TEXTS)
def test_python_and_arrow_engines_agree_on_any_text(test, values):
    small, large = both(values)
    assert np.array_equal(np.asarray(test(small), dtype=bool), np.asarray(test(large), dtype=bool))


@pytest.mark.parametrize("dtype", [TEXT, ARROW_TEXT])
def test_an_empty_column_is_not_hashed_against_the_keys_it_references(dtype, monkeypatch):
    """An empty referencing table costs nothing: Arrow's is_in builds the whole value set first
    (0.3 s against a million keys, paid for each empty table of the 1M-event package)."""
    import pyarrow.compute as pc

    monkeypatch.setattr(pc, "is_in", lambda *a, **k: pytest.fail("the keys were hashed for an empty column"))
    keys = pd.Series([f"k{i}" for i in range(SMALL)], dtype=ARROW_TEXT)  # enough for both engines to use is_in
    assert isin(pd.Series([], dtype=dtype), keys).shape == (0,)


@settings(max_examples=150)
@given(values=TEXTS, known=st.lists(st.text(alphabet="ab =", max_size=3), max_size=6))
def test_membership_agrees_between_engines(values, known):
    small, large = both(values)
    assert np.array_equal(isin(small, known), isin(large, known))
    frame = pd.DataFrame({"a": small, "b": small.str[::-1]})
    other = pd.DataFrame({"x": pd.Series(known + values[:1], dtype=TEXT), "y": pd.Series([k[::-1] for k in known + values[:1]], dtype=TEXT)})
    expected = [(a, b) in set(zip(other["x"], other["y"])) for a, b in zip(frame["a"], frame["b"])]
    assert keys_in(frame, ["a", "b"], other, ["x", "y"]).tolist() == expected


def test_the_engines_disagree_with_a_broken_test():
    """The agreement test can fail: an Arrow side that strips ASCII whitespace only is caught."""
    from pyarrow import compute as pc

    def arrow_whitespace(s):
        from schemas.rule import arrow, python_engine
        if python_engine(s):
            return _stripped(s)
        text = arrow(s)
        return pc.equal(text, pc.ascii_trim_whitespace(text)).to_numpy(zero_copy_only=False)

    small, large = both(["a\u3000"])
    assert not np.array_equal(arrow_whitespace(small), arrow_whitespace(large))


@settings(max_examples=200)
@given(values=st.lists(st.from_regex(r"[+-]?0{0,3}[0-9]{0,25}", fullmatch=True) | st.text(alphabet="+-0 1a", max_size=5), min_size=1, max_size=20))
def test_integers_are_compared_by_the_same_value_in_both_engines(values):
    small, large = both(values)
    assert integer_value(small).tolist() == integer_value(large).tolist()


@settings(max_examples=200)
@given(values=st.lists(st.from_regex(r"[+-]?0{0,25}[0-9]{0,21}", fullmatch=True) | st.text(alphabet="+-0 19a\u0663", max_size=5), min_size=1, max_size=20))
def test_integer_cells_are_read_as_the_same_64_bit_values_in_both_engines(values):
    small, large = both(values)
    (small_ints, small_ok), (large_ints, large_ok) = int_cells(small), int_cells(large)
    assert small_ok.tolist() == large_ok.tolist()
    assert small_ints[small_ok].tolist() == large_ints[large_ok].tolist() == [int(v) for v, ok in zip(values, small_ok) if ok]


def test_integer_cells_of_one_column_are_read_once_and_cannot_be_changed_by_a_caller():
    column = pd.Series(["1", "x"] * SMALL, dtype=ARROW_TEXT)
    ints, ok = int_cells(column)
    assert int_cells(column)[0] is ints and int_cells(column.copy())[0] is not ints
    with pytest.raises(ValueError):
        ints[0] = 7


SPAN = st.sampled_from(["0", "5", "6", "12", "13", "-1", "+5", "05", "x", "", "99999999999999999999"])


@settings(max_examples=200)
@given(rows=st.lists(st.tuples(st.sampled_from(["s1", "s2", "nope"]), st.sampled_from(["Hello", "world", "Hello world.", "x"]), SPAN, SPAN),
                     min_size=1, max_size=12))
def test_evidence_spans_get_the_same_verdicts_in_both_engines(rows):
    from pathlib import Path

    from schemas.context import Context
    from schemas.rules import evidence_rules

    ctx = Context(Path("."), {})
    ctx._texts = {"s1": "Hello world.", "s2": "world Hello."}
    names = ["source_id", "quote", "char_start", "char_end"]
    res = {"name": "t", "evidence": dict(zip(["source", "quote", "start", "end"], names)),
           "schema": {"fields": [{"name": n} for n in names]}}
    verdicts = []
    for dtype in (TEXT, ARROW_TEXT):
        frame = pd.DataFrame({n: pd.Series([r[k] for r in rows], dtype=dtype) for k, n in enumerate(names)})
        verdicts.append([np.asarray(rule.test(frame), dtype=bool).tolist() for rule in evidence_rules(ctx, res)])
    assert verdicts[0] == verdicts[1]
    assert len(verdicts[0]) == 2


@settings(max_examples=150)
@given(rows=st.lists(st.tuples(st.sampled_from(["s1", "s2", "nope", ""]),
                               st.lists(st.sampled_from(["Hello", "world", "Ottawa", "", "lo wo"]), max_size=3).map("; ".join)),
                     min_size=1, max_size=10))
def test_verbatim_parts_get_the_same_verdicts_in_both_engines(rows):
    from pathlib import Path

    from schemas.context import Context
    from schemas.rules import verbatim_rules

    ctx = Context(Path("."), {})
    ctx._texts = {"s1": "Hello world.", "s2": "world Hello."}
    res = {"name": "t", "evidence": {"source": "source_id", "quote": "q", "start": "a", "end": "b"},
           "schema": {"fields": [{"name": n} for n in ("source_id", "q", "a", "b")] + [{"name": "place", "verbatim": True}]}}
    verdicts = []
    for dtype in (TEXT, ARROW_TEXT):
        frame = pd.DataFrame({"source_id": pd.Series([r[0] for r in rows], dtype=dtype), "place": pd.Series([r[1] for r in rows], dtype=dtype)}
                             | {n: pd.Series([""] * len(rows), dtype=dtype) for n in ("q", "a", "b")})
        (rule,) = verbatim_rules(ctx, res)
        verdicts.append((np.asarray(rule.test(frame), dtype=bool).tolist(), rule.failures(frame, frame.index[~np.asarray(rule.test(frame), dtype=bool)])))
    assert verdicts[0] == verdicts[1]


DATES = st.lists(st.text(alphabet="0123456789/.-x", max_size=11) | st.sampled_from(["10/31/2024", "1.2.2024", "1/2-2024", "31-12-2024"]),
                 min_size=1, max_size=30)


@settings(max_examples=150)
@given(values=DATES)
def test_suspect_locale_dates_are_the_same_rows_in_both_engines(values):
    from validate.spreadsheet import LOCALE_DATE, suspect_rows

    res = {"name": "t", "schema": {"fields": [{"name": "d", "type": "date"}]}}
    small, large = both(values)
    got = [suspect_rows(res, pd.DataFrame({"d": s}), {}).tolist() for s in (small, large)]
    assert got[0] == got[1]
    assert all(LOCALE_DATE.fullmatch(values[i]) for i in got[1])


@settings(max_examples=200)
@given(rows=st.lists(st.tuples(st.sampled_from(["a", "b", "é", "01", "1", "+1", ""]), st.sampled_from(["x", "y"])), min_size=1, max_size=15),
       order=st.sampled_from(["as drawn", "sorted"]), integer=st.booleans())
def test_primary_key_repeats_are_the_same_rows_in_both_engines_in_any_order(rows, order, integer):
    """Large tables in key order find repeats among neighbours, others by hashing; small ones by a loop."""
    from schemas.keys import primary_key_rule

    rows = sorted(rows) if order == "sorted" else rows
    rule = primary_key_rule(["k", "m"], np.arange(len(rows)), {"k": {"name": "k", "type": "integer"}} if integer else {})
    small, large = (pd.DataFrame({"k": both([k for k, _ in rows])[i], "m": both([m for _, m in rows])[i]}) for i in (0, 1))
    expected = [key in rows[:i] for i, key in enumerate(rows)] if not integer else None
    got = [np.asarray(rule.test(f), dtype=bool).tolist() for f in (small, large)]
    assert got[0] == got[1]
    if expected is not None:
        assert got[1] == [not e for e in expected]


@settings(max_examples=150)
@given(values=st.lists(st.sampled_from(["190", "0190", "19", "042", "42", "7", "x1", ""]), min_size=1, max_size=20),
       codes=st.lists(st.sampled_from(["190", "042", "007", "19"]), max_size=4))
def test_suspect_numeric_codes_are_the_same_rows_in_both_engines(values, codes):
    """A digits-only reference that fits the code pattern and names a code is intact; others are
    looked at. A small table's loop looks at every digits-only value (a superset), a large one's
    kernels only at those that are not intact."""
    from validate.spreadsheet import links, suspect_rows

    resources = [{"name": "t", "schema": {"fields": [{"name": "c"}], "foreignKeys": [{"fields": ["c"], "reference": {"resource": "v", "fields": ["code"]}}]}},
                 {"name": "v", "schema": {"fields": [{"name": "code", "constraints": {"pattern": "[0-9]{3}"}}]}}]
    linked = links(resources)
    got = [suspect_rows(resources[0], pd.DataFrame({"c": s}), linked, lambda r, n: pd.Series(codes, dtype=TEXT)).tolist()
           for s in both(values)]
    assert set(got[1]) <= set(got[0]) == {i for i, v in enumerate(values) if v[:1] in "123456789" and v.isdigit()}
    assert got[1] == [i for i, v in enumerate(values) if v[:1] in "123456789" and v.isdigit() and not (len(v) == 3 and v in codes)]


# Typed keys: the texts of numbers, integers, booleans, dates and datetimes in their many spellings
# (and texts that are none of them), compared by value in both engines.
TYPED_FIELDS = [{"name": "k", "type": "number"}, {"name": "k", "type": "integer"}, {"name": "k", "type": "boolean"},
                {"name": "k", "type": "boolean", "trueValues": ["y", "1.0"], "falseValues": ["n"]}, {"name": "k", "type": "date"},
                {"name": "k", "type": "datetime"}, {"name": "k", "type": "number", "decimalChar": ",", "groupChar": "."},
                {"name": "k", "type": "integer", "bareNumber": False}, {"name": "k", "type": "string"}]
SPELLED = st.lists(st.sampled_from(["1", "1.0", "1e0", "+1", "01", "-0", "0", "0.0", "1,0", "1.000", "NaN", "INF", "true", "y", "n",
                                    "2024-01-01", "2024-1-1", "2024-01-01T00:00:00Z", "2024-01-01T01:00:00+01:00", "x", "", " 1", "1 km"]),
                   min_size=1, max_size=12)


@pytest.mark.parametrize("fld", TYPED_FIELDS, ids=lambda f: "-".join(str(v) for v in f.values()))
@settings(max_examples=60, deadline=None)
@given(values=SPELLED)
def test_typed_keys_are_the_same_in_both_engines(fld, values):
    from schemas.keys import primary_key_rule, unique_key_rules
    from schemas.rule import typed_value

    small, large = both(values)
    assert list(typed_value(fld, small)) == list(typed_value(fld, large))
    lines = np.arange(len(values)) + 2
    typed = {"k": fld} if fld["type"] != "string" else {}
    schema = {"fields": [fld, {"name": "j"}], "uniqueKeys": [["k", "j"]]}
    verdicts = []
    for column in (small, large):
        frame = pd.DataFrame({"k": column, "j": column.str[:1]})
        rules = [primary_key_rule(["k"], lines, typed), *unique_key_rules(schema, lines, typed)]
        verdicts.append([np.asarray(r.test(frame), dtype=bool).tolist() for r in rules])
    assert verdicts[0] == verdicts[1]


@pytest.mark.parametrize("fld", TYPED_FIELDS[:4], ids=lambda f: "-".join(str(v) for v in f.values()))
@settings(max_examples=60, deadline=None)
@given(values=SPELLED, known=SPELLED)
def test_typed_references_are_found_the_same_in_both_engines(fld, values, known):
    from schemas.keys import foreign_key_rules

    fk = {"fields": ["k"], "reference": {"resource": "t", "fields": ["k"]}}
    composite = {"fields": ["k", "j"], "reference": {"resource": "t", "fields": ["k", "j"]}}
    verdicts = []
    for dtype in (TEXT, ARROW_TEXT):
        target = pd.DataFrame({"k": pd.Series(known, dtype=dtype), "j": pd.Series(known, dtype=dtype).str[:1]})
        frame = pd.DataFrame({"k": pd.Series(values, dtype=dtype), "j": pd.Series(values, dtype=dtype).str[:1]})
        rules = foreign_key_rules([fk, composite], "r", {"t": target}, {"r": {"k": fld}, "t": {"k": fld}})
        verdicts.append([np.asarray(r.test(frame), dtype=bool).tolist() for r in rules])
    assert verdicts[0] == verdicts[1]


def test_the_typed_key_test_can_fail():
    """Compared as text, 1 and 1.0 would be two number keys: the typed comparison is what finds them one."""
    from schemas.keys import primary_key_rule

    frame = pd.DataFrame({"k": pd.Series(["1", "1.0"], dtype=TEXT)})
    assert primary_key_rule(["k"], np.array([2, 3]), {"k": {"name": "k", "type": "number"}}).test(frame).tolist() == [True, False]
    assert primary_key_rule(["k"], np.array([2, 3]), {}).test(frame).tolist() == [True, True]


def test_typed_keys_of_a_large_table_take_the_arrow_kernels_and_agree_with_the_loops():
    """Above SMALL values, membership goes through Arrow's hash kernel and duplicates through pandas."""
    from schemas.keys import foreign_key_rules, primary_key_rule
    from schemas.rule import SMALL

    n = SMALL + 10
    values = [f"{i}.0" if i % 3 else f"+{i:03d}" for i in range(n)] + ["1", "nope"]
    known = [str(i) for i in range(0, n, 2)]
    fld = {"name": "k", "type": "number"}
    fk = {"fields": ["k"], "reference": {"resource": "t", "fields": ["k"]}}
    got = []
    for dtype in (TEXT, ARROW_TEXT):
        frame = pd.DataFrame({"k": pd.Series(values, dtype=dtype)})
        target = pd.DataFrame({"k": pd.Series(known, dtype=dtype)})
        (refs,) = foreign_key_rules([fk], "r", {"t": target}, {"r": {"k": fld}, "t": {"k": {**fld, "type": "integer"}}})
        got.append((np.asarray(refs.test(frame)).tolist(), primary_key_rule(["k"], np.arange(n + 2), {"k": fld}).test(frame).tolist()))
    assert got[0] == got[1]
    refs, unique = got[0]
    assert refs == [i % 2 == 0 for i in range(n)] + [False, True]  # 'nope' is a type error, not a dangling reference
    assert unique == [True] * n + [False, True]  # '1' repeats '1.0'


def test_a_result_kept_for_two_rules_does_not_keep_its_frame_alive():
    """once_per_frame computes once per frame and holds the frame weakly."""
    import gc
    import weakref

    from schemas.rule import once_per_frame

    calls = []
    shared = once_per_frame(lambda df: calls.append(1) or len(df))
    frame = pd.DataFrame({"a": ["x", "y"]})
    assert shared(frame) == shared(frame) == 2 and len(calls) == 1
    gone = weakref.ref(frame)
    del frame
    gc.collect()
    assert gone() is None
    assert shared(pd.DataFrame({"a": ["x"]})) == 1 and len(calls) == 2


def test_a_column_read_by_many_rules_is_built_once_and_does_not_keep_its_frame_alive():
    import gc
    import weakref

    from schemas.rule import column

    frame = pd.DataFrame({"a": ["x", "y"], "b": ["1", "2"]})
    assert column(frame, "a") is column(frame, "a") and column(frame, "b").tolist() == ["1", "2"]
    assert column(frame.copy(), "a") is not column(frame, "a")
    gone = weakref.ref(frame)
    del frame
    gc.collect()
    assert gone() is None


@settings(max_examples=100)
@given(values=st.lists(st.sampled_from(["IND", "CAN", "IND; CAN", "XXX", "IND; XXX", "", "IN-DL", "in", "IND;CAN", "-"]), min_size=1, max_size=20))
def test_place_codes_get_the_same_verdicts_and_messages_in_both_engines(values):
    from schemas.rules import place_code_rules

    (rule,) = place_code_rules([{"name": "place", "iso3166": True, "missingValues": ["", "-"]}])
    small, large = (pd.DataFrame({"place": s}) for s in both(values))
    verdicts = [np.asarray(rule.test(frame), dtype=bool) for frame in (small, large)]
    assert verdicts[0].tolist() == verdicts[1].tolist() == [all(p in ("IND", "CAN", "IN-DL") for p in v.split("; ")) or v in ("", "-") for v in values]
    bad = pd.Index(np.flatnonzero(~verdicts[0]))
    assert rule.detail(small, bad) == rule.detail(large, bad)


@settings(max_examples=100)
@given(rows=st.lists(st.tuples(st.sampled_from("abcdefg"), st.sampled_from(["", "a", "b", "c", "d", "e", "f", "g", "z"])), max_size=12))
def test_parent_cycles_are_the_same_rows_in_both_engines(rows):
    """A small table walks each chain of parents in Python, a large one doubles pointers in pandas;
    repeated ids, missing and dangling parents, self-loops and long chains get the same verdicts."""
    from schemas.keys import cycle_rule

    rule = cycle_rule({"fields": ["parent"], "reference": {"fields": ["id"]}, "acyclic": True})
    ids, parents = [r[0] for r in rows], [r[1] for r in rows]
    small, large = (pd.DataFrame({"id": pd.Series(ids, dtype=t), "parent": pd.Series(parents, dtype=t)}) for t in (TEXT, ARROW_TEXT))
    assert np.array_equal(np.asarray(rule.test(small), dtype=bool), np.asarray(rule.test(large), dtype=bool))


@settings(max_examples=40)
@given(values=st.lists(st.sampled_from(["1", "01", "-3", "x", "", "9" * 25, "2024-02-30", "2024-02-29", "ab" * 120]), max_size=10))
def test_a_remembered_verdict_is_the_verdict_of_the_test_itself(values):
    """Field tests remember each small column's verdicts per value (rule.per_value); a value met
    again, in another column or another run, gets the verdict the test gives it now."""
    from schemas.fields import field_rules

    frame = pd.DataFrame({"n": pd.Series(values, dtype=TEXT)})
    for minimum in (0, 5, 0):  # declarations that differ in one constraint keep apart what they remember
        fld = {"name": "n", "type": "integer", "constraints": {"minimum": minimum, "pattern": "[0-9]+"}}
        for rule in field_rules([fld], [], np.arange(2, 2 + len(values))):
            fresh = rule.columns["n"][0]
            expected = [bool(np.asarray(fresh(pd.Series([v], dtype=ARROW_TEXT)), dtype=bool)[0]) for v in values]
            assert np.asarray(rule.test(frame), dtype=bool).tolist() == expected
            assert np.asarray(rule.test(frame), dtype=bool).tolist() == expected  # the second time from memory
