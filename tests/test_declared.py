"""Project rules are declared, not guessed: each rule beyond the specs is off on a small package
that does not declare it (whatever its fields are called), and on once datapackage.json declares it."""

from __future__ import annotations

import copy
import hashlib
import json
import shutil
from pathlib import Path

import pytest
from helpers import keys

from validate.core import validate_package

FIXTURES = Path(__file__).resolve().parent / "third_party" / "frictionless-py"  # see its ORIGIN.md
TEXT = "First sentence here. Second one there.\n"

# One small package whose field and table names are this project's, holding values that break
# every project rule: a name must not switch any of them on.
TABLES = {
    "people": (["id", "name", "country", "country_basis", "parent_id", "Phone"],
               [["p2", "Bob", "Germany", "stated", "p1", "+49 30 1234"],
                ["p1", " Ann", "", "stated", "p2", "-"]]),
    "sources": (["source_id", "language", "text_path", "text_sha256"],
                [["s1", "english", "texts/s1.txt", hashlib.sha256(TEXT.encode()).hexdigest()]]),
    "events": (["event_id", "date", "date_start", "date_end", "event_type", "event_mode", "source_id", "quote", "char_start", "char_end"],
               [["e1", "2024-10", "2024-10-02", "2024-10-31", "MEET", "shout", "s1", "Wrong quote", "0", "5"]]),
    "event_modes": (["event_type", "event_mode"], [["MEET", "visit"]]),
}
FIELD_TYPES = {"char_start": "integer", "char_end": "integer", "date_start": "date", "date_end": "date"}


def write(root: Path, tables: dict, extra: dict | None = None, newline: str = "\n") -> dict:
    """A package of string/integer/date tables at `root`, not in this project's layout: tables in
    tables/<Name>.csv, no version, no primary keys; `extra` patches the descriptor."""
    root.mkdir(parents=True, exist_ok=True)
    (root / "texts").mkdir(exist_ok=True)
    (root / "texts" / "s1.txt").write_text(TEXT)
    (root / "tables").mkdir(exist_ok=True)
    resources = []
    for name, (fields, rows) in tables.items():
        path = f"tables/{name.title()}.csv"
        (root / path).write_bytes("".join(",".join(r) + newline for r in [fields] + rows).encode())
        resources.append({"name": name, "path": path, "schema": {"fields": [{"name": f, "type": FIELD_TYPES.get(f, "string")} for f in fields]}})
    desc = {"name": "third-party", "resources": resources}
    for patch in extra or []:
        patch(desc)
    (root / "datapackage.json").write_text(json.dumps(desc, indent=2) + "\n")
    return desc


def res(desc, name):
    return next(r for r in desc["resources"] if r["name"] == name)


def fld(desc, table, name):
    return next(f for f in res(desc, table)["schema"]["fields"] if f["name"] == name)


def test_a_package_that_declares_nothing_is_checked_against_the_specs_alone(tmp_path):
    write(tmp_path, TABLES, [lambda d: res(d, "people")["schema"].update(
        foreignKeys=[{"fields": ["parent_id"], "reference": {"resource": "", "fields": ["id"]}}])], newline="\r\n")
    assert validate_package(tmp_path) == []


def conv(key, value):
    return lambda d: d.setdefault("conventions", {}).update({key: value})


def prop(table, field, key, value):
    return lambda d: fld(d, table, field).update({key: value})


def on_resource(table, key, value):
    return lambda d: res(d, table).update({key: value})


EVIDENCE = {"source": "source_id", "quote": "quote", "start": "char_start", "end": "char_end"}
TEXTS = {"id": "source_id", "path": "text_path", "sha256": "text_sha256"}
SELF = {"fields": ["parent_id"], "reference": {"resource": "", "fields": ["id"]}, "acyclic": True}
PEOPLE, SOURCES, EVENTS = "tables/People.csv", "tables/Sources.csv", "tables/Events.csv"

