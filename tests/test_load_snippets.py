"""The README's load snippets read the data right: run as generated, each gives every string field
its exact text (compared with reading every cell as text), integers as integers, dates as dates,
and only an empty cell as missing; on the real data and on a copy with values that naive readers
change (`NA`, `016`, `null`, `TRUE`, `1e5`). The R snippet is generated alike but not run here."""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

import pandas as pd
import pytest

from publish import snippets
from validate.descriptor import load

ROOT = Path(__file__).resolve().parent.parent
TRAPS = ["NA", "016", "null", "TRUE", "1e5"]


def as_text(root: Path, res: dict) -> dict[str, list[str]]:
    with open(root / res["path"], encoding="utf-8", newline="") as fh:
        header, *rows = list(csv.reader(fh))
    return {name: [r[i] for r in rows] for i, name in enumerate(header)}


def expected(root: Path, res: dict) -> dict[str, list]:
    """Each column as the descriptor types it: text, int or date; None for an empty cell."""
    parse = {"integer": int, "date": dt.date.fromisoformat}
    kinds = {f["name"]: f.get("type", "string") for f in res["schema"]["fields"]}
    return {n: [None if v == "" else parse.get(kinds[n], str)(v) for v in values] for n, values in as_text(root, res).items()}


def from_pandas(frame: pd.DataFrame) -> dict[str, list]:
    out = {}
    for name, col in frame.items():
        assert isinstance(col.dtype, (pd.StringDtype, pd.Int64Dtype)) or pd.api.types.is_datetime64_dtype(col), (name, col.dtype)
        values = col.dt.date if pd.api.types.is_datetime64_dtype(col) else col
        out[name] = [None if pd.isna(v) else (int(v) if isinstance(col.dtype, pd.Int64Dtype) else v) for v in values]
    return out


def read_pandas(desc, ns):
    return {name: from_pandas(frame) for name, frame in ns["tables"].items()}


def read_polars(desc, ns):
    return {name: frame.to_dict(as_series=False) for name, frame in ns["tables"].items()}


def read_duckdb(desc, ns):
    out = {}
    for res in desc.resources:
        cursor = ns["con"].execute(f'SELECT * FROM "{res["name"]}"')
        names = [d[0] for d in cursor.description]
        rows = cursor.fetchall()
        out[res["name"]] = {n: [r[i] for r in rows] for i, n in enumerate(names)}
    return out


READERS = {"pandas": (snippets.pandas_code, read_pandas), "polars": (snippets.polars_code, read_polars),
           "duckdb": (snippets.duckdb_code, read_duckdb)}


@pytest.fixture(params=["real data", "traps"])
def root(request, pkg) -> Path:
    if request.param == "real data":
        return ROOT
    desc = load(pkg.root)[0]
    res = next(r for r in desc.resources if len(pkg.rows(r["name"])) > len(TRAPS))
    keyed = {f for fk in res["schema"].get("foreignKeys", []) for f in fk["fields"]} | set(res["schema"]["primaryKey"])
    free = next(f["name"] for f in res["schema"]["fields"] if f.get("type", "string") == "string" and f["name"] not in keyed)
    for i, value in enumerate(TRAPS):  # the readers need no valid package: only the CSV's text matters
        pkg.set(res["name"], pkg.key(res["name"], i), free, value)
    return pkg.root


@pytest.mark.parametrize("reader", list(READERS))
def test_snippet_reads_every_table_with_its_types(root, reader, monkeypatch):
    pytest.importorskip(reader)
    desc, _ = load(root)
    code, collect = READERS[reader]
    monkeypatch.chdir(root)  # the snippets run in the package's folder, as the README says
    namespace: dict = {}
    exec(compile(code(desc), f"<{reader} snippet>", "exec"), namespace)
    got = collect(desc, namespace)
    for res in desc.resources:
        assert got[res["name"]] == expected(root, res), res["name"]


def test_a_reader_left_to_guess_would_change_the_text(root):
    desc, _ = load(root)

    def guessed_text(res):
        frame = pd.read_csv(root / res["path"])
        return {f["name"]: [None if pd.isna(v) else str(v) for v in frame[f["name"]]] for f in res["schema"]["fields"]
                if f.get("type", "string") == "string"}

    def texts(res):
        return {n: v for n, v in expected(root, res).items() if n in guessed_text(res)}

    assert any(guessed_text(r) != texts(r) for r in desc.resources), "the comparison above must be able to fail"


def test_readme_holds_the_snippets_as_generated():
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    desc, _ = load(ROOT)
    for code in (snippets.pandas_code, snippets.polars_code, snippets.duckdb_code, snippets.r_code):
        assert code(desc).rstrip("\n") in text
