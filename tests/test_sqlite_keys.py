"""The SQLite export holds the keys the validator checks: `unique` fields and v2 `uniqueKeys` as
UNIQUE constraints, with SQLite's NULL semantics matching the validator's missing values."""

from __future__ import annotations

import json
import math
import sqlite3
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from validate.cli import main
from validate.core import validate_package
from validate.descriptor import load

ROOT = Path(__file__).resolve().parent.parent


def export(tmp_path: Path, csv: str, fields: list[dict], **schema) -> sqlite3.Connection:
    (tmp_path / "t.csv").write_text(csv)
    desc = {"name": "p", "version": "1.0.0", "title": "P",
            "resources": [{"name": "t", "path": "t.csv", "schema": {"fields": fields, **schema}}]}
    (tmp_path / "datapackage.json").write_text(json.dumps(desc))
    assert [p.format() for p in validate_package(tmp_path)] == []
    assert main(["export", str(tmp_path), "--out", str(tmp_path / "dist")]) == 0
    return sqlite3.connect(tmp_path / "dist" / "p-1_0_0.sqlite")


def unique_indexes(con: sqlite3.Connection, table: str) -> set[tuple[str, ...]]:
    """The column lists of the table's UNIQUE indexes (PRAGMA index_list, origin 'u')."""
    out = set()
    for _, name, unique, origin, _ in con.execute(f'PRAGMA index_list("{table}")'):
        if unique and origin == "u":
            out.add(tuple(col for _, _, col in con.execute(f'PRAGMA index_info("{name}")')))
    return out


FIELDS = [{"name": "id", "type": "integer"}, {"name": "a"}, {"name": "b", "type": "integer"},
          {"name": "n", "type": "number", "missingValues": ["NA", ""], "constraints": {"unique": True}}]


def test_unique_keys_and_unique_fields_are_unique_constraints(tmp_path):
    # rows 1 and 2 share (a, b) but for a missing part: the validator leaves them out, as SQL's UNIQUE does
    con = export(tmp_path, "id,a,b,n\n1,x,,NA\n2,x,,NA\n3,x,1,1\n4,y,1,\n", FIELDS,
                 primaryKey=["id"], uniqueKeys=[["a", "b"], ["b", "a"], ["id"]])
    assert unique_indexes(con, "t") == {("n",), ("a", "b")}, "one index per key; none repeats the primary key"
    with pytest.raises(sqlite3.IntegrityError, match="UNIQUE"):
        con.execute("INSERT INTO t VALUES (5, 'x', 1, NULL)")
    with pytest.raises(sqlite3.IntegrityError, match="UNIQUE"):
        con.execute("INSERT INTO t VALUES (5, 'z', 2, 1.0)")
    con.execute("INSERT INTO t VALUES (5, 'x', NULL, NULL)")  # a NULL part is not compared
    assert con.execute("SELECT n FROM t WHERE id <= 2").fetchall() == [(None,), (None,)], "NA is missing: NULL"


def test_every_unique_field_of_the_real_package_is_unique_in_sqlite(tmp_path):
    desc, _ = load(ROOT)
    assert main(["export", str(ROOT), "--out", str(tmp_path / "dist")]) == 0
    con = sqlite3.connect(next((tmp_path / "dist").glob("*.sqlite")))
    for res in desc.resources:
        wanted = {(f["name"],) for f in res["schema"]["fields"] if f.get("constraints", {}).get("unique")}
        wanted |= {tuple(k) for k in res["schema"].get("uniqueKeys", [])}
        wanted -= {tuple(res["schema"]["primaryKey"])}
        assert unique_indexes(con, res["name"]) == wanted, res["name"]


def test_numbers_in_another_form_are_text_so_sqlite_does_not_merge_them(tmp_path):
    """'1.000' (one thousand, with groupChar '.') and '1' are two values; in a REAL column SQLite's
    affinity read both as 1.0, and the UNIQUE (or primary) key refused the second."""
    con = export(tmp_path, 'k,v\n"1,5",1.000\n2,1\n', [
        {"name": "k", "type": "number", "decimalChar": ","},
        {"name": "v", "type": "number", "decimalChar": ",", "groupChar": ".", "constraints": {"unique": True}}], primaryKey=["k"])
    assert con.execute("SELECT k, v, typeof(v) FROM t").fetchall() == [("1,5", "1.000", "text"), ("2", "1", "text")]