DECLARED = [  # (declarations, problems they switch on)
    ([prop("people", "country", "codeList", "iso3166-1-alpha-3")], {(PEOPLE, 2, "country", "unknown-country")}),
    ([prop("sources", "language", "codeList", "iso639-1")], {(SOURCES, 2, "language", "unknown-language")}),
    ([prop("people", "country_basis", "basisOf", {"field": "country", "notStated": "not-stated"})],
     {(PEOPLE, 3, "country_basis", "basis-mismatch")}),
    ([prop("events", "date", "edtf", True), prop("events", "date", "edtfBounds", {"start": "date_start", "end": "date_end"})],
     {(EVENTS, 2, "date_start", "date-bounds-mismatch")}),
    ([lambda d: res(d, "people")["schema"].update(foreignKeys=[SELF])], {(PEOPLE, 2, "parent_id", "parent-cycle"), (PEOPLE, 3, "parent_id", "parent-cycle")}),
    ([prop("events", "event_mode", "subtypeOf", {"field": "event_type", "reference": {"resource": "event_modes", "fields": ["event_type", "event_mode"]}})],
     {(EVENTS, 2, "event_mode", "mode-type-mismatch")}),
    ([on_resource("sources", "archivedTexts", TEXTS), on_resource("events", "evidence", EVIDENCE)], {(EVENTS, 2, "quote", "evidence-mismatch")}),
    ([on_resource("sources", "archivedTexts", {**TEXTS, "pathTemplate": "archive/{id}.txt"})], {(SOURCES, 2, "text_path", "text-path-mismatch")}),
    ([on_resource("sources", "archivedTexts", {**TEXTS, "coverage": True}), on_resource("events", "evidence", EVIDENCE)],
     {(EVENTS, 2, "quote", "evidence-mismatch"), ("texts/s1.txt", 1, "22", "uncovered-sentence")}),
    ([conv("textHygiene", True)], {(PEOPLE, 2, "Phone", "formula-injection"), (PEOPLE, 3, "name", "whitespace"), (PEOPLE, 3, "Phone", "formula-injection")}),
    ([conv("canonicalForm", True), lambda d: res(d, "people")["schema"].update(primaryKey=["id"])], {(PEOPLE, 2, "1", "not-canonical")}),
]


@pytest.mark.parametrize("declare,expected", DECLARED, ids=[sorted({k[3] for k in e})[0] for _, e in DECLARED])
def test_each_declared_rule_is_on_exactly_when_declared(tmp_path, declare, expected):
    write(tmp_path, TABLES, declare)
    assert keys(validate_package(tmp_path)) == expected


@pytest.mark.parametrize("key,value,code", [("lineEndings", "lf", "line-ending"), ("names", "snake_case", "descriptor-error"),
                                            ("tablePaths", "data/{name}.csv", "descriptor-error"), ("primaryKeys", "required", "descriptor-error")])
def test_each_layout_convention_is_on_exactly_when_declared(tmp_path, key, value, code):
    write(tmp_path / "off", TABLES, newline="\r\n")
    write(tmp_path / "on", TABLES, [conv(key, value)], newline="\r\n")
    assert validate_package(tmp_path / "off") == []
    assert code in {p.code for p in validate_package(tmp_path / "on")}


def test_semantic_versioning_is_on_exactly_when_declared(tmp_path):
    write(tmp_path / "off", TABLES, [lambda d: d.update(version="draft")])
    write(tmp_path / "on", TABLES, [lambda d: d.update(version="draft"), conv("version", "semver")])
    text = (tmp_path / "on" / "datapackage.json").read_text()
    pos = text.index('"version": "draft"')
    assert validate_package(tmp_path / "off") == []
    assert keys(validate_package(tmp_path / "on")) == {("datapackage.json", text.count("\n", 0, pos) + 1, str(pos - text.rfind("\n", 0, pos)), "invalid-version")}


def test_a_convention_this_validator_does_not_know_is_a_located_descriptor_error(tmp_path):
    write(tmp_path, TABLES, [conv("lineEndings", "crlf")])
    text = (tmp_path / "datapackage.json").read_text()
    pos = text.index('"lineEndings"')
    assert keys(validate_package(tmp_path)) == {("datapackage.json", text.count("\n", 0, pos) + 1, str(pos - text.rfind("\n", 0, pos)), "descriptor-error")}


