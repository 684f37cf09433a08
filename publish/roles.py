"""Which resources and fields play the parts that docs, export and site draw on.

Where the descriptor declares a part (validate/declarations.py), it is found by its declaration:
the archived source documents are the resource declaring `archivedTexts`, a fact's date span is
the pair of fields a field's `edtfBounds` names. The timeline has no declaration: it is drawn from
the resources named `events` and `event_types` and the fields it shows, found by name. A package
without a part (a third-party package, say) gets None or nothing here, and the tools leave out what
needs it: no timeline, no temporal coverage, no list of sources; never an internal error.
"""

from __future__ import annotations

from validate.descriptor import Descriptor

# the resources the timeline is drawn from, and the fields of each that it shows
TIMELINE = {"events": ("event_id", "date", "date_text", "date_start", "date_end", "event_type", "event_mode", "status", "summary"),
            "event_types": ("event_type",)}


def archive(desc: Descriptor) -> dict | None:
    """The resource listing the archived source documents (its `archivedTexts` names its id, path
    and sha256 fields), or None."""
    return next((r for r in desc.resources if isinstance(r.get("archivedTexts"), dict)), None)


def source_rows(desc: Descriptor, frame) -> list[dict]:
    """The archive's rows as {id, title, url, sha256, ...every other field}: `title` and `url` by
    those field names where the resource has them ('' where not; the title falls back to the id)."""
    decl = archive(desc)["archivedTexts"]
    out = []
    for row in frame.to_dict("records"):
        out.append(row | {"id": row[decl["id"]], "title": row.get("title") or row[decl["id"]], "url": row.get("url") or "",
                          "sha256": row[decl["sha256"]]})
    return out


def date_bounds(desc: Descriptor) -> list[tuple[dict, str, str]]:
    """(resource, start field, end field) of every field declaring `edtfBounds`, in package order."""
    return [(res, f["edtfBounds"]["start"], f["edtfBounds"]["end"]) for res in desc.resources for f in res["schema"]["fields"]
            if isinstance(f.get("edtfBounds"), dict)]


def timeline(desc: Descriptor) -> tuple[dict, dict] | None:
    """(events, event_types) when the package has both resources with every field the timeline
    shows; else None, and there is no timeline."""
    found = []
    for name, fields in TIMELINE.items():
        res = desc.resource(name)
        if res is None or not set(fields) <= {f["name"] for f in res["schema"]["fields"]}:
            return None
        found.append(res)
    return found[0], found[1]
