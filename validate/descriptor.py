"""Reading datapackage.json and checking that it describes a package this validator can check.

What the specs require is always checked; the project's conventions (snake_case names,
data/<name>.csv, a semantic version, a primary key on every table) only where the package declares
them (validate/declarations.py). A refusal confined to one field, key or resource is reported and
that part alone is left out; the rest of the package is still checked."""

from __future__ import annotations

import json
import json.decoder
import math
import json.scanner
import re
from dataclasses import dataclass, field
from pathlib import Path

from . import declarations, dialect, profiles
from .patterns import pattern_error
from .paths import DEFAULT_MAX_BYTES, PathRefused, read_bytes, resolve
from .problems import Problem, position, problem
from .types import INVALID, ITEM_TYPES, ORDERED, SIZED, TYPES, constraint_value, format_error, options_error  # every Table Schema v1 and v2 type

DESCRIPTOR = "datapackage.json"
UNCHECKED = "any"  # the type a refused field is left with: its column aligns the others, nothing else
CONSTRAINTS = {"required", "unique", "pattern", "enum", "minLength", "maxLength", "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"}
BOUNDS = ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum")
SEMVER = re.compile(r"(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-[0-9A-Za-z.-]+)?(?:\+[0-9A-Za-z.-]+)?")
NAME = re.compile(r"[a-z][a-z0-9_]*")
# Data Package: a package name is lower-case alphanumerics with '.', '_' or '-'. It names the
# downloads (NAME-VERSION.zip), so it also starts with a letter or digit: never '.', '..' or '-x'.
PACKAGE_NAME = re.compile(r"[a-z0-9][a-z0-9._-]*")
SHA256 = re.compile(r"[0-9a-f]{64}")
FIELDS_MATCH = ("exact", "equal", "subset", "superset", "partial")  # Table Schema v2: how the header maps to the fields


@dataclass
class Descriptor:
    data: dict
    text: str
    resources: list[dict] = field(default_factory=list)  # the well-formed ones
    names: set[str] = field(default_factory=set)  # every resource name, well-formed or not
    conventions: frozenset[str] = frozenset()  # the project conventions the package declares

    def resource(self, name: str) -> dict | None:
        return next((r for r in self.resources if r["name"] == name), None)

    def locate(self, *needles: str) -> tuple[int, int]:
        """Line and column of the last of `needles`, each searched after the previous one."""
        pos = 0
        for needle in needles:
            found = self.text.find(needle, pos)
            if found < 0:
                break
            pos = found
        return position(self.text, pos)


def load(root: Path, max_bytes: int = DEFAULT_MAX_BYTES, partial: bool = False) -> tuple[Descriptor | None, list[Problem]]:
    """Parse and check the descriptor; None when it has problems, or with `partial` only when
    nothing of it can be checked (otherwise the usable resources, beside the problems)."""
    try:
        raw = read_bytes(root, DESCRIPTOR, max_bytes)
    except PathRefused as exc:
        return None, [problem(DESCRIPTOR, 1, 1, exc.code, exc.detail)]
    return parse_descriptor(raw, root, partial=partial)