@pytest.mark.parametrize("package,files", [
    ("country.package.json", ["capital-3.csv", "country-3.csv"]),
    ("package/datapackage.json", ["package/data.csv", "package/data2.csv"]),  # with a primary and a foreign key
])
def test_a_valid_third_party_package_is_accepted(tmp_path, package, files):
    """frictionless-py's own fixtures, which `frictionless validate` accepts: no project convention applies."""
    shutil.copy(FIXTURES / package, tmp_path / "datapackage.json")
    for f in files:
        shutil.copy(FIXTURES / f, tmp_path / Path(f).name)
    assert validate_package(tmp_path) == []


# -- fail-open ------------------------------------------------------------------------------

def test_an_unsupported_field_type_is_located_and_everything_else_is_still_checked(tmp_path):
    tables = copy.deepcopy(TABLES)
    tables["people"][1].append(["p1", "Dup", "", "", "", ""])
    desc = write(tmp_path, tables, [lambda d: fld(d, "events", "date").update(type="decimal"),
                                    lambda d: res(d, "people")["schema"].update(primaryKey=["id"]),
                                    lambda d: res(d, "events")["schema"]["fields"][-1].update(type="integer")])
    (tmp_path / "tables" / "Events.csv").write_text((tmp_path / "tables" / "Events.csv").read_text().replace(",5\n", ",five\n"))
    text = (tmp_path / "datapackage.json").read_text()
    pos = text.index('"name": "date"', text.index('"name": "events"'))
    assert desc and keys(validate_package(tmp_path)) == {
        ("datapackage.json", text.count("\n", 0, pos) + 1, str(pos - text.rfind("\n", 0, pos)), "descriptor-error"),
        (PEOPLE, 4, "id", "duplicate-primary-key"),
        (EVENTS, 2, "char_end", "type-error"),
    }


REFUSED = [
    {"type": "decimal"},
    {"type": "integer", "format": "hex"},  # a format on a type that has none
    {"type": "string", "format": "wkt"},  # a format this validator does not read
    {"type": "geopoint", "format": "geohash"},
    {"type": "datetime", "format": "%Y-%m-%d %Q"},  # a strptime directive outside the fixed set
    {"type": "date", "format": "%d/%d/%Y"},  # a repeated directive
    {"type": "date", "format": "yyyy-mm-dd"},  # no directive at all
    {"type": "list", "delimiter": ""},
    {"type": "list", "itemType": "geojson"},
    {"type": "list", "itemType": ["integer"]},
    {"type": "string", "constraints": {"minimum": "a"}},  # strings have no order
    {"type": "integer", "constraints": {"maxLength": 3}},  # integers have no length
    {"type": "date", "constraints": {"minimum": "2024"}},  # a bound that is not a date
    {"type": "integer", "constraints": {"minimum": "one"}},  # a bound that is not an integer
    {"type": "integer", "constraints": {"enum": [1, "one"]}},  # an enum value that is not an integer
    {"type": "datetime", "constraints": {"exclusiveMaximum": True}},
    {"type": "boolean", "trueValues": "yes"},
    {"type": "string", "falseValues": ["no"]},  # only a boolean has them
    {"type": "number", "decimalChar": ""},
    {"type": "integer", "decimalChar": ","},  # an integer has no decimals
    {"type": "number", "bareNumber": "no"},
    {"type": "number", "decimalChar": ",", "groupChar": ","},
]


@pytest.mark.parametrize("declared", REFUSED, ids=[json.dumps(d) for d in REFUSED])
def test_a_field_this_validator_cannot_read_is_a_located_refusal_and_the_other_fields_are_checked(tmp_path, declared):
    write(tmp_path, {"events": (["event_id", "date", "char_end"], [["e1", "2024", "five"]])},
          [lambda d: fld(d, "events", "date").update(declared), lambda d: fld(d, "events", "char_end").update(type="integer")])
    text = (tmp_path / "datapackage.json").read_text()
    pos = text.index('"name": "date"')
    assert keys(validate_package(tmp_path)) == {
        ("datapackage.json", text.count("\n", 0, pos) + 1, str(pos - text.rfind("\n", 0, pos)), "descriptor-error"),
        (EVENTS, 2, "char_end", "type-error"),
    }


