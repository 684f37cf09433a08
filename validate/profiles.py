"""`$schema` (v2) and `profile` (v1) of a package, resource, schema or dialect: recognised, or a
located descriptor-error. Nothing is fetched, so a custom profile's extra rules cannot be checked."""

from __future__ import annotations

import re

from .problems import Problem, problem

DESCRIPTOR = "datapackage.json"
PROFILE = re.compile(r"https://datapackage\.org/profiles/(?:1\.0|2\.[0-9]+)/(datapackage|dataresource|tableschema|tabledialect)\.json")
V1_PROFILES = {"package": {"data-package", "tabular-data-package"}, "resource": {"data-resource", "tabular-data-resource"}}
V1_URL = "https://specs.frictionlessdata.io/schemas/{}.json"
KINDS = {"package": ("datapackage", "data-package", "tabular-data-package"), "resource": ("dataresource", "data-resource", "tabular-data-resource"),
         "schema": ("tableschema", "table-schema"), "dialect": ("tabledialect", "csv-dialect")}


def profile_problem(kind: str, value: object) -> str | None:
    """Why a `$schema` (v2) or `profile` (v1) of a package, resource, schema or dialect is not one
    this validator checks against, or None. A custom profile's extra rules cannot be checked
    without fetching it, and nothing is fetched."""
    names = KINDS[kind]
    if not isinstance(value, str):
        return f"the profile {value!r} is not a string"
    m = PROFILE.fullmatch(value)
    if m and m.group(1) == names[0]:
        return None
    if value in names[1:] or value in {V1_URL.format(n) for n in names[1:]}:
        return None
    return (f"the profile {value[:80]!r} is not a Data Package profile this validator knows (for a {kind}: "
            f"https://datapackage.org/profiles/2.0/{names[0]}.json, its 1.0 form, or {', '.join(repr(n) for n in names[1:])}); "
            "a custom profile's rules are not fetched, so they are not checked")


def package_problems(data: dict, locate) -> list[Problem]:
    out = []
    for key in ("$schema", "profile"):
        if key in data and (why := profile_problem("package", data[key])) is not None:
            out.append(problem(DESCRIPTOR, *locate(f'"{key}"'), "descriptor-error", why))
    return out
