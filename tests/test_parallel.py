"""Large packages have their tables read and checked two at a time (validate.core.read_tables,
check_tables): the problems are the same, in the same order, as when every table is read and
checked in turn."""

from __future__ import annotations

from pathlib import Path

import pytest

from helpers import Pkg, synthetic
from validate import core
from validate.core import validate_package


@pytest.fixture(scope="module")
def corrupted(tmp_path_factory) -> Path:
    pkg = synthetic(tmp_path_factory, 400)
    pkg.set("events", "ev-0000010", "char_start", "x")
    pkg.set("events", "ev-0000030", "date", "2024-13")  # EDTF through the library, which prints
    pkg.set("events", "ev-0000031", "date", "2024-1X")
    pkg.set("event_actors", ("ev-0000050",), "actor_id", "no-such-actor")
    pkg.append("actors", pkg.rows("actors")[3])
    pkg.set("commitments", pkg.rows("commitments")[2][0], "quote", "=cmd")
    # package-wide work done beside the tables' checks: spreadsheet damage and coverage
    pkg.set("events", "ev-0000070", "date_end", "10/1/2024")
    pkg.write_raw("coverage_exclusions", pkg.raw("coverage_exclusions").split(b"\n", 1)[0] + b"\n")
    return pkg.root


def test_tables_checked_side_by_side_give_the_problems_of_one_at_a_time(corrupted, monkeypatch, capsys):
    monkeypatch.setattr(core, "PARALLEL_FROM_ROWS", 10**12)
    one_at_a_time = [p.format() for p in validate_package(corrupted)]
    monkeypatch.setattr(core, "PARALLEL_FROM_ROWS", 0)
    monkeypatch.setattr(core.os, "cpu_count", lambda: 2)
    side_by_side = [p.format() for p in validate_package(corrupted)]
    codes = {line.split(": ")[1] for line in one_at_a_time}
    assert {"locale-date", "uncovered-sentence", "dangling-foreign-key", "formula-injection"} <= codes and side_by_side == one_at_a_time
    assert capsys.readouterr().out == ""  # the EDTF library's prints stay swallowed whatever the threads do


def test_tables_read_side_by_side_give_the_problems_of_one_at_a_time(corrupted, monkeypatch):
    pkg = Pkg(corrupted)
    originals = {name: pkg.raw(name) for name in ("actors", "events")}
    try:  # problems found while reading: a blank line and a ragged row, rows out of key order
        width = len(pkg.rows("actors")[0])
        pkg.write_raw("actors", originals["actors"].replace(b"\n", b"\n\n", 1) + b",".join([b"x"] * (width + 1)) + b"\n")
        events = pkg.rows("events")
        pkg.write_rows("events", [events[0]] + events[:0:-1])
        monkeypatch.setattr(core, "PARALLEL_FROM_BYTES", 1 << 62)
        one_at_a_time = [p.format() for p in validate_package(corrupted)]
        monkeypatch.setattr(core, "PARALLEL_FROM_BYTES", 0)
        monkeypatch.setattr(core.os, "cpu_count", lambda: 2)
        side_by_side = [p.format() for p in validate_package(corrupted)]
    finally:
        for name, raw in originals.items():
            pkg.write_raw(name, raw)
    codes = {line.split(": ")[1] for line in one_at_a_time}
    assert {"blank-row", "extra-cell", "not-canonical"} <= codes and side_by_side == one_at_a_time
