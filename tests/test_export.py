"""Every export reads back to the CSVs, value by value; a failed validation writes nothing."""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import json
import math
import os
import sqlite3
import zipfile
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
import pytest

from publish import names
from publish.export import required
from publish.views import VIEWS
from validate.cli import main
from validate.descriptor import load
from validate.outdir import marker

ROOT = Path(__file__).resolve().parent.parent
DESC, _ = load(ROOT)
STEM = names.release(DESC)
DATABASE = f"{names.database(DESC)}.sqlite"
RESOURCES = [r["name"] for r in DESC.resources]


@pytest.fixture(scope="module")
def dist(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("export") / "dist"
    assert main(["export", str(ROOT), "--out", str(out)]) == 0
    return out


def csv_rows(name: str) -> list[list[str]]:
    with open(ROOT / "data" / f"{name}.csv", encoding="utf-8", newline="") as fh:
        return list(csv.reader(fh))[1:]


def text(value) -> str:
    """The CSV spelling of an exported value."""
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NaT:
        return ""
    if isinstance(value, (dt.date, pd.Timestamp)):
        return value.strftime("%Y-%m-%d")
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


@pytest.mark.parametrize("name", RESOURCES)
def test_parquet_has_real_types_and_the_same_values(dist, name):
    table = pq.read_table(dist / "parquet" / f"{name}.parquet")
    types = {f["name"]: f.get("type", "string") for f in DESC.resource(name)["schema"]["fields"]}
    expected = {"string": "string", "integer": "int64", "date": "date32[day]"}
    assert {f.name: str(f.type) for f in table.schema} == {k: expected[v] for k, v in types.items()}
    res = DESC.resource(name)
    assert {f.name: f.nullable for f in table.schema} == {f["name"]: not required(res, f) for f in res["schema"]["fields"]}
    assert [[text(v) for v in row.values()] for row in table.to_pylist()] == csv_rows(name)


@pytest.mark.parametrize("name", RESOURCES)
def test_json_records_hold_the_same_values(dist, name):
    records = json.loads((dist / "json" / f"{name}.json").read_text(encoding="utf-8"))
    assert [[text(v) for v in r.values()] for r in records] == csv_rows(name)


@pytest.mark.parametrize("name", RESOURCES)
def test_stata_files_hold_the_same_values_and_field_titles(dist, name):
    path = dist / "stata" / f"{name}.dta"
    frame = pd.read_stata(path, convert_categoricals=False)
    assert [[text(v) for v in row] for row in frame.itertuples(index=False)] == csv_rows(name)
    with pd.io.stata.StataReader(path) as reader:
        labels = reader.variable_labels()
    assert labels == {f["name"]: f["title"][:80] for f in DESC.resource(name)["schema"]["fields"]}


def test_sqlite_has_every_table_keys_and_views(dist):
    con = sqlite3.connect(dist / DATABASE)
    try:
        for name in RESOURCES:
            rows = con.execute(f'SELECT * FROM "{name}" ORDER BY rowid').fetchall()
            assert [[text(v) for v in r] for r in rows] == csv_rows(name), name
        assert con.execute("PRAGMA foreign_key_check").fetchall() == []
        fks = con.execute("SELECT COUNT(*) FROM pragma_foreign_key_list('event_actors')").fetchone()[0]
        assert fks == 3
        assert con.execute("SELECT COUNT(*) FROM event_participants").fetchone()[0] == len(csv_rows("event_actors"))
        parties = dict(con.execute("SELECT commitment_id, parties FROM commitment_details").fetchall())
        assert parties["cm-001"] == "canada (obligor); india (obligor)"
        with pytest.raises(sqlite3.IntegrityError):
            con.execute("PRAGMA foreign_keys = ON")
            con.execute("INSERT INTO event_actors VALUES ('ev-999', 'india', 'actor', NULL)")
    finally:
        con.close()


def test_zip_is_a_data_package_frictionless_can_validate(dist, tmp_path):
    from frictionless import Package

    archive = dist / f"{STEM}.zip"
    with zipfile.ZipFile(archive) as zf:
        members = set(zf.namelist())
        assert {"datapackage.json", "README.md", "LICENSE", "CITATION.cff", "data/sources/src-0a85bdf091dd711d.txt"} <= {
            m.removeprefix(f"{STEM}/") for m in members}
        assert zf.read(f"{STEM}/data/events.csv") == (ROOT / "data" / "events.csv").read_bytes()
        zf.extractall(tmp_path)
    assert [p.name for p in tmp_path.iterdir()] == [STEM], "the zip unpacks into one folder"
    report = Package(str(tmp_path / STEM / "datapackage.json")).validate()
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type"])
    from validate.core import validate_package

    assert [p.format() for p in validate_package(tmp_path / STEM)] == [], "the zip must hold every archived text the rules read"


def test_sha256sums_cover_every_file(dist):
    listed = dict(line.split("  ")[::-1] for line in (dist / "SHA256SUMS").read_text().splitlines())
    files = {p.relative_to(dist).as_posix() for p in dist.rglob("*") if p.is_file() and p.name not in ("SHA256SUMS", marker("export")[0])}
    assert set(listed) == files
    assert all(hashlib.sha256((dist / f).read_bytes()).hexdigest() == h for f, h in listed.items())


def test_exports_are_reproducible(dist, tmp_path):
    again = tmp_path / "again"
    assert main(["export", str(ROOT), "--out", str(again)]) == 0
    zip_and_text = [f"{STEM}.zip", "json/events.json"]
    assert all((again / f).read_bytes() == (dist / f).read_bytes() for f in zip_and_text)


def test_invalid_package_exports_nothing_and_keeps_the_old_downloads(pkg, capsys):
    out = pkg.root / "dist"
    assert main(["export", str(pkg.root)]) == 0
    before = {p: p.read_bytes() for p in out.rglob("*") if p.is_file()}
    pkg.set("actors", "india", "country", "XIN")
    assert main(["export", str(pkg.root)]) == 1
    assert "nothing was written" in capsys.readouterr().err
    assert {p: p.read_bytes() for p in out.rglob("*") if p.is_file()} == before
    assert [p.name for p in pkg.root.iterdir() if p.name.startswith(".dist")] == []


@pytest.mark.parametrize("view", list(VIEWS))
def test_resource_named_like_a_view_is_exported_as_its_table(pkg, tmp_path, view):
    d = pkg.descriptor()
    d["resources"].append({"name": view, "path": f"data/{view}.csv",
                           "schema": {"fields": [{"name": "code", "type": "string"}], "primaryKey": ["code"]}})
    pkg.write_descriptor(d)
    pkg.path(view).write_text("code\nx\n")
    assert pkg.validate() == set()
    assert main(["export", str(pkg.root), "--out", str(tmp_path / "dist")]) == 0
    db = next((tmp_path / "dist").glob("*.sqlite"))
    with sqlite3.connect(db) as con:
        assert con.execute("SELECT type FROM sqlite_master WHERE name = ?", [view]).fetchall() == [("table",)]
        assert con.execute(f'SELECT code FROM "{view}"').fetchall() == [("x",)]
        made = {n for (n,) in con.execute("SELECT name FROM sqlite_master WHERE type = 'view'")}
    assert made == set(VIEWS) - {view}, "the other views are still made"
    tables = json.loads((tmp_path / "dist" / "metadata.json").read_text())["databases"][db.stem]["tables"]
    assert tables[view]["description"] != VIEWS[view].description, "Datasette describes the table, not the view it displaced"


@pytest.mark.parametrize("name", ["data/sources/extra.txt", "docs/codebook.md", "docs/timeline.svg"])
def test_symlink_to_outside_bytes_is_refused_not_zipped(pkg, tmp_path_factory, name, capsys):
    secret = tmp_path_factory.mktemp("outside") / "secret.txt"
    secret.write_text("outside bytes\n")
    link = pkg.root / name
    link.parent.mkdir(parents=True, exist_ok=True)
    link.symlink_to(secret)
    out = tmp_path_factory.mktemp("export") / "dist"
    assert main(["export", str(pkg.root), "--out", str(out)]) == 1
    lines = capsys.readouterr().out.splitlines()
    assert [line.split(": ")[0].rsplit(":", 2) + [line.split(": ")[1]] for line in lines[:-1]] == [[name, "1", "1", "unsafe-path"]]
    assert not out.exists()


KILL_AT = """
import os, sys
import publish.export as export
import validate.outdir as outdir
import validate.paths as paths
from validate.cli import main

root, out, step = sys.argv[1:4]

def die(*args, **kwargs):
    os._exit(9)  # as abrupt as SIGKILL: no finally block runs

if step == "building":
    export.write_json = die
elif step == "before-swap":
    outdir.exchange = die
elif step == "after-swap":
    swap = outdir.exchange
    outdir.exchange = lambda a, b: (swap(a, b), die())
elif step == "removing-old":
    paths.shutil.rmtree = die
elif step == "between-fallback-renames":
    def unsupported(a, b):
        raise OSError(22, "not supported here")
    outdir.exchange = unsupported
    replace = os.replace
    os.replace = lambda a, b: (replace(a, b), die())
sys.exit(main(["export", root, "--out", out]))
"""
KILL_STEPS = ["building", "before-swap", "after-swap", "removing-old", "between-fallback-renames"]


def _old_dist(pkg, tmp_path) -> Path:
    out = tmp_path / "dist"
    assert main(["export", str(pkg.root), "--out", str(out)]) == 0
    (out / "metadata.json").write_text("the previous export\n")  # a file the export made: no one else's is replaced
    return out


def _state(out: Path) -> str:
    if not out.is_dir():
        return "missing"
    if (out / "metadata.json").is_file() and (out / "metadata.json").read_text() == "the previous export\n":
        return "old"
    return "new" if (out / "SHA256SUMS").is_file() else "partial"


def _leftovers(out: Path) -> list[str]:
    return sorted(p.name for p in out.parent.iterdir() if p.name.startswith(f".{out.name}") or p.name.endswith(".tmp"))


@pytest.mark.parametrize("step", KILL_STEPS)
def test_export_killed_at_any_step_leaves_old_or_new_and_the_next_run_cleans_up(pkg, tmp_path, step):
    import subprocess
    import sys

    out = _old_dist(pkg, tmp_path)
    done = subprocess.run([sys.executable, "-c", KILL_AT, str(pkg.root), str(out), step], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 9, done.stderr
    expected = {"building": "old", "before-swap": "old", "after-swap": "new", "removing-old": "new"}
    if step in expected:
        assert _state(out) == expected[step]
    else:  # without an atomic exchange there is a moment with no dist/; the old one waits under a hidden name
        assert _state(out) == "missing" and _leftovers(out)
    assert main(["export", str(pkg.root), "--out", str(out)]) == 0
    assert _state(out) == "new" and _leftovers(out) == []


@pytest.mark.parametrize("step", ["building", "before-swap", "removing-old"])
def test_export_failing_at_any_step_leaves_old_or_new_and_nothing_else(pkg, tmp_path, monkeypatch, step, capsys):
    import publish.export as export
    import validate.outdir as outdir

    out = _old_dist(pkg, tmp_path)

    def fail(*args, **kwargs):
        raise OSError(28, "No space left on device")

    target = {"building": (export, "write_json"), "before-swap": (outdir, "exchange"), "removing-old": (outdir, "_remove")}[step]
    if step == "before-swap":
        monkeypatch.setattr(outdir.os, "replace", fail)  # the fallback fails too
    monkeypatch.setattr(*target, fail)
    code = main(["export", str(pkg.root), "--out", str(out)])
    monkeypatch.undo()
    assert code in (0, 2) and "Traceback" not in capsys.readouterr().err
    assert _state(out) == ("new" if step == "removing-old" else "old")
    assert main(["export", str(pkg.root), "--out", str(out)]) == 0
    assert _state(out) == "new" and _leftovers(out) == []


def test_scratch_and_temporaries_of_killed_runs_are_removed(pkg, tmp_path):
    import subprocess
    import sys
    import tempfile

    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True).stdout.strip()
    scratch = Path(tempfile.gettempdir()) / f"validate-fmt-{dead}-abcd_123"  # the form tempfile gives
    scratch.mkdir()
    temp = pkg.root / "data" / f".event_roles.csv.{dead}.abcd_123.tmp"
    temp.write_text("half")
    rows = pkg.rows("event_roles")
    pkg.write_raw("event_roles", pkg.raw("event_roles").replace(b"\n", b"\r\n"))  # something for fmt to rewrite
    assert main(["fmt", str(pkg.root)]) == 0
    assert not scratch.exists() and not temp.exists()
    assert pkg.rows("event_roles") == rows


def test_a_package_without_licences_or_primary_keys_is_exported(tmp_path):
    """Table Schema makes both optional: frictionless-py's own fixture package has neither."""
    import shutil

    fixtures = ROOT / "tests" / "third_party" / "frictionless-py"
    for name in ("capital-3.csv", "country-3.csv"):
        shutil.copy(fixtures / name, tmp_path / name)
    desc = json.loads((fixtures / "country.package.json").read_text()) | {"name": "third-party", "version": "1.0.0", "title": "Fixture"}
    assert "licenses" not in desc and not any("primaryKey" in r["schema"] for r in desc["resources"])
    (tmp_path / "datapackage.json").write_text(json.dumps(desc))
    assert main(["export", str(tmp_path), "--out", str(tmp_path / "dist")]) == 0
    con = sqlite3.connect(tmp_path / "dist" / "third-party-1_0_0.sqlite")
    counts = {r["name"]: con.execute(f'SELECT COUNT(*) FROM "{r["name"]}"').fetchone()[0] for r in desc["resources"]}
    assert counts == {r["name"]: len((tmp_path / r["path"]).read_text().splitlines()) - 1 for r in desc["resources"]}


@pytest.mark.parametrize("reference", [{"fields": ["id"]}, {"resource": "", "fields": ["id"]}, {"resource": "t", "fields": "id"}],
                         ids=["v2-omitted", "v1-empty", "by-name"])
def test_a_self_reference_in_any_spelling_is_exported_as_a_foreign_key_to_its_own_table(tmp_path, reference):
    (tmp_path / "t.csv").write_text("id,parent\n1,\n2,1\n")
    schema = {"fields": [{"name": "id", "type": "integer"}, {"name": "parent", "type": "integer"}], "primaryKey": ["id"],
              "foreignKeys": [{"fields": ["parent"], "reference": reference}]}
    desc = {"name": "p", "version": "1.0.0", "title": "P", "resources": [{"name": "t", "path": "t.csv", "schema": schema}]}
    (tmp_path / "datapackage.json").write_text(json.dumps(desc))
    for command in (["export", str(tmp_path), "--out", str(tmp_path / "dist")], ["workbook", str(tmp_path), "--out", str(tmp_path / "w.xlsx")]):
        assert main(command) == 0
    con = sqlite3.connect(tmp_path / "dist" / "p-1_0_0.sqlite")
    assert [(r[2], r[3], r[4]) for r in con.execute("PRAGMA foreign_key_list(t)")] == [("t", "parent", "id")]


@pytest.mark.parametrize("match,header", [("superset", "id,name"), ("subset", "name,other,id,note")])
def test_a_table_whose_header_fields_match_allows_fewer_or_more_columns_is_exported_by_field(tmp_path, match, header):
    """fieldsMatch (Table Schema v2): a field the header lacks is all missing (null), a column no field names is not exported."""
    cells = {"id": "1", "name": "a", "other": "x", "note": "n"}
    (tmp_path / "t.csv").write_text(header + "\n" + ",".join(cells[h] for h in header.split(",")) + "\n")
    fields = [{"name": "id", "type": "integer"}, {"name": "name"}] + ([{"name": "note"}] if match == "superset" else [])
    desc = {"name": "p", "version": "1.0.0", "title": "P", "resources": [{"name": "t", "path": "t.csv", "schema": {"fields": fields, "fieldsMatch": match}}]}
    (tmp_path / "datapackage.json").write_text(json.dumps(desc))
    assert main(["export", str(tmp_path), "--out", str(tmp_path / "dist")]) == 0
    con = sqlite3.connect(tmp_path / "dist" / "p-1_0_0.sqlite")
    got = con.execute('SELECT * FROM "t"').fetchall()
    assert got == ([(1, "a", None)] if match == "superset" else [(1, "a")])


def test_numbers_stata_cannot_hold_are_exported_to_stata_as_their_text(tmp_path):
    """INF, -INF and 1e308 are Table Schema numbers; Stata's doubles hold neither infinity nor
    more than about 9e307, and pandas refused to write them (an internal error of export)."""
    (tmp_path / "t.csv").write_text("id,x\na,INF\nb,-INF\nc,1e308\nd,1.5\ne,\nf,NaN\n")
    desc = {"name": "p", "version": "1.0.0", "title": "T", "resources": [
        {"name": "t", "path": "t.csv", "schema": {"fields": [{"name": "id"}, {"name": "x", "type": "number"}], "primaryKey": ["id"]}}]}
    (tmp_path / "datapackage.json").write_text(json.dumps(desc))
    assert main(["export", str(tmp_path), "--out", str(tmp_path / "dist")]) == 0
    assert pd.read_stata(tmp_path / "dist" / "stata" / "t.dta")["x"].tolist() == ["INF", "-INF", "1e+308", "1.5", "", "NaN"]
    assert pq.read_table(tmp_path / "dist" / "parquet" / "t.parquet").column("x").to_pylist()[:4] == [math.inf, -math.inf, 1e308, 1.5]


def test_fields_in_another_form_are_exported_to_stata_as_their_text(tmp_path):
    """A date with a format, a boolean with trueValues and a number with a decimal comma are
    exported as text (Parquet, SQLite, JSON); Stata converted them by the field's type instead
    (a date parsed from '31/12/2024', a column of None), an internal error of export."""
    (tmp_path / "t.csv").write_text("id,d,b,n\na,31/12/2024,yes,\"1,5\"\nb,,,\n")
    fields = [{"name": "id"}, {"name": "d", "type": "date", "format": "%d/%m/%Y"}, {"name": "b", "type": "boolean", "trueValues": ["yes"]},
              {"name": "n", "type": "number", "decimalChar": ","}]
    desc = {"name": "p", "version": "1.0.0", "title": "T", "resources": [{"name": "t", "path": "t.csv", "schema": {"fields": fields, "primaryKey": ["id"]}}]}
    (tmp_path / "datapackage.json").write_text(json.dumps(desc))
    assert main(["export", str(tmp_path), "--out", str(tmp_path / "dist")]) == 0
    stata = pd.read_stata(tmp_path / "dist" / "stata" / "t.dta")
    assert stata.values.tolist() == [["a", "31/12/2024", "yes", "1,5"], ["b", "", "", ""]]


def _someone_elses(tmp_path: Path, kind: str) -> Path:
    """A path holding a user's own work, where --out might be pointed by mistake."""
    if kind == "checksummed":  # a user's release folder: a SHA256SUMS is no proof an export made it
        (tmp_path / "mine").mkdir()
        (tmp_path / "mine" / "thesis.pdf").write_text("precious\n")
        (tmp_path / "mine" / "SHA256SUMS").write_text(f"{hashlib.sha256(b'precious').hexdigest()}  thesis.pdf\n")
        return tmp_path / "mine"
    if kind == "file":
        (tmp_path / "notes.txt").write_text("my notes\n")
        return tmp_path / "notes.txt"
    if kind == "directory":
        (tmp_path / "mine").mkdir()
        (tmp_path / "mine" / "keep.txt").write_text("keep me\n")
        return tmp_path / "mine"
    (tmp_path / "mine").mkdir()
    (tmp_path / "link").symlink_to(tmp_path / "mine", target_is_directory=True)
    return tmp_path / "link"


def _snapshot(tmp_path: Path) -> dict[str, bytes | None]:
    return {p.relative_to(tmp_path).as_posix(): (p.read_bytes() if p.is_file() and not p.is_symlink() else None)
            for p in sorted(tmp_path.rglob("*"))}


@pytest.mark.parametrize("kind", ["file", "directory", "symlink", "checksummed"])
def test_export_never_replaces_a_file_or_directory_it_did_not_make(pkg, tmp_path, kind, capsys):
    target = _someone_elses(tmp_path, kind)
    before = _snapshot(tmp_path)
    assert main(["export", str(pkg.root), "--out", str(target)]) == 2
    err = capsys.readouterr().err
    assert "not an export" in err and "nothing was written" in err
    assert _snapshot(tmp_path) == before


def test_export_never_replaces_the_package_it_exports(pkg, capsys):
    before = _snapshot(pkg.root)
    for target in (pkg.root, pkg.root / "data"):
        assert main(["export", str(pkg.root), "--out", str(target)]) == 2
    assert _snapshot(pkg.root) == before


@pytest.mark.parametrize("target", ["package", "its-parent"])
def test_export_never_replaces_the_package_or_a_folder_holding_it_whatever_it_holds(pkg, target, capsys):
    out = pkg.root if target == "package" else pkg.root.parent
    (out / "SHA256SUMS").write_text("checksums of my own, which make it look like an export\n")
    before = _snapshot(pkg.root.parent)
    assert main(["export", str(pkg.root), "--out", str(out)]) == 2
    assert "is or holds the package" in capsys.readouterr().err
    assert _snapshot(pkg.root.parent) == before


@pytest.mark.parametrize("out", [".", "..", "./"])
def test_export_never_replaces_the_working_directory_even_an_export(pkg, tmp_path, out, monkeypatch, capsys):
    assert main(["export", str(pkg.root), "--out", str(tmp_path / "dist")]) == 0
    (tmp_path / "dist" / "sub").mkdir()
    monkeypatch.chdir(tmp_path / "dist" / ("sub" if out == ".." else ""))
    before = _snapshot(tmp_path)
    capsys.readouterr()
    assert main(["export", str(pkg.root), "--out", out]) == 2
    err = capsys.readouterr().err
    assert "is or holds the working directory" in err and "internal error" not in err
    assert _snapshot(tmp_path) == before


def test_export_leaves_hidden_entries_named_like_its_own_but_not_made_by_it(pkg, tmp_path):
    made = marker("export")
    mine = {".dist-old-backup/SHA256SUMS": "a backup that looks like an export\n", ".dist-2024-notes/n.txt": "notes\n",
            ".dist-99999999": "a file\n", ".dist-123-abc/n.txt": "notes\n", ".dist-old-20240101/n.txt": "a dated backup\n",
            f".dist-old-20240101/{made[0]}": made[1].decode(), ".dist-99999999999999999999-abcdefgh/n.txt": "notes\n",
            ".dist-4294967296-abcdefgh/n.txt": "notes\n"}
    for name, text in mine.items():
        (tmp_path / name).parent.mkdir(exist_ok=True)
        (tmp_path / name).write_text(text)
    assert main(["export", str(pkg.root), "--out", str(tmp_path / "dist")]) == 0
    assert {name: (tmp_path / name).read_text() for name in mine} == mine
    assert _state(tmp_path / "dist") == "new"


def test_an_out_filled_while_the_export_ran_is_left_as_it_is(tmp_path):
    from validate.outdir import OutRefused, new_directory

    out = tmp_path / "out"
    out.mkdir()
    with pytest.raises(OutRefused, match="holds no .validate-export"):
        with new_directory(out, "export", "an export"):
            (out / "mine.txt").write_text("written while the export ran\n")
    assert [p.name for p in tmp_path.iterdir()] == ["out"] and [p.name for p in out.iterdir()] == ["mine.txt"]


@pytest.mark.parametrize("name", ["file:/d", "s3:/bucket/d", "gs:/bucket/d"])
def test_an_out_named_like_a_uri_is_a_local_directory(pkg, tmp_path, name, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert main(["export", str(pkg.root), "--out", name]) == 0
    assert _state(tmp_path / name) == "new"


def test_an_out_name_with_no_room_for_the_copy_built_beside_it_is_a_usage_error_naming_it(pkg, tmp_path, capsys):
    out = tmp_path / ("d" * 240)
    assert main(["export", str(pkg.root), "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert "too long a name" in err and ".d" not in err and not os.path.lexists(out)


def test_an_out_whose_name_is_not_utf8_is_a_usage_error(pkg, tmp_path, capsys):
    out = tmp_path / os.fsdecode(b"\xffdist")
    assert main(["export", str(pkg.root), "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert "not a UTF-8 name" in err and "internal error" not in err and not os.path.lexists(out)


@pytest.mark.parametrize("added", ["NOTES.txt", "mine/notes.txt"])
def test_export_never_replaces_its_own_directory_once_something_was_added_to_it(pkg, tmp_path, added, capsys):
    out = tmp_path / "dist"
    assert main(["export", str(pkg.root), "--out", str(out)]) == 0
    (out / added).parent.mkdir(exist_ok=True)
    (out / added).write_text("put there by hand\n")
    before = _snapshot(tmp_path)
    capsys.readouterr()
    assert main(["export", str(pkg.root), "--out", str(out)]) == 2
    assert f"holds what no earlier run made ({added.split('/')[0]}" in capsys.readouterr().err and _snapshot(tmp_path) == before


def test_export_lists_what_it_wrote_without_its_marker(pkg, tmp_path, capsys):
    assert main(["export", str(pkg.root), "--out", str(tmp_path / "dist")]) == 0
    listed = capsys.readouterr().out.splitlines()
    assert listed and not any(marker("export")[0] in line for line in listed)


def test_export_fills_an_empty_directory(pkg, tmp_path):
    (tmp_path / "empty").mkdir()
    assert main(["export", str(pkg.root), "--out", str(tmp_path / "empty")]) == 0
    assert _state(tmp_path / "empty") == "new"
