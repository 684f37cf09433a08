"""A lossless spreadsheet path: the package as one .xlsx workbook, and an edited workbook back into
canonical CSVs.

Every cell is written as text with the text number format "@", so a spreadsheet keeps `016` and
`2024-10` as they are; a field that references another table gets a drop-down list of that table's
codes, and each header cell carries the field's title and description as a comment. On the way
back, a cell that became a number or a date anyway is turned back into text where exactly one
value fits (the same rules as fmt) and otherwise reported at its sheet and cell, as
`workbook.xlsx:events!I7:cameo_code: code: message`. Nothing is written unless the whole
package, with the workbook's tables, is valid.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

from .canonical import canonical_rows, render
from .declarations import reference_target
from .descriptor import DESCRIPTOR, Descriptor
from .paths import DEFAULT_MAX_BYTES, write_all_atomic
from .problems import one_line
from .reader import header_columns
from .spreadsheet import Sheet, is_date_field, plan_cells

# A custom document property per table (spreadsheets keep them on save; LibreOffice's were checked):
# the SHA-256 of its CSV and of its sheet as written. Import then tells a CSV changed since the
# workbook was made from a sheet that was edited, and `workbook` an edited workbook from its own.
STATE = "validate-workbook:"
SPARE_ROWS = 200  # rows below the data that keep the text format and the drop-down lists, for new rows
TEXT = "@"


def _rows(root: Path, res: dict) -> list[list[str]]:
    return list(csv.reader(io.StringIO((root / res["path"]).read_text(encoding="utf-8"), newline=""), strict=True))


def export(root: Path, desc: Descriptor, out: Path, replaceable=lambda: None) -> Path:
    """Write the (valid) package's tables to `out` as one workbook, one sheet per resource;
    `replaceable` is asked again just before the write (a save may land while this runs)."""
    from openpyxl import Workbook
    from openpyxl.comments import Comment
    from openpyxl.utils import get_column_letter, quote_sheetname
    from openpyxl.worksheet.datavalidation import DataValidation

    wb = Workbook()
    wb.remove(wb.active)
    tables = {res["name"]: _rows(root, res) for res in desc.resources}
    headers = {name: rows[0] for name, rows in tables.items()}  # the files' columns: fieldsMatch may allow fewer fields, or others
    for res in desc.resources:
        ws = wb.create_sheet(res["name"])
        rows, header = tables[res["name"]], headers[res["name"]]
        fields = {f["name"]: f for f in res["schema"]["fields"]}
        for r, row in enumerate(rows, start=1):
            for c, value in enumerate(row, start=1):
                cell = ws.cell(r, c)
                cell.value = value
                cell.data_type = "s"  # never a formula, a number or a date, whatever the text looks like
                cell.number_format = TEXT
        last = len(rows) + SPARE_ROWS
        for c, name in enumerate(header, start=1):
            letter = get_column_letter(c)
            fld = fields.get(name, {})
            note = "\n\n".join(filter(None, [fld.get("title"), fld.get("description"), f"example: {fld['example']}" if fld.get("example") else ""]))
            if note:
                ws.cell(1, c).comment = Comment(note, "datapackage.json", width=320, height=160)
            for r in range(len(rows) + 1, last + 1):
                ws.cell(r, c).number_format = TEXT  # typed-in new rows stay text too
            ws.column_dimensions[letter].width = max(10, min(60, len(name) + 4))
        for fk in res["schema"].get("foreignKeys", []):
            target = reference_target(fk, res["name"])
            if len(fk["fields"]) != 1 or fk["fields"][0] not in header or fk["reference"]["fields"][0] not in headers[target]:
                continue  # a drop-down list needs both columns in the files
            own = get_column_letter(header.index(fk["fields"][0]) + 1)
            tl = get_column_letter(headers[target].index(fk["reference"]["fields"][0]) + 1)
            # through the target's spare rows too: a code added there in the same session can be picked
            source = f"{quote_sheetname(target)}!${tl}$2:${tl}${len(tables[target]) + SPARE_ROWS}"
            dv = DataValidation(type="list", formula1=source, allow_blank=True, showErrorMessage=True,
                                errorTitle="Not a code", error=f"Use a {fk['reference']['fields'][0]} from the sheet {target}")
            dv.add(f"{own}2:{own}{last}")
            ws.add_data_validation(dv)
        for fld in res["schema"]["fields"]:
            enum = fld.get("constraints", {}).get("enum")
            if fld["name"] in header and enum and sum(len(v) + 1 for v in enum) < 250 and not any("," in v for v in enum):
                letter = get_column_letter(header.index(fld["name"]) + 1)
                dv = DataValidation(type="list", formula1='"' + ",".join(enum) + '"', allow_blank=True)
                dv.add(f"{letter}2:{letter}{last}")
                ws.add_data_validation(dv)
        ws.freeze_panes = "A2"
    from openpyxl.packaging.custom import StringProperty

    buf = io.BytesIO()
    wb.save(buf)
    # what import makes of each sheet as written, read back through the same path an edited one takes
    sheets = read(io.BytesIO(buf.getvalue()), desc, out.name)[0]
    for res in desc.resources:
        csv_digest = _digest((root / res["path"]).read_bytes())
        wb.custom_doc_props.append(StringProperty(name=STATE + res["name"], value=f"{csv_digest} {_digest(rendered(res, sheets[res['name']]).encode())}"))
    out.parent.mkdir(parents=True, exist_ok=True)
    buf = io.BytesIO()
    wb.save(buf)
    replaceable()
    write_all_atomic({out: buf.getvalue()})
    return out


def unimported(root: Path, file: Path, desc: Descriptor) -> list[str] | None:
    """The sheets of a workbook this tool made that hold what neither the workbook was made with
    nor the package holds now (edits not yet imported), and sheets of no table of the package;
    None for a file this tool did not make. A sheet whose edits were imported matches its CSV."""
    sheets, problems, _, record = read(file, desc, file.name)
    if not record.tables:
        return None
    names = {res["name"] for res in desc.resources}
    edited = {p.where.split(":")[-1].split("!")[0] for p in problems} & set(record.tables)  # a sheet it had, now unreadable or gone
    for res in desc.resources:
        name, recorded = res["name"], record.tables.get(res["name"])
        if name in sheets and recorded is not None:
            text = rendered(res, sheets[name]).encode()
            if _digest(text) != recorded[1] and text != (root / res["path"]).read_bytes():
                edited.add(name)
    return sorted(edited | {name for name in record.sheets if name not in names})


@dataclass
class Located:
    """A problem in the workbook: file, sheet and cell, field, code and message."""

    where: str
    field: str
    code: str
    message: str

    def format(self) -> str:
        return one_line(f"{self.where}:{self.field}: {self.code}: {self.message}")


class WorkbookError(Exception):
    """The file is not a workbook that can be read at all."""


def _unpacked_size(file: Path, label: str) -> int:
    import zipfile

    try:
        with zipfile.ZipFile(file) as z:
            return sum(info.file_size for info in z.infolist())
    except (OSError, zipfile.BadZipFile, ValueError) as exc:
        raise WorkbookError(f"{label} cannot be read as an .xlsx workbook ({type(exc).__name__}: {exc})") from None


def _sparse_rows(ws) -> list[tuple[int, dict[int, object]]]:
    """The sheet's rows that hold a cell, each as {column: value}, in row order. openpyxl's
    iter_rows walks the whole rectangle up to the farthest cell and creates every cell in it: one
    cell at XFD1000000 made 16 billion. Only the cells the file holds are visited here (openpyxl
    keeps them in `_cells`, keyed by (row, column); it has no public sparse view)."""
    by_row: dict[int, dict[int, object]] = {}
    for (r, c), cell in ws._cells.items():
        by_row.setdefault(r, {})[c] = cell.value
    return sorted(by_row.items())


def _text(value, fld: dict) -> tuple[str | None, str | None]:
    """(text, None) for a cell value, or (None, why) when it cannot be turned back into text losslessly."""
    if value is None:
        return "", None
    if isinstance(value, str):
        return value, None
    if isinstance(value, bool):
        return None, f"became the boolean {value}; type the text that was meant"
    if isinstance(value, int):
        return str(value), None  # a code that lost its zeros is found and repaired by the spreadsheet rules
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 2**53:
            return str(int(value)), None
        return None, f"became the number {value!r}; type it as text (format the cell as Text first)"
    if isinstance(value, (dt.datetime, dt.date)):
        day = value.date() if isinstance(value, dt.datetime) else value
        exact = not isinstance(value, dt.datetime) or value.time() == dt.time(0)
        if fld.get("type") == "date" and exact:
            return day.isoformat(), None
        if fld.get("edtf"):
            return None, (f"became the date {day.isoformat()}; the EDTF value may have been {day.isoformat()}, {day.isoformat()[:7]} "
                          f"or {day.year}: type the one the source supports, as text")
        return None, f"became the date {value.isoformat()}; type the text that was meant"
    return None, f"holds a {type(value).__name__}; type the text that was meant"


def _digest(data: bytes) -> str:
    import hashlib

    return hashlib.sha256(data).hexdigest()


def rendered(res: dict, sheet: Sheet) -> str:
    """The CSV text a sheet becomes: its rows in canonical form."""
    return render(canonical_rows(sheet.fields, sheet.rows, sheet.fields, res["schema"]["primaryKey"]))


@dataclass
class Record:
    """What a workbook says of itself: per table the (CSV, sheet) digests recorded when it was
    made (none for a file this tool did not make), and its sheet names."""

    tables: dict[str, tuple[str, str]]
    sheets: list[str]


def read(file, desc: Descriptor, label: str) -> tuple[dict[str, Sheet], list[Located], dict[str, list[str]], Record]:
    """The workbook's sheets as tables (rows in schema order, each row's line is its sheet row),
    the cells that could not be read back, per resource the column letter of each field, and per
    table the (CSV, sheet) digests recorded when the workbook was made (none for another file)."""
    from openpyxl import load_workbook
    from openpyxl.utils import get_column_letter

    if (size := _unpacked_size(file, label)) > DEFAULT_MAX_BYTES:  # 760 KB of zip held 4 million rows
        raise WorkbookError(f"{label} holds {size:,} bytes once unpacked, more than the {DEFAULT_MAX_BYTES:,} read of any "
                            "file of the package; it is not a workbook of this package") from None
    try:
        wb = load_workbook(file, data_only=False)
    except Exception as exc:  # a zip that is not a workbook raises several kinds of errors
        raise WorkbookError(f"{label} cannot be read as an .xlsx workbook ({type(exc).__name__}: {exc})") from None
    state = {}
    for prop in wb.custom_doc_props.props:
        value = getattr(prop, "value", None)
        if prop.name.startswith(STATE) and isinstance(value, str) and len(value.split()) == 2:
            state[prop.name[len(STATE):]] = tuple(value.split())
    sheets: dict[str, Sheet] = {}
    problems: list[Located] = []
    letters: dict[str, list[str]] = {}
    for res in desc.resources:
        name = res["name"]
        fields = {f["name"]: f for f in res["schema"]["fields"]}
        if name not in wb.sheetnames:
            problems.append(Located(f"{label}:{name}!A1", "", "missing-file", f"the workbook has no sheet {name!r}; export it again with make workbook"))
            continue
        ws = wb[name]
        rows = _sparse_rows(ws)
        first = rows[0][1] if rows and rows[0][0] == 1 else {}
        header = [("" if first.get(c) is None else str(first[c])) for c in range(1, max(first, default=0) + 1)]
        while header and header[-1] == "":
            header.pop()
        columns, mismatch = header_columns(f"{label}:{name}", header, list(fields), res["schema"].get("fieldsMatch", "exact"))
        if mismatch is not None:
            problems.append(Located(f"{label}:{name}!A1", "", "header-mismatch", f"{mismatch.message} (datapackage.json)"))
            continue
        at = {h: i for i, h in enumerate(header)}
        cols = [at[c] for c in columns]  # in canonical order: the fields the sheet names, then its other columns
        letters[name] = [get_column_letter(i + 1) for i in cols]
        body, lines = [], []
        for r, values in rows:
            if r == 1 or all(v is None or v == "" for v in values.values()):
                continue  # blank rows (the spare formatted rows) are not data
            row = [values.get(c) for c in range(1, len(header) + 1)]
            extra = sorted(c for c, v in values.items() if c > len(header) and v not in (None, ""))
            if extra:
                problems.append(Located(f"{label}:{name}!{get_column_letter(extra[0])}{r}", "", "extra-cell", "a value right of the last field"))
            out = []
            for column, i in zip(columns, cols):
                text, why = _text(row[i], fields.get(column, {"name": column}))
                if why is not None:
                    code = "locale-date" if isinstance(row[i], (dt.date, dt.datetime)) else "type-error"
                    problems.append(Located(f"{label}:{name}!{get_column_letter(i + 1)}{r}", column, code, f"{column} {why}"))
                    text = ""
                out.append(text)
            body.append(out)
            lines.append(r)
        sheets[name] = Sheet(res, body, lines, columns)
    return sheets, problems, letters, Record(state, list(wb.sheetnames))


def import_workbook(root: Path, desc: Descriptor, file: Path, label: str, replace: bool = False) -> tuple[list[str], list[str], list[Located | str], list[str]]:
    """(CSV paths written, repair notes, problems). All or nothing: the workbook's tables are
    repaired, put in canonical form and validated with the rest of the package in a scratch copy;
    only if that copy is valid are the CSVs replaced, each by an atomic rename."""
    from schemas import aligned

    from .core import validate_package

    sheets, problems, letters, record = read(file, desc, label)
    if not record.tables and not replace:
        raise WorkbookError(f"{label} does not record the tables it was made from (made by an older version, or its document "
                            "properties removed), so importing could undo a change made to the CSVs since; make a new workbook "
                            "(make workbook), or import with --replace to write its sheets over the CSVs")
    if problems:
        return [], [], problems, []
    cells = plan_cells([aligned(r, sheets[r["name"]].fields) for r in desc.resources], sheets)
    by_path = {res["path"]: res["name"] for res in desc.resources}

    def where(path: str, line: int, field: str) -> str:
        name = by_path[path]
        return f"{label}:{name}!{letters[name][sheets[name].fields.index(field)]}{line}"

    problems += [Located(where(c.path, c.line, c.field), c.field, c.code, c.detail) for c in cells if c.new is None]
    if problems:
        return [], [], problems, []
    notes = [f"{where(c.path, c.line, c.field)}:{c.field}: {c.old!r} -> {c.new!r}" for c in cells]
    fixes = {(c.path, c.line, c.field): c.new for c in cells}
    texts: dict[str, str] = {}
    origin: dict[str, dict[int, int]] = {}  # path -> canonical line -> sheet row
    for res in desc.resources:
        sheet = sheets[res["name"]]
        fields = sheet.fields
        for row, line in zip(sheet.rows, sheet.lines):
            for i, f in enumerate(fields):
                row[i] = fixes.get((res["path"], line, f), row[i])
        pk = [fields.index(k) for k in res["schema"]["primaryKey"] if k in fields]  # as canonical_rows: a part the sheet lacks orders nothing
        order = sorted(range(len(sheet.rows)), key=lambda i: tuple(sheet.rows[i][k] for k in pk))  # stable, as canonical_rows
        texts[res["path"]] = rendered(res, sheet)
        lines, line = {}, 2
        for i in order:
            lines[line] = sheet.lines[i]
            line += 1 + sum(c.count("\n") for c in sheet.rows[i])
        origin[res["path"]] = lines
    kept, both = _changed_since(root, desc, {} if replace else record.tables, texts)
    if both:
        raise WorkbookError(f"{', '.join(both)} changed since {label} was made (by an earlier import of it, or another edit), and "
                            f"{'its sheet holds' if len(both) == 1 else 'their sheets hold'} other edits: importing would undo that "
                            "change. Import with --replace if the sheets hold everything you want, or make a new workbook "
                            "(make workbook) once the edits are elsewhere; nothing was written")
    for path in kept:
        del texts[path]
        del origin[path]  # a problem of a kept CSV is in the CSV, not in the sheet
    with tempfile.TemporaryDirectory(prefix="import-workbook-") as scratch:
        scratch = Path(scratch)
        shutil.copy2(root / DESCRIPTOR, scratch / DESCRIPTOR)
        if (root / "data").is_dir():
            shutil.copytree(root / "data", scratch / "data", symlinks=True)
        for path, text in texts.items():  # every table, wherever the package keeps it
            (scratch / path).parent.mkdir(parents=True, exist_ok=True)
            (scratch / path).write_text(text, encoding="utf-8", newline="")
        found = validate_package(scratch)
    if found:
        out: list[Located | str] = []
        for p in found:
            row = origin.get(p.path, {}).get(p.line)
            name = by_path.get(p.path)
            if row is not None and p.column in sheets[name].fields:
                out.append(Located(where(p.path, row, p.column), p.column, p.code, p.message))
            elif row is not None:
                out.append(Located(f"{label}:{name}!A{row}", p.column, p.code, p.message))
            else:
                out.append(p.format())
        return [], [], out, []
    changed = {root / path: text for path, text in texts.items() if (root / path).read_bytes() != text.encode("utf-8")}
    write_all_atomic(changed)
    return sorted(p.relative_to(root).as_posix() for p in changed), notes, [], kept


def _changed_since(root: Path, desc: Descriptor, state: dict[str, tuple[str, str]], texts: dict[str, str]) -> tuple[list[str], list[str]]:
    """The CSVs changed since the workbook was made: (those whose sheet was not edited, which
    keep their change; those whose sheet was edited too, which cannot be imported)."""
    kept, both = [], []
    for res in desc.resources:
        recorded, now = state.get(res["name"]), (root / res["path"]).read_bytes()
        if recorded is None or res["path"] not in texts or _digest(now) == recorded[0] or texts[res["path"]].encode() == now:
            continue  # the CSV is as the workbook found it, or already holds the sheet
        (kept if _digest(texts[res["path"]].encode()) == recorded[1] else both).append(res["path"])
    return kept, both