@pytest.mark.parametrize("declared,good,bad", [
    ({"type": "datetime"}, "2024-10-14T09:30:00Z", "2024-10-14"),
    ({"type": "date", "format": "%d/%m/%Y"}, "14/10/2024", "2024-10-14"),
    ({"type": "string", "format": "email"}, "ann@example.org", "ann at example.org"),
    ({"type": "list", "itemType": "integer", "delimiter": ";"}, "1;2", "1;two"),
])
def test_a_declared_type_or_format_is_checked_at_its_line_and_field(tmp_path, declared, good, bad):
    write(tmp_path, {"events": (["event_id", "date"], [["e1", good], ["e2", bad]])}, [lambda d: fld(d, "events", "date").update(declared)])
    assert keys(validate_package(tmp_path)) == {(EVENTS, 3, "date", "type-error")}


@pytest.mark.parametrize("header,column", [("event_id,date_start,date,date_end", 2), ("event_id,date,date_start,date_end,extra", 5)])
def test_a_header_mismatch_still_checks_the_rows_of_the_fields_it_names(tmp_path, header, column):
    fields = ["event_id", "date", "date_start", "date_end"]
    write(tmp_path, {"events": (fields, [])})
    cells = {"event_id": "e1", "date": "2024", "date_start": "2024-13-01", "date_end": "2024-12-31", "extra": "x"}
    (tmp_path / "tables" / "Events.csv").write_text(header + "\n" + ",".join(cells[h] for h in header.split(",")) + "\n")
    assert keys(validate_package(tmp_path)) == {(EVENTS, 1, str(column), "header-mismatch"), (EVENTS, 2, "date_start", "type-error")}


HEADERS = {"exact": "event_id,date,date_start,date_end", "reordered": "date,event_id,date_start,date_end",
           "more": "event_id,date,extra,date_start,date_end", "fewer": "event_id,date_start", "other": "date_start,extra"}


@pytest.mark.parametrize("match,fit", [
    ("exact", {"exact"}), ("equal", {"exact", "reordered"}), ("subset", {"exact", "reordered", "more"}),
    ("superset", {"exact", "reordered", "fewer"}), ("partial", {"exact", "reordered", "more", "fewer", "other"}),
])
def test_fields_match_decides_which_headers_fit_and_the_rows_are_checked_by_name(tmp_path, match, fit):
    """Table Schema v2 fieldsMatch; every header here names date_start, whose bad cell is found."""
    cells = {"event_id": "e1", "date": "2024", "date_start": "2024-13-01", "date_end": "2024-12-31", "extra": "x"}
    for name, header in HEADERS.items():
        root = tmp_path / name
        write(root, {"events": (["event_id", "date", "date_start", "date_end"], [])},
              [lambda d: res(d, "events")["schema"].update(fieldsMatch=match)])
        (root / "tables" / "Events.csv").write_text(header + "\n" + ",".join(cells[h] for h in header.split(",")) + "\n")
        found = {(p[0], p[1], p[3]) for p in keys(validate_package(root))}
        assert found == {(EVENTS, 2, "type-error")} | (set() if name in fit else {(EVENTS, 1, "header-mismatch")}), (match, name)


def test_a_fields_match_this_validator_does_not_know_is_a_located_refusal_and_the_header_is_compared_exactly(tmp_path):
    write(tmp_path, {"events": (["event_id", "date"], [["e1", "2024"]])}, [lambda d: res(d, "events")["schema"].update(fieldsMatch="loose")])
    text = (tmp_path / "datapackage.json").read_text()
    line = text[: text.index('"fieldsMatch"')].count("\n") + 1
    assert {(p[0], p[1], p[3]) for p in keys(validate_package(tmp_path))} == {("datapackage.json", line, "descriptor-error")}


