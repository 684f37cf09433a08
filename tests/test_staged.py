"""The largest tables of a large package are checked one at a time before the rest are read,
and then cut to the columns the rest of the validation reads (validate/staged.py): the problems
are those of reading and checking every table together."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from helpers import Pkg, synthetic
from validate import core, staged
from validate.core import validate_package


@pytest.fixture(scope="module")
def corrupted(tmp_path_factory) -> Path:
    pkg = synthetic(tmp_path_factory, 400)
    pkg.set("events", "ev-0000010", "char_start", "x")
    pkg.set("events", "ev-0000011", "quote", "not what the text says")
    pkg.set("events", "ev-0000030", "date", "2024-13")
    pkg.set("events", "ev-0000040", "summary", " padded")
    pkg.set("event_actors", ("ev-0000050",), "actor_id", "no-such-actor")
    pkg.append("actors", pkg.rows("actors")[3])
    pkg.set("commitments", pkg.rows("commitments")[2][0], "quote", "=cmd")
    pkg.set("commitments", pkg.rows("commitments")[3][0], "event_id", "ev-9999999")  # a reference to a cut table
    pkg.set("events", "ev-0000070", "date_end", "10/1/2024")  # spreadsheet damage in a staged table
    # a vocabulary code that lost its zero: the staged events naming it must not dangle on top
    rows = pkg.rows("cameo_codes")
    code = next(r[0] for r in rows[1:] if r[0].startswith("0"))
    pkg.set("cameo_codes", code, "cameo_code", code.lstrip("0"))
    pkg.write_raw("coverage_exclusions", pkg.raw("coverage_exclusions").split(b"\n", 1)[0] + b"\n")
    return pkg.root


def together(root: Path, monkeypatch) -> list[str]:
    monkeypatch.setattr(staged, "REST_BYTES", 1 << 62)
    return [p.format() for p in validate_package(root)]


def one_at_a_time(root: Path, monkeypatch) -> tuple[list[str], list[str]]:
    """The problems with every table that can be staged staged, and the tables staged."""
    monkeypatch.setattr(staged, "REST_BYTES", 0)
    monkeypatch.setattr(staged, "STAGED_FROM_BYTES", 0)
    seen = []
    largest = staged.largest

    def spy(*args):
        res = largest(*args)
        if res is not None:
            seen.append(res["name"])
        return res

    monkeypatch.setattr(staged, "largest", spy)
    return [p.format() for p in validate_package(root)], seen


def test_tables_checked_one_at_a_time_give_the_problems_of_all_together(corrupted, monkeypatch):
    expected = together(corrupted, monkeypatch)
    got, seen = one_at_a_time(corrupted, monkeypatch)
    codes = {line.split(": ")[1] for line in expected}
    assert {"type-error", "evidence-mismatch", "invalid-edtf", "whitespace", "dangling-foreign-key", "duplicate-primary-key",
            "formula-injection", "locale-date", "lost-leading-zeros", "uncovered-sentence"} <= codes
    assert len(seen) >= 2 and got == expected


def test_a_lost_zero_in_a_vocabulary_does_not_make_a_staged_table_dangle(corrupted, monkeypatch):
    got, seen = one_at_a_time(corrupted, monkeypatch)
    events = Pkg(corrupted).rel("events")
    assert "events" in seen
    assert not [line for line in got if line.startswith(events) and "dangling-foreign-key" in line and "cameo_code" in line]


def test_a_dependency_missed_falls_back_to_reading_every_table(corrupted, monkeypatch):
    """A table the staged checks ask for and that was not read raises NotRead; the table is then
    checked with all the others, never with a rule switched off as if the table were unreadable."""
    expected = together(corrupted, monkeypatch)
    monkeypatch.setattr(staged, "depends_on", lambda res, resources: set())
    missed = []
    frames_get = staged.Frames.get

    def get(self, name, default=None):
        try:
            return frames_get(self, name, default)
        except staged.NotRead:
            missed.append(name)
            raise

    monkeypatch.setattr(staged.Frames, "get", get)
    got, seen = one_at_a_time(corrupted, monkeypatch)
    assert missed and seen and got == expected


def test_a_rule_that_fails_in_a_staged_check_is_run_again_with_every_table(corrupted, monkeypatch):
    expected = together(corrupted, monkeypatch)
    check_table = core.check_table
    failed = []

    def flaky(res, *args):
        if res["name"] in ("events", "actors") and res["name"] not in failed:  # a staged table and one checked beside it
            failed.append(res["name"])
            raise RuntimeError("a rule's own error")
        return check_table(res, *args)

    monkeypatch.setattr(core, "check_table", flaky)
    got, seen = one_at_a_time(corrupted, monkeypatch)
    assert sorted(failed) == ["actors", "events"] and "events" in seen and got == expected


def test_a_checked_table_lets_go_of_the_columns_its_rules_built():
    from schemas.rule import column, forget_columns
    from validate.reader import ARROW_TEXT

    df = pd.DataFrame({"a": pd.array(["x", "y"], dtype=ARROW_TEXT)})
    built = column(df, "a")
    assert column(df, "a") is built
    forget_columns(df)
    assert column(df, "a") is not built


def test_a_table_not_read_yet_is_not_answered_as_unreadable():
    frames = staged.Frames({"read": None}, {"pending"})
    assert frames.get("read") is None and frames.get("absent") is None
    with pytest.raises(staged.NotRead):
        frames.get("pending")
    with pytest.raises(staged.NotRead):
        frames["pending"]


def _resource(name: str, fields: list[str], **extra) -> dict:
    return {"name": name, "path": f"{name}.csv", "schema": {"fields": [{"name": f} for f in fields], "primaryKey": fields[:1], **extra}}


FACTS = _resource("facts", ["fact_id", "kind", "note", "source_id", "quote", "char_start", "char_end"],
                  foreignKeys=[{"fields": ["kind"], "reference": {"resource": "kinds", "fields": ["kind"]}}])
FACTS["evidence"] = {"source": "source_id", "quote": "quote", "start": "char_start", "end": "char_end"}
KINDS = _resource("kinds", ["kind"])
LINKS = _resource("links", ["link_id", "fact_id", "note"],
                  foreignKeys=[{"fields": ["fact_id"], "reference": {"resource": "facts", "fields": ["fact_id"]}}])


NOTED = _resource("noted", ["noted_id", "note"],
                  foreignKeys=[{"fields": ["note"], "reference": {"resource": "facts", "fields": ["note"]}}])


def test_a_cut_table_keeps_its_key_what_others_reference_and_its_evidence_offsets():
    assert staged.kept_fields(FACTS, [FACTS, KINDS, LINKS], set()) == ["fact_id", "source_id", "char_start", "char_end"]
    assert staged.kept_fields(FACTS, [FACTS, KINDS, NOTED], set()) == ["fact_id", "note", "source_id", "char_start", "char_end"]


def test_a_staged_table_is_cut_before_the_rest_are_checked(corrupted, monkeypatch):
    seen_columns = {}
    check_tables = core.check_tables

    def spy(resources, tables, *args):
        seen_columns.update({name: list(t.frame.columns) for name, t in tables.items() if t is not None})
        return check_tables(resources, tables, *args)

    monkeypatch.setattr(core, "check_tables", spy)
    _, seen = one_at_a_time(corrupted, monkeypatch)
    resources = {r["name"]: r for r in Pkg(corrupted).descriptor()["resources"]}
    cut = []
    for name in seen:
        fields = set(f["name"] for f in resources[name]["schema"]["fields"])
        least = staged.kept_fields(resources[name], list(resources.values()), set())  # more where a spreadsheet may have damaged a target
        assert set(least) <= set(seen_columns[name]) <= fields
        cut += [name] if set(seen_columns[name]) < fields else []
    assert "events" in cut


def test_a_cut_table_keeps_its_references_to_a_table_a_spreadsheet_may_have_damaged():
    assert "kind" in staged.kept_fields(FACTS, [FACTS, KINDS, LINKS], {"kinds"})


def test_the_staged_table_is_read_after_what_its_checks_consult():
    assert staged.depends_on(FACTS, [FACTS, KINDS, LINKS]) == {"kinds"}
    assert staged.depends_on(LINKS, [FACTS, KINDS, LINKS]) == {"facts"}


@pytest.mark.parametrize("mark", [{"retiredKeys": True}, {"archivedTexts": {"id": "fact_id", "path": "note", "sha256": "note"}},
                                  {"coverageExclusions": True}])
def test_a_table_other_checks_read_whole_is_not_staged(mark):
    facts = {**FACTS, **mark}
    assert staged.largest([facts, KINDS, LINKS], [1 << 40, 0, 0]) is None
    assert staged.largest([FACTS, KINDS, LINKS], [1 << 40, 0, 0]) is FACTS


def test_small_packages_are_read_together():
    assert staged.largest([FACTS, KINDS, LINKS], [staged.REST_BYTES, 0, 0]) is None


def test_a_table_another_declaration_reads_whole_is_not_staged():
    modes = _resource("modes", ["kind", "mode"])
    refined = _resource("refined", ["refined_id", "kind", "mode"])
    refined["schema"]["fields"][2]["subtypeOf"] = {"field": "kind", "reference": {"resource": "modes", "fields": ["kind", "mode"]}}
    assert staged.largest([modes, refined], [1 << 40, 0]) is None
    assert staged.largest([modes, refined], [0, 1 << 40]) is refined


def test_a_table_read_whole_does_not_stop_the_next_largest_from_being_staged():
    facts = {**FACTS, "retiredKeys": True}
    assert staged.largest([facts, KINDS, LINKS], [1 << 40, 0, 1 << 39]) is LINKS
