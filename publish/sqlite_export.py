"""The package as one SQLite database: declared types, primary and foreign keys, and the joined views of views.py."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pyarrow as pa

from validate.descriptor import Descriptor

from .export import required
from .views import VIEWS

SQL_TYPES = {"integer": "INTEGER", "number": "REAL", "boolean": "INTEGER", "date": "DATE", "year": "INTEGER"}


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def create_table(res: dict) -> str:
    schema = res["schema"]
    cols = []
    for f in schema["fields"]:
        cols.append(f"{_q(f['name'])} {SQL_TYPES.get(f.get('type', 'string'), 'TEXT')}{' NOT NULL' if required(res, f) else ''}")
    if schema.get("primaryKey"):  # a table without a key (legal in Table Schema) gets none
        cols.append(f"PRIMARY KEY ({', '.join(map(_q, schema['primaryKey']))})")
    for fk in schema.get("foreignKeys", []):
        target = fk["reference"].get("resource") or res["name"]  # omitted or "": the table itself
        cols.append(f"FOREIGN KEY ({', '.join(map(_q, fk['fields']))}) REFERENCES {_q(target)} ({', '.join(map(_q, fk['reference']['fields']))})")
    return f"CREATE TABLE {_q(res['name'])} (\n  " + ",\n  ".join(cols) + "\n)"


def write_sqlite(desc: Descriptor, tables: dict[str, pa.Table], target: Path) -> list[str]:
    """Write the database; the names of the views it holds."""
    con = sqlite3.connect(target)
    views = []
    try:
        con.execute("PRAGMA foreign_keys = OFF")  # rows load in package order; checked below
        for res in desc.resources:
            con.execute(create_table(res))
            rows = tables[res["name"]].to_pylist()
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
