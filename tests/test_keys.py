"""Keys compare the values of their fields' types (Table Schema): primary keys, v2 uniqueKeys and
foreign keys, on small inline packages. On a number key 1, 1.0 and 1e0 are one key, and -0 is 0;
on an integer key +823, 0823 and 823; booleans by trueValues and falseValues; dates and datetimes
by the value they denote. A cell that is not of its type is the type rule's: as a key it compares
as its text, and as a reference it is not also reported as dangling."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from helpers import keys

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