def test_nan_is_kept_as_text_not_a_null_that_not_null_refused(tmp_path):
    con = export(tmp_path, "id,x\n1,NaN\n2,1.5\n3,INF\n", [
        {"name": "id", "type": "integer"}, {"name": "x", "type": "number", "constraints": {"required": True, "unique": True}}], primaryKey=["id"])
    assert con.execute("SELECT x FROM t ORDER BY id").fetchall() == [("NaN",), ("1.5",), ("INF",)]


def test_missing_booleans_and_declared_missing_values_are_null_in_every_download(tmp_path):
    export(tmp_path, "id,flag,n\n1,true,-\n2,,3\n3,false,-\n", [
        {"name": "id", "type": "integer"}, {"name": "flag", "type": "boolean"}, {"name": "n", "type": "integer", "missingValues": ["-"]}],
        primaryKey=["id"])
    table = pq.read_table(tmp_path / "dist" / "parquet" / "t.parquet")
    assert table.column("flag").to_pylist() == [True, None, False], "a missing boolean was exported as false"
    assert table.column("n").to_pylist() == [None, 3, None]
    records = json.loads((tmp_path / "dist" / "json" / "t.json").read_text())
    assert [r["flag"] for r in records] == [True, None, False]


def test_a_field_the_header_lacks_is_null_whatever_its_missing_values(tmp_path):
    con = export(tmp_path, "id\n1\n2\n", [{"name": "id", "type": "integer"}, {"name": "n", "type": "integer", "missingValues": ["NA"],
                                                                              "constraints": {"unique": True}}],
                 primaryKey=["id"], fieldsMatch="superset")
    assert con.execute("SELECT n FROM t").fetchall() == [(None,), (None,)]
    values = pq.read_table(tmp_path / "dist" / "parquet" / "t.parquet").column("n").to_pylist()
    assert values == [None, None] and not any(isinstance(v, float) and math.isnan(v) for v in values)


def test_foreign_keys_sqlite_would_refuse_are_left_out_not_an_export_failure(tmp_path):
    """A date with a format is exported as its text ('01.02.2024'), a default date as a date
    (2024-02-01): the validator finds the reference, SQLite's foreign_key_check did not. Table
    Schema lets a reference name columns that are no key; SQLite refuses it ('foreign key
    mismatch'). Each stopped the export with an internal error; now such a key is left out of the
    database, and a comment in its CREATE TABLE says so."""
    (tmp_path / "days.csv").write_text("day,iso,plain\n01.02.2024,2024-02-01,2024-02-01\n")
    (tmp_path / "t.csv").write_text("id,day,iso,plain\n1,2024-02-01,2024-02-01,2024-02-01\n")
    days = {"name": "days", "path": "days.csv", "schema": {"fields": [
        {"name": "day", "type": "date", "format": "%d.%m.%Y"}, {"name": "iso", "type": "date", "constraints": {"unique": True}},
        {"name": "plain", "type": "date"}], "primaryKey": ["day"]}}
    fks = [{"fields": [n], "reference": {"resource": "days", "fields": [n]}} for n in ("day", "iso", "plain")]
    t = {"name": "t", "path": "t.csv", "schema": {"fields": [{"name": "id", "type": "integer"}] + [{"name": n, "type": "date"} for n in ("day", "iso", "plain")],
                                                 "primaryKey": ["id"], "foreignKeys": fks}}
    (tmp_path / "datapackage.json").write_text(json.dumps({"name": "p", "version": "1.0.0", "title": "P", "resources": [days, t]}))
    assert validate_package(tmp_path) == []
    assert main(["export", str(tmp_path), "--out", str(tmp_path / "dist")]) == 0
    con = sqlite3.connect(tmp_path / "dist" / "p-1_0_0.sqlite")
    assert [r[3:5] for r in con.execute("PRAGMA foreign_key_list(t)")] == [("iso", "iso")], "the key between two dates is kept"
    sql = con.execute("SELECT sql FROM sqlite_master WHERE name = 't'").fetchone()[0]
    assert '-- not declared here: FOREIGN KEY ("day")' in sql and '-- not declared here: FOREIGN KEY ("plain")' in sql