def test_code_lists_are_read_from_the_iso_databases_pycountry_ships():
    """The codes the rules read from pycountry's JSON files are pycountry's own, and the lists a
    descriptor may declare are the lists the rules know."""
    import pycountry

    from schemas.rules import CODE_LISTS, iso_codes, place_codes
    from validate.declarations import CODE_LISTS as DECLARABLE

    assert set(CODE_LISTS) == set(DECLARABLE)
    assert CODE_LISTS["iso3166-1-alpha-3"][1]() == {c.alpha_3 for c in pycountry.countries}
    assert CODE_LISTS["iso639-1"][1]() == {lang.alpha_2 for lang in pycountry.languages if hasattr(lang, "alpha_2")}
    assert place_codes() == iso_codes("3166-1", "alpha_3") | {s.code for s in pycountry.subdivisions}


# -- missingValues ----------------------------------------------------------------------------

def missing_package(root: Path, package: dict, schema: dict, field: dict, cells: list[str]) -> None:
    """One table tables/T.csv: an integer x (required) and an integer key id, one row per cell."""
    (root / "tables").mkdir(parents=True)
    (root / "tables" / "T.csv").write_text("id,x\n" + "".join(f"{i},{v}\n" for i, v in enumerate(cells)))
    fields = [{"name": "id", "type": "integer"}, {"name": "x", "type": "integer", "constraints": {"required": True, "unique": True}, **field}]
    desc = {"name": "p", **package, "resources": [{"name": "t", "path": "tables/T.csv", "schema": {"fields": fields, **schema}}]}
    (root / "datapackage.json").write_text(json.dumps(desc, indent=2) + "\n")


T = "tables/T.csv"


@pytest.mark.parametrize("package,schema,field,expected", [
    ({}, {}, {}, {(T, 3, "x", "missing-value"), (T, 4, "x", "type-error"), (T, 5, "x", "type-error")}),  # default [""]
    ({}, {"missingValues": ["NA"]}, {}, {(T, 3, "x", "type-error"), (T, 4, "x", "missing-value"), (T, 5, "x", "type-error")}),
    ({"missingValues": ["-"]}, {}, {}, {(T, 3, "x", "type-error"), (T, 4, "x", "type-error"), (T, 5, "x", "missing-value")}),
    ({"missingValues": ["-"]}, {"missingValues": ["NA", "-"]}, {}, {(T, 3, "x", "type-error"), (T, 4, "x", "missing-value"),
                                                                     (T, 5, "x", "missing-value")}),  # the schema's beats the package's
    ({}, {"missingValues": ["NA"]}, {"missingValues": [{"value": "", "label": "not asked"}]},
     {(T, 3, "x", "missing-value"), (T, 4, "x", "type-error"), (T, 5, "x", "type-error")}),  # the field's beats the schema's
    ({}, {"missingValues": []}, {}, {(T, 3, "x", "type-error"), (T, 4, "x", "type-error"), (T, 5, "x", "type-error")}),  # nothing is missing
])
def test_missing_values_count_as_missing_at_the_level_that_declares_them(tmp_path, package, schema, field, expected):
    missing_package(tmp_path, package, schema, field, ["1", "", "NA", "-"])
    assert keys(validate_package(tmp_path)) == expected


@pytest.mark.parametrize("package,schema,field", [({"missingValues": "NA"}, {}, {}), ({}, {"missingValues": [None]}, {}),
                                                   ({}, {}, {"missingValues": [{"label": "x"}]})])
def test_malformed_missing_values_are_a_located_refusal_and_the_rest_is_checked(tmp_path, package, schema, field):
    missing_package(tmp_path, package, schema, field, ["1", "1"])
    (tmp_path / "tables" / "T.csv").write_text("id,x\n1,1\n1,1\n2\n")
    problems = keys(validate_package(tmp_path))
    assert {(p[0], p[3]) for p in problems} == {("datapackage.json", "descriptor-error"), (T, "missing-cell")}
    assert all(p[1] > 1 for p in problems)  # located at the declaration, not at the top


def schema_of(table, **kw):
    return lambda d: res(d, table)["schema"].update(kw)


