"""The Data Package Version recipe, rule by rule, on small inline descriptors."""

import pytest

from validate.versioning import MAJOR, MINOR, PATCH, bump_level, constraint_level, descriptor_changes, parse

CONSTRAINTS = [
    ("required", None, True, MAJOR), ("required", True, False, MINOR), ("required", None, False, MINOR),
    ("unique", False, True, MAJOR), ("pattern", None, "[a-z]+", MAJOR), ("pattern", "[a-z]+", None, MINOR),
    ("pattern", "[a-z]+", "[a-z0-9]+", MAJOR),  # a changed pattern may reject old values
    ("enum", ["a"], ["a", "b"], MINOR), ("enum", ["a", "b"], ["a"], MAJOR), ("enum", ["a"], ["b"], MAJOR),
    ("minimum", 0, 1, MAJOR), ("minimum", 1, 0, MINOR), ("maximum", 10, 5, MAJOR), ("maximum", 5, 10, MINOR),
    ("minLength", 1, 2, MAJOR), ("maxLength", 10, 20, MINOR), ("maxLength", 10, 10, 0),
]


@pytest.mark.parametrize("key,old,new,level", CONSTRAINTS)
def test_tightening_is_major_and_loosening_minor(key, old, new, level):
    assert constraint_level(key, old, new) == level


@pytest.mark.parametrize("old,new,level", [
    ("0.1.0", "0.1.1", PATCH), ("0.1.0", "0.2.0", MINOR), ("0.1.0", "1.0.0", MAJOR),
    ("1.2.3", "1.2.3", 0), ("1.2.3", "1.1.9", 0), ("3.0.0", "2.9.9", 0), ("1.2.3", "1.3.0-rc.1", MINOR),
])
def test_bump_level(old, new, level):
    assert bump_level(parse(old), parse(new)) == level


@pytest.mark.parametrize("version", ["1.0", "v1.0.0", "01.0.0", "1.0.0.0", None, 1])
def test_non_semver_versions_do_not_parse(version):
    assert parse(version) is None


def _v1() -> dict:
    return {"profile": "tabular-data-package", "name": "p", "version": "1.0.0", "contributors": [{"title": "A", "role": "author"}],
            "resources": [{"name": "people", "path": "data/people.csv", "profile": "tabular-data-resource", "schema": {
                "fields": [{"name": "id", "type": "integer"}, {"name": "parent", "type": "integer"}], "primaryKey": "id",
                "foreignKeys": [{"fields": "parent", "reference": {"resource": "", "fields": "id"}}]}}]}


def _v2() -> dict:
    return {"$schema": "https://datapackage.org/profiles/2.0/datapackage.json", "name": "p", "version": "1.0.0",
            "contributors": [{"title": "A", "roles": ["author"]}],
            "resources": [{"name": "people", "path": "data/people.csv", "type": "table", "schema": {
                "fields": [{"name": "id", "type": "integer"}, {"name": "parent", "type": "integer"}], "primaryKey": ["id"],
                "foreignKeys": [{"fields": ["parent"], "reference": {"fields": ["id"]}}]}}]}


def test_a_v1_descriptor_re_expressed_in_v2_is_a_patch_not_a_change_of_keys_or_profiles():
    assert descriptor_changes(_v1(), _v2()) == [(PATCH, "descriptor re-expressed, with the same meaning in Data Package v2")]
    assert descriptor_changes(_v2(), _v2()) == []


def test_a_real_change_shows_through_the_v2_re_expression():
    new = _v2()
    new["resources"][0]["schema"]["foreignKeys"][0]["reference"]["resource"] = "others"  # no longer a self-reference
    new["resources"][0]["profile"] = "https://example.org/my-profile.json"  # a custom profile means extra rules
    changes = descriptor_changes(_v1(), new)
    assert {(MAJOR, "people: foreign key ['parent'] added"), (MINOR, "people: foreign key ['parent'] removed"),
            (MAJOR, "people: profile changed")} <= set(changes)
    assert "descriptor re-expressed" not in str(changes)
