"""Downloads for researchers: the package as a zip (one folder, with a README for researchers),
Parquet, SQLite with metadata.json for Datasette, JSON and Stata, with SHA256SUMS.

Every format is derived from the same typed Arrow tables, built from the descriptor's field types:
integers as int64, dates as date32, everything else as text; an empty CSV cell becomes null.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import zipfile
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from validate.descriptor import DESCRIPTOR, PACKAGE_NAME, SEMVER, Descriptor
from validate.outdir import marker, new_directory
from validate.paths import PathRefused, read_bytes
from validate.problems import Problem, problem
from validate.reader import read_table_whole

SUMS = "SHA256SUMS"  # written last into every export

ARROW_TYPES = {"integer": pa.int64(), "number": pa.float64(), "date": pa.date32(), "boolean": pa.bool_(), "year": pa.int64()}
# Beside the tables and texts; the zip's README.md is written for researchers (publish/researcher.py), not the developers' one.
ZIP_EXTRA = ["LICENSE", "CITATION.cff", "CHANGELOG.md", "docs/codebook.md", "docs/coding-decisions.md", "docs/timeline.svg"]
STATA_LABEL = 80  # Stata's limit for variable and dataset labels
STATA_MAX_DOUBLE = 8.98846567431158e307  # larger doubles are Stata's missing-value codes


def required(res: dict, field: dict) -> bool:
    """A field that can hold no empty cell: `required`, or part of the primary key (Table Schema)."""
    constraints = field.get("constraints", {})
    return bool(constraints.get("required")) or field["name"] in res["schema"]["primaryKey"]


def _default_form(field: dict) -> bool:
    """Whether a field's cells are in the lexical form Arrow's casts read: no format pattern,
    true/false values or number options (such a field is exported as its text)."""
    options = {"trueValues", "falseValues", "bareNumber", "groupChar", "decimalChar"}
    return field.get("format", "default") == "default" and not options & set(field)


def arrow_table(res: dict, frame) -> pa.Table:
    """The resource's rows with the descriptor's types; a missing value (by the field's effective
    missingValues, which the descriptor resolves onto the field; '' by default) becomes null, as
    Table Schema says, before any cast; a required field is not nullable."""
    columns = {}
    for f in res["schema"]["fields"]:
        values = frame[f["name"]]
        typ = ARROW_TYPES.get(f.get("type", "string"), pa.string()) if _default_form(f) else pa.string()
        text = pa.array(values.where(~values.isin(f.get("missingValues", [""])), None).astype(object), type=pa.string())
        if typ == pa.bool_():  # a missing boolean stays null: is_in alone made it false
            columns[f["name"]] = pc.if_else(pc.is_null(text), pa.scalar(None, pa.bool_()), pc.is_in(text, value_set=pa.array(["true", "True", "TRUE", "1"])))
        elif typ == pa.date32():
            columns[f["name"]] = text.cast(pa.timestamp("s")).cast(pa.date32())
        elif typ == pa.int64():  # Table Schema allows a leading '+', Arrow's parser does not
            columns[f["name"]] = pc.replace_substring_regex(text, r"^\+", "").cast(typ)
        else:
            columns[f["name"]] = text.cast(typ)
    schema = pa.schema([pa.field(f["name"], columns[f["name"]].type, nullable=not required(res, f),
                                 metadata={"title": f.get("title", ""), "description": f.get("description", "")})
                        for f in res["schema"]["fields"]])
    return pa.table(columns, schema=schema)


def tables(root: Path, desc: Descriptor) -> dict[str, pa.Table]:
    out = {}
    for res in desc.resources:
        table, _ = read_table_whole(root, res)
        out[res["name"]] = arrow_table(res, table.frame)
    return out


class ExportRefused(Exception):
    """A file the zip would hold is not a regular file of the package; nothing is written."""

    def __init__(self, problems: list[Problem]):
        super().__init__(f"{len(problems)} file(s) cannot go into the zip")
        self.problems = problems


def zip_members(root: Path, desc: Descriptor) -> dict[str, bytes]:
    """The bytes of every file the zip holds, read without following a symbolic link anywhere:
    a link under data/sources/ or docs/ would otherwise put bytes from outside the package into it."""
    names = [DESCRIPTOR] + [r["path"] for r in desc.resources]
    names += sorted(p.relative_to(root).as_posix() for p in (root / "data" / "sources").glob("*.txt"))
    names += sorted(r["derivedFrom"]["path"] for r in desc.resources if "derivedFrom" in r)  # archived under their own licence
    names += [n for n in ZIP_EXTRA if os.path.lexists(root / n)]
    members, problems = {}, []
    real_root = os.path.realpath(root)
    for name in names:
        try:
            try:
                name.encode("utf-8")
            except UnicodeEncodeError:  # a file name of undecodable bytes: no zip entry can hold it
                name = name.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
                raise PathRefused("unsafe-path", f"the file name {name!r} is not UTF-8; rename the file") from None
            if os.path.realpath(os.path.join(real_root, name)) != os.path.join(real_root, *name.split("/")):
                raise PathRefused("unsafe-path", f"{name} is or passes through a symbolic link; the zip holds only the package's own files")
            members[name] = read_bytes(root, name)
        except PathRefused as exc:
            problems.append(problem(name, 1, 1, exc.code, exc.detail))
    if problems:
        raise ExportRefused(problems)
    return members


def write_zip(members: dict[str, bytes], target: Path, folder: str) -> None:
    """The whole package in one top-level folder, reproducibly: fixed timestamps, entries in a fixed order."""
    with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for name, data in members.items():
            info = zipfile.ZipInfo(f"{folder}/{name}", date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            zf.writestr(info, data)


def write_json(table: pa.Table, target: Path) -> None:
    records = table.to_pylist()
    target.write_text(json.dumps(records, ensure_ascii=False, indent=1, default=lambda d: d.isoformat()) + "\n", encoding="utf-8")


def number_text(value: float | None) -> str:
    """A number in Table Schema's lexical form: INF, -INF, NaN, or the shortest decimal; '' for a missing one."""
    if value is None:
        return ""
    if math.isnan(value):
        return "NaN"
    return {math.inf: "INF", -math.inf: "-INF"}.get(value, repr(value))


