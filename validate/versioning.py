"""The Frictionless "Data Package Version" recipe as code: how far a change must bump the version.

MAJOR: fields renamed, added, removed, reordered or retyped, constraints tightened, keys changed,
resources removed, rows removed or re-keyed (a published id disappears). MINOR: rows or
resources added, constraints loosened. PATCH: corrected values, descriptive metadata.
"""

from __future__ import annotations

import copy
import re
from pathlib import Path

from .descriptor import SEMVER
from .profiles import V1_URL, profile_problem

PATCH, MINOR, MAJOR = 1, 2, 3
LEVELS = {0: "none", PATCH: "PATCH", MINOR: "MINOR", MAJOR: "MAJOR"}
DESCRIPTIVE = {"title", "description", "example", "name"}  # "name" only at package level; fields compare by name
TIGHTER_WHEN_HIGHER = {"minimum", "minLength"}
TIGHTER_WHEN_LOWER = {"maximum", "maxLength"}


def constraint_level(key: str, old, new) -> int:
    """Level of one constraint change: tightening is MAJOR, loosening MINOR."""
    if old == new:
        return 0
    if old is None:  # a new constraint only ever tightens, except required/unique set to false
        return MINOR if new is False else MAJOR
    if new is None:
        return MINOR
    if key in ("required", "unique"):
        return MAJOR if new else MINOR
    if key == "enum":
        return MINOR if set(new) > set(old) else MAJOR
    if key in TIGHTER_WHEN_HIGHER:
        return MAJOR if new > old else MINOR
    if key in TIGHTER_WHEN_LOWER:
        return MAJOR if new < old else MINOR
    return MAJOR  # a changed pattern may reject values the old one accepted


def field_changes(resource: str, old: dict, new: dict) -> list[tuple[int, str]]:
    name = new["name"]
    out = []
    if old.get("type", "string") != new.get("type", "string"):
        out.append((MAJOR, f"{resource}.{name}: type {old.get('type', 'string')} -> {new.get('type', 'string')}"))
    oc, nc = old.get("constraints", {}), new.get("constraints", {})
    for key in sorted(set(oc) | set(nc)):
        level = constraint_level(key, oc.get(key), nc.get(key))
        if level:
            verb = "tightened" if level == MAJOR else "loosened"
            out.append((level, f"{resource}.{name}: constraint {key} {verb} ({oc.get(key)!r} -> {nc.get(key)!r})"))
    for key in sorted((set(old) | set(new)) - {"name", "type", "constraints"}):
        if old.get(key) != new.get(key):
            level = PATCH if key in DESCRIPTIVE else (MINOR if not new.get(key) else MAJOR)
            out.append((level, f"{resource}.{name}: {key} changed"))
    return out


def resource_changes(old: dict, new: dict) -> list[tuple[int, str]]:
    name = new["name"]
    out = []
    of = [f["name"] for f in old["schema"]["fields"]]
    nf = [f["name"] for f in new["schema"]["fields"]]
    for f in of:
        if f not in nf:
            out.append((MAJOR, f"{name}: field {f} removed or renamed"))
    for f in nf:
        if f not in of:
            out.append((MAJOR, f"{name}: field {f} added"))
    common_old = [f for f in of if f in nf]
    if common_old != [f for f in nf if f in of]:
        out.append((MAJOR, f"{name}: fields reordered"))
    olds = {f["name"]: f for f in old["schema"]["fields"]}
    for f in new["schema"]["fields"]:
        if f["name"] in olds:
            out += field_changes(name, olds[f["name"]], f)
    if old["schema"].get("primaryKey") != new["schema"].get("primaryKey"):
        out.append((MAJOR, f"{name}: primary key {old['schema'].get('primaryKey')} -> {new['schema'].get('primaryKey')}"))
    ofk, nfk = old["schema"].get("foreignKeys", []), new["schema"].get("foreignKeys", [])
    out += [(MAJOR, f"{name}: foreign key {fk['fields']} added") for fk in nfk if fk not in ofk]
    out += [(MINOR, f"{name}: foreign key {fk['fields']} removed") for fk in ofk if fk not in nfk]
    for key in sorted((set(old) | set(new)) - {"schema", "name"}):
        if old.get(key) != new.get(key):
            out.append((PATCH if key in DESCRIPTIVE else MAJOR, f"{name}: {key} changed"))
    return out


