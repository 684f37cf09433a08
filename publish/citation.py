"""How the site says what the dataset is and how to cite it: a plain citation, BibTeX and the
CITATION.cff text (all from CITATION.cff, itself generated from the descriptor), and schema.org
`Dataset` JSON-LD for dataset search engines (from the descriptor, the data and dist/)."""

from __future__ import annotations

import json
from pathlib import Path

import pycountry
import yaml

from validate.descriptor import Descriptor
from validate.paths import read_bytes
from validate.reader import read_table_whole

from .datasette import entries
from .roles import archive, date_bounds, source_rows

FORMATS = {".zip": "application/zip", ".sqlite": "application/vnd.sqlite3", ".parquet": "application/vnd.apache.parquet",
           ".json": "application/json", ".dta": "application/x-stata-dta", ".csv": "text/csv"}


def cff(root: Path) -> dict:
    data = yaml.safe_load(read_bytes(root, "CITATION.cff").decode("utf-8"))
    if not isinstance(data, dict):
        raise ValueError("CITATION.cff is not a mapping")
    return data


def authors(data: dict) -> list[str]:
    return [a.get("name") or f"{a.get('family-names', '')}, {a.get('given-names', '')}".strip(", ") for a in data.get("authors", [])]


def plain(data: dict) -> str:
    return f"{'; '.join(authors(data))} ({str(data.get('date-released', ''))[:4]}). {data['title']} (version {data['version']}) [Data set]."


def _bib(value: str) -> str:
    """A BibTeX value: braces balanced by escaping, specials escaped; the author list is braced
    whole so that a group name is not split into first and last names."""
    return "".join("\\" + c if c in "{}%&$#_" else c for c in value)


def bibtex(data: dict, key: str) -> str:
    """A @misc entry; the title is braced whole so that BibTeX styles keep its capitals."""
    fields = [("author", " and ".join("{" + _bib(a) + "}" for a in authors(data))), ("title", "{" + _bib(data["title"]) + "}"),
              ("year", str(data.get("date-released", ""))[:4]), ("version", _bib(str(data["version"]))),
              ("note", _bib(f"Data set. {data.get('message', '')}".strip()))]
    body = ",\n".join(f"  {k} = {{{v}}}" for k, v in fields if v)
    return f"@misc{{{key},\n{body}\n}}\n"


def _coverage(root: Path, desc: Descriptor) -> tuple[str | None, list[dict]]:
    """temporalCoverage from the date bounds the descriptor declares (every field's `edtfBounds`;
    an open bound stays open, '..'; None without any), spatialCoverage from every field the
    descriptor declares an ISO 3166 code."""
    starts, ends = [], []
    for res, start, end in date_bounds(desc):
        frame = read_table_whole(root, res)[0].frame
        starts += list(frame[start])
        ends += list(frame[end])
    lower = ".." if "" in starts else min(starts, default="..")
    upper = ".." if "" in ends else max(ends, default="..")
    places: dict[str, dict] = {}
    for res in desc.resources:
        for f in res["schema"]["fields"]:
            if not f.get("iso3166"):
                continue
            table, _ = read_table_whole(root, res)
            for value in table.frame[f["name"]]:
                for code in filter(None, (c.strip() for c in value.split(";"))):
                    found = pycountry.countries.get(alpha_3=code) if len(code) == 3 else pycountry.subdivisions.get(code=code)
                    if found is not None:
                        places[code] = {"@type": "Place", "name": found.name, "identifier": code}
    return (f"{lower}/{upper}" if starts else None), [places[c] for c in sorted(places)]


def json_ld(root: Path, desc: Descriptor, dist: Path, data: dict) -> str:
    """schema.org Dataset, as the text of a <script type="application/ld+json"> element: '<',
    '>' and '&' are written as JSON escapes so that no value can close the element."""
    documents = archive(desc)
    sources = source_rows(desc, read_table_whole(root, documents)[0].frame) if documents else []
    temporal, spatial = _coverage(root, desc)
    licence = (entries(desc.data.get("licenses")) or [{}])[0]
    files = sorted(p for p in dist.rglob("*") if p.is_file() and p.suffix in FORMATS)
    doc = {
        "@context": "https://schema.org", "@type": "Dataset", "name": desc.data.get("title", ""),
        "description": desc.data.get("description", ""), "version": desc.data.get("version", ""),
        "keywords": desc.data.get("keywords", []), "isAccessibleForFree": True,
        "license": licence.get("path", licence.get("name", "")),
        "creator": [{"@type": "Organization", "name": a} for a in authors(data)],
        "datePublished": str(data.get("date-released", "")),
        "citation": plain(data),
        "isBasedOn": [{"@type": "NewsArticle", "headline": s["title"], **({"url": s["url"]} if s["url"] else {})} for s in sources],
        **({"temporalCoverage": temporal} if temporal else {}), "spatialCoverage": spatial,
        "distribution": [{"@type": "DataDownload", "contentUrl": f"dist/{p.relative_to(dist).as_posix()}",
                          "encodingFormat": FORMATS[p.suffix], "contentSize": f"{p.stat().st_size} B"} for p in files],
    }
    text = json.dumps(doc, ensure_ascii=False, indent=1)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
