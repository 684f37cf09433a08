"""dist/metadata.json for Datasette (`datasette serve DB.sqlite --metadata metadata.json`), derived
from the descriptor: the package's title, description, licence and source; each table's title,
description, column descriptions, units (a field's `unit`, where the descriptor gives one), its own
licence and source where it has them, and facets on every field that refers to a vocabulary; each
view's description."""

from __future__ import annotations

import pyarrow as pa

from validate.declarations import reference_target
from validate.descriptor import Descriptor

from .views import VIEWS

def text(value: object) -> str:
    """A descriptive property as text: the descriptor's checks do not type every optional one."""
    return value if isinstance(value, str) else ""


def entries(value: object) -> list[dict]:
    """The objects of a `licenses` or `sources` list; anything else in it describes nothing."""
    return [v for v in value if isinstance(v, dict)] if isinstance(value, list) else []


def _licence(licenses: object) -> dict:
    """license (names or titles joined) and, for a single licence, its license_url."""
    licenses = entries(licenses)
    if not licenses:
        return {}
    out = {"license": "; ".join(text(lic.get("name")) or text(lic.get("title")) for lic in licenses)}
    if len(licenses) == 1 and text(licenses[0].get("path")):
        out["license_url"] = licenses[0]["path"]
    return out


def _source(sources: object) -> dict:
    """source (titles joined) and, for a single source with an address, its source_url."""
    sources = entries(sources)
    if not sources:
        return {}
    out = {"source": "; ".join(text(s.get("title")) for s in sources)}
    if len(sources) == 1 and text(sources[0].get("path")):
        out["source_url"] = sources[0]["path"]
    return out


def package_sources(desc: Descriptor, tables: dict[str, pa.Table]) -> list[dict]:
    """The package's `sources`; where it has none, the rows of the resource of archived source
    documents (publish/roles.py: its title and url, or its id for a title); else none."""
    from .roles import archive

    if entries(desc.data.get("sources")):
        return entries(desc.data["sources"])
    documents = archive(desc)
    if documents is None or documents["name"] not in tables:
        return []
    ids = documents["archivedTexts"]["id"]
    return [{"title": r.get("title") or r.get(ids) or "", "path": r.get("url") or ""} for r in tables[documents["name"]].to_pylist()]


def vocabulary_fields(desc: Descriptor, res: dict) -> list[str]:
    """The fields of `res` that are foreign keys into a vocabulary table, in field order."""
    vocab = {r["name"] for r in desc.resources if r.get("vocabulary")}
    keyed = {f for fk in res["schema"].get("foreignKeys", [])
             if reference_target(fk, res["name"]) in vocab for f in fk["fields"]}
    return [f["name"] for f in res["schema"]["fields"] if f["name"] in keyed]


def table_metadata(desc: Descriptor, res: dict) -> dict:
    fields = res["schema"]["fields"]
    out = {"title": text(res.get("title")) or res["name"], "description": text(res.get("description"))}
    out |= _licence(res.get("licenses", [])) | _source(res.get("sources", []))
    out["columns"] = {f["name"]: f["description"] for f in fields if text(f.get("description"))}
    units = {f["name"]: f["unit"] for f in fields if isinstance(f.get("unit"), str)}
    if units:
        out["units"] = units
    facets = vocabulary_fields(desc, res)
    if facets:
        out["facets"] = facets
    return out


def metadata(desc: Descriptor, tables: dict[str, pa.Table], database: str, views: list[str]) -> dict:
    """The whole metadata.json; `views` are the views the database holds."""
    data = desc.data
    out = {"title": text(data.get("title")) or data["name"], "description": text(data.get("description"))}
    out |= _licence(data.get("licenses", [])) | _source(package_sources(desc, tables))
    described = {res["name"]: table_metadata(desc, res) for res in desc.resources}
    described |= {name: {"description": VIEWS[name].description} for name in views}
    out["databases"] = {database: {"tables": described}}
    return out