def _standard(kind: str, value: object) -> bool:
    return profile_problem(kind, value) is None


def _fields(value: object) -> object:
    return [value] if isinstance(value, str) else value  # v1 allows one field name as a string


def meaning(desc: dict) -> dict:
    """The descriptor as Data Package v2 expresses it, so that re-expressing v1 in v2 (`profile`
    -> `$schema`, a tabular profile -> `"type": "table"`, a self-reference's `"resource": ""` ->
    no resource, `role` -> `roles`, a key's field as a string -> a list) is no change to release.
    A profile that is not a standard one is kept, so changing it is still a change."""
    desc = copy.deepcopy(desc)
    for key in ("$schema", "profile"):
        if _standard("package", desc.get(key)):
            desc.pop(key)
    for person in desc.get("contributors", []) if isinstance(desc.get("contributors"), list) else []:
        if isinstance(person, dict) and isinstance(person.get("role"), str) and "roles" not in person:
            person["roles"] = [person.pop("role")]
    for res in desc.get("resources", []):
        tabular = res.get("profile") in ("tabular-data-resource", V1_URL.format("tabular-data-resource"))
        for key in ("$schema", "profile"):
            if _standard("resource", res.get(key)):
                res.pop(key)
        if tabular:
            res.setdefault("type", "table")
        schema = res.get("schema")
        if not isinstance(schema, dict):
            continue
        for key in ("$schema", "profile"):
            if _standard("schema", schema.get(key)):
                schema.pop(key)
        if "primaryKey" in schema:
            schema["primaryKey"] = _fields(schema["primaryKey"])
        for fk in schema.get("foreignKeys", []):
            fk["fields"] = _fields(fk.get("fields"))
            ref = fk.get("reference", {})
            ref["fields"] = _fields(ref.get("fields"))
            if ref.get("resource") in ("", res.get("name")):  # v2: a self-reference names no resource
                ref.pop("resource")
    return desc


def descriptor_changes(old: dict, new: dict) -> list[tuple[int, str]]:
    written = {k: v for k, v in old.items() if k != "version"} != {k: v for k, v in new.items() if k != "version"}
    old, new = meaning(old), meaning(new)
    out = []
    olds = {r["name"]: r for r in old.get("resources", [])}
    news = {r["name"]: r for r in new.get("resources", [])}
    out += [(MAJOR, f"resource {n} removed") for n in olds if n not in news]
    out += [(MINOR, f"resource {n} added") for n in news if n not in olds]
    for n in news:
        if n in olds:
            out += resource_changes(olds[n], news[n])
    for key in sorted((set(old) | set(new)) - {"resources", "version"}):
        if old.get(key) != new.get(key):
            out.append((PATCH, f"package {key} changed"))
    if written and not out:  # a tool that reads only v1 may still see the new expression
        out.append((PATCH, "descriptor re-expressed, with the same meaning in Data Package v2"))
    return out


def parse(version: object) -> tuple[int, int, int] | None:
    if not isinstance(version, str) or not SEMVER.fullmatch(version):
        return None
    major, minor, patch = (int(x) for x in re.match(r"(\d+)\.(\d+)\.(\d+)", version).groups())
    return major, minor, patch


def bump_level(old: tuple[int, int, int], new: tuple[int, int, int]) -> int:
    """How far `new` is from `old`: 0 for no bump (or a step back)."""
    if new[0] != old[0]:
        return MAJOR if new[0] > old[0] else 0
    if new[1] != old[1]:
        return MINOR if new[1] > old[1] else 0
    return PATCH if new[2] > old[2] else 0


DRAFT_MARK = "WHY:"  # what bump's draft asks the contributor to replace with the reason


def draft_left(root: Path, version: str) -> int | None:
    """The line of the first DRAFT_MARK left in the CHANGELOG section of `version`, if any."""
    path = root / "CHANGELOG.md"
    if not path.is_file():
        return None
    inside = False
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if line.startswith("## "):
            inside = re.match(rf"## \[{re.escape(version)}\]", line) is not None
        elif inside and DRAFT_MARK in line:
            return number
    return None


def changelog_has(root: Path, version: str) -> bool:
    path = root / "CHANGELOG.md"
    if not path.is_file():
        return False
    return re.search(rf"^## \[{re.escape(version)}\]", path.read_text(encoding="utf-8"), re.M) is not None
