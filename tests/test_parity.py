"""Parity with frictionless-py: its own fixtures (tests/third_party/frictionless-py, see ORIGIN.md),
each wrapped in one small data package, validated by the installed frictionless and by
`validate_package`. Every error frictionless reports at a row (and field) we report at the same line
(and field), and we report nothing where frictionless reports nothing (so a fixture it accepts we
accept); the only exceptions are the deliberate
differences in the one table of docs/table-schema.md, which this test reads, and each of which must
still happen (a stale row fails too)."""

from __future__ import annotations

import csv
import json
import shutil
from pathlib import Path

import pytest

from validate.core import validate_package

frictionless = pytest.importorskip("frictionless")

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "third_party" / "frictionless-py"
TABLE = ROOT / "docs" / "table-schema.md"


def fields(csv_name: str, **declared) -> list[dict]:
    """A field per header cell of the fixture, string unless `declared` gives it more (by name)."""
    with open(FIXTURES / csv_name, encoding="utf-8", newline="") as f:
        header = next(csv.reader(f))
    return [{"name": h, "type": "string", **declared.get(h, {})} for h in header]


def table(csv_name: str, schema_extra: dict | None = None, **declared) -> dict:
    """A one-resource package of the fixture `csv_name`, its fields declared as `declared` says."""
    schema = {"fields": fields(csv_name, **declared), **(schema_extra or {})}
    return {"name": "parity", "resources": [{"name": "table", "path": csv_name, "schema": schema}]}


INT, NUM, DATE, DATETIME, TIME, BOOL = ({"type": t} for t in ("integer", "number", "date", "datetime", "time", "boolean"))

# id -> (files copied, descriptor; None: the fixture's own datapackage.json)
CASES = {
    "number": (["number/number-test.csv", "number/datapackage.json"], None),
    "geopoint-object": (["geopoint/data/geopoint-object.csv", "geopoint/datapackage.json"], None),
    "truefalse-declared": (["countries-truefalsevalues.csv"],
                           table("countries-truefalsevalues.csv", id=INT, value={"type": "boolean", "trueValues": ["yes"], "falseValues": ["no"]})),
    "truefalse-default": (["countries-truefalsevalues.csv"], table("countries-truefalsevalues.csv", id=INT, value=BOOL)),
    "timezone": (["timezone.csv"], table("timezone.csv", datetime=DATETIME, **{" time": TIME})),
    "timezone-enum": (["timezone.csv"], table("timezone.csv", datetime={"type": "datetime", "constraints": {"enum": ["2020-01-01T15:00:00Z", "2020-01-01T18:00:00+00:00"]}},
                                                 **{" time": {"type": "time", "constraints": {"enum": ["15:00:00Z", "15:00:00"]}}})),
    "missing-declared": (["table-infer-missing-values.csv"],
                         table("table-infer-missing-values.csv", {"missingValues": ["-"]}, id={"type": "integer", "constraints": {"required": True}},
                               age=INT)),
    "missing-default": (["table-infer-missing-values.csv"], table("table-infer-missing-values.csv", id=INT, age=INT)),
    "array": (["issue-833.csv"], table("issue-833.csv", id=INT, value={"type": "array", "constraints": {"minLength": 1}})),
    "number-text": (["issue-825.csv"], table("issue-825.csv", **{"2011": NUM, "2010": {"type": "number", "groupChar": ".", "decimalChar": ","}})),
    "unique": (["unique-field.csv"], table("unique-field.csv", id={"constraints": {"unique": True, "pattern": "[a-z]{2}"}},
                                           slug={"constraints": {"unique": True, "maxLength": 19}})),
    "primary-key": (["duplicate-rows.csv"], table("duplicate-rows.csv", {"primaryKey": ["id"]}, id=INT, age={"type": "integer", "constraints": {"maximum": 29}})),
    "leading-zeros": (["leading-zeros.csv"], table("leading-zeros.csv", value={"type": "integer", "constraints": {"enum": [1, 2, 3], "unique": True}})),
    "floats": (["floats.csv"], {"$schema": "https://datapackage.org/profiles/2.0/datapackage.json",  # exclusive bounds are v2
                                **table("floats.csv", number={"type": "number", "constraints": {"exclusiveMinimum": 1.1, "maximum": 1.4}})}),
    "self-reference": (["nested.csv"], table("nested.csv", {"foreignKeys": [{"fields": ["cat"], "reference": {"resource": "", "fields": ["id"]}}]},
                                             id=INT, cat=INT)),
    "integer-bounds": (["primary-file-types.csv"], table("primary-file-types.csv", id=INT, boolean=BOOL,
                                                         integer_minmax={"type": "integer", "constraints": {"minimum": 22, "maximum": 30}})),
    "acled": (["issue-305.csv"], table("issue-305.csv", data_id={"type": "integer", "constraints": {"unique": True}}, iso=INT, event_date=DATE,
                                       year={"type": "year", "constraints": {"minimum": 2020}}, time_precision={"type": "integer", "constraints": {"enum": [1, 2]}},
                                       latitude={"type": "number", "constraints": {"minimum": -90, "maximum": 90}}, longitude=NUM,
                                       fatalities={"type": "integer", "constraints": {"minimum": 0}}, timestamp=INT, inter1=INT, interaction=INT,
                                       event_id_no_cnty=INT)),
    "acled-dates": (["issue-305.csv"], table("issue-305.csv", event_date={"type": "date", "format": "%d/%m/%Y"}, year=DATETIME)),
    "archaeology": (["issue-277.csv"], table("issue-277.csv", Identifier=INT, DateEarliest=DATETIME, DateLatest=DATETIME, DateModified=DATETIME,
                                             IdentifierUUID={"type": "string", "format": "uuid"}, Title={"type": "string", "format": "email"},
                                             CoverageAltitude={"type": "array"}, InclStoneBuilding={"type": "integer", "constraints": {"maximum": 50}})),
}