EDTF_TABLES = {"events": (["event_id", "date", "date_start", "date_end"], [["e1", "unknown", "NA", "NA"], ["e2", "2024-10", "2024-10-01", "2024-10-31"]])}
CODES_TABLE = {"codes": (["code"], [["16"], ["016"]])}
MISSING = [  # (tables, declarations, missingValues that make the bad cells missing, problems without them)
    (TABLES, [prop("people", "country", "codeList", "iso3166-1-alpha-3")], [prop("people", "country", "missingValues", ["", "Germany"])],
     {(PEOPLE, 2, "country", "unknown-country")}),
    (TABLES, [prop("people", "country_basis", "basisOf", {"field": "country", "notStated": "not-stated"})], [schema_of("people", missingValues=[])],
     {(PEOPLE, 3, "country_basis", "basis-mismatch")}),  # nothing is missing: '' is a value, stated
    (TABLES, [conv("textHygiene", True)], [prop("people", "Phone", "missingValues", ["-", "+49 30 1234"]), prop("people", "name", "missingValues", [" Ann"])],
     {(PEOPLE, 2, "Phone", "formula-injection"), (PEOPLE, 3, "name", "whitespace"), (PEOPLE, 3, "Phone", "formula-injection")}),
    (EDTF_TABLES, [prop("events", "date", "edtf", True), prop("events", "date", "edtfBounds", {"start": "date_start", "end": "date_end"})],
     [schema_of("events", missingValues=["", "unknown", "NA"])],
     {(EVENTS, 2, "date", "invalid-edtf"), (EVENTS, 2, "date_start", "type-error"), (EVENTS, 2, "date_end", "type-error")}),
    (TABLES, [schema_of("people", foreignKeys=[SELF])], [prop("people", "parent_id", "missingValues", ["p1"])],
     {(PEOPLE, 2, "parent_id", "parent-cycle"), (PEOPLE, 3, "parent_id", "parent-cycle")}),
    (TABLES, [prop("events", "event_mode", "subtypeOf", {"field": "event_type", "reference": {"resource": "event_modes", "fields": ["event_type", "event_mode"]}})],
     [prop("events", "event_mode", "missingValues", ["shout"])], {(EVENTS, 2, "event_mode", "mode-type-mismatch")}),
    (TABLES, [on_resource("sources", "archivedTexts", TEXTS), on_resource("events", "evidence", EVIDENCE)],
     [prop("events", "quote", "missingValues", ["Wrong quote"])], {(EVENTS, 2, "quote", "evidence-mismatch")}),
    (TABLES, [prop("people", "country", "iso3166", True)], [prop("people", "country", "missingValues", ["", "Germany"])],
     {(PEOPLE, 2, "country", "unknown-place-code")}),
    (TABLES, [prop("people", "name", "verbatim", True), on_resource("sources", "archivedTexts", TEXTS)],
     [prop("people", "name", "missingValues", ["Bob", " Ann"])], {(PEOPLE, 2, "name", "not-verbatim"), (PEOPLE, 3, "name", "not-verbatim")}),
    (CODES_TABLE, [prop("codes", "code", "constraints", {"pattern": "[0-9]{3}"})], [prop("codes", "code", "missingValues", ["", "16"])],
     {("tables/Codes.csv", 2, "code", "lost-leading-zeros")}),
]


@pytest.mark.parametrize("tables,declare,missing,expected", MISSING, ids=[sorted({k[3] for k in e})[0] for *_, e in MISSING])
def test_project_rules_honour_the_fields_missing_values(tmp_path, tables, declare, missing, expected):
    """Each project rule fires on its bad cells, and leaves them alone once missingValues (the
    field's, else its schema's) make them missing; '' is missing only where the list says so."""
    write(tmp_path / "before", tables, declare)
    write(tmp_path / "after", tables, declare + missing)
    assert keys(validate_package(tmp_path / "before")) == expected
    assert keys(validate_package(tmp_path / "after")) == set()


def test_a_missing_reference_is_not_dangling(tmp_path):
    missing_package(tmp_path, {}, {"missingValues": ["NA"], "foreignKeys": [{"fields": ["x"], "reference": {"resource": "", "fields": ["id"]}}]},
                    {"constraints": {}}, ["1", "NA", "7"])
    assert keys(validate_package(tmp_path)) == {(T, 4, "x", "dangling-foreign-key")}
