"""The package as one SQLite database: declared types, primary, unique and foreign keys, and the joined views of views.py.

Each column takes the type of its typed Arrow column (publish/export.py), not of its field: a field
exported as its text (a date with a format, a number with a decimal comma) is TEXT, where SQLite's
numeric affinity would otherwise turn '1.000' and '1' into one number. A REAL column holding NaN
is TEXT of each number's lexical form: SQLite stores NaN as NULL. Field `unique` constraints and
v2 `uniqueKeys` are UNIQUE constraints; SQLite's UNIQUE, on which Table Schema models uniqueKeys,
leaves out a row with a NULL part, as the validator leaves out a row with a missing part. A foreign
key SQLite cannot hold as the validator checks it (to columns that are no key of their table, or
between columns SQLite would compare as other terms) is left out, with a comment in CREATE TABLE."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc

from validate.declarations import reference_target
from validate.descriptor import Descriptor

from .export import number_text, required
from .views import VIEWS

def _sql_type(typ: pa.DataType) -> str:
    if pa.types.is_integer(typ) or pa.types.is_boolean(typ):
        return "INTEGER"
    if pa.types.is_floating(typ):
        return "REAL"
    return "DATE" if pa.types.is_date(typ) else "TEXT"


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def unique_keys(schema: dict) -> list[list[str]]:
    """The UNIQUE constraints: each `unique` field, then each v2 unique key, in declaration order;
    none that repeats the primary key or an earlier one (as sets: UNIQUE (a, b) is UNIQUE (b, a))."""
    keys = [[f["name"]] for f in schema["fields"] if f.get("constraints", {}).get("unique") is True]
    seen, out = {frozenset(schema.get("primaryKey", []))}, []
    for key in keys + [list(k) for k in schema.get("uniqueKeys", [])]:
        if frozenset(key) not in seen:
            seen.add(frozenset(key))
            out.append(key)
    return out


def _same_terms(desc: Descriptor, tables: dict[str, pa.Table], mine: tuple[str, str], theirs: tuple[str, str]) -> bool:
    """Whether SQLite compares the two columns as the validator compares their fields: both text of
    text fields (string, any), or both values (integers, numbers, dates, booleans). A typed field
    exported as its text (a date with a format, a datetime) is compared by the validator as a value
    and by SQLite as text: '01.02.2024' would not be the date 2024-02-01 there."""
    def kind(res_name: str, name: str) -> str:
        if not pa.types.is_string(tables[res_name].column(name).type):
            return "value"
        fld = next(f for f in desc.resource(res_name)["schema"]["fields"] if f["name"] == name)
        return "text" if fld.get("type", "string") in ("string", "any") else "formatted"
    return kind(*mine) == kind(*theirs) != "formatted"


def create_table(res: dict, desc: Descriptor, tables: dict[str, pa.Table]) -> str:
    """CREATE TABLE with the resource's keys; a foreign key whose columns SQLite would compare
    otherwise than the validator (see _same_terms) is left out, and a comment says so."""
    schema, table = res["schema"], tables[res["name"]]
    cols, notes = [], []
    for f in schema["fields"]:
        cols.append(f"{_q(f['name'])} {_sql_type(table.column(f['name']).type)}{' NOT NULL' if required(res, f) else ''}")
    if schema.get("primaryKey"):  # a table without a key (legal in Table Schema) gets none
        cols.append(f"PRIMARY KEY ({', '.join(map(_q, schema['primaryKey']))})")
    cols += [f"UNIQUE ({', '.join(map(_q, key))})" for key in unique_keys(schema)]
    for fk in schema.get("foreignKeys", []):
        target = reference_target(fk, res["name"])
        clause = f"FOREIGN KEY ({', '.join(map(_q, fk['fields']))}) REFERENCES {_q(target)} ({', '.join(map(_q, fk['reference']['fields']))})"
        theirs = desc.resource(target)["schema"]
        if frozenset(fk["reference"]["fields"]) not in {frozenset(theirs["primaryKey"])} | {frozenset(k) for k in unique_keys(theirs)}:
            # Table Schema lets a reference name any fields; SQLite refuses one to columns that are not a key of their table
            notes.append(f"-- not declared here: {clause}; the validator checked it, SQLite needs the referenced columns to be a key")
        elif not all(_same_terms(desc, tables, (res["name"], a), (target, b)) for a, b in zip(fk["fields"], fk["reference"]["fields"])):
            notes.append(f"-- not declared here: {clause}; the validator checked it by value, SQLite would compare other terms")
        else:
            cols.append(clause)
    return f"CREATE TABLE {_q(res['name'])} (\n  " + ",\n  ".join(cols) + "".join(f"\n  {n}" for n in notes) + "\n)"


def _nan_as_text(table: pa.Table) -> pa.Table:
    """Each float column holding NaN as the text of its numbers (NaN, INF, 1.5): SQLite would
    store NaN as NULL, a missing value the data do not have (and refused by NOT NULL)."""
    for i, name in enumerate(table.column_names):
        column = table.column(name)
        if pa.types.is_floating(column.type) and pc.any(pc.is_nan(column)).as_py():
            texts = pa.array([None if v is None else number_text(v) for v in column.to_pylist()], type=pa.string())
            table = table.set_column(i, table.schema.field(i).with_type(pa.string()), texts)
    return table


def write_sqlite(desc: Descriptor, tables: dict[str, pa.Table], target: Path) -> list[str]:
    """Write the database; the names of the views it holds."""
    con = sqlite3.connect(target)
    views = []
    try:
        con.execute("PRAGMA foreign_keys = OFF")  # rows load in package order; checked below
        tables = {name: _nan_as_text(table) for name, table in tables.items()}
        for res in desc.resources:
            table = tables[res["name"]]
            con.execute(create_table(res, desc, tables))
            rows = table.to_pylist()
            names = [f["name"] for f in res["schema"]["fields"]]
            values = [[r[n].isoformat() if hasattr(r[n], "isoformat") else r[n] for n in names] for r in rows]
            con.executemany(f"INSERT INTO {_q(res['name'])} VALUES ({', '.join('?' * len(names))})", values)
        tables_made = {res["name"] for res in desc.resources}
        for name, view in VIEWS.items():
            if name in tables_made:
                continue  # a resource of that name is in the database as a table; the convenience view gives way
            try:
                con.execute(f"CREATE VIEW {_q(name)} AS {view.sql}")
            except sqlite3.OperationalError:
                continue  # the tables or columns the view joins are not in this package
            views.append(name)
        broken = con.execute("PRAGMA foreign_key_check").fetchall()
        if broken:
            raise ValueError(f"foreign key check failed in the SQLite export: {broken[:3]}")
        con.commit()
    finally:
        con.close()
    return views
