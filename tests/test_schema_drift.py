"""datapackage.json owns the shape; the pandera schemas are built from it and cannot drift."""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from schemas import Context, build_schema, resource_rules
from schemas.fields import field_rules
from validate.descriptor import load
from validate.reader import TEXT

ROOT = Path(__file__).resolve().parent.parent
DESC, _ = load(ROOT)
RESOURCES = DESC.resources
CONSTRAINT_CODES = {"required": "missing-value", "pattern": "pattern-mismatch", "enum": "not-in-vocabulary",
                    "minimum": "out-of-range", "maximum": "out-of-range", "minLength": "out-of-range", "maxLength": "out-of-range"}


def rules_of(res):
    empty = {r["name"]: pd.DataFrame({f["name"]: pd.Series([], dtype=TEXT) for f in r["schema"]["fields"]}) for r in RESOURCES}
    ctx = Context(ROOT, empty, conventions=DESC.conventions)  # every rule this package declares
    return resource_rules(res, ctx, np.arange(2, 100))


@pytest.mark.parametrize("res", RESOURCES, ids=[r["name"] for r in RESOURCES])
def test_pandera_columns_are_the_descriptor_fields_in_order(res):
    schema = build_schema(res, rules_of(res))
    assert list(schema.columns) == [f["name"] for f in res["schema"]["fields"]]
    assert schema.ordered and schema.strict


@pytest.mark.parametrize("res", RESOURCES, ids=[r["name"] for r in RESOURCES])
def test_every_declared_constraint_and_key_has_a_check(res):
    rules = rules_of(res)
    assert {c.name for c in build_schema(res, rules).checks} == {r.name for r in rules}
    covered = {(r.code, f) for r in rules for f in r.fields}
    for f in res["schema"]["fields"]:
        for constraint in f.get("constraints", {}):
            if constraint == "unique":
                code = "duplicate-primary-key" if res["schema"]["primaryKey"] == [f["name"]] else "duplicate-value"
                assert (code, f["name"]) in covered
            else:
                assert (CONSTRAINT_CODES[constraint], f["name"]) in covered
        if f.get("type", "string") != "string":
            assert ("type-error", f["name"]) in covered
        if f.get("edtf"):
            assert ("invalid-edtf", f["name"]) in covered
        assert ("invisible-character", f["name"]) in covered
    assert all(("duplicate-primary-key", k) in covered for k in res["schema"]["primaryKey"])
    for fk in res["schema"].get("foreignKeys", []):
        assert all(("dangling-foreign-key", k) in covered for k in fk["fields"])


@pytest.mark.parametrize("res", RESOURCES, ids=[r["name"] for r in RESOURCES])
def test_every_field_is_documented_with_a_valid_example(res):
    for f in res["schema"]["fields"]:
        assert f.get("title") and f.get("description") and "example" in f, f["name"]
        if f["example"] == "":
            continue  # an empty example documents a field that is usually unknown (publisher, url)
        frame = pd.DataFrame({f["name"]: pd.Series([str(f["example"])], dtype=TEXT)})
        failing = [r.code for r in field_rules([f], [], np.array([2]), hygiene=True) if not r.test(frame).all()]
        assert failing == [], (f["name"], f["example"])


def test_resources_are_named_after_their_files_in_data():
    assert all(r["path"] == f"data/{r['name']}.csv" for r in RESOURCES)
    assert {p.name for p in (ROOT / "data").glob("*.csv")} == {f"{r['name']}.csv" for r in RESOURCES}


def test_link_tables_reference_both_parents():
    for name, parents in {"event_actors": {"events", "actors"}, "commitment_parties": {"commitments", "actors"}}.items():
        res = DESC.resource(name)
        assert parents <= {fk["reference"]["resource"] for fk in res["schema"]["foreignKeys"]}
        assert len(res["schema"]["primaryKey"]) > 1


