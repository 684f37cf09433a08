"""fmt, workbook and import-workbook take every header the validator accepts under the schema's
v2 `fieldsMatch`: they keep the file's columns, the fields it names in schema order and then the
others in the file's order (docs/table-schema.md), never change a value, and are idempotent."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from validate.cli import main
from validate.core import validate_package

# a header the validator accepts under each mode, with its rows out of key order, and the header fmt writes
HEADERS = {"exact": ("id,name,code", "id,name,code"), "equal": ("code,id,name", "id,name,code"),
           "subset": ("note,code,id,name", "id,name,code,note"), "superset": ("code,id", "id,code"),
           "partial": ("note,name,other", "name,note,other")}
CELLS = {"id": ["2", "1"], "name": ["b", "a"], "code": ["345", "123"], "note": ["n,2", "12"], "other": ["o2", "o1"]}


def package(root: Path, mode: str, code: list[str] | None = None) -> Path:
    header = HEADERS[mode][0].split(",")
    cells = CELLS | ({"code": code} if code else {})
    (root / "data").mkdir(parents=True)
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerows([header] + [[cells[c][i] for c in header] for i in range(2)])
    (root / "data" / "t.csv").write_text(buf.getvalue())
    fields = [{"name": "id", "type": "integer"}, {"name": "name", "title": "Name of the thing"},
              {"name": "code", "constraints": {"pattern": "[0-9]{3}"}}]
    desc = {"name": "fm", "version": "0.1.0", "title": "FM", "conventions": {"canonicalForm": True},
            "resources": [{"name": "t", "path": "data/t.csv", "schema": {"fields": fields, "primaryKey": ["id"], "fieldsMatch": mode}}]}
    (root / "datapackage.json").write_text(json.dumps(desc))
    return root


def records(path: Path) -> list[dict]:
    return sorted((dict(r) for r in csv.DictReader(path.open(newline=""))), key=lambda r: sorted(r.items()))


@pytest.mark.parametrize("mode", list(HEADERS))
def test_fmt_keeps_every_column_of_an_accepted_header_in_canonical_order(tmp_path, mode, capsys):
    root = package(tmp_path, mode)
    table = root / "data" / "t.csv"
    before = records(table)
    assert {p.code for p in validate_package(root)} == {"not-canonical"}, "the header fits; only the order is not canonical"
    assert main(["fmt", str(root)]) == 0
    assert table.read_text().splitlines()[0] == HEADERS[mode][1]
    assert records(table) == before, "no value, column or row changed"
    assert validate_package(root) == [], "the validator's canonical form is fmt's"
    written = table.read_bytes()
    capsys.readouterr()
    assert main(["fmt", "--check", str(root)]) == 0 and main(["fmt", str(root)]) == 0
    assert table.read_bytes() == written and "nothing to format" in capsys.readouterr().out


@pytest.mark.parametrize("mode", ["subset", "superset"])
def test_fmt_repairs_the_fields_a_header_names_and_no_other_column(tmp_path, mode, capsys):
    root = package(tmp_path, mode, code=["345", "12"])  # a code that lost its zero; under subset a note reads 12 too
    assert main(["fmt", str(root)]) == 0
    assert "data/t.csv:3:code: code '12' -> '012'" in capsys.readouterr().out
    rows = list(csv.DictReader((root / "data" / "t.csv").open(newline="")))
    assert [r["code"] for r in rows] == ["012", "345"]
    assert [r.get("note") for r in rows] == (["12", "n,2"] if mode == "subset" else [None, None]), "a column no field names is kept as it is"


def test_fmt_still_refuses_a_header_the_mode_does_not_accept(tmp_path, capsys):
    root = package(tmp_path, "subset")
    (root / "data" / "t.csv").write_text("note,id\nx,1\n")  # subset needs every field
    assert main(["fmt", str(root)]) == 1
    out = capsys.readouterr().out
    assert out.startswith("data/t.csv:1:") and "header-mismatch" in out and "fieldsMatch 'subset' expects" in out


@pytest.mark.parametrize("mode", list(HEADERS))
def test_workbook_round_trip_of_an_accepted_header(tmp_path, mode, capsys):
    from openpyxl import load_workbook

    root = package(tmp_path, mode)
    assert main(["fmt", str(root)]) == 0
    formatted = (root / "data" / "t.csv").read_bytes()
    book = root / "workbook.xlsx"
    assert main(["workbook", str(root)]) == 0
    ws = load_workbook(book)["t"]
    header = [c.value for c in ws[1]]
    assert header == HEADERS[mode][1].split(",")
    comments = {c.value: c.comment.text if c.comment else None for c in ws[1]}
    if "name" in comments:
        assert comments["name"].startswith("Name of the thing"), "each field's comment is on its own column"
    capsys.readouterr()
    assert main(["import-workbook", str(book), str(root)]) == 0
    assert "no change" in capsys.readouterr().out
    last = header[-1]
    wb = load_workbook(book)
    edit = "999" if last == "code" else "edited"  # a value its field (or no field) accepts
    wb["t"].cell(2, len(header)).value = edit
    wb.save(book)
    assert main(["import-workbook", str(book), str(root)]) == 0
    rows = list(csv.DictReader((root / "data" / "t.csv").open(newline="")))
    assert rows[0][last] == edit and (root / "data" / "t.csv").read_bytes() != formatted
    assert validate_package(root) == []


def test_import_workbook_of_a_package_whose_tables_are_not_under_data(tmp_path, capsys):
    (tmp_path / "t.csv").write_text("id,name\n1,a\n")
    desc = {"name": "p", "version": "0.1.0", "title": "P",
            "resources": [{"name": "t", "path": "t.csv", "schema": {"fields": [{"name": "id"}, {"name": "name"}], "primaryKey": ["id"]}}]}
    (tmp_path / "datapackage.json").write_text(json.dumps(desc))
    assert main(["workbook", str(tmp_path)]) == 0
    assert main(["import-workbook", str(tmp_path / "workbook.xlsx"), str(tmp_path)]) == 0
    assert "no change" in capsys.readouterr().out