def parse_descriptor(raw: bytes, root: Path, files: bool = True, partial: bool = False) -> tuple[Descriptor | None, list[Problem]]:
    """Check descriptor bytes (from the package, or from a git revision with files=False, which
    skips the look for CSVs in data/ that no resource names)."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        return None, [problem(DESCRIPTOR, *position(raw, exc.start), "encoding-error", f"byte {raw[exc.start]:#04x} at offset {exc.start} is not UTF-8")]
    try:
        data, problems = strict_json(text)
    except json.JSONDecodeError as exc:
        return None, [problem(DESCRIPTOR, exc.lineno, exc.colno, "invalid-json", exc.msg)]
    except RecursionError:
        return None, [problem(DESCRIPTOR, 1, 1, "invalid-json", "nesting is too deep")]
    if problems:
        return None, problems
    if not isinstance(data, dict) or not isinstance(data.get("resources"), list) or not data["resources"]:
        where = position(text, text.find('"resources"')) if isinstance(data, dict) and '"resources"' in text else (1, 1)
        return None, [problem(DESCRIPTOR, *where, "descriptor-error", "the top level must be an object with a non-empty 'resources' list")]
    desc = Descriptor(data, text)
    desc.names = {r["name"] for r in data["resources"] if isinstance(r, dict) and isinstance(r.get("name"), str)}
    desc.conventions, problems = declarations.conventions(data, desc.locate, DESCRIPTOR)
    problems += _check_version(desc) + _check_name(desc) + profiles.package_problems(data, desc.locate)
    names: set[str] = set()
    for i, res in enumerate(data["resources"]):
        found, usable = _check_resource(root, desc, res, i, names)
        problems += found
        if usable:
            names.add(res["name"])
            desc.resources.append(res)
    for res in desc.resources:
        problems += _check_keys(desc, res)
        problems += _check_crosswalk(desc, res)
    by_name = {r["name"]: r for r in desc.resources}
    for res in desc.resources:
        problems += declarations.check(res, by_name, _resource_err(desc, res["name"]))
    if files and "tablePaths" in desc.conventions:
        problems += _check_undeclared(root, desc)
    if problems and not (partial and desc.resources):
        return None, problems
    return desc, problems


def _resource_err(desc: Descriptor, name: str):
    def err(detail: str, *needles: str) -> list[Problem]:
        where = desc.locate('"resources"', f'"name": "{name}"', *needles)
        return [problem(DESCRIPTOR, where[0], where[1], "descriptor-error", f"resource {name!r}: {detail}")]

    return err


def _check_version(desc: Descriptor) -> list[Problem]:
    if "version" not in desc.conventions:
        return []
    version = desc.data.get("version")
    if isinstance(version, str) and SEMVER.fullmatch(version):
        return []
    line, col = desc.locate('"version"')
    return [problem(DESCRIPTOR, line, col, "invalid-version", f"version is {version!r}")]


def _check_name(desc: Descriptor) -> list[Problem]:
    """The package name is optional; when given it must be a Data Package name (it becomes a file name)."""
    if "name" not in desc.data:
        return []
    name = desc.data["name"]
    if isinstance(name, str) and PACKAGE_NAME.fullmatch(name):
        return []
    text = desc.text
    depth, pos = 0, -1
    for m in _STRING_OR_BRACKET.finditer(text):  # the top-level "name", not a resource's
        tok = m.group()
        if tok in "{[":
            depth += 1
        elif tok in "}]":
            depth -= 1
        elif depth == 1 and tok == '"name"' and _COLON.match(text, m.end()):
            pos = m.start()
    line, col = position(text, max(pos, 0))
    return [problem(DESCRIPTOR, line, col, "descriptor-error",
                    f"package name {name!r} must be lower-case letters, digits, '.', '_' or '-', starting with a letter or digit")]


def _check_resource(root: Path, desc: Descriptor, res: object, i: int, names: set[str]) -> tuple[list[Problem], bool]:
    """The resource's problems, and whether it can be checked at all: a field refused for its type
    or constraints is reported and left unchecked (its column still aligns the others), and the
    rest of the resource is still checked."""
    if not isinstance(res, dict) or not isinstance(res.get("name"), str) or not res["name"]:
        return [problem(DESCRIPTOR, *desc.locate('"resources"'), "descriptor-error", f"resource {i + 1} has no string 'name'")], False
    name = res["name"]
    snake = "names" in desc.conventions

    def err(code: str, detail: str, *needles: str) -> list[Problem]:
        where = desc.locate('"resources"', f'"name": "{name}"', *needles)
        return [problem(DESCRIPTOR, where[0], where[1], code, f"resource {name!r}: {detail}")]

    if name in names:
        return err("descriptor-error", "the name is used by another resource"), False
    if snake and not NAME.fullmatch(name):
        return err("descriptor-error", "the name must be snake_case"), False
    if name.startswith("sqlite_"):  # SQLite reserves these table names; export could not create the table
        return err("descriptor-error", "names starting with 'sqlite_' are reserved by SQLite, which the downloads include; rename the resource"), False
    reading, readable = dialect.check_resource(res, lambda detail, *needles: err("descriptor-error", detail, *needles), desc.conventions)
    if not readable:
        return reading, False
    if "data" not in res and res.get("path") != f"data/{name}.csv":
        try:
            resolve(root, res.get("path"))
        except PathRefused as exc:
            return err(exc.code, exc.detail, '"path"'), False
        if "tablePaths" in desc.conventions:
            return err("descriptor-error", f"path {res.get('path')!r} must be data/{name}.csv (resource names equal file names)", '"path"'), False
    schema = res.get("schema")
    if not isinstance(schema, dict) or not isinstance(schema.get("fields"), list) or not schema["fields"]:
        return err("descriptor-error", "needs a 'schema' with a non-empty 'fields' list"), False
    out: list[Problem] = []
    seen: set[str] = set()
    usable = True
    # missingValues: a field's own (v2), else its schema's, else the package's (v2), else [""]
    inherited, where = [""], None
    for level, holder, needles in (("package", desc.data, ('"missingValues"',)), ("schema", schema, ('"schema"', '"missingValues"'))):
        if "missingValues" in holder:
            values = missing_values(holder["missingValues"])
            if values is None:
                where = (level, needles)
            else:
                inherited = values
    if where is not None:  # every field would be read with the wrong missing values: none is checked
        line_col = desc.locate(*where[1]) if where[0] == "package" else desc.locate('"resources"', f'"name": "{name}"', *where[1])
        out.append(problem(DESCRIPTOR, *line_col, "descriptor-error",
                           f"{where[0]} missingValues must be a list of strings or of objects with a string 'value'; the fields of resource {name!r} are not checked"))
    for fld in schema["fields"]:
        fname = fld.get("name") if isinstance(fld, dict) else None
        if not isinstance(fname, str) or not fname or (snake and not NAME.fullmatch(fname)) or fname in seen:
            out += err("descriptor-error", f"field name {fname!r} is missing, {'not snake_case, ' * snake}empty or repeated")
            usable = False  # without its fields' names, no column of the table can be aligned
            continue
        seen.add(fname)
        why = None if where is not None else _field_refusal(fld)
        if where is None and why is None:
            own = missing_values(fld["missingValues"]) if "missingValues" in fld else inherited
            if own is None:
                why = "has missingValues that are not a list of strings or of objects with a string 'value'"
            elif own != [""]:
                fld["missingValues"] = own  # resolved here once: the rules read the field's own list
            else:
                fld.pop("missingValues", None)
        if why is not None:
            out += err("descriptor-error", f"field {fname!r} {why}; the field is not checked", f'"name": "{fname}"')
        if where is not None or why is not None:
            fld.clear()
            fld.update({"name": fname, "type": UNCHECKED})
    derived = _check_derived(res, err)
    if derived:
        res.pop("derivedFrom")
    return reading + out + derived, usable


def missing_values(value: object) -> list[str] | None:
    """A missingValues list as its strings (v2 also allows {"value", "label"} objects), or None when malformed."""
    if not isinstance(value, list):
        return None
    out = [v.get("value") if isinstance(v, dict) else v for v in value]
    if not all(isinstance(v, str) for v in out) or not all(not isinstance(v, dict) or set(v) <= {"value", "label"} for v in value):
        return None
    return out


def _field_refusal(fld: dict) -> str | None:
    """Why this validator cannot check a field (its type, format, options or constraints), or None."""
    type_ = fld.get("type", "string")
    if not isinstance(type_, str) or type_ not in TYPES:
        return f"has type {type_!r}; Table Schema types: {', '.join(sorted(TYPES))}"
    if (why := format_error(type_, fld.get("format", "default"))) is not None or (why := options_error(fld)) is not None:
        return why
    if type_ == "list":
        delimiter, item = fld.get("delimiter", ","), fld.get("itemType", "string")
        if not isinstance(delimiter, str) or not delimiter:
            return f"has delimiter {delimiter!r}, which is not a non-empty string"
        if not isinstance(item, str) or item not in ITEM_TYPES:
            return f"has itemType {item!r}; list item types: {', '.join(sorted(ITEM_TYPES))}"
    cons = fld.get("constraints", {})
    if not isinstance(cons, dict) or set(cons) - CONSTRAINTS:
        return f"has unsupported constraints; supported: {', '.join(sorted(CONSTRAINTS))}"
    kinds = {"required": bool, "unique": bool, "pattern": str, "enum": list, "minLength": int, "maxLength": int}
    wrong = [k for k, v in cons.items() if k in kinds and (not isinstance(v, kinds[k]) or (isinstance(v, bool) and kinds[k] is not bool))]
    if wrong:
        return f"has constraints {wrong} with values of the wrong type"
    if (bounds := [k for k in BOUNDS if k in cons]) and type_ not in ORDERED:
        return f"has {bounds[0]}, but {type_} values have no order (bounds apply to {', '.join(sorted(ORDERED))})"
    if (lengths := [k for k in ("minLength", "maxLength") if k in cons]) and type_ not in SIZED:
        return f"has {lengths[0]}, but {type_} values have no length (lengths apply to {', '.join(sorted(SIZED))})"
    for k in bounds:
        if constraint_value(fld, cons[k]) is INVALID:
            return f"has {k} {cons[k]!r}, which is not a value of type {type_}"
    if "pattern" in cons and (why := pattern_error(cons["pattern"])) is not None:
        return f"has a pattern RE2 cannot use ({why})"
    if "enum" in cons and type_ in ("string", "any") and not all(isinstance(v, str) for v in cons["enum"]):
        return "has an enum that is not a list of strings"
    if "enum" in cons and (bad := [v for v in cons["enum"] if constraint_value(fld, v) is INVALID]):
        return f"has enum values {bad!r} that are not {type_} values"
    return None


def _check_derived(res: dict, err) -> list[Problem]:
    """`derivedFrom` names the archived text a table is derived from, its SHA-256 and the parser."""
    from .crosswalk import PARSERS

    if "derivedFrom" not in res:
        return []
    spec = res["derivedFrom"]
    if (isinstance(spec, dict) and isinstance(spec.get("path"), str) and isinstance(spec.get("sha256"), str)
            and SHA256.fullmatch(spec["sha256"]) and spec.get("parser") in PARSERS):
        return []
    return err("descriptor-error", f"derivedFrom must be an object with 'path', a lowercase hex 'sha256' and a 'parser' among {sorted(PARSERS)}", '"derivedFrom"')


def _check_keys(desc: Descriptor, res: dict) -> list[Problem]:
    name = res["name"]
    fields = {f["name"] for f in res["schema"]["fields"]}
    out: list[Problem] = []

    def err(detail: str, needle: str) -> None:
        line, col = desc.locate('"resources"', f'"name": "{name}"', needle)
        out.append(problem(DESCRIPTOR, line, col, "descriptor-error", f"resource {name!r}: {detail}"))

    pk = res["schema"].get("primaryKey", [])
    pk = [pk] if isinstance(pk, str) else pk
    required = "primaryKeys" in desc.conventions
    if not isinstance(pk, list) or (required and not pk) or not all(isinstance(k, str) and k in fields for k in pk):
        err(f"primaryKey {pk!r} must name fields of the resource", '"primaryKey"')
        pk = []
    res["schema"]["primaryKey"] = pk
    schema = res["schema"]
    if "fieldsMatch" in schema and schema["fieldsMatch"] not in FIELDS_MATCH:
        err(f"fieldsMatch {schema['fieldsMatch']!r} must be one of {', '.join(FIELDS_MATCH)}; the header is compared exactly", '"fieldsMatch"')
        schema["fieldsMatch"] = "exact"
    if "uniqueKeys" in schema:
        unique_keys, schema["uniqueKeys"] = schema["uniqueKeys"], []  # a malformed unique key is reported and left out
        if not isinstance(unique_keys, list) or not unique_keys:
            err(f"uniqueKeys {unique_keys!r} must be a non-empty list of lists of field names", '"uniqueKeys"')
            unique_keys = []
        for key in unique_keys:
            if isinstance(key, list) and key and all(isinstance(k, str) and k in fields for k in key) and len(set(key)) == len(key):
                schema["uniqueKeys"].append(key)
            else:
                err(f"unique key {key!r} must be a non-empty list of distinct field names of the resource; it is not checked", '"uniqueKeys"')
    fks = res["schema"].get("foreignKeys", [])
    res["schema"]["foreignKeys"] = usable = []  # a malformed foreign key is reported and left out
    if not isinstance(fks, list):
        err("foreignKeys must be a list", '"foreignKeys"')
        return out
    for fk in fks:
        before = len(out)
        try:
            own = fk["fields"] if isinstance(fk["fields"], list) else [fk["fields"]]
            ref = fk["reference"]
            target_name = declarations.reference_target(fk, name)
            theirs = ref["fields"] if isinstance(ref["fields"], list) else [ref["fields"]]
            if not isinstance(target_name, str) or not all(isinstance(f, str) for f in own + theirs):
                raise TypeError
            fk["fields"], ref["fields"] = own, theirs  # Table Schema allows a string for one field
            ref["resource"] = target_name  # v1 writes a self-reference as "", v2 omits it: every reader sees the name
        except (KeyError, TypeError, AttributeError):
            err(f"foreign key {fk!r} needs 'fields' and 'reference' with 'fields'", '"foreignKeys"')
            continue
        target = desc.resource(target_name)
        if not set(own) <= fields or len(own) != len(theirs):
            err(f"foreign key fields {own!r} are not fields of the resource", '"foreignKeys"')
        elif target is None and target_name in desc.names:
            continue  # the target resource is broken and reported on its own
        elif target is None:
            err(f"foreign key on {own!r} names resource {target_name!r}, which does not exist", '"foreignKeys"')
        elif not set(theirs) <= {f["name"] for f in target["schema"]["fields"]}:
            err(f"foreign key on {own!r} names fields {theirs!r}, which {target_name!r} does not have", '"foreignKeys"')
        if len(out) == before:
            usable.append(fk)
    return out


def _check_undeclared(root: Path, desc: Descriptor) -> list[Problem]:
    """A CSV in data/ that no resource names is data nobody validates."""
    named = [res for res in desc.data["resources"] if isinstance(res, dict)]
    # a resource whose path is wrong is reported once, not again for the file it should name
    declared = {res.get("path") for res in named if isinstance(res.get("path"), str)} | {f"data/{res.get('name')}.csv" for res in named}
    line, col = desc.locate('"resources"')
    return [
        problem(DESCRIPTOR, line, col, "descriptor-error", f"{path} is not described by any resource")
        for path in sorted(p.relative_to(root).as_posix() for p in (root / "data").glob("*.csv"))
        if path not in declared
    ]


def _check_crosswalk(desc: Descriptor, res: dict) -> list[Problem]:
    """`crosswalk`: {"fields": [code, type, mode...], "reference": {"resource", "fields"}, optional
    "deviations": {"resource", "fields"}}; every list names fields of its resource, all as long."""
    if "crosswalk" not in res:
        return []
    decl, name = res["crosswalk"], res["name"]
    parts = [("", decl.get("fields") if isinstance(decl, dict) else None, name)]
    for part in ("reference", "deviations"):
        sub = decl.get(part) if isinstance(decl, dict) else None
        if part == "deviations" and sub is None:
            continue
        parts.append((part, sub.get("fields") if isinstance(sub, dict) else None, sub.get("resource") if isinstance(sub, dict) else None))
    for part, fields, target_name in parts:
        target = desc.resource(target_name) if isinstance(target_name, str) else None
        if target is None and isinstance(target_name, str) and target_name in desc.names:
            continue  # the target resource is broken and reported on its own
        ok = (target is not None and isinstance(fields, list) and len(fields) == len(parts[0][1] or []) >= 2
              and all(isinstance(f, str) for f in fields) and set(fields) <= {f["name"] for f in target["schema"]["fields"]})
        if not ok:
            line, col = desc.locate('"resources"', f'"name": "{name}"', '"crosswalk"')
            what = f"crosswalk {part}" if part else "crosswalk fields"
            res.pop("crosswalk")
            return [problem(DESCRIPTOR, line, col, "descriptor-error",
                            f"resource {name!r}: {what} must name an existing resource and at least two of its fields, as many as the crosswalk's own 'fields'")]
    return []


_STRING_OR_BRACKET = re.compile(r'"(?:[^"\\]|\\.)*"|[{}\[\]]', re.S)
_COLON = re.compile(r"\s*:")
_NUMBER = re.compile(r'"(?:[^"\\]|\\.)*"|(-?[0-9][0-9.eE+-]*)', re.S)
_CONSTANT = re.compile(r'"(?:[^"\\]|\\.)*"|(-?Infinity|NaN)', re.S)


def strict_json(text: str) -> tuple[object, list[Problem]]:
    """Parse JSON as RFC 8259 says it is: a key repeated in one object (which Python's json would
    let silently replace the first) and NaN or Infinity (not JSON at all) are located problems.
    Raises json.JSONDecodeError and RecursionError like json.loads."""
    constants: list[str] = []
    numbers: list[tuple[str, str]] = []  # (token, why): numbers no reader holds as written

    def parse_float(token: str) -> float:
        value = float(token)
        if math.isinf(value):  # 1e999 would silently become infinity
            numbers.append((token, "is beyond the range of a 64-bit float (it would become infinity)"))
            return 0.0
        return value

    def parse_int(token: str) -> int:
        try:
            return int(token)
        except ValueError:  # over Python's limit on integer digits (4300)
            numbers.append((token, f"has {len(token.lstrip('-'))} digits; write a number of sensible size"))
            return 0

    repeats = False

    def pairs(items: list) -> dict:
        nonlocal repeats
        out = dict(items)
        repeats = repeats or len(out) != len(items)
        return out

    # the C scanner parses in about a millisecond what Python's takes 30 for; only a descriptor
    # that repeats a key is parsed again by the Python scanner, which knows where each object starts
    data = json.JSONDecoder(object_pairs_hook=pairs, parse_constant=lambda token: constants.append(token) or float(token),
                            parse_float=parse_float, parse_int=parse_int).decode(text)
    repeated = _repeated_keys(text) if repeats else []
    problems = []
    if (where := _lone_surrogate(text)) is not None:
        problems.append(problem(DESCRIPTOR, *position(text, where), "descriptor-error",
                                f"the escape {text[where:where + 6]} is half of a UTF-16 surrogate pair, not a character: no UTF-8 text can hold it; "
                                "write the character itself, or both halves of its pair"))
    for start, key in repeated:
        where = _second_key(text, start, key)
        problems.append(problem(DESCRIPTOR, *position(text, where), "descriptor-error",
                                f"key {key!r} appears twice in one object; JSON readers keep only one of the two"))
    if numbers:
        token, why = numbers[0]
        first = next((m for m in _NUMBER.finditer(text) if m.group(1) == token), None)
        problems.append(problem(DESCRIPTOR, *position(text, first.start() if first else 0), "descriptor-error",
                                f"the number {token[:20]}{'...' if len(token) > 20 else ''} {why}"))
    if constants:
        first = next(m for m in _CONSTANT.finditer(text) if m.group(1))
        problems.append(problem(DESCRIPTOR, *position(text, first.start()), "descriptor-error",
                                f"{first.group(1)} is not a JSON number; write a finite number"))
    return data, problems


def _repeated_keys(text: str) -> list[tuple[int, str]]:
    """(offset of the object's '{', key) for each key repeated in one object."""
    repeated: list[tuple[int, str]] = []

    def parse_object(s_and_end, strict, scan_once, object_hook, object_pairs_hook, memo=None):
        items, end = json.decoder.JSONObject(s_and_end, strict, scan_once, None, list, memo)
        seen: set[str] = set()
        for key, _ in items:
            if key in seen:
                repeated.append((s_and_end[1] - 1, key))
            seen.add(key)
        return dict(items), end

    decoder = json.JSONDecoder(parse_constant=float, parse_int=lambda token: 0, parse_float=lambda token: 0.0)  # numbers: reported by the first pass
    decoder.parse_object = parse_object
    decoder.scan_once = json.scanner.py_make_scanner(decoder)  # the C scanner would not call parse_object
    decoder.decode(text)
    return repeated


_SURROGATE_ESCAPE = re.compile(r"(?<!\\)(?:\\\\)*\\u([dD][89a-fA-F][0-9a-fA-F]{2})")


def _lone_surrogate(text: str) -> int | None:
    """Offset of the first \\uD800-\\uDFFF escape that is not one half of a high-low pair, or None.
    (The text itself is UTF-8, so a surrogate can only come from an escape.)"""
    if "\\u" not in text:
        return None
    pending = None  # a high half waiting for its low half, right after it
    for m in _SURROGATE_ESCAPE.finditer(text):
        start, value = m.end() - 6, int(m.group(1), 16)
        if pending is not None:
            if value >= 0xDC00 and start == pending + 6:
                pending = None
                continue
            return pending
        if value >= 0xDC00:
            return start
        pending = start
    return pending


def _second_key(text: str, start: int, key: str) -> int:
    """Offset of the second `key` among the keys of the object starting at `start`."""
    depth, count = 0, 0
    for m in _STRING_OR_BRACKET.finditer(text, start):
        token = m.group()
        if token in "{[":
            depth += 1
        elif token in "}]":
            depth -= 1
            if depth == 0:
                break
        elif depth == 1 and _COLON.match(text, m.end()) and json.loads(token) == key:
            count += 1
            if count == 2:
                return m.start()
    return start