@pytest.mark.parametrize("res", [r for r in RESOURCES if r.get("vocabulary")], ids=lambda r: r["name"])
def test_a_vocabulary_example_is_one_of_its_rows(res):
    """The examples of a vocabulary's fields together name one row of it, so that a definition's
    example is the definition of the example code (every one once read 'Bound by the commitment.')."""
    import csv

    with open(ROOT / res["path"], encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    example = {f["name"]: f["example"] for f in res["schema"]["fields"]}
    assert example in rows



def test_a_rule_that_raises_is_a_bug_in_the_tool_never_a_pass_or_a_problem(pkg, monkeypatch, capsys):
    """pandera catches what a check raises; check_table must not read that as a verdict."""
    import schemas.build
    from schemas.rule import Rule
    from validate.cli import main
    from validate.core import validate_package

    def broken(df):
        raise ValueError("kaput")

    real = schemas.build.resource_rules
    monkeypatch.setattr(schemas.build, "resource_rules", lambda res, ctx, lines: real(res, ctx, lines) + [Rule("whitespace", res["schema"]["fields"][0]["name"], broken)])
    with pytest.raises(RuntimeError, match="kaput"):
        validate_package(pkg.root)
    assert main([str(pkg.root)]) == 2 and "internal error" in capsys.readouterr().err


def test_a_failing_rule_is_located_at_exactly_its_failing_rows(pkg, monkeypatch):
    """The rows a rule fails are the rows its test says False for, whatever pandera keeps of them."""
    import schemas.build
    from schemas.rule import Rule

    name = max((r["name"] for r in pkg.descriptor()["resources"]), key=lambda n: len(pkg.rows(n)))  # the most rows
    real = schemas.build.resource_rules
    odd = Rule("whitespace", "x", lambda df: np.arange(len(df)) % 2 == 0, lambda df, idx: ["odd"] * len(idx))
    monkeypatch.setattr(schemas.build, "resource_rules", lambda res, ctx, lines: real(res, ctx, lines) + ([odd] if res["name"] == name else []))
    from validate.core import validate_package
    from validate.reader import read_table

    lines = read_table(pkg.root, pkg.resource(pkg.descriptor(), name))[0].lines
    found = sorted(p.line for p in validate_package(pkg.root) if p.column == "x")
    assert len(lines) > 2 and found == sorted(int(line) for line in lines[1::2])


def test_a_rule_answering_too_few_verdicts_is_a_bug_in_the_tool_never_a_pass(pkg, monkeypatch):
    import schemas.build
    from schemas.rule import Rule
    from validate.core import validate_package

    real = schemas.build.resource_rules
    short = Rule("whitespace", "x", lambda df: np.ones(max(len(df) - 1, 0), dtype=bool))
    monkeypatch.setattr(schemas.build, "resource_rules", lambda res, ctx, lines: real(res, ctx, lines) + [short])
    with pytest.raises(RuntimeError, match="verdicts for"):
        validate_package(pkg.root)


def test_two_rules_of_one_name_are_each_located_and_explained(pkg):
    """Two foreign keys on the same fields make two rules of one name: each reports the rows it
    rejects, in its own words, as it does alone."""
    from validate.core import validate_package

    d = pkg.descriptor()
    res, fk = next((r, fk) for r in d["resources"] for fk in r["schema"].get("foreignKeys", []) if len(fk["fields"]) == 1
                   and fk.get("reference", {}).get("resource") not in (None, "", r["name"]))
    field = fk["fields"][0]
    other = next(r for r in d["resources"] if r["name"] != fk["reference"]["resource"] and r.get("vocabulary") and r["schema"]["primaryKey"])
    second = {"fields": [field], "reference": {"resource": other["name"], "fields": [other["schema"]["primaryKey"][0]]}}

    def found(*fks):
        res["schema"]["foreignKeys"] = [f for f in res["schema"]["foreignKeys"] if f["fields"] != [field]] + list(fks)
        pkg.write_descriptor(d)
        return sorted((p.key, p.message) for p in validate_package(pkg.root))

    pkg.set(res["name"], pkg.key(res["name"]), field, pkg.get(res["name"], pkg.key(res["name"]), field) + "-nowhere")  # breaks the first too
    first_alone, second_alone, both = found(fk), found(second), found(fk, second)
    assert first_alone and second_alone != first_alone and both == sorted(set(first_alone) | set(second_alone))