def differences() -> dict[str, set[tuple[int, str]]]:
    """The table of deliberate differences: fixture -> {(row, field)}; read from the docs, not restated."""
    text = TABLE.read_text(encoding="utf-8")
    section = text[text.index("## Deliberate differences from frictionless-py"):]
    out: dict[str, set[tuple[int, str]]] = {}
    for line in section.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if line.startswith("|") and len(cells) >= 3 and cells[1].isdigit():
            out.setdefault(cells[0].strip("`"), set()).add((int(cells[1]), cells[2].strip("`")))
    return out


def package(tmp_path: Path, case: str) -> tuple[Path, str]:
    files, descriptor = CASES[case]
    root = tmp_path / case
    for name in files:
        own = descriptor is None and Path(files[-1]).parent
        target = root / (Path(name).relative_to(own) if own else Path(name).name)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(FIXTURES / name, target)
    if descriptor is not None:
        (root / "datapackage.json").write_text(json.dumps(descriptor, indent=2) + "\n", encoding="utf-8")
    data = json.loads((root / "datapackage.json").read_text(encoding="utf-8"))
    return root, data["resources"][0]["path"]


def frictionless_errors(root: Path) -> tuple[set[tuple[int, str | None]], list]:
    report = frictionless.validate(str(root / "datapackage.json"))
    flat = report.flatten(["rowNumber", "fieldName", "type"])
    labels = {"incorrect-label", "blank-label", "duplicate-label", "missing-label", "extra-label"}  # the header is line 1
    located = [(1 if kind in labels else row, field) for row, field, kind in flat]
    return {(row, field) for row, field in located if row is not None}, [e for e, (row, _) in zip(flat, located) if row is None]


@pytest.mark.parametrize("case", sorted(CASES))
def test_every_frictionless_verdict_is_ours_but_the_documented_differences(tmp_path, case):
    root, path = package(tmp_path, case)
    theirs, unlocated = frictionless_errors(root)
    assert unlocated == [], f"frictionless cannot read the {case} package: {unlocated}"
    ours = {(p.line, p.column) for p in validate_package(root) if p.path == path}
    other = [p for p in validate_package(root) if p.path != path]
    assert other == [], other
    allowed = differences().get(case, set())
    lines = {line for line, _ in ours}
    missed = {(row, field) for row, field in theirs if ((row, field) not in ours if field else row not in lines)}
    extra = {(line, field) for line, field in ours if (line, field) not in theirs and (line, None) not in theirs}
    assert (missed | extra) - allowed == set(), f"missed {sorted(missed - allowed)}, extra {sorted(extra - allowed)}"
    assert allowed <= missed | extra, f"documented differences that no longer happen: {sorted(allowed - missed - extra)}"


def test_the_differences_table_names_only_fixtures_of_this_test():
    assert set(differences()) <= set(CASES)