def write_stata(res: dict, table: pa.Table, target: Path) -> None:
    frame = table.to_pandas(types_mapper={pa.int64(): pd.Int64Dtype(), pa.bool_(): pd.BooleanDtype()}.get, date_as_object=False)
    # by the Arrow type, not the field's: a field in another form (a date with a format, a boolean
    # with trueValues) is exported as its text
    dates = [name for name in table.column_names if pa.types.is_date32(table.column(name).type)]
    for name in dates:
        frame[name] = frame[name].astype("datetime64[s]")
    texts = [name for name in table.column_names if pa.types.is_string(table.column(name).type)]
    for name in texts:
        frame[name] = frame[name].fillna("").astype(object)  # Stata has no missing string: "" is missing
    for name in table.column_names:  # Stata's doubles end below 9e307 and hold no infinity: such a column is exported as text
        values = table.column(name).to_pylist() if pa.types.is_floating(table.column(name).type) else []
        if any(v is not None and abs(v) > STATA_MAX_DOUBLE for v in values):
            frame[name] = pd.Series([number_text(v) for v in values], index=frame.index, dtype=object)
    labels = {f["name"]: f.get("title", f["name"])[:STATA_LABEL] for f in res["schema"]["fields"]}
    frame.to_stata(target, write_index=False, version=118, variable_labels=labels, data_label=res.get("title", "")[:STATA_LABEL],
                   convert_dates={n: "td" for n in dates}, convert_strl=texts)


def sha256sums(directory: Path) -> str:
    lines = []
    skip = {SUMS, marker("export")[0]}  # the marker says who made the directory; it is not a download
    for path in sorted(p for p in directory.rglob("*") if p.is_file() and p.name not in skip):
        lines.append(f"{hashlib.sha256(path.read_bytes()).hexdigest()}  {path.relative_to(directory).as_posix()}")
    return "\n".join(lines) + "\n"


def build(root: Path, desc: Descriptor, out: Path) -> list[str]:
    """Write every download into `out`, replacing it whole: the new files are built in a
    temporary directory beside it and swapped in only when all of them are complete."""
    from . import names
    from .datasette import metadata
    from .researcher import readme
    from .sqlite_export import write_sqlite

    members = zip_members(root, desc)
    with new_directory(out, "export", "an export", keep={"the package": root}) as work:
        typed = tables(root, desc)
        members["README.md"] = readme(root, desc, typed, set(members) | {"README.md"}).encode("utf-8")
        write_zip(members, work / f"{names.release(desc)}.zip", names.release(desc))
        views = write_sqlite(desc, typed, work / f"{names.database(desc)}.sqlite")
        meta = metadata(desc, typed, names.database(desc), views)
        (work / "metadata.json").write_text(json.dumps(meta, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
        for sub in ("parquet", "json", "stata"):
            (work / sub).mkdir()
        for res in desc.resources:
            name = res["name"]
            pq.write_table(typed[name], work / "parquet" / f"{name}.parquet")
            write_json(typed[name], work / "json" / f"{name}.json")
            write_stata(res, typed[name], work / "stata" / f"{name}.dta")
        (work / SUMS).write_text(sha256sums(work), encoding="utf-8")
    return sorted(p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file() and p.name != marker("export")[0])
