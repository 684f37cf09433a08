"""The README of the zip, written for researchers: what the tables are, how to load them, how to
cite, the licences. Generated at export time from the descriptor, the row counts and the citation
(publish/docs.citation, which CITATION.cff equals); it links only files the zip holds."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import yaml

from validate.descriptor import Descriptor
from validate.problems import md_cell

from .datasette import entries, package_sources, text
from .snippets import section

# Files the README describes when the zip holds them, and what each one is.
FILES = {
    "datapackage.json": "the descriptor: every table's fields, types, constraints, keys and descriptions (Frictionless Data Package)",
    "docs/codebook.md": "every table, field and code, with its definition",
    "docs/coding-decisions.md": "why each fact is coded as it is",
    "docs/timeline.svg": "the events over time",
    "CITATION.cff": "how to cite this version, for reference managers",
    "CHANGELOG.md": "what changed in each version",
    "LICENSE": "the MIT licence of the project's code (the data's licences are below)",
}


def _link(path: str, members: set[str], text: str | None = None) -> str:
    label = text if text is not None else f"`{path}`"
    return f"[{label}]({path})" if path in members else label


def _licence(lic: dict) -> str:
    name = md_cell(text(lic.get("name")) or text(lic.get("title")))
    return f"[{name}]({lic['path']})" if text(lic.get("path")).startswith(("http://", "https://")) else name


def _fields(desc: Descriptor) -> list[dict]:
    """Every field once by name, in the order they first appear."""
    seen: dict[str, dict] = {}
    for res in desc.resources:
        for f in res["schema"]["fields"]:
            seen.setdefault(f["name"], f)
    return list(seen.values())


def citation_line(cff: dict) -> str:
    authors = "; ".join(a.get("name") or f"{a.get('family-names', '')}, {a.get('given-names', '')}" for a in cff.get("authors", []))
    year = str(cff.get("date-released", ""))[:4] or "n.d."
    return f"{authors} ({year}). *{cff.get('title', '')}* (version {cff.get('version', '')}) [Data set]."


def readme(root: Path, desc: Descriptor, tables: dict[str, pa.Table], members: set[str]) -> str:
    from .docs import citation

    data = desc.data
    cff = yaml.safe_load(citation(root))
    out = [f"# {text(data.get('title')) or data['name']}", "", f"Version {data['version']}. {text(data.get('description'))}", "",
           "This folder is a [Frictionless Data Package](https://datapackage.org): the tables are CSV files (UTF-8, "
           "one header row), and `datapackage.json` says what every column holds. Any Data Package reader opens it "
           "as it is; the snippets below load it with the right types.", "",
           "## What is in this folder", "", "| path | what it is |", "|---|---|",
           "| `data/*.csv` | the tables, listed below |"]
    if any(m.startswith("data/sources/") for m in members):
        out.append("| `data/sources/` | the archived source texts every quote is taken from (third-party material, see Licences) |")
    out += [f"| {_link(path, members)} | {what} |" for path, what in FILES.items() if path in members]
    out += ["", "## The tables", "", "| table | rows | one row is |", "|---|---|---|"]
    for res in desc.resources:
        name = _link(res["path"], members, f"`{res['name']}`")
        out.append(f"| {name} | {tables[res['name']].num_rows} | {md_cell(text(res.get('description')))} |")
    edtf = [f"`{f['name']}`" for f in _fields(desc) if f.get("edtf")]
    out += ["", "An empty cell means *unknown or not stated*, never zero or *none*."
            + (f" {', '.join(edtf)} hold [EDTF](https://www.loc.gov/standards/datetime/) dates at the precision the source "
               "supports (`2024-10`, `2026-XX-XX`)." if edtf else "")
            + f" Fields, codes and their definitions are in the {_link('docs/codebook.md', members, 'codebook')}.", ""]
    if "docs/timeline.svg" in members:
        out += ["![Timeline of the events](docs/timeline.svg)", ""]
    out += ["## How to load the tables", ""] + section(desc, "###")
    out += ["## How to cite", "", str(cff.get("message", "")).strip(), "", citation_line(cff)]
    titles = [text(s.get("title")) for s in package_sources(desc, tables) if text(s.get("title"))]
    if titles:
        out += ["", "The source" + ("s" if len(titles) > 1 else "") + ": " + "; ".join(f"“{md_cell(t)}”" for t in titles) + "."]
    out += ["", "## Licences", "", f"The data are released under {', '.join(_licence(lic) for lic in entries(data.get('licenses')))}, "
            "except where a table says otherwise:", ""]
    for res in desc.resources:
        for lic in entries(res.get("licenses")):
            derived = res.get("derivedFrom", {}).get("path")
            also = f" and {_link(derived, members)}" if derived else ""
            out.append(f"- {_link(res['path'], members)}{also}: {_licence(lic)} — {md_cell(text(lic.get('title')))}")
    out += ["- `data/sources/`: third-party texts, included unchanged so that every quote can be checked; no licence of "
            "this package covers them." if any(m.startswith("data/sources/") for m in members) else "", ""]
    return "\n".join(out).rstrip("\n") + "\n"
