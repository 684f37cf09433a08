"""The workbook path: export as text cells with drop-downs, edit, import back all or nothing."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from openpyxl import load_workbook

from validate.cli import main


def snapshot(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted((root / "data").rglob("*")) if p.is_file()}


def export(pkg) -> Path:
    out = pkg.root / "book.xlsx"
    assert main(["workbook", str(pkg.root), "--out", str(out)]) == 0
    return out


def cell_of(ws, key: str, field: str):
    header = [c.value for c in ws[1]]
    row = next(r for r in ws.iter_rows(min_row=2) if r[0].value == key)
    return row[header.index(field)]


def _edit(book: Path, sheet: str, key: str, field: str, value) -> None:
    wb = load_workbook(book)
    cell_of(wb[sheet], key, field).value = value
    wb.save(book)


def test_every_cell_is_text_with_comments_drop_downs_and_a_frozen_header(pkg):
    wb = load_workbook(export(pkg))
    d = pkg.descriptor()
    assert wb.sheetnames == [r["name"] for r in d["resources"]]
    for res in d["resources"]:
        ws = wb[res["name"]]
        rows = pkg.rows(res["name"])
        assert [[c.value or "" for c in r] for r in ws.iter_rows(max_row=len(rows))] == rows
        assert all(c.data_type == "s" and c.number_format == "@" for r in ws.iter_rows(max_row=len(rows)) for c in r if c.value)
        assert ws.freeze_panes == "A2"
        fields = res["schema"]["fields"]
        assert all(ws.cell(1, i + 1).comment is not None for i, f in enumerate(fields) if f.get("description"))
        lists = {str(dv.sqref).split(":")[0].rstrip("0123456789") for dv in ws.data_validations.dataValidation}
        single = [fk["fields"][0] for fk in res["schema"].get("foreignKeys", []) if len(fk["fields"]) == 1]
        letters = {f: ws.cell(1, [x["name"] for x in fields].index(f) + 1).column_letter for f in single}
        assert set(letters.values()) <= lists
        for dv in ws.data_validations.dataValidation:  # a code added below a code table's rows is offered too
            if "!$" in (dv.formula1 or ""):
                sheet, end = dv.formula1.split("!")[0].strip("'"), int(dv.formula1.rsplit("$", 1)[1])
                assert end > len(pkg.rows(sheet)), dv.formula1


def test_import_of_an_unedited_workbook_changes_nothing(pkg, capsys):
    before = snapshot(pkg.root)
    assert main(["import-workbook", str(export(pkg)), str(pkg.root)]) == 0
    assert snapshot(pkg.root) == before


def test_an_edit_lands_in_canonical_form_and_a_code_typed_as_a_number_is_repaired(pkg, capsys):
    book = export(pkg)
    wb = load_workbook(book)
    ws = wb["events"]
    rows = pkg.rows("events")
    i = rows[0].index("cameo_code")
    key, code = next((r[0], r[i]) for r in rows[1:] if r[i].startswith("0"))
    cell_of(ws, key, "cameo_code").value = int(code)  # what typing 016 into a General cell gives
    cell_of(ws, key, "summary").value = "Edited in a spreadsheet."
    wb.save(book)
    capsys.readouterr()
    assert main(["import-workbook", str(book), str(pkg.root)]) == 0
    out = capsys.readouterr().out
    assert f"book.xlsx:events!{cell_of(ws, key, 'cameo_code').coordinate}:cameo_code: '{int(code)}' -> '{code}': repaired" in out
    assert pkg.get("events", key, "cameo_code") == code and pkg.get("events", key, "summary") == "Edited in a spreadsheet."
    assert main([str(pkg.root)]) == 0 and main(["fmt", str(pkg.root), "--check"]) == 0


def test_a_cell_that_became_a_date_or_an_invalid_value_is_reported_at_its_cell_and_nothing_is_written(pkg, capsys):
    book = export(pkg)
    wb = load_workbook(book)
    ws = wb["events"]
    rows = pkg.rows("events")
    i = rows[0].index("date")
    key = next(r[0] for r in rows[1:] if r[i])
    date_cell = cell_of(ws, key, "date")
    date_cell.value = dt.datetime(2024, 10, 1)
    wb.save(book)
    before = snapshot(pkg.root)
    capsys.readouterr()
    assert main(["import-workbook", str(book), str(pkg.root)]) == 1
    assert capsys.readouterr().out.startswith(f"book.xlsx:events!{date_cell.coordinate}:date: locale-date: ")
    date_cell.value = rows[[r[0] for r in rows].index(key)][i]
    other = rows[1][0] if rows[1][0] != key else rows[2][0]
    mode = cell_of(ws, other, "event_mode")
    mode.value = "no-such-mode"
    wb.save(book)
    assert main(["import-workbook", str(book), str(pkg.root)]) == 1
    assert f"book.xlsx:events!{mode.coordinate}:event_mode: mode-type-mismatch: " in capsys.readouterr().out
    assert snapshot(pkg.root) == before


def test_a_file_that_is_not_a_workbook_is_a_usage_error(pkg, capsys):
    bad = pkg.root / "book.xlsx"
    bad.write_bytes(b"not a zip")
    assert main(["import-workbook", str(bad), str(pkg.root)]) == 2
    assert "cannot be read as an .xlsx workbook" in capsys.readouterr().err


def test_a_workbook_is_written_only_under_an_xlsx_name_that_is_not_a_directory(pkg, capsys):
    before = snapshot(pkg.root)
    (pkg.root / "folder.xlsx").mkdir()
    for out in (pkg.root / "data" / "events.csv", pkg.root / "notes", pkg.root / "folder.xlsx"):
        assert main(["workbook", str(pkg.root), "--out", str(out)]) == 2
        err = capsys.readouterr().err
        assert str(out) in err and "internal error" not in err
    assert snapshot(pkg.root) == before and not (pkg.root / "notes").exists()


def test_a_workbook_is_written_with_the_next_step_named(pkg, capsys):
    book = export(pkg)
    out, err = capsys.readouterr()
    assert out == f"{book.as_posix()}\n" and f"import-workbook {book.as_posix()} {pkg.root.as_posix()}" in err


def test_a_workbook_replaces_the_workbook_made_before_when_none_of_its_sheets_was_edited(pkg):
    book = export(pkg)
    key = pkg.rows("actors")[1][0]
    pkg.set("actors", key, "description", "changed in the CSV since")
    assert main(["workbook", str(pkg.root), "--out", str(book)]) == 0
    assert cell_of(load_workbook(book)["actors"], key, "description").value == "changed in the CSV since"


def test_a_workbook_with_edits_not_imported_is_never_written_over(pkg, capsys):
    book = export(pkg)
    key = pkg.rows("actors")[1][0]
    _edit(book, "actors", key, "description", "an edit not imported yet")
    edited = book.read_bytes()
    capsys.readouterr()
    assert main(["workbook", str(pkg.root), "--out", str(book)]) == 2
    err = capsys.readouterr().err
    assert "holds edits to actors that are not imported yet" in err and book.read_bytes() == edited


@pytest.mark.parametrize("kind", ["file", "link"])
def test_a_workbook_never_writes_over_a_file_it_did_not_make_or_a_link(pkg, tmp_path_factory, kind, capsys):
    mine = tmp_path_factory.mktemp("mine") / "budget.xlsx"
    mine.write_bytes(b"my budget")
    out = mine if kind == "file" else pkg.root / "link.xlsx"
    if kind == "link":
        out.symlink_to(mine)
    assert main(["workbook", str(pkg.root), "--out", str(out)]) == 2
    assert ("is a link" if kind == "link" else "not a workbook made by this tool") in capsys.readouterr().err
    assert mine.read_bytes() == b"my budget" and out.is_symlink() == (kind == "link")


def test_import_keeps_a_csv_change_made_after_the_workbook_when_its_sheet_was_not_edited(pkg, capsys):
    book = export(pkg)
    event = pkg.rows("events")[1][0]
    _edit(book, "events", event, "location", "Ottawa")  # an edit of another table in the workbook
    key = pkg.rows("actors")[1][0]
    pkg.set("actors", key, "description", "changed in the CSV since")
    capsys.readouterr()
    assert main(["import-workbook", str(book), str(pkg.root)]) == 0
    out = capsys.readouterr().out
    assert "data/actors.csv: kept as it is" in out and "data/events.csv: written" in out
    assert pkg.get("actors", key, "description") == "changed in the CSV since" and pkg.get("events", event, "location") == "Ottawa"


def test_import_stops_when_a_csv_and_its_sheet_were_both_changed_since_the_workbook_was_made(pkg, capsys):
    book = export(pkg)
    key = pkg.rows("actors")[1][0]
    _edit(book, "actors", key, "description", "the workbook's edit")
    pkg.set("actors", key, "description", "the CSV's edit")
    before = snapshot(pkg.root)
    capsys.readouterr()
    assert main(["import-workbook", str(book), str(pkg.root)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "data/actors.csv changed since book.xlsx was made" in err and "nothing was written" in err
    assert snapshot(pkg.root) == before


def test_a_cell_far_past_the_table_is_located_at_once_not_walked_to(pkg, capsys):
    """openpyxl's iter_rows would create every cell of the rectangle up to XFD1000000."""
    import subprocess
    import sys

    book = export(pkg)
    wb = load_workbook(book)
    wb[wb.sheetnames[0]]["XFD1000000"] = "far"
    wb.save(book)
    before = snapshot(pkg.root)
    run = subprocess.run([sys.executable, "-m", "validate", "import-workbook", str(book), str(pkg.root)],
                         capture_output=True, text=True, timeout=60, cwd=Path(__file__).parent.parent)
    assert run.returncode == 1 and run.stdout.splitlines() == [f"book.xlsx:{wb.sheetnames[0]}!XFD1000000:: extra-cell: a value right of the last field"]
    assert snapshot(pkg.root) == before


