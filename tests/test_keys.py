"""Keys compare the values of their fields' types (Table Schema): primary keys, v2 uniqueKeys and
foreign keys, on small inline packages. On a number key 1, 1.0 and 1e0 are one key, and -0 is 0;
on an integer key +823, 0823 and 823; booleans by trueValues and falseValues; dates and datetimes
by the value they denote. A cell that is not of its type is the type rule's: as a key it compares
as its text, and as a reference it is not also reported as dangling."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from helpers import keys
from hypothesis import given, settings
from hypothesis import strategies as st

from schemas.rule import _codes_in
from validate.reader import ARROW_TEXT, TEXT

from validate.canonical import render
from validate.core import validate_package

T, R = "t.csv", "r.csv"


def package(root: Path, fields: list[dict], cells: list[list[str]], schema: dict | None = None, ref: tuple | None = None) -> Path:
    """Resource t (t.csv) of `fields` and `cells`, and, with `ref` = (field, cells, foreign key),
    resource r (r.csv) whose one field references t."""
    root.mkdir(parents=True, exist_ok=True)
    (root / T).write_text(render([[f["name"] for f in fields]] + cells))
    resources = [{"name": "t", "path": T, "schema": {"fields": fields, **(schema or {})}}]
    if ref:
        fld, rows, fk = ref
        (root / R).write_text(render([[fld["name"]]] + [[r] for r in rows]))
        resources.append({"name": "r", "path": R, "schema": {"fields": [fld], "foreignKeys": [fk]}})
    (root / "datapackage.json").write_text(json.dumps({"name": "p", "resources": resources}, indent=2) + "\n")
    return root


def dup(line: int, field: str = "k", code: str = "duplicate-primary-key") -> tuple:
    return (T, line, field, code)


@pytest.mark.parametrize("fld,cells,expected", [
    ({"type": "number"}, ["1", "1.0", "1e0", "-0", "0", "0.5", "2"], {dup(3), dup(4), dup(6)}),
    ({"type": "number", "decimalChar": ","}, ["1,5", "1,50", "2"], {dup(3)}),
    ({"type": "integer"}, ["823", "+823", "0823", "-0", "0"], {dup(3), dup(4), dup(6)}),
    ({"type": "integer", "groupChar": " "}, ["1 000", "1000", "100"], {dup(3)}),
    ({"type": "boolean", "trueValues": ["yes", "true"], "falseValues": ["no"]}, ["yes", "no", "true"], {dup(4)}),
    ({"type": "boolean"}, ["1", "true", "0"], {dup(3)}),
    ({"type": "date", "format": "%d.%m.%Y"}, ["01.02.2024", "1.2.2024", "02.01.2024"], {dup(3)}),
    ({"type": "datetime"}, ["2024-01-01T18:00:00Z", "2024-01-01T15:00:00-03:00", "2024-01-01T18:00:00"], {dup(3)}),
    ({"type": "year"}, ["2024", "2025"], set()),
    ({"type": "string"}, ["1", "1.0", "01"], set()),  # text compares as text
])
def test_a_primary_key_compares_values_of_its_type(tmp_path, fld, cells, expected):
    package(tmp_path, [{"name": "k", **fld}], [[c] for c in cells], {"primaryKey": ["k"]})
    assert keys(validate_package(tmp_path)) == expected


def test_a_key_cell_not_of_its_type_compares_as_its_text_and_is_a_type_error(tmp_path):
    package(tmp_path, [{"name": "k", "type": "number"}], [["x"], ["1"], ["x"], ["x "]], {"primaryKey": ["k"]})
    assert keys(validate_package(tmp_path)) == {(T, 2, "k", "type-error"), (T, 4, "k", "type-error"), (T, 5, "k", "type-error"),
                                                dup(4)}


def test_a_composite_key_compares_each_part_by_its_type(tmp_path):
    package(tmp_path, [{"name": "a"}, {"name": "n", "type": "number"}], [["x", "1"], ["x", "1.00"], ["y", "1"], ["01", "1"]],
            {"primaryKey": ["a", "n"]})
    assert keys(validate_package(tmp_path)) == {dup(3, "a+n")}


INT, NUM = {"name": "ref", "type": "integer"}, {"name": "ref", "type": "number"}


@pytest.mark.parametrize("target,mine,refs,dangling", [
    ({"type": "integer"}, INT, ["01", "+1", "2", "-0"], [4]),  # 01 -> 1 matches
    ({"type": "integer"}, NUM, ["1.0", "1e0", "0.0", "1.5"], [5]),  # a whole number is the integer it is
    ({"type": "number"}, NUM, ["1", "1.000", "-0", "3"], [5]),
    ({"type": "number"}, INT, ["001", "0", "7"], [4]),
    ({"type": "boolean", "trueValues": ["Y"], "falseValues": ["N"]}, {"name": "ref", "type": "boolean"}, ["true", "false"], [3]),
])
def test_a_foreign_key_matches_values_of_the_types(tmp_path, target, mine, refs, dangling):
    fk = {"fields": ["ref"], "reference": {"resource": "t", "fields": ["k"]}}
    cells = [["Y"]] if target.get("trueValues") else [["1"], ["0"]]
    package(tmp_path, [{"name": "k", **target}], cells, {"primaryKey": ["k"]}, (mine, refs, fk))
    assert keys(validate_package(tmp_path)) == {(R, line, "ref", "dangling-foreign-key") for line in dangling}


def test_a_reference_not_of_its_type_is_a_type_error_and_not_also_dangling(tmp_path):
    fk = {"fields": ["ref"], "reference": {"resource": "t", "fields": ["k"]}}
    package(tmp_path, [{"name": "k", "type": "integer"}], [["1"]], {"primaryKey": ["k"]}, (INT, ["1", "one", "2"], fk))
    assert keys(validate_package(tmp_path)) == {(R, 3, "ref", "type-error"), (R, 4, "ref", "dangling-foreign-key")}


def test_a_composite_foreign_key_matches_by_value(tmp_path):
    fields = [{"name": "a"}, {"name": "n", "type": "integer"}, {"name": "ra"}, {"name": "rn", "type": "integer"}]
    fk = {"fields": ["ra", "rn"], "reference": {"fields": ["a", "n"]}}
    package(tmp_path, fields, [["x", "1", "x", "01"], ["y", "2", "y", "+2"], ["z", "3", "z", "2"]], {"foreignKeys": [fk]})
    assert keys(validate_package(tmp_path)) == {(T, 4, "ra+rn", "dangling-foreign-key")}


def test_parents_are_found_by_value_in_an_acyclic_self_reference(tmp_path):
    fields = [{"name": "id", "type": "integer"}, {"name": "parent", "type": "integer"}]
    fk = {"fields": ["parent"], "reference": {"fields": ["id"]}, "acyclic": True}
    package(tmp_path, fields, [["1", "02"], ["2", "+1"], ["3", ""]], {"primaryKey": ["id"], "foreignKeys": [fk]})
    assert keys(validate_package(tmp_path)) == {(T, 2, "parent", "parent-cycle"), (T, 3, "parent", "parent-cycle")}


# -- references between fields of different types ---------------------------------------------

# (referencing type, its cell, referenced type, its cell): whether they match is frictionless-py's verdict too
ACROSS = [("integer", "823", "string", "823"), ("string", "823", "integer", "823"), ("number", "1.5", "string", "1.5"),
          ("string", "true", "boolean", "true"), ("yearmonth", "2024-01", "string", "2024-01"),
          ("date", "2024-01-01", "datetime", "2024-01-01T00:00:00"),  # never equal
          ("integer", "1", "number", "1.0"), ("number", "1.0", "integer", "1"), ("integer", "2024", "year", "2024"),
          ("any", "a", "string", "a"), ("string", "a", "any", "a")]  # equal
# frictionless reads booleans as Python's True and False, which equal 1 and 0; in Table Schema a boolean is no number
APART_HERE_ONLY = [("boolean", "true", "integer", "1"), ("integer", "1", "boolean", "true")]


def _across(root: Path, mine: str, value: str, theirs: str, known: str) -> set:
    fk = {"fields": ["ref"], "reference": {"resource": "t", "fields": ["k"]}}
    package(root, [{"name": "k", "type": theirs}], [[known]], {}, ({"name": "ref", "type": mine}, [value], fk))
    return keys(validate_package(root))


@pytest.mark.parametrize("mine,value,theirs,known", ACROSS, ids=lambda v: str(v))
def test_a_reference_across_types_matches_as_frictionless_says(tmp_path, mine, value, theirs, known):
    from frictionless import Package

    ours = _across(tmp_path, mine, value, theirs, known)
    report = Package(str(tmp_path / "datapackage.json")).validate()
    assert bool(ours) == (not report.valid), report.flatten(["rowNumber", "fieldName", "type"])
    assert ours <= {(R, 2, "ref", "dangling-foreign-key")}


@pytest.mark.parametrize("mine,value,theirs,known", APART_HERE_ONLY, ids=lambda v: str(v))
def test_a_boolean_never_references_a_number(tmp_path, mine, value, theirs, known):
    """The one documented difference from frictionless-py (docs/table-schema.md)."""
    assert _across(tmp_path, mine, value, theirs, known) == {(R, 2, "ref", "dangling-foreign-key")}


def test_a_reference_across_types_says_why_it_matches_nothing(tmp_path):
    fk = {"fields": ["ref"], "reference": {"resource": "t", "fields": ["k"]}}
    package(tmp_path, [{"name": "k", "type": "string"}], [["0823"], ["823"]], {}, (INT, ["823", "0823", "824", ""], fk))
    problems = validate_package(tmp_path)
    assert keys(problems) == {(R, line, "ref", "dangling-foreign-key") for line in (2, 3, 4)}, "a missing reference is still skipped"
    assert "ref is an integer field and k a string one, whose values are never equal" in problems[0].message
    assert "lost-leading-zeros" not in {p.code for p in problems}, "restoring a zero would not make an integer a string code"


def test_a_composite_reference_with_a_part_of_another_type_matches_nothing(tmp_path):
    fields = [{"name": "a"}, {"name": "n", "type": "string"}, {"name": "ra"}, {"name": "rn", "type": "integer"}]
    fk = {"fields": ["ra", "rn"], "reference": {"fields": ["a", "n"]}}
    package(tmp_path, fields, [["x", "1", "x", "1"], ["y", "2", "y", ""], ["z", "3", "", ""]], {"foreignKeys": [fk]})
    assert keys(validate_package(tmp_path)) == {(T, 2, "ra+rn", "dangling-foreign-key"), (T, 3, "ra+rn", "dangling-foreign-key")}


def test_an_acyclic_self_reference_across_types_is_dangling_not_a_cycle(tmp_path):
    fields = [{"name": "id", "type": "string"}, {"name": "parent", "type": "integer"}]
    fk = {"fields": ["parent"], "reference": {"fields": ["id"]}, "acyclic": True}
    package(tmp_path, fields, [["1", "2"], ["2", "1"]], {"primaryKey": ["id"], "foreignKeys": [fk]})
    assert keys(validate_package(tmp_path)) == {(T, 2, "parent", "dangling-foreign-key"), (T, 3, "parent", "dangling-foreign-key")}


def test_a_field_the_descriptor_refuses_is_not_also_reported_as_dangling(tmp_path):
    """A refused field is left as `any` (unchecked): its references compare by text, as before."""
    fk = {"fields": ["ref"], "reference": {"resource": "t", "fields": ["k"]}}
    package(tmp_path, [{"name": "k", "type": "integer"}], [["1"]], {}, ({**INT, "constraints": {"minimum": "x"}}, ["1"], fk))
    assert {p.code for p in validate_package(tmp_path)} == {"descriptor-error"}


# -- uniqueKeys (Table Schema v2) ---------------------------------------------------------------

UNIQUE = [{"name": "id"}, {"name": "a"}, {"name": "n", "type": "number"}]


def test_each_unique_key_is_checked_by_value_and_rows_with_a_missing_part_are_left_out(tmp_path):
    cells = [["1", "x", "1"], ["2", "x", "1.0"], ["3", "", "1"], ["4", "", "1"], ["5", "y", ""], ["6", "y", ""], ["7", "y", "2"]]
    package(tmp_path, UNIQUE, cells, {"primaryKey": ["id"], "uniqueKeys": [["a", "n"], ["n"]]})
    assert keys(validate_package(tmp_path)) == {dup(3, "a+n", "duplicate-unique-key")} | {
        dup(line, "n", "duplicate-unique-key") for line in (3, 4, 5)}


def test_unique_keys_honour_missing_values(tmp_path):
    package(tmp_path, UNIQUE, [["1", "NA", "1"], ["2", "NA", "1"], ["3", "x", "-"], ["4", "x", "-"]],
            {"primaryKey": ["id"], "missingValues": ["", "NA", "-"], "uniqueKeys": [["a", "n"]]})
    assert keys(validate_package(tmp_path)) == set()


def test_a_unique_key_equal_to_the_primary_key_or_a_unique_field_is_reported_once(tmp_path):
    fields = [{"name": "id"}, {"name": "a", "constraints": {"unique": True}}]
    package(tmp_path, fields, [["1", "x"], ["1", "x"]], {"primaryKey": ["id"], "uniqueKeys": [["id"], ["a"]]})
    assert keys(validate_package(tmp_path)) == {dup(3, "id"), dup(3, "a", "duplicate-value")}


@pytest.mark.parametrize("unique_keys", [[], "a", [["nope"]], [[]], [["a", "a"]], [[1]], ["a"]])
def test_a_malformed_unique_key_is_a_located_refusal_and_the_rest_is_checked(tmp_path, unique_keys):
    package(tmp_path, UNIQUE, [["1", "x", "1"], ["1", "x", "one"]], {"primaryKey": ["id"], "uniqueKeys": unique_keys})
    text = (tmp_path / "datapackage.json").read_text()
    line = text[: text.index('"uniqueKeys"')].count("\n") + 1
    assert {(p[0], p[1], p[3]) for p in keys(validate_package(tmp_path))} == {
        ("datapackage.json", line, "descriptor-error"), (T, 3, "duplicate-primary-key"), (T, 3, "type-error")}


def test_a_malformed_unique_key_beside_a_good_one_leaves_the_good_one_checked(tmp_path):
    package(tmp_path, UNIQUE, [["1", "x", "1"], ["2", "x", "1"]], {"primaryKey": ["id"], "uniqueKeys": [["nope"], ["a"]]})
    assert {p[3] for p in keys(validate_package(tmp_path))} == {"descriptor-error", "duplicate-unique-key"}


_CELL = st.sampled_from(["", "a", "b", "ab", "a\x1fb", "1", "01", "é", " a"])


@given(st.integers(2, 4).flatmap(lambda k: st.tuples(
    st.lists(st.tuples(*[_CELL] * k), min_size=1, max_size=40), st.lists(st.tuples(*[_CELL] * k), min_size=1, max_size=15),
    st.lists(st.booleans(), min_size=2 * k, max_size=2 * k))))
@settings(max_examples=200, deadline=None)
def test_a_composite_key_is_found_exactly_when_its_tuple_is(case):
    """keys_in's integer codes for large text columns agree with comparing tuples, whatever the
    columns' storage and whatever the values hold (a separator, a leading zero)."""
    rows, refs, arrow_storage = case
    k = len(rows[0])
    kinds = [ARROW_TEXT if a else TEXT for a in arrow_storage]
    mine = [pd.Series([r[i] for r in rows], dtype=kinds[i]) for i in range(k)]
    theirs = [pd.Series([r[i] for r in refs], dtype=kinds[k + i]) for i in range(k)]
    assert _codes_in(mine, theirs).tolist() == [r in set(refs) for r in rows]
