"""The declarations that switch on the rules going beyond the Data Package and Table Schema specs.

A package is checked against the specs alone unless datapackage.json declares more: the project's
conventions in the top-level "conventions" object, and each content rule by a property of the
field, foreign key or resource it governs. A malformed declaration is a located descriptor-error
and is dropped, so that everything else is still checked.
"""

from __future__ import annotations

from typing import Callable

from .problems import Problem, problem

# key -> (the value that switches it on, what it requires)
CONVENTIONS = {
    "names": ("snake_case", "resource and field names are snake_case"),
    "tablePaths": ("data/{name}.csv", "each resource's path is data/<name>.csv, and every CSV in data/ is described by a resource"),
    "version": ("semver", "the package version is semantic (MAJOR.MINOR.PATCH)"),
    "primaryKeys": ("required", "every resource has a primary key"),
    "canonicalForm": (True, "each table is in canonical form: no BOM, a final newline, rows sorted by primary key, minimal quoting"),
    "lineEndings": ("lf", "each table uses LF line endings only"),
    "textHygiene": (True, "no text cell has surrounding whitespace, a spreadsheet formula prefix or an invisible character"),
}
# problems of the table reader that only a declared convention makes problems
FILE_CODES = {"canonicalForm": frozenset({"not-canonical", "bom", "missing-final-newline"}), "lineEndings": frozenset({"line-ending"})}
CODE_LISTS = ("iso3166-1-alpha-3", "iso639-1")
EVIDENCE_ROLES = ("source", "quote", "start", "end")

Locate = Callable[..., tuple[int, int]]


def reference_target(fk: dict, own: str) -> str:
    """The resource a foreign key references: v1 writes a self-reference as "", v2 omits it."""
    return fk["reference"].get("resource") or own


def conventions(data: dict, locate: Locate, path: str) -> tuple[frozenset[str], list[Problem]]:
    """The conventions the package switches on, and a problem for each entry that is not one."""
    decl = data.get("conventions", {})
    if not isinstance(decl, dict):
        return frozenset(), [problem(path, *locate('"conventions"'), "descriptor-error", "conventions must be an object")]
    on, out = set(), []
    for key, value in decl.items():
        if key in CONVENTIONS and value == CONVENTIONS[key][0] and isinstance(value, type(CONVENTIONS[key][0])):
            on.add(key)
        else:
            known = ", ".join(f"{k}: {v[0]!r}" for k, v in CONVENTIONS.items())
            out.append(problem(path, *locate('"conventions"', f'"{key}"'), "descriptor-error",
                               f"conventions entry {key!r}: {value!r} is not a convention of this validator; known: {known}"))
    return frozenset(on), out


def _names(names: set[str], *values) -> bool:
    return all(isinstance(v, str) and v in names for v in values)


def _field_problem(fld: dict, names: set[str], fields: dict[str, dict], resources: dict[str, dict]) -> tuple[str, str] | None:
    """(property, why) for the first malformed declaration of a field, or None."""
    if "edtfBounds" in fld:
        d = fld["edtfBounds"]
        if not fld.get("edtf") or not isinstance(d, dict) or not _names(names, d.get("start"), d.get("end")):
            return "edtfBounds", "edtfBounds needs \"edtf\": true and {\"start\", \"end\"} naming fields of the resource"
    if "basisOf" in fld:
        d = fld["basisOf"]
        if not isinstance(d, dict) or not _names(names - {fld["name"]}, d.get("field")) or not isinstance(d.get("notStated"), str):
            return "basisOf", "basisOf must be {\"field\": another field of the resource, \"notStated\": the basis of an empty value}"
    if "codeList" in fld and fld["codeList"] not in CODE_LISTS:
        return "codeList", f"codeList must be one of {', '.join(CODE_LISTS)}"
    if "subtypeOf" in fld:
        d = fld["subtypeOf"]
        ref = d.get("reference") if isinstance(d, dict) else None
        target = resources.get(ref.get("resource")) if isinstance(ref, dict) and isinstance(ref.get("resource"), str) else None
        theirs = ref.get("fields") if isinstance(ref, dict) else None
        if (not isinstance(d, dict) or not _names(names - {fld["name"]}, d.get("field")) or target is None
                or not isinstance(theirs, list) or len(theirs) != 2 or not _names({f["name"] for f in target["schema"]["fields"]}, *theirs)):
            return "subtypeOf", "subtypeOf must be {\"field\": the field it refines, \"reference\": {\"resource\", \"fields\": [two of its fields]}}"
    return None


def _resource_problem(res: dict, names: set[str]) -> tuple[str, str] | None:
    if "evidence" in res:
        d = res["evidence"]
        if not isinstance(d, dict) or not _names(names, *(d.get(k) for k in EVIDENCE_ROLES)):
            return "evidence", f"evidence must name fields of the resource for {', '.join(EVIDENCE_ROLES)}"
    if "archivedTexts" in res:
        d = res["archivedTexts"]
        if (not isinstance(d, dict) or not _names(names, d.get("id"), d.get("path"), d.get("sha256"))
                or not isinstance(d.get("pathTemplate", "{id}"), str) or d.get("pathTemplate", "{id}").count("{id}") != 1
                or d.get("coverage", False) not in (True, False)):
            return "archivedTexts", ("archivedTexts must name fields of the resource for id, path and sha256, with an optional "
                                     "pathTemplate holding {id} once and an optional coverage true or false")
    return None


def check(res: dict, resources: dict[str, dict], err: Callable[[str, str], list[Problem]]) -> list[Problem]:
    """Problems of one well-formed resource's declarations; each malformed one is removed from the
    resource (err(detail, needle) locates a problem within the resource)."""
    fields = {f["name"]: f for f in res["schema"]["fields"]}
    names = set(fields)
    out = []
    while (found := _resource_problem(res, names)) is not None:
        out += err(found[1], f'"{found[0]}"')
        res.pop(found[0])
    for fld in res["schema"]["fields"]:
        while (found := _field_problem(fld, names, fields, resources)) is not None:
            out += err(f"field {fld['name']!r}: {found[1]}", f'"name": "{fld["name"]}"')
            fld.pop(found[0])
    for fk in res["schema"].get("foreignKeys", []):
        if "acyclic" in fk and (fk["acyclic"] is not True or len(fk["fields"]) != 1
                                or reference_target(fk, res["name"]) != res["name"]):
            out += err("acyclic: true belongs on a single-field foreign key to the resource itself", '"acyclic"')
            fk.pop("acyclic")
    return out