def test_a_workbook_that_unpacks_past_the_size_limit_is_refused_before_it_is_parsed(pkg, capsys, monkeypatch):
    import validate.workbook as workbook

    book = export(pkg)
    monkeypatch.setattr(workbook, "DEFAULT_MAX_BYTES", book.stat().st_size)  # unpacked, the XML is larger than the zip
    capsys.readouterr()
    assert main(["import-workbook", str(book), str(pkg.root)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "once unpacked, more than" in err


def test_a_workbook_name_with_a_line_break_or_escape_is_quoted_escaped_in_every_line(pkg, capsys):
    book = export(pkg)
    odd = book.with_name("bad\x1b[31m\nname.xlsx")
    wb = load_workbook(book)
    ws = wb[wb.sheetnames[0]]
    ws["A2"] = 3.5
    wb.save(odd)
    capsys.readouterr()
    assert main(["import-workbook", str(odd), str(pkg.root)]) == 1
    out, err = capsys.readouterr()
    assert all(line.startswith("bad\\x1b[31m\\nname.xlsx:") for line in out.splitlines()) and out
    assert err.count("\n") == 1 and "\x1b" not in out + err


def test_after_an_import_the_workbook_is_made_again_and_a_further_edit_needs_replace(pkg, capsys):
    book = export(pkg)
    key = pkg.rows("actors")[1][0]
    _edit(book, "actors", key, "description", "first edit")
    assert main(["import-workbook", str(book), str(pkg.root)]) == 0
    assert main(["import-workbook", str(book), str(pkg.root)]) == 0  # imported: the sheet holds the CSV
    _edit(book, "actors", key, "description", "second edit")
    capsys.readouterr()
    assert main(["import-workbook", str(book), str(pkg.root)]) == 2  # the CSV changed since the workbook was made
    assert "--replace" in capsys.readouterr().err and pkg.get("actors", key, "description") == "first edit"
    assert main(["import-workbook", str(book), str(pkg.root), "--replace"]) == 0
    assert pkg.get("actors", key, "description") == "second edit"
    assert main(["workbook", str(pkg.root), "--out", str(book)]) == 0  # everything imported: made again


def test_the_same_edit_in_the_sheet_and_in_the_csv_is_no_conflict(pkg, capsys):
    book = export(pkg)
    key = pkg.rows("actors")[1][0]
    _edit(book, "actors", key, "description", "the same edit")
    pkg.set("actors", key, "description", "the same edit")
    assert main(["import-workbook", str(book), str(pkg.root)]) == 0
    assert "no change" in capsys.readouterr().out


def test_a_table_added_since_the_workbook_was_made_does_not_count_as_an_edit(pkg):
    book = export(pkg)
    d = pkg.descriptor()
    res = dict(pkg.resource(d, "bases"), name="more_bases", path="data/more_bases.csv")
    d["resources"].append(res)
    pkg.write_descriptor(d)
    (pkg.root / "data" / "more_bases.csv").write_bytes((pkg.root / "data" / "bases.csv").read_bytes())
    assert main([str(pkg.root)]) == 0
    assert main(["workbook", str(pkg.root), "--out", str(book)]) == 0


def test_a_problem_of_a_kept_csv_is_located_in_the_csv_not_in_the_sheet(pkg, capsys):
    book = export(pkg)
    key = pkg.rows("actors")[1][0]
    _, line, _ = pkg.set("actors", key, "actor_type", "no-such-type")
    capsys.readouterr()
    assert main(["import-workbook", str(book), str(pkg.root)]) == 1
    out = capsys.readouterr().out
    assert f"data/actors.csv:{line}:actor_type: dangling-foreign-key" in out and "book.xlsx:actors" not in out


def test_a_workbook_that_records_no_state_is_imported_only_with_replace(pkg, capsys):
    from openpyxl.packaging.custom import CustomPropertyList

    book = export(pkg)
    wb = load_workbook(book)
    wb.custom_doc_props = CustomPropertyList()
    key = pkg.rows("actors")[1][0]
    cell_of(wb["actors"], key, "description").value = "an edit"
    wb.save(book)
    before = snapshot(pkg.root)
    capsys.readouterr()
    assert main(["import-workbook", str(book), str(pkg.root)]) == 2
    assert "does not record the tables it was made from" in capsys.readouterr().err and snapshot(pkg.root) == before
    assert main(["import-workbook", str(book), str(pkg.root), "--replace"]) == 0
    assert pkg.get("actors", key, "description") == "an edit"


def test_a_workbook_is_never_written_over_a_fifo_or_a_workbook_with_sheets_of_its_own(pkg, capsys):
    import os

    fifo = pkg.root / "f.xlsx"
    os.mkfifo(fifo)
    assert main(["workbook", str(pkg.root), "--out", str(fifo)]) == 2  # not opened: a FIFO would block
    assert "not a regular file" in capsys.readouterr().err
    book = export(pkg)
    wb = load_workbook(book)
    wb.create_sheet("my notes")["A1"] = "important"
    wb.save(book)
    assert main(["workbook", str(pkg.root), "--out", str(book)]) == 2
    assert "my notes" in capsys.readouterr().err and "my notes" in load_workbook(book).sheetnames


def test_a_save_that_lands_while_the_workbook_is_built_is_not_written_over(pkg, monkeypatch, capsys):
    from openpyxl import Workbook

    book = export(pkg)
    key = pkg.rows("actors")[1][0]
    saves, save = [], Workbook.save

    def save_then_user_saves(self, filename):
        save(self, filename)
        saves.append(1)
        if len(saves) == 2:  # the build's last save: the user's spreadsheet saves an edit now
            _edit(book, "actors", key, "description", "the user's newest edit")

    monkeypatch.setattr(Workbook, "save", save_then_user_saves)
    capsys.readouterr()
    assert main(["workbook", str(pkg.root), "--out", str(book)]) == 2
    monkeypatch.undo()
    assert "not imported yet" in capsys.readouterr().err
    assert cell_of(load_workbook(book)["actors"], key, "description").value == "the user's newest edit"
